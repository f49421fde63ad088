//! Writing a [`Scenario`](crate::Scenario) back to the scenario file format, so that an
//! edited scenario saves and loads to the same run (issue 8).
