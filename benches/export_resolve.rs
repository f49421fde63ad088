//! Issue 6: resolving an export must cost at most 1.2× the floor — serde_json parsing each
//! line and pulling out the identity fields. Both are measured here on the same `gen` data.
//! Size: IDSCOPE_BENCH_EVENTS (default 200,000; the target figure is for 1,000,000).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The allocator the binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use idscope::model::{Knobs, Mode};
use idscope::pipeline::{feed_reader, Control, Hooks};
use idscope::stream::{Line, Stream, StreamOptions};

/// Shares the joined input between iterations without copying it.
struct ArcBytes(std::sync::Arc<Vec<u8>>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn data() -> Vec<String> {
    let n = std::env::var("IDSCOPE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let mut lines = Vec::with_capacity(n);
    idscope::gen::generate(n, 1, idscope::gen::Shape::Realistic, &mut |l| {
        lines.push(l.to_string());
        Ok(())
    })
    .unwrap();
    lines
}

fn bench(c: &mut Criterion) {
    let lines = data();
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let mut group = c.benchmark_group(format!("export_{}_events", lines.len()));
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("floor_parse_identity_fields", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in &lines {
                let line = Line::parse(l).unwrap();
                n += line
                    .properties
                    .as_ref()
                    .map_or(0, |p| p.distinct_id.is_some() as usize);
            }
            n
        })
    });
    // What `idscope resolve` does: read blocks, parse on a second thread, resolve here.
    let joined: std::sync::Arc<Vec<u8>> = std::sync::Arc::new(lines.join("\n").into_bytes());
    for mode in Mode::ALL {
        group.bench_function(format!("resolve_{mode}"), |b| {
            b.iter(|| {
                let mut s = Stream::new(StreamOptions {
                    mode,
                    knobs: Knobs::default(),
                    dedupe: false,
                    keep_verdicts: false,
                });
                let reader = std::io::Cursor::new(ArcBytes(joined.clone()));
                let hooks = Hooks {
                    on_bad: &mut |_| Control::Continue,
                    on_bytes: &mut |_| {},
                    on_line: None,
                };
                assert!(feed_reader(&mut s, Box::new(reader), hooks).unwrap());
                s.summary(10)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
