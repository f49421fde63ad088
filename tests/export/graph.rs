//! The identity graph exports (`mermaid`, `dot`): reviewed goldens, Graphviz parsing every
//! bundled scenario, hostile ids, and the `event:N.k` scope.

use idscope_core::export::{export, Format, Options, Scope};
use idscope_core::graph;
use idscope_core::model::Mode;
use idscope_core::run::{Run, RunConfig};
use idscope_core::scenario::{parse, Scenario};
use proptest::prelude::*;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Original mode: signup merges the device with alice (O-ID); a server `$identify` of bob
/// on alice's device is refused (errAnonDistinctIdAssignedAlready); a `$merge` sent to
/// `/track` is ignored (mergeRequiresImport), and carol is in no cluster.
const SAMPLE: &str = r#"{
  "name": "Graph sample",
  "devices": { "web": { "device_id": "7b4c2f0e-1f7a-4c55-9d1e-2a8e4b6c0d11" } },
  "steps": [
    { "device": "web", "visit": "Home" },
    { "device": "web", "signup": "alice" },
    { "send": { "event": "$identify", "properties": { "$identified_id": "bob", "$anon_id": "$device:7b4c2f0e-1f7a-4c55-9d1e-2a8e4b6c0d11" } },
      "note": "a server identifies bob on alice's browser" },
    { "send": { "event": "$merge", "properties": { "$distinct_ids": ["alice", "carol"] } },
      "note": "$merge through /track" }
  ]
}"#;

fn sample() -> Scenario {
    parse(SAMPLE, "graph-sample.json").unwrap()
}

fn text(run: &Run, s: &Scenario, format: Format, scope: Scope) -> String {
    export(run, s, &Options::new(format, scope)).unwrap().text
}

#[test]
fn graph_goldens_mermaid_and_dot() {
    let s = sample();
    let run = Run::new(&s, RunConfig::new(Mode::Original));
    insta::assert_snapshot!("graph_mermaid", text(&run, &s, Format::Mermaid, Scope::All));
    insta::assert_snapshot!("graph_dot", text(&run, &s, Format::Dot, Scope::All));
}

/// Runs Graphviz on `dot_text`; the SVG, or why it failed. Graphviz is a test requirement
/// (`.ci/run` installs it): where `dot` is missing the tests that call this are ignored
/// (`build.rs`), and under CI they fail.
fn graphviz(dot_text: &str) -> Result<String, String> {
    let mut child = match Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!(
            "cannot run Graphviz's `dot` ({e}): install graphviz (apt-get install graphviz, \
             brew install graphviz) to run the DOT export tests"
        ),
    };
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(dot_text.as_bytes())
        .expect("dot reads its input");
    let out = child.wait_with_output().expect("dot runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    // Graphviz reports syntax errors on stderr, sometimes with exit status 0.
    if !out.status.success() || err.contains("rror") {
        return Err(err);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn bundled() -> Vec<(String, Scenario)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json") && !p.ends_with("scenario.schema.json")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the bundled scenarios: {files:?}");
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let s = idscope_core::load::load_file(&p).unwrap();
            (name, s)
        })
        .collect()
}

#[test]
#[cfg_attr(no_dot, ignore = "Graphviz's dot is not installed")]
fn graphviz_parses_the_dot_export_of_every_bundled_scenario_in_every_mode() {
    for (name, s) in bundled() {
        for mode in Mode::ALL {
            let run = Run::new(&s, RunConfig::new(mode));
            let dot = text(&run, &s, Format::Dot, Scope::All);
            let g = graph::graph(&run, run.steps.len());
            let svg = graphviz(&dot).unwrap_or_else(|e| panic!("{name} {mode}: {e}\n{dot}"));
            // Every node and edge made it into the picture.
            assert_eq!(
                svg.matches("class=\"node\"").count(),
                g.node_count(),
                "{name} {mode}"
            );
            assert_eq!(
                svg.matches("class=\"edge\"").count(),
                g.edges.len(),
                "{name} {mode}"
            );
            assert_mermaid_well_formed(&text(&run, &s, Format::Mermaid, Scope::All));
        }
    }
}

/// Ids with quotes, backslashes, newlines, HTML, an ANSI escape, `]`, `|`, `-->`, `%%`
/// directives and entity look-alikes, in every place a label takes text from.
const HOSTILE: &str =
    "q\"b\\s\nnl<script>alert(1)</script>\u{1b}[31m]|-->%%{init: {}}%%#quot;&amp;\u{202e}";

fn hostile_scenario() -> Scenario {
    let q = |prefix: &str| serde_json::to_string(&format!("{prefix}{HOSTILE}")).unwrap();
    let (h, u, v, w, m) = (q(""), q("u"), q("v"), q("w"), q("m"));
    let json = format!(
        r#"{{
      "name": {h},
      "devices": {{ "web": {{ "device_id": "7b4c2f0e-1f7a-4c55-9d1e-2a8e4b6c0d11" }} }},
      "steps": [
        {{ "device": "web", "visit": "Home" }},
        {{ "device": "web", "identify": {h} }},
        {{ "device": "web", "track": {h} }},
        {{ "send": {{ "event": "$create_alias", "properties": {{ "alias": {h}, "distinct_id": {u} }} }} }},
        {{ "send": {{ "event": "$create_alias", "properties": {{ "alias": {h}, "distinct_id": {v} }} }} }},
        {{ "send": {{ "event": "$identify", "properties": {{ "$anon_id": {h}, "distinct_id": {h} }} }} }},
        {{ "send": {{ "event": {h}, "properties": {{ "$device_id": {h}, "$user_id": {w}, "distinct_id": {h} }} }} }},
        {{ "send": {{ "event": "$merge", "properties": {{ "$distinct_ids": [{h}, {m}] }} }}, "endpoint": "import" }}
      ]
    }}"#
    );
    parse(&json, "hostile.json").unwrap()
}

/// The skeleton of a Mermaid export, its quoted labels blanked: only the statements
/// `mermaid()` writes, so no id ended a quote or started a statement. And no label holds
/// raw `<`/`>` (HTML) other than our `<br/>`, a `%` (comments, directives) or a control
/// character.
fn assert_mermaid_well_formed(m: &str) {
    assert!(
        !m.chars().any(|c| c.is_control() && c != '\n'),
        "no control character: {m:?}"
    );
    let mut lines = m.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("%% idscope identity graph: "),
        "{header}"
    );
    assert!(!header[2..].contains("%%"), "{header}");
    assert_eq!(lines.next(), Some("flowchart LR"));
    for line in lines {
        let mut skeleton = String::new();
        let mut in_quotes = false;
        let mut label = String::new();
        for c in line.chars() {
            if c == '"' {
                if in_quotes {
                    let rest = label.replace("<br/>", "");
                    assert!(
                        !rest.contains(['<', '>', '%', '"']),
                        "label {label:?} in {line:?}"
                    );
                    label.clear();
                }
                in_quotes = !in_quotes;
                skeleton.push('"');
            } else if in_quotes {
                label.push(c);
            } else if c.is_ascii_digit() {
                if !skeleton.ends_with('0') {
                    skeleton.push('0');
                }
            } else {
                skeleton.push(c);
            }
        }
        assert!(!in_quotes, "unbalanced quotes: {line:?}");
        let known = [
            "    subgraph c0 [\"\"]",
            "    end",
            "        n0[\"\"]",
            "        n0([\"\"])",
            "        n0>\"\"]",
            "        n0{{\"\"}}",
            "        n0(\"\")",
            "    n0[\"\"]",
            "    n0([\"\"])",
            "    n0>\"\"]",
            "    n0{{\"\"}}",
            "    n0(\"\")",
            "    n0 -->|\"\"| n0",
            "    n0 -.->|\"\"| n0",
            "    classDef canonical stroke-width:0px",
            "    classDef loose stroke-dasharray:0 0",
        ];
        let list = |prefix: &str, suffix: &str| {
            skeleton
                .strip_prefix(prefix)
                .and_then(|r| r.strip_suffix(suffix))
                .is_some_and(|r| r.split(',').all(|x| x == "n0" || x == "0"))
        };
        assert!(
            known.contains(&skeleton.as_str())
                || list("    class ", " canonical")
                || list("    class ", " loose")
                || list("    linkStyle ", " stroke:red,color:red")
                || list("    linkStyle ", " stroke:gray,color:gray"),
            "unexpected statement {skeleton:?} from {line:?}"
        );
    }
}

#[test]
#[cfg_attr(no_dot, ignore = "Graphviz's dot is not installed")]
fn hostile_ids_stay_inside_their_quotes_and_no_control_character_gets_out() {
    let s = hostile_scenario();
    for mode in Mode::ALL {
        let run = Run::new(&s, RunConfig::new(mode));
        let g = graph::graph(&run, run.steps.len());
        assert!(
            g.edges.len() >= 2,
            "{mode}: the hostile ids make edges: {:#?}",
            g.edges
        );
        let m = text(&run, &s, Format::Mermaid, Scope::All);
        assert_mermaid_well_formed(&m);
        // The id is there, escaped: entity codes for what Mermaid or HTML would read.
        assert!(
            m.contains("q#quot;b\\s\\x0anl#lt;script#gt;alert(1)#lt;/script#gt;\\x1b[31m]|--#gt;#37;#37;{init: {}}#37;#37;#35;quot;#amp;amp;\\u{202e}"),
            "{mode}:\n{m}"
        );
        let d = text(&run, &s, Format::Dot, Scope::All);
        assert!(
            !d.chars().any(|c| c.is_control() && c != '\n'),
            "{mode}: {d:?}"
        );
        let svg = graphviz(&d).unwrap_or_else(|e| panic!("{mode}: {e}\n{d}"));
        assert_eq!(
            svg.matches("class=\"node\"").count(),
            g.node_count(),
            "{mode}"
        );
        assert_eq!(
            svg.matches("class=\"edge\"").count(),
            g.edges.len(),
            "{mode}"
        );
        // Graphviz shows the id as text, escapes visible (XML-escaped in the SVG).
        assert!(
            svg.contains("q&quot;b\\s\\x0anl&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[31m]|&#45;&#45;&gt;%%{init: {}}%%#quot;&amp;amp;\\u{202e}"),
            "{mode}:\n{svg}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any ids at all: the Mermaid statements stay the ones `mermaid()` writes, DOT strings
    /// stay closed, nothing panics and no control character passes.
    #[test]
    fn any_ids_give_well_formed_graph_text(a in "\\PC{0,12}", b in any::<String>(), name in any::<String>()) {
        let (ja, jb, jn) = (
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap(),
            serde_json::to_string(&name).unwrap(),
        );
        let json = format!(
            r#"{{"name": {jn}, "steps": [
              {{"send": {{"event": "x", "properties": {{"distinct_id": {ja}}}}}}},
              {{"send": {{"event": "$create_alias", "properties": {{"alias": {jb}, "distinct_id": {ja}}}}}}},
              {{"send": {{"event": "$identify", "properties": {{"$anon_id": {jb}, "distinct_id": {ja}}}}}}},
              {{"send": {{"event": "y", "properties": {{"$device_id": {jb}, "$user_id": {ja}}}}}}},
              {{"send": {{"event": "$merge", "properties": {{"$distinct_ids": [{ja}, {jb}]}}}}, "endpoint": "import"}}
            ]}}"#
        );
        let Ok(s) = parse(&json, "p.json") else { return Ok(()); };
        for mode in Mode::ALL {
            let run = Run::new(&s, RunConfig::new(mode));
            let g = graph::graph(&run, run.steps.len());
            assert_mermaid_well_formed(&graph::mermaid(&g));
            let d = graph::dot(&g);
            prop_assert!(!d.chars().any(|c| c.is_control() && c != '\n'));
            // Outside strings only our own syntax: every quote closes on its line.
            let mut lines = d.lines();
            prop_assert!(lines.next().is_some_and(|h| h.starts_with("// idscope identity graph: ")));
            for line in lines {
                let mut open = false;
                let mut chars = line.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' if open => { chars.next(); }
                        '"' => open = !open,
                        _ => {}
                    }
                }
                prop_assert!(!open, "{line:?}");
            }
            for i in 0..g.clusters.len() {
                let f = graph::focus(&g, i);
                assert_mermaid_well_formed(&graph::mermaid(&f));
            }
        }
    }
}

#[test]
#[cfg_attr(no_dot, ignore = "Graphviz's dot is not installed")]
fn graph_scopes_draw_the_graph_after_the_scope_s_last_step() {
    let s = sample();
    let run = Run::new(&s, RunConfig::new(Mode::Original));
    let at = |scope| text(&run, &s, Format::Mermaid, scope);
    // Step 2's $identify is event 2.2: every scope ending at step 2 draws the same graph.
    assert_eq!(at(Scope::EventRef(2, 2)), at(Scope::Step(2)));
    assert_eq!(at(Scope::Until(2)), at(Scope::Step(2)));
    assert_eq!(at(Scope::Event(2)), at(Scope::Step(2)));
    assert!(at(Scope::Step(2)).contains("after step 2"));
    assert!(!at(Scope::Step(2)).contains("errAnon"));
    assert!(at(Scope::All).contains("errAnonDistinctIdAssignedAlready"));
    assert_eq!(at(Scope::All), at(Scope::Until(4)));
    // Before any step: an empty graph Graphviz still reads.
    let empty = text(&run, &s, Format::Dot, Scope::Until(0));
    assert!(empty.contains("after step 0"));
    graphviz(&empty).unwrap();
    // items = nodes drawn.
    let e = export(&run, &s, &Options::new(Format::Dot, Scope::All)).unwrap();
    assert_eq!(e.items, 4);
    assert!(e.warnings.is_empty());
}

#[test]
fn scope_event_n_k_names_the_event_and_a_bad_reference_is_an_error_naming_it() {
    let s = sample();
    let run = Run::new(&s, RunConfig::new(Mode::Original));
    let json = |scope| text(&run, &s, Format::Json, scope);
    assert_eq!(Scope::parse("event:2.2"), Some(Scope::EventRef(2, 2)));
    assert_eq!(
        json(Scope::parse("event:2.2").unwrap()),
        json(Scope::Event(2))
    );
    assert!(json(Scope::EventRef(2, 2)).contains("\"$identify\""));
    // `event:N` stays the 0-based index.
    assert_eq!(Scope::parse("event:2"), Some(Scope::Event(2)));
    let err = |scope| export(&run, &s, &Options::new(Format::Json, scope)).unwrap_err();
    assert_eq!(
        err(Scope::EventRef(2, 9)),
        "event:2.9 is not an event: step 2 sent 3 payloads (2.1 to 2.3)"
    );
    assert_eq!(
        err(Scope::EventRef(3, 2)),
        "event:3.2 is not an event: step 3 sent one payload (3.1)"
    );
    assert_eq!(
        err(Scope::EventRef(2, 0)),
        "event:2.0 is not an event: step 2 sent 3 payloads (2.1 to 2.3)"
    );
    assert_eq!(
        err(Scope::EventRef(9, 1)),
        "event:9.1 is not an event: there is no step 9 (steps are 1 to 4)"
    );
    assert_eq!(
        err(Scope::EventRef(0, 1)),
        "event:0.1 is not an event: there is no step 0 (steps are 1 to 4)"
    );
}

#[test]
fn cli_export_takes_event_n_k_and_names_a_bad_reference() {
    let file = crate::common::temp_file("graph-export", "graph-sample.json", SAMPLE.as_bytes());
    let f = file.to_str().unwrap();
    let (code, out, err) = crate::common::idscope(
        &[
            "export",
            f,
            "--mode",
            "original",
            "--format",
            "json",
            "--scope",
            "event:3.1",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let payloads: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(payloads.len(), 1);
    assert_eq!(payloads[0]["properties"]["$identified_id"], "bob");
    let (code, out, err) = crate::common::idscope(
        &[
            "export",
            f,
            "--mode",
            "original",
            "--format",
            "mermaid",
            "--scope",
            "event:2.2",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("%% idscope identity graph: Graph sample — original mode, playbook original, after step 2\nflowchart LR\n"), "{out}");
    let (code, out, err) = crate::common::idscope(
        &[
            "export",
            f,
            "--mode",
            "original",
            "--format",
            "dot",
            "--scope",
            "event:3.2",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("event:3.2 is not an event: step 3 sent one payload (3.1)"),
        "{err}"
    );
}
