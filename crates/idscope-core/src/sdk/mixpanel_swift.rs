//! The Swift profile (`lib: "swift"`): mixpanel-swift, emulated from its source (not run).
//! PLACEHOLDER: the values below are to be checked against the SDK's source.

use super::mobile::Sdk;
use super::{Profile, SdkCall};
use serde_json::Value;

/// The package emulated.
pub const PACKAGE: &str = "mixpanel-swift";
/// Its version (`$lib_version`).
pub const VERSION: &str = "4.3.0";

pub static SWIFT: Sdk = Sdk {
    profile: Profile::Swift,
    mp_lib: "swift",
    version: VERSION,
    device_prefix: true,
    uppercase_ids: true,
    had_persisted_distinct_id: false,
};

/// The call as the SDK's users write it.
pub fn call_text(call: &SdkCall) -> String {
    let _ = Value::Null;
    call.to_string()
}
