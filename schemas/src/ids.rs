//! Identifiers carried by events, as newtypes whose format is checked by validation.
//!
//! Deserialisation only reads the string; [`crate::validate`] checks the format with a precise
//! reason, so that a malformed identifier is reported as such rather than as a generic type error.
//! The JSON Schema of each identifier states the same format as a regular expression.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Regular expression of a youth pseudonym: `yp1_` then 32 lowercase hex digits (the first 128 bits
/// of HMAC-SHA256 over the local identifier, see [`crate::pseudonym`]).
pub const YOUTH_PATTERN: &str = "^yp1_[0-9a-f]{32}$";
/// Regular expression of a producer-chosen event id (a UUID, a ULID or any opaque token).
pub const EVENT_ID_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$";
/// Regular expression of other identifiers (structures, professionals, accompaniments...).
pub const IDENTIFIER_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._:-]{1,63}$";
/// Regular expression of a department code (INSEE): metropolitan, Corsica, overseas.
pub const DEPARTMENT_PATTERN: &str = "^(0[1-9]|1[0-9]|2[1-9]|2A|2B|[3-8][0-9]|9[0-5]|97[1-6])$";
/// Regular expression of a commune code (INSEE, five characters): a department code, then the
/// commune's number in it (two digits overseas, three elsewhere).
pub const COMMUNE_PATTERN: &str =
    "^((0[1-9]|1[0-9]|2[1-9]|2A|2B|[3-8][0-9]|9[0-5])[0-9]{3}|97[1-6][0-9]{2})$";
/// Regular expression of the sending application's name.
pub const SOURCE_APP_PATTERN: &str = "^[a-z][a-z0-9._-]{1,31}$";

macro_rules! identifier {
    ($(#[$meta:meta])* $name:ident, $pattern:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(#[schemars(pattern($pattern))] pub String);

        impl $name {
            /// The identifier as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_owned())
            }
        }
    };
}

identifier!(
    /// The producer-chosen unique id of an event: the deduplication key.
    EventId,
    EVENT_ID_PATTERN
);
identifier!(
    /// A keyed pseudonym of a young person. Never their local identifier.
    YouthPseudonym,
    YOUTH_PATTERN
);
identifier!(
    /// A structure's identifier in the network's register.
    StructureId,
    IDENTIFIER_PATTERN
);
identifier!(
    /// A professional's identifier in the network's register.
    ProfessionalId,
    IDENTIFIER_PATTERN
);
identifier!(
    /// An identifier chosen by the app for a permanence, accompaniment, referral, concern...
    LocalId,
    IDENTIFIER_PATTERN
);
identifier!(
    /// A department's INSEE code, e.g. `82`, `2A`, `974`.
    Department,
    DEPARTMENT_PATTERN
);
identifier!(
    /// A commune's INSEE code, e.g. `82121`.
    Commune,
    COMMUNE_PATTERN
);
identifier!(
    /// The name of the application that sent the event.
    SourceApp,
    SOURCE_APP_PATTERN
);

fn is_hex_lower(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether `s` is a well-formed youth pseudonym ([`YOUTH_PATTERN`]).
pub fn is_youth_pseudonym(s: &str) -> bool {
    s.len() == 36 && s.starts_with("yp1_") && is_hex_lower(&s[4..])
}

fn is_token(s: &str, min: usize, max: usize) -> bool {
    let bytes = s.as_bytes();
    (min..=max).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// Whether `s` is a well-formed event id ([`EVENT_ID_PATTERN`]).
pub fn is_event_id(s: &str) -> bool {
    is_token(s, 8, 64)
}

/// Whether `s` is a well-formed identifier ([`IDENTIFIER_PATTERN`]).
pub fn is_identifier(s: &str) -> bool {
    is_token(s, 2, 64)
}

/// Whether `s` is a department code ([`DEPARTMENT_PATTERN`]).
pub fn is_department(s: &str) -> bool {
    match s {
        "2A" | "2B" => true,
        _ if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) => {
            let n: u32 = s.parse().unwrap_or(0);
            (1..=95).contains(&n) && n != 20
        }
        _ if s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()) => {
            let n: u32 = s.parse().unwrap_or(0);
            (971..=976).contains(&n)
        }
        _ => false,
    }
}

/// Whether `s` is a commune code ([`COMMUNE_PATTERN`]).
pub fn is_commune(s: &str) -> bool {
    s.len() == 5
        && s.is_ascii()
        && s[2..].bytes().all(|b| b.is_ascii_digit())
        && (is_department(&s[..2]) || (s.starts_with("97") && is_department(&s[..3])))
}

/// Whether the commune `commune` lies in the department `department` (its code starts with it).
pub fn commune_in_department(commune: &str, department: &str) -> bool {
    is_commune(commune) && is_department(department) && commune.starts_with(department)
}

/// Whether `s` is an application name ([`SOURCE_APP_PATTERN`]).
pub fn is_source_app(s: &str) -> bool {
    let bytes = s.as_bytes();
    (2..=32).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes.iter().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(is_youth_pseudonym("yp1_0123456789abcdef0123456789abcdef"));
        assert!(!is_youth_pseudonym("yp1_0123456789ABCDEF0123456789abcdef"));
        assert!(!is_youth_pseudonym("12345"));
        assert!(is_department("82") && is_department("2A") && is_department("974"));
        assert!(!is_department("20") && !is_department("00") && !is_department("96"));
        assert!(!is_department("977"));
        assert!(is_commune("82121") && is_commune("2A004") && !is_commune("8212"));
        assert!(is_commune("97411") && !is_commune("00000") && !is_commune("96001"));
        assert!(!is_commune("97711") && !is_commune("20004"));
        assert!(commune_in_department("82121", "82") && commune_in_department("97411", "974"));
        assert!(!commune_in_department("75056", "82") && !commune_in_department("97411", "97"));
        assert!(is_event_id("0b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f"));
        assert!(!is_event_id("short") && !is_event_id("has space!"));
        assert!(is_source_app("pdn-mobile") && !is_source_app("PDN"));
    }
}
