//! Resolving a real export against its baselines, on the same `gen` data in the same run
//! (this machine is noisy: compare ratios, not absolute times):
//! - `wc_l`: `wc -l` reading the file — the speed of reading it (issue 16: resolve within 3×);
//! - `floor_parse_identity_fields`: serde_json parsing each line for the identity fields
//!   (issue 6: resolve at most 1.2× this);
//! - `resolve_<mode>`: what `idscope resolve FILE` does (the file mapped, parsed on two cores);
//! - `export_view_first_screen`: the export view's first pass (index + one mode + summary),
//!   and `export_view_mode_switch`: another mode (issue 16: ≤ 2× and ≤ 1.5× a resolve);
//! - `diff_original_to_simplified` (issue 16: ≤ 2.5× a resolve).
//!
//! Size: IDSCOPE_BENCH_EVENTS (default 200,000; the targets are for 1,000,000). Peak memory
//! is measured per process (`/usr/bin/time -f %M`), so it is in the notes, not here.

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
    // The same bytes as a file, read the way the commands read it (mapped).
    let path = std::env::temp_dir().join(format!("idscope-bench-{}.jsonl", std::process::id()));
    std::fs::write(&path, &joined).unwrap();
    group.bench_function("wc_l", |b| {
        b.iter(|| {
            let out = std::process::Command::new("wc")
                .arg("-l")
                .arg(&path)
                .output()
                .expect("wc runs");
            assert!(out.status.success());
        })
    });
    group.bench_function("resolve_file_simplified", |b| {
        b.iter(|| {
            let mut s = Stream::new(StreamOptions {
                mode: Mode::Simplified,
                knobs: Knobs::default(),
                dedupe: false,
                keep_verdicts: false,
            });
            let input = idscope_core::ingest::open(&path).unwrap();
            assert!(input.feed(&mut s).unwrap());
            serde_json::to_string(&s.summary(10)).unwrap()
        })
    });
    let source = idscope_core::export_index::Source::open(&path).unwrap();
    let progress = std::sync::atomic::AtomicU64::new(0);
    group.bench_function("export_view_first_screen", |b| {
        b.iter(|| {
            let (index, r) = idscope_core::export_index::index(
                &source,
                Mode::Simplified,
                Knobs::default(),
                &progress,
            )
            .unwrap();
            (
                index.events.len(),
                idscope::tui::export_view::Resolved::new(r).summary.len(),
            )
        })
    });
    group.bench_function("export_view_mode_switch", |b| {
        b.iter(|| {
            let r = idscope_core::export_index::resolve(
                &source,
                Mode::Original,
                Knobs::default(),
                &progress,
            )
            .unwrap();
            idscope::tui::export_view::Resolved::new(r).summary.len()
        })
    });
    group.bench_function("diff_original_to_simplified", |b| {
        b.iter(|| {
            let d = idscope_core::diff::diff(
                &source,
                Mode::Original,
                Mode::Simplified,
                Knobs::default(),
                &progress,
            )
            .unwrap();
            d.changes.len()
        })
    });
    group.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, bench);
criterion_main!(benches);
