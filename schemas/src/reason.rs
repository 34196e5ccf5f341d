//! Why an event is rejected: a stable reason code, the field path, what was expected and what was
//! found. Reason codes are stored with dead letters and counted in metrics: never rename one.

use std::fmt;

/// Defines [`Reason`] with its stable code and a one-line description.
macro_rules! reasons {
    ($($variant:ident = $code:literal, $what:literal;)+) => {
        /// The reason an event is invalid.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Reason {
            $( #[doc = $what] $variant, )+
        }

        impl Reason {
            /// Every reason.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),+];

            /// The stable snake_case code.
            pub fn code(self) -> &'static str {
                match self { $(Reason::$variant => $code),+ }
            }

            /// What the reason means, in one line.
            pub fn description(self) -> &'static str {
                match self { $(Reason::$variant => $what),+ }
            }

            /// The reason whose code is `code`, if any.
            pub fn from_code(code: &str) -> Option<Reason> {
                match code { $($code => Some(Reason::$variant),)+ _ => None }
            }
        }
    };
}

reasons! {
    EventTooLarge = "event_too_large", "the event is larger than the maximum size";
    InvalidUtf8 = "invalid_utf8", "the bytes are not valid UTF-8";
    MalformedJson = "malformed_json", "the bytes are not one JSON document";
    DuplicateKey = "duplicate_key", "an object gives the same key twice";
    NotAnObject = "not_an_object", "the event is not a JSON object";
    TooDeep = "too_deep", "the event nests objects or arrays too deeply";
    MissingField = "missing_field", "a required field is missing";
    UnknownField = "unknown_field", "a field is not part of the schema";
    WrongType = "wrong_type", "a field has the wrong JSON type";
    UnknownEventType = "unknown_event_type", "the event type is not in the catalogue";
    UnsupportedSchemaVersion = "unsupported_schema_version", "the schema version is not supported for this type";
    InvalidEnumValue = "invalid_enum_value", "a value is not in its taxonomy";
    InvalidEventId = "invalid_event_id", "the event id is not a valid identifier";
    InvalidIdentifier = "invalid_identifier", "an identifier is malformed";
    InvalidDepartment = "invalid_department", "the department is not an INSEE department code";
    InvalidCommune = "invalid_commune", "the commune is not an INSEE commune code";
    InvalidSourceApp = "invalid_source_app", "the source application name is malformed";
    RawYouthId = "raw_youth_id", "a young person is identified by something other than a pseudonym";
    EmailAddress = "email_address", "a value or field looks like an e-mail address";
    PhoneNumber = "phone_number", "a value or field looks like a phone number";
    DateOfBirth = "date_of_birth", "a value or field looks like a date of birth";
    PersonalName = "personal_name", "a field looks like a person's name";
    FreeText = "free_text", "a value or field looks like free text";
    InvalidCharacters = "invalid_characters", "a value contains characters no code or identifier has";
    ValueTooLong = "value_too_long", "a value is longer than any code or identifier";
    InvalidTimestamp = "invalid_timestamp", "a timestamp is not RFC 3339 with a UTC offset";
    InvalidDate = "invalid_date", "a date is not an ISO 8601 calendar date";
    TimestampTooOld = "timestamp_too_old", "a timestamp is before the network existed (2012)";
    TimestampInFuture = "timestamp_in_future", "a timestamp is in the future";
    OutOfRange = "out_of_range", "a number is outside its allowed range";
    EmptyList = "empty_list", "a list that needs at least one item is empty";
    TooManyItems = "too_many_items", "a list has more items than allowed";
    DuplicateInList = "duplicate_in_list", "a list repeats an item";
    InconsistentValue = "inconsistent_value", "values contradict each other";
    InvalidValue = "invalid_value", "a value is not acceptable";
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A rejected event: why, where, what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub reason: Reason,
    /// The field path, e.g. `payload.themes[1]`; empty for the event as a whole.
    pub path: String,
    pub expected: String,
    /// What was found, shortened and with nothing personal echoed back verbatim.
    pub found: String,
    /// The event's id when it could be read, for the error report.
    pub event_id: Option<String>,
}

impl Rejection {
    /// A rejection without an event id yet (the validator adds it).
    pub fn new(
        reason: Reason,
        path: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Rejection {
        Rejection {
            reason,
            path: path.into(),
            expected: expected.into(),
            found: found.into(),
            event_id: None,
        }
    }

    /// The human-readable message without the reason code.
    pub fn message(&self) -> String {
        let at = if self.path.is_empty() {
            String::new()
        } else {
            format!("at {}: ", self.path)
        };
        format!("{at}expected {}, found {}", self.expected, self.found)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason, self.message())
    }
}

impl std::error::Error for Rejection {}

/// Describes a value without echoing personal data: strings that may be identifying are masked.
pub fn describe_masked(kind: &str, s: &str) -> String {
    format!("{kind} of {} characters", s.chars().count())
}

/// Describes a value short enough to quote (codes, numbers), truncated at 40 characters.
pub fn describe(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            if short.len() < s.len() {
                format!("string \"{short}…\"")
            } else {
                format!("string \"{short}\"")
            }
        }
        Value::Array(a) => format!("array of {} items", a.len()),
        Value::Object(o) => format!("object with {} fields", o.len()),
    }
}
