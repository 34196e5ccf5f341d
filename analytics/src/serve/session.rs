//! One connection: its user's restricted session, and the query handlers of both protocols.
//!
//! Invariants:
//! - every statement is classified by [`guard::check`] before it is planned, and every query's
//!   plan is checked read-only before it runs; on the simple protocol the plan that was checked is
//!   the plan that runs, on the extended protocol the plan made at `Parse` is the one `Execute`
//!   runs;
//! - the session is the user's [`scope::open`] session at the lake's latest committed version:
//!   before each statement the lake's version is read, and a new session is opened if it changed
//!   (a statement prepared earlier runs on the session it was planned on: still restricted);
//! - a query runs at most `query_timeout` from planning to its last row (its stream is then
//!   dropped, which stops DataFusion) and holds at most `memory_limit` bytes.

use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Statement;
use datafusion_postgres::arrow_pg::datatypes::df::encode_dataframe;
use datafusion_postgres::datafusion_pg_catalog::sql::PostgresCompatibilityParser;
use datafusion_postgres::DfSessionService;
use futures::{Sink, StreamExt};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{FieldInfo, Response, Tag};
use pgwire::api::stmt::QueryParser;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, Type, METADATA_USER};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::types::format::FormatOptions;
use tokio::time::{timeout_at, Instant};

use super::guard::{self, Verdict};
use super::{scope, Config};

/// A statement as datafusion-postgres keeps it between `Parse` and `Execute`.
pub type DfStatement = (String, Option<(Statement, LogicalPlan)>);

/// What a connection shares between its two protocols.
pub struct State {
    config: Arc<Config>,
    parser: PostgresCompatibilityParser,
    current: Mutex<Option<Current>>,
}

/// The session a connection's statements run on.
#[derive(Clone)]
struct Current {
    user: String,
    version: u64,
    ctx: Arc<SessionContext>,
    service: Arc<DfSessionService>,
    _unlink: Arc<Unlink>,
}

/// Frees a session once its last user is gone: its `pg_catalog` schema holds the catalog list
/// that holds the schema, a cycle of references that would otherwise keep every closed
/// connection's session (a few MiB) in memory for the server's life.
struct Unlink(Arc<SessionContext>);

impl Drop for Unlink {
    fn drop(&mut self) {
        if let Some(catalog) = self.0.catalog(scope::CATALOG) {
            if let Err(error) = catalog.deregister_schema("pg_catalog", true) {
                tracing::warn!(%error, "could not release a closed session's pg_catalog");
            }
        }
    }
}

impl State {
    pub fn new(config: Arc<Config>) -> State {
        State {
            config,
            parser: PostgresCompatibilityParser::new(),
            current: Mutex::new(None),
        }
    }

    /// The connection's session at the lake's latest committed version.
    async fn current<C: ClientInfo + ?Sized>(&self, client: &C) -> PgWireResult<Current> {
        let user = client
            .metadata()
            .get(METADATA_USER)
            .cloned()
            .unwrap_or_default();
        let scope =
            self.config.users.scope(&user).cloned().ok_or_else(|| {
                error("FATAL", "28000", format!("no user {user:?} on this server"))
            })?;
        let root = self.config.lake.clone();
        let version = tokio::task::spawn_blocking(move || {
            pdn_ingest::lake::read_state(&root).map(|state| state.version)
        })
        .await
        .map_err(|e| internal(&e))?
        .map_err(|e| internal(&e))?;
        let cached = self.lock().clone();
        if let Some(current) = cached.filter(|c| c.user == user && c.version == version) {
            return Ok(current);
        }
        let (ctx, version) = scope::open(&self.config.lake, &scope, self.config.memory_limit)
            .await
            .map_err(|e| internal(&e))?;
        let ctx = Arc::new(ctx);
        let current = Current {
            user,
            version,
            service: Arc::new(DfSessionService::new(ctx.clone())),
            _unlink: Arc::new(Unlink(ctx.clone())),
            ctx,
        };
        *self.lock() = Some(current.clone());
        Ok(current)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Current>> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.config.query_timeout
    }
}

/// The handlers of one connection.
pub struct Connection {
    state: Arc<State>,
    parser: Arc<Parser>,
}

impl Connection {
    pub fn new(config: Arc<Config>) -> Connection {
        let state = Arc::new(State::new(config));
        Connection {
            parser: Arc::new(Parser {
                state: state.clone(),
            }),
            state,
        }
    }
}

#[async_trait]
impl SimpleQueryHandler for Connection {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let statements = guard::parse(&self.state.parser, query)?;
        if statements.is_empty() {
            return Ok(vec![Response::EmptyQuery]);
        }
        let verdicts = statements
            .iter()
            .map(guard::check)
            .collect::<PgWireResult<Vec<_>>>()?;
        let current = self.state.current(client).await?;
        let mut responses = Vec::with_capacity(statements.len());
        for (statement, verdict) in statements.into_iter().zip(verdicts) {
            match verdict {
                Verdict::Ignore => responses.push(Response::Execution(Tag::new("SET"))),
                Verdict::Session => responses.extend(
                    SimpleQueryHandler::do_query(
                        current.service.as_ref(),
                        client,
                        &statement.to_string(),
                    )
                    .await?,
                ),
                Verdict::Query => {
                    let deadline = self.state.deadline();
                    let timeout = self.state.config.query_timeout;
                    let format = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
                    let run = async {
                        let plan = current
                            .ctx
                            .state()
                            .statement_to_plan(datafusion::sql::parser::Statement::Statement(
                                Box::new(statement),
                            ))
                            .await
                            .map_err(api)?;
                        guard::check_plan(&plan)?;
                        let frame = current.ctx.execute_logical_plan(plan).await.map_err(api)?;
                        encode_dataframe(frame, &Format::UnifiedText, Some(format)).await
                    };
                    let response = timeout_at(deadline, run)
                        .await
                        .map_err(|_| timed_out(timeout))??;
                    responses.push(bounded(Response::Query(response), deadline, timeout));
                }
            }
        }
        Ok(responses)
    }
}

#[async_trait]
impl ExtendedQueryHandler for Connection {
    type Statement = DfStatement;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Parser> {
        self.parser.clone()
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<DfStatement>,
        max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = DfStatement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let Some((statement, _)) = &portal.statement.statement.1 else {
            return Ok(Response::EmptyQuery);
        };
        let verdict = guard::check(statement)?;
        let current = self.state.current(client).await?;
        let service = current.service.as_ref();
        match verdict {
            Verdict::Ignore => Ok(Response::Execution(Tag::new("SET"))),
            Verdict::Session => {
                ExtendedQueryHandler::do_query(service, client, portal, max_rows).await
            }
            Verdict::Query => {
                let deadline = self.state.deadline();
                let timeout = self.state.config.query_timeout;
                let response = timeout_at(
                    deadline,
                    ExtendedQueryHandler::do_query(service, client, portal, max_rows),
                )
                .await
                .map_err(|_| timed_out(timeout))??;
                Ok(bounded(response, deadline, timeout))
            }
        }
    }
}

/// The extended protocol's parser: checks the statement, then lets datafusion-postgres plan it
/// on the connection's session, and checks the plan.
pub struct Parser {
    state: Arc<State>,
}

impl Parser {
    /// The parser of the connection's session (opened by the `Parse` that precedes any use).
    fn inner(&self) -> PgWireResult<Arc<datafusion_postgres::Parser>> {
        let current = self.state.lock().clone();
        let current =
            current.ok_or_else(|| error("ERROR", "XX000", "no statement was parsed yet".into()))?;
        Ok(ExtendedQueryHandler::query_parser(current.service.as_ref()))
    }
}

#[async_trait]
impl QueryParser for Parser {
    type Statement = DfStatement;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        types: &[Option<Type>],
    ) -> PgWireResult<Option<DfStatement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let statements = guard::parse(&self.state.parser, sql)?;
        let Some(first) = statements.first() else {
            return Ok(None);
        };
        let verdict = guard::check(first)?;
        let current = self.state.current(client).await?;
        let parsed = ExtendedQueryHandler::query_parser(current.service.as_ref())
            .parse_sql(client, sql, types)
            .await?;
        if let (Verdict::Query, Some((_, Some((statement, plan))))) = (verdict, &parsed) {
            guard::check(statement)?;
            guard::check_plan(plan)?;
        }
        Ok(parsed)
    }

    fn get_parameter_types(&self, statement: &DfStatement) -> PgWireResult<Vec<Type>> {
        self.inner()?.get_parameter_types(statement)
    }

    fn get_result_schema(
        &self,
        statement: &DfStatement,
        column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        self.inner()?.get_result_schema(statement, column_format)
    }
}

/// `response` with its rows cut off at `deadline`: past it, the stream (and with it the query)
/// is dropped and the client gets the statement-timeout error.
fn bounded(response: Response, deadline: Instant, timeout: Duration) -> Response {
    let Response::Query(mut query) = response else {
        return response;
    };
    let rows = std::mem::replace(&mut query.data_rows, Box::pin(futures::stream::empty()));
    query.data_rows = Box::pin(futures::stream::unfold(
        Some(rows),
        move |rows| async move {
            let mut rows = rows?;
            match timeout_at(deadline, rows.next()).await {
                Ok(Some(row)) => Some((row, Some(rows))),
                Ok(None) => None,
                Err(_) => Some((Err(timed_out(timeout)), None)),
            }
        },
    ));
    Response::Query(query)
}

fn timed_out(timeout: Duration) -> PgWireError {
    error(
        "ERROR",
        "57014",
        format!(
            "canceling statement due to statement timeout: queries run at most {} s here",
            timeout.as_secs_f64()
        ),
    )
}

fn error(severity: &str, code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        severity.to_owned(),
        code.to_owned(),
        message,
    )))
}

/// A failure of the server (not of the query): its message with every cause.
fn internal(e: &dyn std::error::Error) -> PgWireError {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    error("ERROR", "XX000", message)
}

fn api<E: std::error::Error + Send + Sync + 'static>(e: E) -> PgWireError {
    PgWireError::ApiError(Box::new(e))
}
