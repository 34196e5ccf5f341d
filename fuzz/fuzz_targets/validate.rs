//! Event decoding and validation on arbitrary bytes (one NDJSON line or Kafka message).
//!
//! Properties, beyond "never panics, never hangs":
//! - the fast path and the JSON-tree path agree: an input that is one JSON document gets the same
//!   event from both or is rejected by both;
//! - an accepted event written back as JSON (what the lake and the dead letters keep) is accepted
//!   again as the same event.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use pdn_schemas::validate::MAX_EVENT_BYTES;
use pdn_schemas::Validator;

fuzz_target!(|bytes: &[u8]| {
    let validator = Validator::at(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
    let result = validator.validate(bytes);
    if bytes.len() <= MAX_EVENT_BYTES {
        if let Some(value) = std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| pdn_schemas::validate::parse(text).ok())
        {
            let slow = validator.validate_value(value);
            assert_eq!(
                result.as_ref().ok(),
                slow.as_ref().ok(),
                "the fast path and the tree path disagree: {:?} / {:?}",
                result.as_ref().err(),
                slow.as_ref().err()
            );
        }
    }
    if let Ok(event) = result {
        match validator.validate(event.to_json().as_bytes()) {
            Ok(again) => assert_eq!(again, event),
            Err(rejection) => panic!("an accepted event written back is refused: {rejection:?}"),
        }
    }
});
