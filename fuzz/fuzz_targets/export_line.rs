//! Any bytes as export lines through the streaming resolver in every mode: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use idscope::stream::{Stream, StreamOptions};

fuzz_target!(|data: &[u8]| {
    for mode in idscope::model::Mode::ALL {
        let mut s = Stream::new(StreamOptions {
            mode,
            knobs: idscope::model::Knobs { max_cluster: 3, ..Default::default() },
            dedupe: true,
            keep_verdicts: true,
        });
        for (i, line) in data.split(|&b| b == b'\n').enumerate() {
            if let Ok(text) = std::str::from_utf8(line) {
                let _ = s.feed(i + 1, text);
            }
        }
        let _ = s.summary(5);
        let _ = s.mapping_csv();
    }
});
