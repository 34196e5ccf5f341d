//! Pseudonymisation of young people's local identifiers.
//!
//! A pseudonym is `yp1_` followed by the first 128 bits, in lowercase hex, of HMAC-SHA256 keyed by
//! the structure's or coordinator's secret key over the local identifier (trimmed). The key never
//! reaches the pipeline: only apps and `pdn pseudonymize` hold it. The same key and identifier
//! always give the same pseudonym, so a young person's events link up without their identity.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ids::YouthPseudonym;
use crate::SchemaError;

/// The shortest key accepted, in bytes (128 bits).
pub const MIN_KEY_BYTES: usize = 16;

/// Computes pseudonyms with one secret key.
#[derive(Clone)]
pub struct Pseudonymizer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer { key: <secret> }")
    }
}

impl Pseudonymizer {
    /// A pseudonymizer keyed by `key` (at least [`MIN_KEY_BYTES`] bytes).
    pub fn new(key: &[u8]) -> Result<Pseudonymizer, SchemaError> {
        if key.len() < MIN_KEY_BYTES {
            return Err(SchemaError::KeyTooShort {
                bytes: key.len(),
                min: MIN_KEY_BYTES,
            });
        }
        let mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
        Ok(Pseudonymizer { mac })
    }

    /// Reads a key file's content: 64 hex digits (as written by `pdn pseudonymize --new-key`), or
    /// otherwise the raw bytes of the file.
    pub fn from_key_file_content(content: &[u8]) -> Result<Pseudonymizer, SchemaError> {
        let trimmed = content.trim_ascii();
        let key = match std::str::from_utf8(trimmed)
            .ok()
            .and_then(|s| hex::decode(s).ok())
        {
            Some(bytes) if !bytes.is_empty() => bytes,
            _ => content.to_vec(),
        };
        Pseudonymizer::new(&key)
    }

    /// The pseudonym of a local identifier (surrounding whitespace ignored).
    pub fn pseudonymize(&self, local_id: &str) -> Result<YouthPseudonym, SchemaError> {
        let local_id = local_id.trim();
        if local_id.is_empty() {
            return Err(SchemaError::EmptyLocalId);
        }
        let mut mac = self.mac.clone();
        mac.update(local_id.as_bytes());
        let digest = mac.finalize().into_bytes();
        Ok(YouthPseudonym(format!(
            "yp1_{}",
            hex::encode(&digest[..16])
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::is_youth_pseudonym;

    #[test]
    fn deterministic_keyed_and_well_formed() {
        let a = Pseudonymizer::new(b"0123456789abcdef-secret").unwrap();
        let b = Pseudonymizer::new(b"another key, just as long").unwrap();
        let p = a.pseudonymize("DOSSIER-4521").unwrap();
        assert!(is_youth_pseudonym(p.as_str()), "{p}");
        assert_eq!(p, a.pseudonymize("  DOSSIER-4521\n").unwrap());
        assert_ne!(p, b.pseudonymize("DOSSIER-4521").unwrap());
        assert_ne!(p, a.pseudonymize("DOSSIER-4522").unwrap());
    }

    #[test]
    fn known_answer() {
        // HMAC-SHA256(key = "key-of-sixteen-b", "42"), first 16 bytes, computed independently with
        // Python's hmac module.
        let p = Pseudonymizer::new(b"key-of-sixteen-b").unwrap();
        assert_eq!(p.pseudonymize("42").unwrap().as_str(), KNOWN);
    }

    const KNOWN: &str = "yp1_460cfb386eb4ab53ab013b1eef43ebc3";

    #[test]
    fn short_keys_and_hex_files() {
        assert!(matches!(
            Pseudonymizer::new(b"short"),
            Err(SchemaError::KeyTooShort { .. })
        ));
        let hex_key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
        let from_file = Pseudonymizer::from_key_file_content(hex_key.as_bytes()).unwrap();
        let direct = Pseudonymizer::new(&hex::decode(hex_key.trim()).unwrap()).unwrap();
        assert_eq!(
            from_file.pseudonymize("x").unwrap(),
            direct.pseudonymize("x").unwrap()
        );
    }
}
