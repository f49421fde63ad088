//! Keypress → rendered frame on a 10,000-step scenario (generated here): the explorer must
//! answer within a frame (16 ms). Measures key mapping + `update` + a full draw on a
//! 120×40 TestBackend, for a step (`l`/`h`, alternating around the middle) and a mode switch
//! (`m`), on the main screen and with the events table, compare view, identity graph and
//! swimlanes open.

use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use idscope::tui::app::{update, Action, App};
use idscope::tui::keymap::map_key;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::hint::black_box;

const STEPS: usize = 10_000;

/// 100 devices, 60 users: visits, signups, logins, tracks, logouts and the odd identify,
/// so clusters grow, merge and fail in every mode.
fn scenario() -> idscope_core::Scenario {
    let mut steps = Vec::with_capacity(STEPS);
    for i in 0..STEPS {
        let device = format!("d{}", i % 100);
        let user = format!("user{}", (i / 7) % 60);
        let step = match i % 9 {
            0 | 4 => serde_json::json!({ "device": device, "visit": format!("Page {}", i % 13) }),
            1 => serde_json::json!({ "device": device, "signup": user }),
            2 | 6 => {
                serde_json::json!({ "device": device, "track": "Played", "properties": { "n": i } })
            }
            3 => serde_json::json!({ "device": device, "login": user }),
            5 => serde_json::json!({ "device": device, "identify": user }),
            7 => serde_json::json!({ "device": device, "logout": true }),
            _ => serde_json::json!({ "device": device, "track": "Bought" }),
        };
        steps.push(step);
    }
    let json = serde_json::json!({ "name": "bench: 10,000 steps", "steps": steps }).to_string();
    idscope_core::scenario::parse(&json, "bench.json").expect("generated scenario is valid")
}

fn press(app: &mut App, term: &mut Terminal<TestBackend>, c: char) {
    let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    if let Some(action) = map_key(&key, app.context()) {
        black_box(update(app, action));
    }
    term.draw(|f| f.render_widget(&*app, f.area()))
        .expect("draw");
}

fn bench(c: &mut Criterion) {
    let mut app = App::from_scenario(scenario());
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("backend");
    update(&mut app, Action::Resize(120, 40));
    let middle = |app: &mut App| {
        update(app, Action::StepFirst);
        app.cursor = STEPS / 2;
        update(app, Action::StepNext);
        assert_eq!(app.cursor, STEPS / 2 + 1);
    };
    middle(&mut app);

    let mut g = c.benchmark_group("explorer 10k steps, 120x40");
    let mut forward = true;
    g.bench_function("step (l/h) → frame", |b| {
        b.iter(|| {
            press(&mut app, &mut term, if forward { 'l' } else { 'h' });
            forward = !forward;
        })
    });
    g.bench_function("mode switch (m) → frame", |b| {
        b.iter(|| press(&mut app, &mut term, 'm'))
    });
    update(&mut app, Action::StepLast);
    g.bench_function("at the last step: step (h/l) → frame", |b| {
        b.iter(|| {
            press(&mut app, &mut term, if forward { 'h' } else { 'l' });
            forward = !forward;
        })
    });
    g.bench_function("at the last step: mode switch (m) → frame", |b| {
        b.iter(|| press(&mut app, &mut term, 'm'))
    });
    middle(&mut app);
    update(&mut app, Action::ToggleEvents);
    g.bench_function("events table: step (l/h) → frame", |b| {
        b.iter(|| {
            press(&mut app, &mut term, if forward { 'l' } else { 'h' });
            forward = !forward;
        })
    });
    middle(&mut app);
    update(&mut app, Action::ToggleCompare);
    g.bench_function("compare view: mode switch (m) → frame", |b| {
        b.iter(|| press(&mut app, &mut term, 'm'))
    });
    middle(&mut app);
    update(&mut app, Action::CloseOverlay);
    update(&mut app, Action::ToggleGraph);
    g.bench_function("identity graph: step (l/h) → frame", |b| {
        b.iter(|| {
            press(&mut app, &mut term, if forward { 'l' } else { 'h' });
            forward = !forward;
        })
    });
    update(&mut app, Action::GraphAll);
    g.bench_function("identity graph, all clusters: step (l/h) → frame", |b| {
        b.iter(|| {
            press(&mut app, &mut term, if forward { 'l' } else { 'h' });
            forward = !forward;
        })
    });
    update(&mut app, Action::CloseOverlay);
    update(&mut app, Action::ToggleLanes);
    g.bench_function("swimlanes: step (l/h) → frame", |b| {
        b.iter(|| {
            press(&mut app, &mut term, if forward { 'l' } else { 'h' });
            forward = !forward;
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
