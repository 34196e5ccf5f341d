//! The collector's routes.
//!
//! `POST /v1/events` checks, in this order, and answers at the first failure:
//! 1. the bearer token (401), before the body is read;
//! 2. the media type: `application/json` (the body is one event) or `application/x-ndjson` (one
//!    event per non-blank line) (415);
//! 3. room for more pending events at all (429), then the body size and event count (413);
//! 4. every event's validation, the same as `pdn ingest`'s (400, with every invalid event's line,
//!    id when readable, reason code, field path, expected and found: never the offending value);
//! 5. every event within the token's scope (403, listed the same way);
//! 6. room for this request's events among the pending ones (429, with `Retry-After`).
//!
//! Only then are the events handed to the sink, and 202 is answered once they are durable (503 if
//! they cannot be). A refused request stores nothing.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State as Extract};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pdn_schemas::{Event, Rejection, Validator};
use serde::Serialize;
use serde_json::json;

use super::metrics::{Gauges, OUT_OF_SCOPE};
use super::tokens::Scope;
use super::State;

/// Seconds a client is asked to wait before retrying after 429.
const RETRY_AFTER_BUSY: &str = "1";
/// Seconds a client is asked to wait before retrying after 503.
const RETRY_AFTER_UNAVAILABLE: &str = "5";

pub(super) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/v1/events", post(post_events))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .with_state(state)
}

/// One refused event, as the 400 and 403 answers list it (the fields `pdn validate` prints).
#[derive(Debug, Serialize)]
struct RejectedEvent {
    /// 1-based line of the event in the body (1 for `application/json`).
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_id: Option<String>,
    reason: &'static str,
    path: String,
    expected: String,
    found: String,
}

impl RejectedEvent {
    fn invalid(line: usize, r: Rejection) -> RejectedEvent {
        RejectedEvent {
            line,
            event_id: r.event_id,
            reason: r.reason.code(),
            path: r.path,
            expected: r.expected,
            found: r.found,
        }
    }
}

/// A request refused before anything was stored, or whose events could not be made durable.
struct Refusal {
    status: StatusCode,
    error: &'static str,
    message: String,
    rejected: Vec<RejectedEvent>,
}

impl Refusal {
    fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            error,
            message: message.into(),
            rejected: Vec::new(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.error, "message": self.message});
        if !self.rejected.is_empty() {
            body["rejected"] = json!(self.rejected);
        }
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        match self.status {
            StatusCode::UNAUTHORIZED => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"pdn\""),
                );
            }
            StatusCode::TOO_MANY_REQUESTS => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from_static(RETRY_AFTER_BUSY),
                );
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from_static(RETRY_AFTER_UNAVAILABLE),
                );
            }
            _ => {}
        }
        response
    }
}

/// How the body holds its events.
#[derive(Debug, Clone, Copy)]
enum Format {
    /// `application/json`: the body is one event.
    Single,
    /// `application/x-ndjson`: one event per non-blank line.
    Lines,
}

async fn post_events(Extract(state): Extract<Arc<State>>, request: Request) -> Response {
    let response = match accept(&state, request).await {
        Ok(response) => response,
        Err(refusal) => {
            tracing::info!(
                status = refusal.status.as_u16(),
                error = refusal.error,
                "request refused"
            );
            refusal.into_response()
        }
    };
    state.metrics.request(response.status().as_u16());
    response
}

async fn accept(state: &State, request: Request) -> Result<Response, Refusal> {
    let (parts, body) = request.into_parts();
    let scope = authenticate(state, &parts.headers)?;
    let format = format(&parts.headers)?;
    if state.pending.available_permits() == 0 {
        return Err(busy(state));
    }
    let bytes = read_body(body, &parts.headers, state.limits.max_body_bytes).await?;
    let validator = state.now.map(Validator::at).unwrap_or_default();
    let max_events = state.limits.max_request_events;
    let checked =
        tokio::task::spawn_blocking(move || validate(&bytes, format, max_events, validator))
            .await
            .map_err(|e| {
                Refusal::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "not_durable",
                    format!("validation failed unexpectedly ({e}); nothing was stored"),
                )
            })??;
    state.metrics.received(checked.len());
    let events = admit(state, scope, checked)?;
    let n = events.len();
    let permit = state
        .pending
        .clone()
        .try_acquire_many_owned(n as u32)
        .map_err(|_| busy(state))?;
    let valid_at = Instant::now();
    match state.sink.store(events, valid_at, permit).await {
        Ok(receipt) => {
            tracing::debug!(token = %scope.name, events = n, duplicates = ?receipt.duplicates, "accepted");
            let mut body = json!({"accepted": receipt.accepted});
            if let Some(d) = receipt.duplicates {
                body["duplicates"] = json!(d);
            }
            if let Some(v) = receipt.version {
                body["lake_version"] = json!(v);
            }
            Ok((StatusCode::ACCEPTED, Json(body)).into_response())
        }
        Err(e) => {
            tracing::warn!(token = %scope.name, events = n, error = %e, "events not durable: 503");
            Err(Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_durable",
                "the events could not be made durable; none is acknowledged: send the request again later",
            ))
        }
    }
}

fn busy(state: &State) -> Refusal {
    Refusal::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_pending_events",
        format!(
            "more than {} events are waiting to become durable; nothing was stored: retry after the delay given by Retry-After",
            state.limits.max_pending_events
        ),
    )
}

fn authenticate<'a>(state: &'a State, headers: &HeaderMap) -> Result<&'a Scope, Refusal> {
    let unauthorized = |message| Refusal::new(StatusCode::UNAUTHORIZED, "unauthorized", message);
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        unauthorized("missing token: send the header Authorization: Bearer <token>")
    })?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| unauthorized("expected the header Authorization: Bearer <token>"))?;
    state
        .tokens
        .authenticate(token)
        .ok_or_else(|| unauthorized("unknown token"))
}

fn format(headers: &HeaderMap) -> Result<Format, Refusal> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = value.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(Format::Single)
    } else if essence.eq_ignore_ascii_case("application/x-ndjson") {
        Ok(Format::Lines)
    } else {
        Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send Content-Type application/json (one event) or application/x-ndjson (one event per line)",
        ))
    }
}

async fn read_body(body: Body, headers: &HeaderMap, max: usize) -> Result<Bytes, Refusal> {
    let too_large = || {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is larger than {max} bytes: split the batch"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, max).await.map_err(|e| {
        let limited = e
            .into_inner()
            .downcast_ref::<http_body_util::LengthLimitError>()
            .is_some();
        if limited {
            too_large()
        } else {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                "unreadable_body",
                "the body could not be read",
            )
        }
    })
}

/// Splits the body into events and validates each: (line, raw bytes, outcome).
type Checked = Vec<(usize, Vec<u8>, Result<Event, Rejection>)>;

fn validate(
    body: &[u8],
    format: Format,
    max_events: usize,
    validator: Validator,
) -> Result<Checked, Refusal> {
    let mut lines: Vec<(usize, &[u8])> = Vec::new();
    match format {
        Format::Single => {
            if !body.iter().all(u8::is_ascii_whitespace) {
                lines.push((1, body));
            }
        }
        Format::Lines => {
            for (i, line) in body.split(|&b| b == b'\n').enumerate() {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                if lines.len() == max_events {
                    return Err(Refusal::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "too_many_events",
                        format!("a request holds at most {max_events} events: split the batch"),
                    ));
                }
                lines.push((i + 1, line));
            }
        }
    }
    if lines.is_empty() {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "empty_body",
            "the body holds no event",
        ));
    }
    Ok(lines
        .into_iter()
        .map(|(line, raw)| (line, raw.to_vec(), validator.validate(raw)))
        .collect())
}

/// The events of a request if every one is valid and in the token's scope; otherwise the
/// refusal listing every one that is not (invalid events first: their scope may be unreadable).
fn admit(state: &State, scope: &Scope, checked: Checked) -> Result<Vec<(Vec<u8>, Event)>, Refusal> {
    let mut invalid = Vec::new();
    let mut events = Vec::with_capacity(checked.len());
    for (line, raw, outcome) in checked {
        match outcome {
            Ok(event) => events.push((line, raw, event)),
            Err(rejection) => {
                state.metrics.rejected(rejection.reason.code());
                invalid.push(RejectedEvent::invalid(line, rejection));
            }
        }
    }
    if !invalid.is_empty() {
        let total = invalid.len() + events.len();
        return Err(Refusal {
            rejected: invalid,
            ..Refusal::new(
                StatusCode::BAD_REQUEST,
                "invalid_events",
                format!("invalid events in the request (see rejected); none of its {total} events was stored: fix them and send the whole request again"),
            )
        });
    }
    let mut outside = Vec::new();
    for (line, _, event) in &events {
        if let Err(o) = scope.check(&event.envelope) {
            state.metrics.rejected(OUT_OF_SCOPE);
            outside.push(RejectedEvent {
                line: *line,
                event_id: Some(event.envelope.event_id.as_str().to_owned()),
                reason: OUT_OF_SCOPE,
                path: o.path.to_owned(),
                expected: o.expected,
                found: o.found,
            });
        }
    }
    if !outside.is_empty() {
        return Err(Refusal {
            rejected: outside,
            ..Refusal::new(
                StatusCode::FORBIDDEN,
                "out_of_scope",
                format!(
                    "events outside the scope of the token {:?} (see rejected); none of the {} events of the request was stored",
                    scope.name,
                    events.len()
                ),
            )
        });
    }
    Ok(events
        .into_iter()
        .map(|(_, raw, event)| (raw, event))
        .collect())
}

async fn health(Extract(state): Extract<Arc<State>>) -> Response {
    let sink = state.sink.kind();
    if state.sink.healthy().await {
        (StatusCode::OK, Json(json!({"status": "ok", "sink": sink}))).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "sink": sink})),
        )
            .into_response()
    }
}

async fn metrics(Extract(state): Extract<Arc<State>>) -> Response {
    let max = state.limits.max_pending_events;
    let gauges = Gauges {
        pending_events: (max - state.pending.available_permits()) as u64,
        max_pending_events: max as u64,
        sink_up: state.sink.healthy().await,
        sink: state.sink.gauges(),
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&gauges),
    )
        .into_response()
}

async fn openapi(Extract(state): Extract<Arc<State>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.clone(),
    )
        .into_response()
}
