//! The `js` export writes each device's calls in its SDK's own language: what it writes for
//! the server scenarios must parse in that language (Node's `--check`, Python's `ast`).

use idscope_core::export::{export, Format, Options, Scope};
use idscope_core::model::Mode;
use idscope_core::run::{Run, RunConfig};
use idscope_core::scenario::parse;
use std::process::Command;

fn code(file: &str, mode: Mode) -> String {
    code_as(file, mode, Format::Js)
}

fn code_as(file: &str, mode: Mode, format: Format) -> String {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(file),
    )
    .unwrap();
    let scenario = parse(&text, file).unwrap();
    let run = Run::new(&scenario, RunConfig::new(mode));
    export(&run, &scenario, &Options::new(format, Scope::All))
        .unwrap()
        .text
}

fn parses(program: &str, args: &[&str], source: &str, ext: &str) -> Result<(), String> {
    // One file per snippet: the tests run in parallel.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = crate::common::temp_dir("code-export").join(format!("snippet-{n}.{ext}"));
    std::fs::write(&file, source).unwrap();
    let out = Command::new(program)
        .args(args)
        .arg(&file)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn sdk_node_the_js_export_of_a_node_server_is_javascript_that_parses() {
    for mode in Mode::ALL {
        let js = code("21-server-side-recipe-node.json", mode);
        assert!(js.contains("require(\"mixpanel\")"), "{js}");
        assert!(js.contains("mixpanel.track(\"Page View\""), "{js}");
        parses("node", &["--check"], &js, "js").unwrap_or_else(|e| panic!("{mode}: {e}\n{js}"));
    }
}

#[test]
fn sdk_py_the_js_export_of_a_python_server_is_python_that_parses() {
    for mode in Mode::ALL {
        let py = code("22-python-backend-simplified-recipe-on-original.json", mode);
        assert!(py.starts_with("# idscope export"), "{py}");
        assert!(py.contains("mp.track("), "{py}");
        parses(
            "python3",
            &["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())"],
            &py,
            "py",
        )
        .unwrap_or_else(|e| panic!("{mode}: {e}\n{py}"));
    }
}

#[test]
fn sdk_py_the_python_export_of_a_python_server_is_its_own_calls() {
    for mode in Mode::ALL {
        let file = "22-python-backend-simplified-recipe-on-original.json";
        assert_eq!(
            code_as(file, mode, Format::Python),
            code(file, mode),
            "{mode}"
        );
    }
}

/// The export of an in-memory scenario.
fn code_of(text: &str, mode: Mode, format: Format) -> String {
    let scenario = parse(text, "t.json").unwrap();
    let run = Run::new(&scenario, RunConfig::new(mode));
    export(&run, &scenario, &Options::new(format, Scope::All))
        .unwrap()
        .text
}

#[test]
fn sdk_node_two_servers_taking_turns_are_each_created_once() {
    let text = serde_json::json!({
        "name": "two servers",
        "devices": { "api": { "lib": "node" }, "worker": { "lib": "node" } },
        "steps": [
            { "device": "api", "visit": "Home" },
            { "device": "worker", "track": "Job Done", "properties": { "distinct_id": "alice" } },
            { "device": "api", "signup": "alice" },
        ]
    })
    .to_string();
    for mode in Mode::ALL {
        let js = code_of(&text, mode, Format::Js);
        assert_eq!(js.matches("require(\"mixpanel\")").count(), 2, "{js}");
        assert_eq!(js.matches("── device api").count(), 2, "{js}");
        parses("node", &["--check"], &js, "js").unwrap_or_else(|e| panic!("{mode}: {e}\n{js}"));
    }
}

#[test]
fn sdk_py_the_python_export_runs_against_a_stub_library() {
    // A stand-in for the PyPI package: the snippet must run as pasted (imports included).
    let dir = crate::common::temp_dir("py-stub");
    std::fs::write(
        dir.join("mixpanel.py"),
        "class ServiceAccountCredentials:\n    def __init__(self, *a): pass\n\
         class Mixpanel:\n    def __init__(self, *a, **k): pass\n    def __getattr__(self, name):\n        return lambda *a, **k: None\n",
    )
    .unwrap();
    for mode in Mode::ALL {
        let py = code("22-python-backend-simplified-recipe-on-original.json", mode);
        // The code's session is the app's own: the snippet gets a dict for it.
        run_python(&dir, &format!("snippet-{mode}.py"), &py)
            .unwrap_or_else(|e| panic!("{mode}: {e}\n{py}"));
    }
    // With a logout (a new anonymous id from uuid), too.
    let text = serde_json::json!({
        "name": "logout",
        "devices": { "api": { "lib": "python" } },
        "steps": [
            { "device": "api", "signup": "alice" },
            { "device": "api", "logout": true },
            { "device": "api", "visit": "Home" },
        ]
    })
    .to_string();
    let py = code_of(&text, Mode::Simplified, Format::Python);
    assert!(py.contains("uuid.uuid4()"), "{py}");
    run_python(&dir, "logout.py", &py).unwrap_or_else(|e| panic!("{e}\n{py}"));
}

/// Runs a Python snippet against the stub library in `dir`, with the code's session as a
/// dict and the credentials its init reads.
fn run_python(dir: &std::path::Path, name: &str, py: &str) -> Result<(), String> {
    let file = dir.join(name);
    std::fs::write(&file, format!("session = {{}}\n{py}")).unwrap();
    let out = Command::new("python3")
        .arg(&file)
        .env("PYTHONPATH", dir)
        .env("MIXPANEL_SERVICE_ACCOUNT", "u")
        .env("MIXPANEL_SECRET", "s")
        .env("MIXPANEL_PROJECT_ID", "1")
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn the_code_exports_file_extension_follows_the_language() {
    use idscope_core::export::extension_for;
    let load = |file: &str| {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios")
                .join(file),
        )
        .unwrap();
        parse(&text, file).unwrap()
    };
    let python = load("22-python-backend-simplified-recipe-on-original.json");
    assert_eq!(extension_for(Format::Js, &python), "py");
    assert_eq!(
        extension_for(Format::Js, &load("21-server-side-recipe-node.json")),
        "js"
    );
    assert_eq!(
        extension_for(Format::Js, &load("01-signup-one-device.json")),
        "js"
    );
    // Swift and JavaScript in one listing.
    assert_eq!(
        extension_for(Format::Js, &load("23-ios-app-and-website.json")),
        "txt"
    );
    assert_eq!(extension_for(Format::Dot, &python), "dot");
}
