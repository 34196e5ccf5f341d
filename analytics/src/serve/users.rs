//! The users of `pdn serve`: who may connect, with which password, and which departments they see.
//!
//! The users file is JSON lines, one user a line (blank lines and lines starting with `#` are
//! ignored):
//!
//! ```text
//! {"name":"eval-82","departments":["82"],"scram_sha_256":{"iterations":4096,"salt":"<32 hex>","salted_password":"<64 hex>"}}
//! {"name":"dgesco","national":true,"scram_sha_256":{"iterations":4096,"salt":"<32 hex>","salted_password":"<64 hex>"}}
//! ```
//!
//! Invariants:
//! - no password is stored: only SCRAM-SHA-256's salted password (PBKDF2-HMAC-SHA-256 of the
//!   password with a random 128-bit salt, 4096 iterations, RFC 5802), from which the server checks
//!   a client's proof without the password ever crossing the network. As with any SCRAM server
//!   that keeps the salted password, a copy of the file lets its holder log in (not learn the
//!   password): the file is created readable by its owner only, and a file others may read or
//!   write is refused;
//! - a user has exactly one scope: a non-empty list of departments, or national;
//! - an unknown user goes through the same exchange as a known one, against a salt derived from
//!   the name and a secret drawn at start, and fails with the same error as a wrong password: the
//!   answer does not tell which names exist.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::Path;

use async_trait::async_trait;
use pgwire::api::auth::sasl::scram::{gen_salted_password, SCRAM_ITERATIONS};
use pgwire::api::auth::{AuthSource, LoginInfo, Password};
use pgwire::error::PgWireResult;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{AnalyticsError, Result};

/// The SCRAM-SHA-256 verifier of a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScramVerifier {
    /// PBKDF2 iterations; the server announces [`SCRAM_ITERATIONS`], so every entry uses it.
    pub iterations: usize,
    /// The random salt, lowercase hex.
    pub salt: String,
    /// PBKDF2-HMAC-SHA-256(password, salt, iterations), lowercase hex.
    pub salted_password: String,
}

impl ScramVerifier {
    /// The verifier of `password` with a new random salt.
    pub fn new(password: &str) -> Result<ScramVerifier> {
        let salt = random_bytes::<16>()?;
        Ok(ScramVerifier {
            iterations: SCRAM_ITERATIONS,
            salt: hex::encode(salt),
            salted_password: hex::encode(gen_salted_password(password, &salt, SCRAM_ITERATIONS)),
        })
    }
}

/// One line of the users file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEntry {
    /// The login name.
    pub name: String,
    /// The departments (INSEE codes) whose rows the user sees; empty for a national user.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub departments: Vec<String>,
    /// Whether the user sees every department.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub national: bool,
    /// How the password is checked.
    pub scram_sha_256: ScramVerifier,
}

/// What a user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every department.
    National,
    /// Only these departments' rows.
    Departments(Vec<String>),
}

/// The users the server accepts.
pub struct Users {
    entries: HashMap<String, (Scope, Password)>,
    /// Secret of this process, for the salts of unknown names.
    mock_secret: [u8; 32],
}

impl Users {
    /// Reads and checks a users file.
    pub fn load(path: &Path) -> Result<Users> {
        let error = |line: Option<usize>, reason: String| AnalyticsError::Users {
            path: path.to_owned(),
            line,
            reason,
        };
        let io = |source| AnalyticsError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mode =
            std::os::unix::fs::PermissionsExt::mode(&file.metadata().map_err(io)?.permissions());
        if mode & 0o077 != 0 {
            return Err(error(
                None,
                format!(
                    "others may read or write it (mode {:o}): run chmod 600 on it",
                    mode & 0o777
                ),
            ));
        }
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(io)?;
        let mut entries = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let entry: UserEntry =
                serde_json::from_str(line).map_err(|e| error(Some(i + 1), e.to_string()))?;
            let (scope, password) = check_entry(&entry).map_err(|r| error(Some(i + 1), r))?;
            if entries
                .insert(entry.name.clone(), (scope, password))
                .is_some()
            {
                return Err(error(
                    Some(i + 1),
                    format!("the name {:?} is used twice", entry.name),
                ));
            }
        }
        Ok(Users {
            entries,
            mock_secret: random_bytes()?,
        })
    }

    /// How many users there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no user (every connection is then refused).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The scope of the user `name`, if there is one.
    pub fn scope(&self, name: &str) -> Option<&Scope> {
        self.entries.get(name).map(|(scope, _)| scope)
    }
}

/// Names and scopes only: the verifiers and the secret stay out of logs.
impl std::fmt::Debug for Users {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(name, (scope, _))| (name, scope)))
            .finish()
    }
}

#[async_trait]
impl AuthSource for Users {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        let name = login.user().unwrap_or_default();
        if let Some((_, password)) = self.entries.get(name) {
            return Ok(password.clone());
        }
        // A salt and a salted password no password gives (64 bytes instead of SHA-256's 32).
        let mock = |label: &[u8]| {
            Sha256::new()
                .chain_update(self.mock_secret)
                .chain_update(label)
                .chain_update(name.as_bytes())
                .finalize()
        };
        let mut impossible = mock(b"salted").to_vec();
        impossible.extend_from_slice(&mock(b"salted2"));
        Ok(Password::new(
            Some(mock(b"salt")[..16].to_vec()),
            impossible,
        ))
    }
}

/// Checks an entry; returns its scope and its password as the SCRAM exchange needs it.
fn check_entry(entry: &UserEntry) -> std::result::Result<(Scope, Password), String> {
    if !pdn_schemas::ids::is_identifier(&entry.name) {
        return Err(format!(
            "name {:?}: expected 2 to 64 letters, digits, '.', '_', ':' or '-'",
            entry.name
        ));
    }
    let scope = match (entry.national, entry.departments.is_empty()) {
        (true, true) => Scope::National,
        (false, false) => {
            if let Some(d) = entry
                .departments
                .iter()
                .find(|d| !pdn_schemas::ids::is_department(d))
            {
                return Err(format!(
                    "departments: {d:?} is not an INSEE department code"
                ));
            }
            Scope::Departments(entry.departments.clone())
        }
        (true, false) => return Err("a user is national or has departments, not both".into()),
        (false, true) => return Err("expected departments, or national: true".into()),
    };
    let scram = &entry.scram_sha_256;
    if scram.iterations != SCRAM_ITERATIONS {
        return Err(format!(
            "scram_sha_256.iterations: expected {SCRAM_ITERATIONS}"
        ));
    }
    let salt = hex::decode(&scram.salt)
        .ok()
        .filter(|s| s.len() >= 16)
        .ok_or("scram_sha_256.salt: expected at least 32 hex digits")?;
    let salted = hex::decode(&scram.salted_password)
        .ok()
        .filter(|s| s.len() == 32)
        .ok_or("scram_sha_256.salted_password: expected 64 hex digits")?;
    Ok((scope, Password::new(Some(salt), salted)))
}

/// Appends `entry` to the users file at `path`, creating it readable by its owner only. Refuses a
/// name already there, or a file the server would refuse.
pub fn append(path: &Path, entry: &UserEntry) -> Result<()> {
    let error = |reason: String| AnalyticsError::Users {
        path: path.to_owned(),
        line: None,
        reason,
    };
    check_entry(entry).map_err(error)?;
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let io = |source| AnalyticsError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = options.open(path).map_err(io)?;
    if Users::load(path)?.entries.contains_key(&entry.name) {
        return Err(error(format!(
            "a user named {:?} already exists",
            entry.name
        )));
    }
    let mut line = serde_json::to_string(entry).expect("a user entry serialises");
    line.push('\n');
    file.write_all(line.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

/// `N` bytes from the system's random source.
fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let path = Path::new("/dev/urandom");
    let mut bytes = [0u8; N];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|source| AnalyticsError::Io {
            path: path.to_owned(),
            source,
        })?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, departments: &[&str], password: &str) -> UserEntry {
        UserEntry {
            name: name.into(),
            departments: departments.iter().map(|d| d.to_string()).collect(),
            national: departments.is_empty(),
            scram_sha_256: ScramVerifier::new(password).unwrap(),
        }
    }

    #[test]
    fn the_file_keeps_verifiers_only_and_scopes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.jsonl");
        append(&path, &entry("eval-82", &["82", "31"], "s3cret-pass")).unwrap();
        append(&path, &entry("national", &[], "other-pass")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("s3cret-pass") && !text.contains("other-pass"));
        let mode = std::fs::metadata(&path).unwrap().permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );
        let users = Users::load(&path).unwrap();
        assert_eq!(users.len(), 2);
        assert_eq!(
            users.scope("eval-82"),
            Some(&Scope::Departments(vec!["82".into(), "31".into()]))
        );
        assert_eq!(users.scope("national"), Some(&Scope::National));
        assert_eq!(users.scope("nobody"), None);
        assert!(append(&path, &entry("eval-82", &["82"], "x")).is_err());
    }

    #[test]
    fn bad_entries_and_open_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.jsonl");
        let mut both = entry("both", &["82"], "p");
        both.national = true;
        assert!(append(&path, &both).is_err());
        assert!(append(&path, &entry("bad-dept", &["20"], "p")).is_err());
        append(&path, &entry("ok-user", &["82"], "p")).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .unwrap();
        let err = Users::load(&path).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
    }
}
