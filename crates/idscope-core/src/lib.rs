//! idscope-core: replay Mixpanel identity scenarios through an emulation of Mixpanel's SDKs
//! and the server's resolver for each identity mode (Legacy, Original, Simplified), and
//! resolve real exports offline. No terminal, no CLI, no clock, no randomness unless
//! injected through [`ids::IdSource`].
//!
//! Data flows one way: [`scenario`] → [`sdk`] (via [`playbook`]) → payloads → [`resolver`]
//! → events + clusters ([`run`]) → [`output`] / [`export`] (the identity [`graph`] too);
//! and for real exports, [`ingest`] → [`stream`] → summary. `ARCHITECTURE.md` at the
//! repository root has the map.
//!
//! ```
//! use idscope_core::{Mode, Run, RunConfig};
//!
//! let scenario = idscope_core::scenario::parse(
//!     r#"{"name": "Signup", "steps": [
//!         {"device": "web", "visit": "Pricing"},
//!         {"device": "web", "signup": "alice"}
//!     ]}"#,
//!     "signup.json",
//! )?;
//! let run = Run::new(&scenario, RunConfig::new(Mode::Simplified));
//! let clusters = run.clusters(run.steps.len());
//! // S-LINK: the Sign Up event carries $device_id and $user_id, so the anonymous device
//! // joins alice's cluster and its earlier page view is attributed to her.
//! assert_eq!(clusters.len(), 1);
//! assert_eq!(clusters[0].canonical, "alice");
//! assert_eq!(run.final_id(0, run.steps.len()), Some("alice"));
//! # Ok::<(), idscope_core::scenario::LoadError>(())
//! ```

pub mod api;
pub mod atomic;
pub mod check;
pub mod diff;
pub mod expect;
pub mod explain;
pub mod export;
pub mod export_index;
pub mod failures;
pub mod gen;
pub mod graph;
pub mod ids;
pub mod ingest;
pub mod load;
pub mod model;
pub mod output;
pub mod playbook;
pub mod report;
pub mod resolver;
pub mod rules;
pub mod run;
pub mod save;
pub mod scenario;
pub mod sdk;
pub mod stream;
pub mod text;
pub mod user_scenario;

pub use model::{Effect, Endpoint, Knobs, Mode};
pub use run::{Run, RunConfig};
pub use scenario::Scenario;
