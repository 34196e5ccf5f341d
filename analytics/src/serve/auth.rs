//! Who gets in: SCRAM-SHA-256 against the users file, over TLS when the server has a certificate,
//! and no more connections than the cap.
//!
//! Invariants:
//! - a connection reaches the query handlers only after a SCRAM-SHA-256 exchange proved the
//!   user's password (pgwire's `auth::sasl`); a wrong password and an unknown user get the same
//!   answer, Postgres' `28P01 password authentication failed`;
//! - when TLS is configured, a connection that did not negotiate it is refused (`28000`) before
//!   any authentication: no password exchange and no data cross the network in the clear;
//! - a connection over the cap gets Postgres' `53300 too many clients` and is closed.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures::Sink;
use pgwire::api::auth::sasl::scram::ScramAuth;
use pgwire::api::auth::sasl::SASLAuthStartupHandler;
use pgwire::api::auth::{DefaultServerParameterProvider, StartupHandler};
use pgwire::api::{ClientInfo, PgWireServerHandlers, METADATA_USER};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};

use super::session::Connection;
use super::Config;

/// The startup of an admitted connection: TLS check, then SCRAM-SHA-256.
pub struct Startup {
    sasl: SASLAuthStartupHandler<DefaultServerParameterProvider>,
    tls_required: bool,
}

impl Startup {
    fn new(config: &Config) -> Startup {
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.is_superuser = false;
        parameters.default_transaction_read_only = true;
        let sasl = SASLAuthStartupHandler::new(Arc::new(parameters))
            .with_scram(ScramAuth::new(config.users.clone()));
        Startup {
            sasl,
            tls_required: config.tls.is_some(),
        }
    }
}

#[async_trait]
impl StartupHandler for Startup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if self.tls_required
            && !client.is_secure()
            && matches!(message, PgWireFrontendMessage::Startup(_))
        {
            return Err(fatal(
                "28000",
                "this server accepts TLS connections only: connect with sslmode=require".into(),
            ));
        }
        let result = self.sasl.on_startup(client, message).await;
        result.map_err(|e| match e {
            // pgwire names the user of the SCRAM message, which libpq leaves empty: name the
            // connection's user, in Postgres' words.
            PgWireError::InvalidPassword(_) => fatal(
                "28P01",
                format!(
                    "password authentication failed for user \"{}\"",
                    client
                        .metadata()
                        .get(METADATA_USER)
                        .map_or("", String::as_str)
                ),
            ),
            other => other,
        })
    }
}

/// The startup of a connection over the cap: refused.
pub struct TooMany {
    max_connections: usize,
}

#[async_trait]
impl StartupHandler for TooMany {
    async fn on_startup<C>(
        &self,
        _client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match message {
            PgWireFrontendMessage::Startup(_) => Err(fatal(
                "53300",
                format!(
                    "sorry, too many clients already: this server accepts {} connections at once",
                    self.max_connections
                ),
            )),
            _ => Ok(()),
        }
    }
}

fn fatal(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "FATAL".to_owned(),
        code.to_owned(),
        message,
    )))
}

/// The handlers of an admitted connection (its own SCRAM state and session).
pub struct Admitted {
    startup: Arc<Startup>,
    connection: Arc<Connection>,
}

impl Admitted {
    pub fn new(config: Arc<Config>) -> Admitted {
        Admitted {
            startup: Arc::new(Startup::new(&config)),
            connection: Arc::new(Connection::new(config)),
        }
    }
}

impl PgWireServerHandlers for Admitted {
    fn simple_query_handler(&self) -> Arc<impl pgwire::api::query::SimpleQueryHandler> {
        self.connection.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl pgwire::api::query::ExtendedQueryHandler> {
        self.connection.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.startup.clone()
    }
}

/// The handlers of a connection over the cap.
pub struct Refused(Arc<TooMany>);

impl Refused {
    pub fn new(max_connections: usize) -> Refused {
        Refused(Arc::new(TooMany { max_connections }))
    }
}

impl PgWireServerHandlers for Refused {
    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.0.clone()
    }
}
