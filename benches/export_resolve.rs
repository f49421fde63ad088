//! Issue 6: resolving an export must cost at most 1.2× the floor — serde_json parsing each
//! line and pulling out the identity fields. Both are measured here on the same `gen` data.
//! Size: IDSCOPE_BENCH_EVENTS (default 200,000; the target figure is for 1,000,000).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The allocator the binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use idscope_core::ingest::{feed_bytes, Line};
use idscope_core::model::{Knobs, Mode};
use idscope_core::stream::{Stream, StreamOptions};

fn data() -> Vec<String> {
    let n = std::env::var("IDSCOPE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let mut lines = Vec::with_capacity(n);
    idscope_core::gen::generate(n, 1, idscope_core::gen::Shape::Realistic, &mut |l| {
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
    // What `idscope resolve FILE` does: the file is mapped, so its bytes are in memory too;
    // parser threads cut it into blocks and parse them while this thread resolves.
    let joined = lines.join("\n").into_bytes();
    for mode in Mode::ALL {
        group.bench_function(format!("resolve_{mode}"), |b| {
            b.iter(|| {
                let mut s = Stream::new(StreamOptions {
                    mode,
                    knobs: Knobs::default(),
                    dedupe: false,
                    keep_verdicts: false,
                });
                assert!(feed_bytes("bench", &joined, &mut s).unwrap());
                serde_json::to_string(&s.summary(10)).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
