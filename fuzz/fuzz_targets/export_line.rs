//! Any bytes as an export through the shared reader and the streaming resolver in every
//! mode: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use idscope_core::stream::{Stream, StreamOptions};

fuzz_target!(|data: &[u8]| {
    for mode in idscope_core::model::Mode::ALL {
        let mut s = Stream::new(StreamOptions {
            mode,
            knobs: idscope_core::model::Knobs { max_cluster: 3, ..Default::default() },
            dedupe: true,
            keep_verdicts: true,
        });
        let _ = idscope_core::ingest::feed_bytes("fuzz", data, &mut s);
        let _ = s.summary(5);
        let _ = s.mapping_csv();
    }
});
