//! Resolution speed: a 100,000-step scenario through the SDK emulator and each resolver.
//! Target (issue 2): well under a second in release.

use criterion::{criterion_group, criterion_main, Criterion};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use idscope_core::model::Mode;
use idscope_core::run::{Run, RunConfig};
use idscope_core::scenario::parse;

/// A realistic mix: visits, signups, logins on second devices, logouts, shared devices.
fn big_scenario(steps: usize) -> String {
    let mut s = String::from(r#"{"name":"bench","steps":["#);
    for i in 0..steps {
        let user = i / 10;
        let device = format!("d{}", i / 5);
        let step = match i % 10 {
            0 | 1 | 5 | 6 => format!(r#"{{"device":"{device}","visit":"p{i}"}}"#),
            2 => format!(r#"{{"device":"{device}","signup":"u{user}"}}"#),
            3 | 8 => format!(r#"{{"device":"{device}","track":"Click"}}"#),
            4 => format!(r#"{{"device":"{device}","logout":true}}"#),
            7 => format!(r#"{{"device":"{device}","login":"u{user}"}}"#),
            _ => format!(
                r#"{{"device":"{device}","login":"u{}"}}"#,
                user.saturating_sub(1)
            ),
        };
        if i > 0 {
            s.push(',');
        }
        s.push_str(&step);
    }
    s.push_str("]}");
    s
}

fn bench(c: &mut Criterion) {
    let scenario = parse(&big_scenario(100_000), "bench.json").unwrap();
    let mut group = c.benchmark_group("run_100k_steps");
    group.sample_size(10);
    for mode in Mode::ALL {
        group.bench_function(mode.as_str(), |b| {
            b.iter_with_large_drop(|| Run::new(&scenario, RunConfig::new(mode)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
