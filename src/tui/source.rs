//! Where the explorer's scenarios come from: one file, a directory, or the bundled set.
//! Everything is loaded before the terminal is touched, so a bad path fails with a plain
//! message on stderr.

use idscope_core::load::{expand_paths, load_file};
use idscope_core::scenario::{LoadError, Scenario};
use idscope_core::text::visible;
use std::path::Path;

/// One scenario the picker lists.
#[derive(Debug, Clone)]
pub struct Entry {
    /// File name (or path) the scenario came from.
    pub origin: String,
    /// The scenario, or the load error as a one-line message.
    pub scenario: Result<Scenario, String>,
}

impl Entry {
    pub fn from_scenario(origin: &str, scenario: Scenario) -> Entry {
        Entry {
            origin: origin.to_string(),
            scenario: Ok(scenario),
        }
    }
}

fn message(e: &LoadError) -> String {
    visible(&e.to_string()).into_owned()
}

/// Loads what `idscope [FILE|DIR]` names. Err: nothing usable (the message says why).
pub fn load(path: Option<&Path>) -> Result<Vec<Entry>, String> {
    let entries: Vec<Entry> = match path {
        None => {
            let names = crate::bundled::BUNDLED.iter().map(|(n, _)| *n);
            names
                .zip(crate::bundled::scenarios())
                .map(|(name, s)| Entry {
                    origin: format!("scenarios/{name} (bundled)"),
                    scenario: s.map_err(|e| message(&e)),
                })
                .collect()
        }
        Some(p) if p.is_dir() => expand_paths(&[p.to_path_buf()])
            .into_iter()
            .map(|item| match item {
                Ok(file) => Entry {
                    origin: file.display().to_string(),
                    scenario: load_file(&file).map_err(|e| message(&e)),
                },
                Err(e) => Entry {
                    origin: e.file.clone(),
                    scenario: Err(message(&e)),
                },
            })
            .collect(),
        Some(p) => {
            let s = load_file(p).map_err(|e| message(&e))?;
            vec![Entry::from_scenario(&p.display().to_string(), s)]
        }
    };
    if entries.iter().any(|e| e.scenario.is_ok()) {
        return Ok(entries);
    }
    let what = match path {
        None => "this idscope was built without bundled scenarios".to_string(),
        Some(p) => format!("no valid scenario in {}", visible(&p.display().to_string())),
    };
    let errors: Vec<String> = entries
        .iter()
        .filter_map(|e| e.scenario.as_ref().err().cloned())
        .collect();
    if errors.is_empty() {
        Err(what)
    } else {
        Err(format!("{what}:\n  {}", errors.join("\n  ")))
    }
}
