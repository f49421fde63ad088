//! The ReactNative profile (`lib: "react-native"`): mixpanel-react-native, emulated from its source (not run).
//! PLACEHOLDER: the values below are to be checked against the SDK's source.

use super::mobile::Sdk;
use super::{Profile, SdkCall};
use serde_json::Value;

/// The package emulated.
pub const PACKAGE: &str = "mixpanel-react-native";
/// Its version (`$lib_version`).
pub const VERSION: &str = "3.0.5";

pub static REACT_NATIVE: Sdk = Sdk {
    profile: Profile::ReactNative,
    mp_lib: "react-native",
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
