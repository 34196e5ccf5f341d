//! The collector's bearer tokens: who may send events, and for which departments and structures.
//!
//! The tokens file is JSON lines, one token a line (blank lines and lines starting with `#` are
//! ignored):
//!
//! ```text
//! {"name":"pdn-mobile-82","sha256":"<64 hex digits>","departments":["82"]}
//! {"name":"register-str-82-001","sha256":"<64 hex digits>","departments":["82"],"structures":["str-82-001"]}
//! ```
//!
//! It holds only the SHA-256 of each token, never the token itself: a copy of the file lets nobody
//! send events. A token is `pdn_` followed by 64 random hex digits (256 bits), so its hash cannot
//! be inverted and needs no salt. `pdn tokens add` creates one, prints it once and appends its
//! line (the file is created readable by its owner only; a file that others may write is refused,
//! since whoever writes it grants access). Presented tokens are hashed and compared with every
//! entry in constant time.
//!
//! A token's scope is a list of departments and, optionally, of structures: an event outside it
//! is refused (403), and with it the whole request.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::Path;

use pdn_schemas::Envelope;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{IngestError, Result};

/// The prefix of every token, so that a leaked one is recognisable (secret scanners).
pub const TOKEN_PREFIX: &str = "pdn_";

/// One line of the tokens file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    /// Who holds the token (an app, a structure's register...): logged with each request.
    pub name: String,
    /// SHA-256 of the token, lowercase hex.
    pub sha256: String,
    /// Departments (INSEE codes) whose events the token may send.
    pub departments: Vec<String>,
    /// If not empty, the only structures whose events the token may send.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub structures: Vec<String>,
}

/// What a token allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub name: String,
    pub departments: Vec<String>,
    pub structures: Vec<String>,
}

/// Why an event is outside a token's scope: the envelope field, what the token allows, and the
/// value found (a department or structure code: never personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfScope {
    pub path: &'static str,
    pub expected: String,
    pub found: String,
}

impl Scope {
    /// Whether the token may send this event; if not, why.
    pub fn check(&self, envelope: &Envelope) -> std::result::Result<(), OutOfScope> {
        let department = envelope.department.as_str();
        if !self.departments.iter().any(|d| d == department) {
            return Err(OutOfScope {
                path: "department",
                expected: format!(
                    "one of the token's departments: {}",
                    self.departments.join(", ")
                ),
                found: format!("department \"{department}\""),
            });
        }
        let structure = envelope.structure_id.as_str();
        if !self.structures.is_empty() && !self.structures.iter().any(|s| s == structure) {
            return Err(OutOfScope {
                path: "structure_id",
                expected: format!(
                    "one of the token's structures: {}",
                    self.structures.join(", ")
                ),
                found: format!("structure \"{structure}\""),
            });
        }
        Ok(())
    }
}

/// The tokens the collector accepts.
#[derive(Debug, Default)]
pub struct Tokens {
    entries: Vec<([u8; 32], Scope)>,
}

/// The SHA-256 of a token, lowercase hex (what the tokens file stores).
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Tokens {
    /// Reads and checks a tokens file.
    pub fn load(path: &Path) -> Result<Tokens> {
        let error = |line: Option<usize>, reason: String| IngestError::Tokens {
            path: path.to_owned(),
            line,
            reason,
        };
        let io = |source| IngestError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mode =
            std::os::unix::fs::PermissionsExt::mode(&file.metadata().map_err(io)?.permissions());
        if mode & 0o022 != 0 {
            return Err(error(
                None,
                format!(
                    "others may write it (mode {:o}): run chmod 600 on it",
                    mode & 0o777
                ),
            ));
        }
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(io)?;
        let mut tokens = Tokens::default();
        let mut names = std::collections::HashSet::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let entry: TokenEntry =
                serde_json::from_str(line).map_err(|e| error(Some(i + 1), e.to_string()))?;
            check_entry(&entry).map_err(|reason| error(Some(i + 1), reason))?;
            if !names.insert(entry.name.clone()) {
                return Err(error(
                    Some(i + 1),
                    format!("the name {:?} is used twice", entry.name),
                ));
            }
            let mut digest = [0u8; 32];
            hex::decode_to_slice(&entry.sha256, &mut digest)
                .map_err(|e| error(Some(i + 1), format!("sha256: {e}")))?;
            tokens.entries.push((
                digest,
                Scope {
                    name: entry.name,
                    departments: entry.departments,
                    structures: entry.structures,
                },
            ));
        }
        Ok(tokens)
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no token (every request is then refused).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The scope of `token`, if it is one of ours. Every entry is compared, in constant time, so
    /// the time taken says nothing about which hash came close.
    pub fn authenticate(&self, token: &str) -> Option<&Scope> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found = None;
        for (stored, scope) in &self.entries {
            if bool::from(stored.ct_eq(&digest)) {
                found = Some(scope);
            }
        }
        found
    }
}

/// Checks an entry's fields (names and codes only: they are logged and shown in errors).
fn check_entry(entry: &TokenEntry) -> std::result::Result<(), String> {
    if !pdn_schemas::ids::is_identifier(&entry.name) {
        return Err(format!(
            "name {:?}: expected 2 to 64 letters, digits, '.', '_', ':' or '-'",
            entry.name
        ));
    }
    if entry.sha256.len() != 64
        || !entry
            .sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err("sha256: expected 64 lowercase hex digits".into());
    }
    if entry.departments.is_empty() {
        return Err("departments: expected at least one department".into());
    }
    if let Some(d) = entry
        .departments
        .iter()
        .find(|d| !pdn_schemas::ids::is_department(d))
    {
        return Err(format!(
            "departments: {d:?} is not an INSEE department code"
        ));
    }
    if let Some(s) = entry
        .structures
        .iter()
        .find(|s| !pdn_schemas::ids::is_identifier(s))
    {
        return Err(format!("structures: {s:?} is not a structure identifier"));
    }
    Ok(())
}

/// A new random token: [`TOKEN_PREFIX`] and 64 hex digits from the system's random source.
pub fn new_token() -> Result<String> {
    let path = Path::new("/dev/urandom");
    let mut bytes = [0u8; 32];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|source| IngestError::Io {
            path: path.to_owned(),
            source,
        })?;
    Ok(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)))
}

/// Appends `entry` to the tokens file at `path`, creating it readable by its owner only. Refuses
/// an entry whose name is already there, or a file the collector would refuse.
pub fn append(path: &Path, entry: &TokenEntry) -> Result<()> {
    let error = |reason: String| IngestError::Tokens {
        path: path.to_owned(),
        line: None,
        reason,
    };
    check_entry(entry).map_err(error)?;
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let io = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = options.open(path).map_err(io)?;
    let existing = Tokens::load(path)?;
    if existing.entries.iter().any(|(_, s)| s.name == entry.name) {
        return Err(error(format!(
            "a token named {:?} already exists",
            entry.name
        )));
    }
    let mut line = serde_json::to_string(entry).expect("a token entry serialises");
    line.push('\n');
    file.write_all(line.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, token: &str) -> TokenEntry {
        TokenEntry {
            name: name.into(),
            sha256: hash(token),
            departments: vec!["82".into()],
            structures: Vec::new(),
        }
    }

    #[test]
    fn the_file_keeps_hashes_only_and_authenticates_by_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.jsonl");
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == 68 && a != b);
        append(&path, &entry("app-a", &a)).unwrap();
        append(&path, &entry("app-b", &b)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&a[4..]) && !text.contains(&b[4..]), "{text}");
        let mode = std::fs::metadata(&path).unwrap().permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );

        let tokens = Tokens::load(&path).unwrap();
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens.authenticate(&a).unwrap().name, "app-a");
        assert_eq!(tokens.authenticate(&b).unwrap().name, "app-b");
        assert!(tokens.authenticate("pdn_0000").is_none());
        assert!(
            tokens.authenticate(&hash(&a)).is_none(),
            "the hash is not a token"
        );

        let again = append(&path, &entry("app-a", &new_token().unwrap()));
        assert!(
            matches!(again, Err(IngestError::Tokens { .. })),
            "{again:?}"
        );
    }

    #[test]
    fn bad_lines_and_loose_permissions_are_refused_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.jsonl");
        let good = serde_json::to_string(&entry("app", "pdn_x")).unwrap();
        let cases = [
            (
                r#"{"name":"app","sha256":"00","departments":["82"]}"#,
                "sha256",
            ),
            (&good.replace("\"82\"", "\"20\""), "INSEE"),
            (&good.replace("]}", "],\"token\":\"x\"}"), "unknown field"),
            (&good.replace("\"app\"", "\"a b\""), "name"),
        ];
        for (line, why) in cases {
            std::fs::write(&path, format!("# comment\n\n{good}\n{line}\n")).unwrap();
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .unwrap();
            let error = Tokens::load(&path).unwrap_err().to_string();
            assert!(
                error.contains("line 4") && error.contains(why),
                "{line}: {error}"
            );
        }
        std::fs::write(&path, format!("{good}\n")).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o666))
            .unwrap();
        let error = Tokens::load(&path).unwrap_err().to_string();
        assert!(error.contains("chmod 600"), "{error}");
    }
}
