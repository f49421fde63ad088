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
    let file = crate::common::temp_dir("code-export").join(format!("snippet.{ext}"));
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
