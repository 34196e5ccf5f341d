//! The collector's OpenAPI 3.1 document, built from the same constants the server uses (status
//! codes, reason codes, event types, identifier patterns). It is served at `GET /openapi.json`,
//! printed by `pdn collect --openapi`, and committed as `docs/openapi.json` (a test keeps the
//! three equal).

use pdn_schemas::ids::{
    DEPARTMENT_PATTERN, EVENT_ID_PATTERN, IDENTIFIER_PATTERN, SOURCE_APP_PATTERN,
};
use pdn_schemas::{EventType, Reason};
use serde_json::{json, Value};

use super::metrics::OUT_OF_SCOPE;

const DESCRIPTION: &str = "\
Apps of the Promeneurs du Net network send the facts they record (contacts, permanences, referrals, \
attendance...) to `POST /v1/events`, one JSON event or an NDJSON batch per request.

**Durable before 202.** The collector answers 202 only once every event of the request is durable: \
committed to the event store (lake mode) or acknowledged by every in-sync replica of the Kafka topic \
(Kafka mode). Any other answer, a timeout or a lost connection means the request may not be stored: \
send it again unchanged. Events are deduplicated by `event_id`, so re-sending is always safe.

**All or nothing.** If any event of a request is invalid (400) or outside the token's scope (403), \
none of the request's events is stored: the answer lists every refused event (line, event id when \
readable, reason code, field path, what was expected and what was found, never the offending value) \
so the app keeps its batch, fixes it and sends it whole again. In Kafka mode, a 503 after a failed \
delivery may leave some events of the request in the topic; the re-sent request carries the same \
ids, and the ingest keeps each event once.

The schema of each event type and version is published as JSON Schema 2020-12 in `schemas/json/` \
of the pdn repository; `Event` below gives the envelope only.";

/// The document as JSON.
pub fn document() -> Value {
    let event_types: Vec<&str> = EventType::ALL.iter().map(|t| t.code()).collect();
    let reasons: Vec<&str> = Reason::ALL
        .iter()
        .map(|r| r.code())
        .chain([OUT_OF_SCOPE])
        .collect();
    let refusal = |description: &str, errors: &[&str]| {
        json!({
            "description": description,
            "content": {"application/json": {"schema": {
                "allOf": [{"$ref": "#/components/schemas/Refusal"}],
                "properties": {"error": {"enum": errors}}
            }}}
        })
    };
    let retry_after = json!({"Retry-After": {
        "description": "Seconds to wait before sending the request again.",
        "schema": {"type": "integer", "minimum": 1}
    }});
    let mut too_many = refusal(
        "More events are waiting to become durable than the collector holds (`--max-pending-events`). \
         Nothing was stored: send the request again after `Retry-After` seconds.",
        &["too_many_pending_events"],
    );
    too_many["headers"] = retry_after.clone();
    let mut unavailable = refusal(
        "The events could not be made durable (storage or broker error, or the collector is stopping). \
         None is acknowledged: send the request again after `Retry-After` seconds.",
        &["not_durable"],
    );
    unavailable["headers"] = retry_after;
    let mut unauthorized = refusal(
        "The `Authorization: Bearer` token is missing or unknown.",
        &["unauthorized"],
    );
    unauthorized["headers"] = json!({"WWW-Authenticate": {
        "description": "`Bearer realm=\"pdn\"`",
        "schema": {"type": "string"}
    }});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "pdn collector",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Receives the events of the Promeneurs du Net apps and stores them durably.",
            "description": DESCRIPTION,
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/events": {"post": {
                "operationId": "postEvents",
                "summary": "Send one event or an NDJSON batch; 202 once all are durable.",
                "requestBody": {
                    "required": true,
                    "description": "At most `--max-body-bytes` (default 8 MiB) and `--max-request-events` events (default 10000).",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Event"}},
                        "application/x-ndjson": {"schema": {
                            "type": "string",
                            "description": "One event (see `Event`) per line; blank lines are ignored. Lines are numbered from 1 in refusals."
                        }}
                    }
                },
                "responses": {
                    "202": {
                        "description": "Every event of the request is durable.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}}
                    },
                    "400": refusal(
                        "Invalid events (listed in `rejected`), an empty or unreadable body. Nothing was stored.",
                        &["invalid_events", "empty_body", "unreadable_body"],
                    ),
                    "401": unauthorized,
                    "403": refusal(
                        "Events outside the token's departments or structures (listed in `rejected`). Nothing was stored.",
                        &["out_of_scope"],
                    ),
                    "413": refusal(
                        "The body is larger than `--max-body-bytes`, or holds more than `--max-request-events` events. Nothing was stored: split the batch.",
                        &["body_too_large", "too_many_events"],
                    ),
                    "415": refusal(
                        "The Content-Type is neither application/json nor application/x-ndjson.",
                        &["unsupported_media_type"],
                    ),
                    "429": too_many,
                    "503": unavailable
                }
            }},
            "/health": {"get": {
                "operationId": "health",
                "summary": "Whether the collector can store events now.",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The sink (lake writer or Kafka broker) is usable.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
                    },
                    "503": {
                        "description": "The sink is not usable: the lake writer stopped, or the broker does not answer or lacks the topic.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
                    }
                }
            }},
            "/metrics": {"get": {
                "operationId": "metrics",
                "summary": "Prometheus text exposition: events received, accepted, duplicate; rejections by reason; answers by status; durability latency; pending events.",
                "security": [],
                "responses": {"200": {
                    "description": "The metrics.",
                    "content": {"text/plain": {"schema": {"type": "string"}}}
                }}
            }},
            "/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "This document.",
                "security": [],
                "responses": {"200": {
                    "description": "The OpenAPI document.",
                    "content": {"application/json": {"schema": {"type": "object"}}}
                }}
            }}
        },
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from `pdn tokens add`; it may send the events of its departments (and, if it lists any, only of its structures)."
            }},
            "schemas": {
                "Event": {
                    "type": "object",
                    "description": "One event: the envelope below and a payload whose schema depends on `type` and `schema_version` (schemas/json/<type>.v<version>.schema.json).",
                    "required": ["event_id", "type", "schema_version", "occurred_at", "source_app", "department", "structure_id", "professional_id", "payload"],
                    "additionalProperties": false,
                    "properties": {
                        "event_id": {"type": "string", "pattern": EVENT_ID_PATTERN, "description": "Chosen by the app, unique per fact: the deduplication key. A re-send carries the same id."},
                        "type": {"enum": event_types},
                        "schema_version": {"type": "integer", "minimum": 1},
                        "occurred_at": {"type": "string", "format": "date-time", "description": "RFC 3339 with the app's UTC offset."},
                        "source_app": {"type": "string", "pattern": SOURCE_APP_PATTERN},
                        "department": {"type": "string", "pattern": DEPARTMENT_PATTERN},
                        "structure_id": {"type": "string", "pattern": IDENTIFIER_PATTERN},
                        "professional_id": {"type": "string", "pattern": IDENTIFIER_PATTERN},
                        "payload": {"type": "object"}
                    }
                },
                "Accepted": {
                    "type": "object",
                    "required": ["accepted"],
                    "properties": {
                        "accepted": {"type": "integer", "description": "Events of the request, all durable."},
                        "duplicates": {"type": "integer", "description": "Lake mode: how many of them the store already held (a re-send), kept once."},
                        "lake_version": {"type": "integer", "description": "Lake mode: the store version that holds them."}
                    }
                },
                "Refusal": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                        "rejected": {"type": "array", "items": {"$ref": "#/components/schemas/RejectedEvent"}}
                    }
                },
                "RejectedEvent": {
                    "type": "object",
                    "required": ["line", "reason", "path", "expected", "found"],
                    "properties": {
                        "line": {"type": "integer", "minimum": 1, "description": "Line of the event in the body (1 for application/json)."},
                        "event_id": {"type": "string", "description": "When it could be read."},
                        "reason": {"enum": reasons},
                        "path": {"type": "string", "description": "The field, e.g. payload.themes[1]; empty for the event as a whole."},
                        "expected": {"type": "string"},
                        "found": {"type": "string", "description": "What was found, described without echoing a value that may be personal."}
                    }
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "sink"],
                    "properties": {
                        "status": {"enum": ["ok", "unavailable"]},
                        "sink": {"enum": ["lake", "kafka"]}
                    }
                }
            }
        }
    })
}

/// The document as served and committed: pretty JSON and a final newline.
pub fn render() -> String {
    let mut text = serde_json::to_string_pretty(&document()).expect("the document serialises");
    text.push('\n');
    text
}
