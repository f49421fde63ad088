//! idscope: replay Mixpanel identity scenarios through an emulation of the mixpanel-js SDK
//! and the server's resolver for each identity mode (Legacy, Original, Simplified).
//!
//! Data flows one way: [`scenario`] → [`sdk`] (via [`playbook`]) → payloads → [`resolver`]
//! → events + clusters → [`output`] / views. Everything outside `tui` is pure: no terminal,
//! no clock, no randomness unless injected through [`ids::IdSource`].
//!
//! ```
//! use idscope::{Mode, Run, RunConfig};
//!
//! let scenario = idscope::scenario::parse(
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
//! # Ok::<(), idscope::scenario::LoadError>(())
//! ```

pub mod atomic;
pub mod bundled;
#[cfg(feature = "tui")]
pub mod clipboard;
pub mod expect;
pub mod explain;
pub mod export;
pub mod gen;
pub mod ids;
pub mod load;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod playbook;
pub mod resolver;
pub mod rules;
pub mod run;
pub mod save;
pub mod scenario;
pub mod sdk;
pub mod stream;
pub mod text;
#[cfg(feature = "tui")]
pub mod tui;

pub use model::{Effect, Endpoint, Knobs, Mode};
pub use run::{Run, RunConfig};
pub use scenario::Scenario;
