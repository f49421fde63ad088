//! The Android profile (`lib: "android"`): mixpanel-android, emulated from its source (not run).
//! PLACEHOLDER: the values below are to be checked against the SDK's source.

use super::mobile::Sdk;
use super::{Profile, SdkCall};
use serde_json::Value;

/// The package emulated.
pub const PACKAGE: &str = "mixpanel-android";
/// Its version (`$lib_version`).
pub const VERSION: &str = "7.5.2";

pub static ANDROID: Sdk = Sdk {
    profile: Profile::Android,
    mp_lib: "android",
    version: VERSION,
    device_prefix: true,
    uppercase_ids: false,
    had_persisted_distinct_id: false,
};

/// The call as the SDK's users write it.
pub fn call_text(call: &SdkCall) -> String {
    let _ = Value::Null;
    call.to_string()
}
