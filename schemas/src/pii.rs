//! The privacy scan: before anything else reads an event, every key and every string value is
//! checked for what must never reach the pipeline (DOMAIN.md §5): e-mail addresses, phone numbers,
//! dates of birth, names, free text.
//!
//! It can afford to be strict because no legitimate value of the schema contains whitespace,
//! non-ASCII characters, or more than 64 characters: every value is a code, an identifier, a number
//! or a timestamp. Found values are never echoed back (only their shape), so a rejection report does
//! not leak what it rejected.

use serde_json::Value;

use crate::reason::{describe_masked, Reason, Rejection};

/// The deepest nesting an event may have (the envelope, the payload, a list, a replacement payload
/// and its lists).
pub const MAX_DEPTH: usize = 6;
/// The longest string value any field may hold.
pub const MAX_STRING_CHARS: usize = 64;

/// Fields whose value is a date or timestamp by schema, not a date of birth: a bare date there is
/// reported by the typed check as a malformed date or timestamp.
const DATE_FIELDS: &[&str] = &[
    "starts_on",
    "ends_on",
    "ended_on",
    "occurred_at",
    "slot_start",
    "slot_end",
];

/// Checks an event's top-level object for personal data and oversized or deep structures.
pub fn scan_object(object: &serde_json::Map<String, Value>) -> Result<(), Rejection> {
    scan_map(object, &mut String::new(), 0)
}

fn scan_map(
    map: &serde_json::Map<String, Value>,
    path: &mut String,
    depth: usize,
) -> Result<(), Rejection> {
    for (k, v) in map {
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(k);
        check_key(k, path)?;
        scan_at(v, path, k, depth + 1)?;
        path.truncate(len);
    }
    Ok(())
}

fn scan_at(value: &Value, path: &mut String, key: &str, depth: usize) -> Result<(), Rejection> {
    if depth > MAX_DEPTH {
        return Err(Rejection::new(
            Reason::TooDeep,
            path.clone(),
            format!("at most {MAX_DEPTH} levels of nesting"),
            "deeper nesting",
        ));
    }
    match value {
        Value::Object(map) => scan_map(map, path, depth),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                scan_at(v, path, key, depth + 1)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::String(s) => check_string(s, path, key),
        _ => Ok(()),
    }
}

/// Lower-cases a key and keeps only its letters and digits: `First-Name` -> `firstname`.
fn normalise_key(key: &str) -> String {
    key.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every field name the schema defines (envelope and all payloads, all versions), sorted: such a
/// key is never personal data, which spares the common case the slower checks below.
fn schema_keys() -> &'static [String] {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys = std::collections::BTreeSet::new();
        for (t, v) in crate::json_schema::published() {
            let schema = crate::json_schema::event_schema(t, v).expect("published schemas exist");
            collect_property_names(&schema, &mut keys);
        }
        keys.into_iter().collect()
    })
}

fn collect_property_names(value: &Value, keys: &mut std::collections::BTreeSet<String>) {
    if let Value::Object(map) = value {
        if let Some(Value::Object(properties)) = map.get("properties") {
            keys.extend(properties.keys().cloned());
        }
        map.values().for_each(|v| collect_property_names(v, keys));
    }
}

fn check_key(key: &str, path: &str) -> Result<(), Rejection> {
    if schema_keys()
        .binary_search_by(|k| k.as_str().cmp(key))
        .is_ok()
    {
        return Ok(());
    }
    let k = normalise_key(key);
    let reason = if k.contains("birth") || k.contains("naissance") || k == "dob" || k == "ddn" {
        Some(Reason::DateOfBirth)
    } else if matches!(
        k.as_str(),
        "name"
            | "firstname"
            | "lastname"
            | "fullname"
            | "surname"
            | "nom"
            | "prenom"
            | "prénom"
            | "nomdefamille"
            | "username"
            | "pseudo"
            | "displayname"
    ) {
        Some(Reason::PersonalName)
    } else if matches!(k.as_str(), "email" | "mail" | "courriel" | "emailaddress") {
        Some(Reason::EmailAddress)
    } else if matches!(
        k.as_str(),
        "phone" | "telephone" | "téléphone" | "tel" | "mobile" | "portable" | "phonenumber"
    ) {
        Some(Reason::PhoneNumber)
    } else if matches!(
        k.as_str(),
        "message"
            | "content"
            | "contenu"
            | "text"
            | "texte"
            | "note"
            | "notes"
            | "comment"
            | "comments"
            | "commentaire"
            | "description"
            | "body"
            | "remarque"
            | "observation"
    ) {
        Some(Reason::FreeText)
    } else {
        None
    };
    if let Some(reason) = reason {
        return Err(Rejection::new(
            reason,
            path,
            "no field holding personal data or free text",
            format!("field \"{}\"", key.chars().take(40).collect::<String>()),
        ));
    }
    check_key_text(key, path)
}

/// A key outside the schema is reported by name later (`unknown_field`), so first its text gets
/// the value rules: a key that is itself an e-mail address, a phone number, a date or free text is
/// reported as such, and one with characters no field name has is refused before being echoed.
/// The path of such a rejection stops before the key, which is never quoted.
fn check_key_text(key: &str, path: &str) -> Result<(), Rejection> {
    let parent = path.strip_suffix(key).unwrap_or("").trim_end_matches('.');
    check_string_slowly(key, parent, "")?;
    if key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(())
    } else {
        Err(Rejection::new(
            Reason::InvalidCharacters,
            parent,
            "a field name of letters, digits and '_'",
            describe_masked("a field name", key),
        ))
    }
}

/// Bytes of codes, identifiers, numbers-as-text and timestamps: a string made only of these, and
/// short enough, can be neither an e-mail address, nor free text, nor unicode trickery.
pub(crate) const fn is_code_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'+')
}

fn check_string(s: &str, path: &str, key: &str) -> Result<(), Rejection> {
    check_scanned_string(s, path, key, s.bytes().all(is_code_byte))
}

/// [`check_string`] for a caller that already knows whether `s` holds only code bytes
/// ([`is_code_byte`]).
pub(crate) fn check_scanned_string(
    s: &str,
    path: &str,
    key: &str,
    only_code_bytes: bool,
) -> Result<(), Rejection> {
    let bytes = s.as_bytes();
    if bytes.len() <= MAX_STRING_CHARS && only_code_bytes {
        let phone_like = matches!(bytes.first(), Some(b'0' | b'+' | b'3')) && looks_like_phone(s);
        let date_like = bytes.len() == 10 && !DATE_FIELDS.contains(&key) && looks_like_bare_date(s);
        if !phone_like && !date_like {
            return Ok(());
        }
    }
    check_string_slowly(s, path, key)
}

fn check_string_slowly(s: &str, path: &str, key: &str) -> Result<(), Rejection> {
    if let Some(reason) = personal_data(s, key) {
        let (expected, kind) = match reason {
            Reason::EmailAddress => ("a code or identifier", "an e-mail address"),
            Reason::PhoneNumber => ("a code or identifier", "a phone number"),
            _ => (
                "no calendar date outside the schema's date fields (ages are sent as age bands)",
                "a date",
            ),
        };
        return Err(Rejection::new(
            reason,
            path,
            expected,
            describe_masked(kind, s),
        ));
    }
    let reject = |reason: Reason, expected: &str, kind: &str| {
        Err(Rejection::new(
            reason,
            path,
            expected,
            describe_masked(kind, s),
        ))
    };
    if s.chars().any(char::is_whitespace) {
        return reject(
            Reason::FreeText,
            "a code or identifier, without spaces",
            "text",
        );
    }
    if s.chars().count() > MAX_STRING_CHARS {
        return reject(Reason::ValueTooLong, "at most 64 characters", "a string");
    }
    if !s.bytes().all(|b| b.is_ascii_graphic()) {
        return reject(
            Reason::InvalidCharacters,
            "printable ASCII characters only",
            "a string with other characters",
        );
    }
    Ok(())
}

/// The kind of personal data `s` (the value of `key`) looks like, if any.
fn personal_data(s: &str, key: &str) -> Option<Reason> {
    if looks_like_email(s) {
        Some(Reason::EmailAddress)
    } else if looks_like_phone(s) {
        Some(Reason::PhoneNumber)
    } else if !DATE_FIELDS.contains(&key) && looks_like_bare_date(s) {
        Some(Reason::DateOfBirth)
    } else {
        None
    }
}

/// Checks an identifier chosen by an app (a structure, professional, accompaniment... id) for a
/// young person's date of birth inside it: a part between separators that is a date 8 to 30
/// years ago written `YYYYMMDD` or `DDMMYYYY` (`lucas.martin.20090412`). Event ids and pseudonyms
/// have their own formats and are not concerned.
pub fn check_identifier(path: &str, id: &str, today: chrono::NaiveDate) -> Result<(), Rejection> {
    use chrono::Datelike;
    let years = (today.year() - 30)..=(today.year() - 8);
    let birth_like = |part: &str| {
        part.len() == 8
            && part.bytes().all(|b| b.is_ascii_digit())
            && ["%Y%m%d", "%d%m%Y"].iter().any(|format| {
                chrono::NaiveDate::parse_from_str(part, format)
                    .is_ok_and(|d| years.contains(&d.year()))
            })
    };
    if id.split(['.', '_', '-', ':']).any(birth_like) {
        return Err(Rejection::new(
            Reason::DateOfBirth,
            path,
            "an identifier without a date of birth in it",
            describe_masked("an identifier with a date", id),
        ));
    }
    Ok(())
}

/// `local@domain.tld`, possibly inside a longer string.
fn looks_like_email(s: &str) -> bool {
    s.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '<' || c == '>')
        .any(|word| match word.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        })
}

/// A French or international phone number: 9 to 15 digits, optionally grouped by spaces, dots,
/// dashes or parentheses, starting with `0`, `+` or `00`; or a French number in international
/// form without its `+` (`33` and nine digits).
fn looks_like_phone(s: &str) -> bool {
    let t = s.trim();
    let b = t.as_bytes();
    if b.len() == 11 && b.starts_with(b"33") && b[2] != b'0' && b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    if !(t.starts_with('0') || t.starts_with('+')) {
        return false;
    }
    if !t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')' | '+'))
    {
        return false;
    }
    let digits = t.chars().filter(char::is_ascii_digit).count();
    (9..=15).contains(&digits)
}

/// A calendar date on its own: `2009-04-12`, `12/04/2009`, `12-04-2009`, `12.04.2009`.
fn looks_like_bare_date(s: &str) -> bool {
    let b = s.trim().as_bytes();
    if b.len() != 10 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let iso = digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10);
    let sep = |c: u8| matches!(c, b'/' | b'-' | b'.');
    let european = digits(0..2) && sep(b[2]) && digits(3..5) && sep(b[5]) && digits(6..10);
    iso || european
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reason(v: Value) -> Option<Reason> {
        scan_object(v.as_object().unwrap()).err().map(|r| r.reason)
    }

    #[test]
    fn detects_personal_data() {
        assert_eq!(
            reason(json!({"a": "jean.dupont@mail.fr"})),
            Some(Reason::EmailAddress)
        );
        assert_eq!(
            reason(json!({"a": "06 12 34 56 78"})),
            Some(Reason::PhoneNumber)
        );
        assert_eq!(
            reason(json!({"a": "+33612345678"})),
            Some(Reason::PhoneNumber)
        );
        assert_eq!(
            reason(json!({"a": "2009-04-12"})),
            Some(Reason::DateOfBirth)
        );
        assert_eq!(
            reason(json!({"a": "12/04/2009"})),
            Some(Reason::DateOfBirth)
        );
        assert_eq!(reason(json!({"starts_on": "2025-01-01"})), None);
        assert_eq!(reason(json!({"a": "il va mal"})), Some(Reason::FreeText));
        assert_eq!(reason(json!({"prenom": "x"})), Some(Reason::PersonalName));
        assert_eq!(
            reason(json!({"Date_Of_Birth": "x"})),
            Some(Reason::DateOfBirth)
        );
        assert_eq!(
            reason(json!({"a": "e\u{301}cole"})),
            Some(Reason::InvalidCharacters)
        );
        assert_eq!(
            reason(json!({"a": "x".repeat(65)})),
            Some(Reason::ValueTooLong)
        );
        assert_eq!(
            reason(json!({"a": [[[[[[["deep"]]]]]]]})),
            Some(Reason::TooDeep)
        );
    }

    #[test]
    fn accepts_codes_ids_and_timestamps() {
        let ok = json!({
            "event_id": "0b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f",
            "occurred_at": "2025-03-14T18:22:05+01:00",
            "department": "82",
            "payload": {"youth": "yp1_0123456789abcdef0123456789abcdef", "themes": ["lien_social"], "duration_minutes": 12}
        });
        assert_eq!(reason(ok), None);
    }

    #[test]
    fn found_never_echoes_the_value() {
        let r = scan_object(json!({"a": "jean.dupont@mail.fr"}).as_object().unwrap()).unwrap_err();
        assert!(!r.found.contains("dupont"), "{}", r.found);
        assert_eq!(r.path, "a");
    }
}
