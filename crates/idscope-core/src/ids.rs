//! Where device ids and `$insert_id`s come from. Deterministic by default (G-DETERMINISM);
//! randomness only when the caller injects it (`--random-ids`).

use uuid::{Builder, Uuid};

/// Namespace for idscope's name-based ids (a fixed, arbitrary UUID).
const NAMESPACE: Uuid = Uuid::from_u128(0x6a1d_5c0e_93f2_4e7b_8a41_0c2d_9e5f_7b13);

/// A source of 16-byte random values; the engine never reaches for entropy itself.
pub type RandomBytes = Box<dyn FnMut() -> [u8; 16] + Send>;

/// Produces the ids the SDK emulator needs.
pub enum IdSource {
    /// Ids derived from the scenario name, device name and reset count (SHA-1 based, stable
    /// across Rust versions and platforms).
    Deterministic { scenario: String },
    /// Ids from injected random bytes.
    Random(RandomBytes),
}

impl IdSource {
    pub fn deterministic(scenario: &str) -> Self {
        IdSource::Deterministic {
            scenario: scenario.to_string(),
        }
    }

    /// A version-4 UUID for the `generation`-th id of `device` (0 = first, n = after n resets).
    pub fn device_id(&mut self, device: &str, generation: u32) -> String {
        let name = format!("device\u{0}{device}\u{0}{generation}");
        self.v4(&name).hyphenated().to_string()
    }

    /// The `$insert_id` of the `index`-th payload: 16 characters of `[0-9a-z]`, the shape
    /// mixpanel-js gives it (`cheap_guid`: two base-36 halves of `Math.random()`).
    pub fn insert_id(&mut self, index: usize) -> String {
        let name = format!("insert\u{0}{index}");
        let mut n = self.v4(&name).as_u128();
        let mut out = [b'0'; 16];
        for c in out.iter_mut().rev() {
            *c = b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize];
            n /= 36;
        }
        String::from_utf8(out.to_vec()).expect("ASCII")
    }

    fn v4(&mut self, name: &str) -> Uuid {
        let bytes = match self {
            IdSource::Deterministic { scenario } => {
                let full = format!("{scenario}\u{0}{name}");
                *Uuid::new_v5(&NAMESPACE, full.as_bytes()).as_bytes()
            }
            IdSource::Random(next) => next(),
        };
        // Set the version-4 and RFC 4122 variant bits, as `crypto.randomUUID()` would.
        Builder::from_random_bytes(bytes).into_uuid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_ids_are_v4_and_stable() {
        let mut a = IdSource::deterministic("demo");
        let mut b = IdSource::deterministic("demo");
        let id = a.device_id("web", 0);
        assert_eq!(id, b.device_id("web", 0));
        let parsed = Uuid::parse_str(&id).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_ne!(id, a.device_id("web", 1), "a reset gives a new id");
        assert_ne!(id, a.device_id("phone", 0));
        assert_ne!(id, IdSource::deterministic("other").device_id("web", 0));
    }

    #[test]
    fn deterministic_ids_do_not_depend_on_the_rust_version() {
        // Pinned values: SHA-1 (UUID v5) is specified, so these never change.
        let mut ids = IdSource::deterministic("demo");
        assert_eq!(ids.device_id("web", 0), PINNED_DEVICE_ID);
        assert_eq!(ids.insert_id(0), PINNED_INSERT_ID);
    }

    // Computed independently (Python's uuid5 with the namespace above, v4 bits set; the
    // insert id as the UUID's integer in base 36, last 16 digits).
    const PINNED_DEVICE_ID: &str = "489fe593-45a5-4564-baee-c180a006d3c8";
    const PINNED_INSERT_ID: &str = "8kyvwgka5w14tw5j";

    #[test]
    fn insert_ids_have_the_sdk_shape() {
        let mut ids = IdSource::deterministic("demo");
        for i in 0..200 {
            let id = ids.insert_id(i);
            assert_eq!(id.len(), 16, "{id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
                "{id}"
            );
        }
        assert_ne!(ids.insert_id(0), ids.insert_id(1));
    }
}
