//! What a connection may run: queries, and the few session statements clients send on their own.
//!
//! Every statement is classified here before anything plans or runs it, on the simple and the
//! extended query protocol alike; the plans of queries are then checked with
//! [`crate::sql::read_only`] (which also catches `SELECT ... INTO`). Refused: DDL
//! (`CREATE [EXTERNAL] TABLE`, `CREATE VIEW`, `DROP`...), DML (`INSERT`, `UPDATE`, `DELETE`,
//! `COPY`), cursors, `SET` of anything but the harmless client settings BI tools send when they
//! connect, and any table named by a path or URL (`SELECT * FROM '/etc/passwd'`).

use std::ops::ControlFlow;

use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::parser::{DFParser, Statement as DFStatement};
use datafusion::sql::sqlparser::ast::{
    visit_expressions, visit_relations, Expr, ObjectNamePart, Set, Statement, Value,
};
use datafusion_postgres::datafusion_pg_catalog::sql::PostgresCompatibilityParser;
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};

/// How a statement allowed here is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A query (`SELECT`, `WITH`, `VALUES`, `EXPLAIN`, `DESCRIBE`, `SHOW TABLES`): planned, its
    /// plan checked read-only, then run.
    Query,
    /// A session statement datafusion-postgres answers without touching data: `SHOW` of a
    /// setting, `BEGIN`/`COMMIT`/`ROLLBACK`, and the client settings it keeps per connection.
    Session,
    /// A harmless client setting nothing here uses: answered `SET`, changes nothing.
    Ignore,
}

/// Client settings datafusion-postgres keeps in the connection (for its own output formats)
/// when given a literal value.
const KEPT_SETTINGS: &[&str] = &[
    "application_name",
    "datestyle",
    "extra_float_digits",
    "intervalstyle",
    "bytea_output",
    "search_path",
    "statement_timeout",
];

/// Client settings accepted and ignored: they change no result and reach no data.
const IGNORED_SETTINGS: &[&str] = &[
    "client_encoding",
    "client_min_messages",
    "standard_conforming_strings",
    "lock_timeout",
    "idle_in_transaction_session_timeout",
    "timezone",
    "time zone",
    "default_transaction_isolation",
    "default_transaction_read_only",
];

/// The SQLSTATE of a refused statement: `insufficient_privilege`.
const REFUSED: &str = "42501";

/// The statements of `sql`, as datafusion-postgres reads them. DataFusion's own statements, which
/// that Postgres parser does not know (`CREATE EXTERNAL TABLE`, `COPY ... TO` with options), are
/// refused as such rather than as a syntax error.
pub fn parse(parser: &PostgresCompatibilityParser, sql: &str) -> PgWireResult<Vec<Statement>> {
    parser.parse(sql).map_err(|error| {
        let datafusion_only = DFParser::parse_sql(sql).ok().and_then(|statements| {
            statements
                .into_iter()
                .find(|s| !matches!(s, DFStatement::Statement(_)))
        });
        match datafusion_only {
            Some(statement) => refused(&format!(
                "{} is refused: {READ_ONLY}",
                first_words(&statement.to_string())
            )),
            None => PgWireError::ApiError(Box::new(error)),
        }
    })
}

/// Whether `statement` may run here, and how.
pub fn check(statement: &Statement) -> PgWireResult<Verdict> {
    reads_no_file(statement)?;
    calls_no_unbounded_function(statement)?;
    match statement {
        Statement::Query(_)
        | Statement::ExplainTable { .. }
        | Statement::ShowTables { .. }
        | Statement::ShowColumns { .. } => Ok(Verdict::Query),
        Statement::Explain { analyze: true, .. }
        | Statement::Explain { verbose: true, .. }
        | Statement::Explain {
            options: Some(_), ..
        } => Err(refused(
            "EXPLAIN ANALYZE and EXPLAIN VERBOSE are refused: they show figures of the files of \
             every department (plain EXPLAIN shows the plan)",
        )),
        Statement::Explain { statement, .. } if matches!(**statement, Statement::Query(_)) => {
            Ok(Verdict::Query)
        }
        Statement::ShowVariable { .. }
        | Statement::ShowStatus { .. }
        | Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. } => Ok(Verdict::Session),
        Statement::Set(set) => check_set(set),
        other => Err(refused(&format!(
            "{} is refused: {READ_ONLY}",
            first_words(&other.to_string())
        ))),
    }
}

/// Why a statement is refused.
const READ_ONLY: &str =
    "this server is read-only, only queries run (SELECT, WITH, VALUES, EXPLAIN, DESCRIBE, SHOW)";

/// Checks the plan of a query: nothing that defines, modifies or configures.
pub fn check_plan(plan: &LogicalPlan) -> PgWireResult<()> {
    crate::sql::read_only().verify_plan(plan).map_err(|e| {
        refused(&format!(
            "only queries run here (SELECT, WITH, VALUES, EXPLAIN, DESCRIBE, SHOW): {}",
            e.strip_backtrace()
        ))
    })
}

fn check_set(set: &Set) -> PgWireResult<Verdict> {
    match set {
        Set::SingleAssignment {
            scope: None,
            hivevar: false,
            variable,
            values,
        } => {
            let name = variable.to_string().to_lowercase();
            let literal = matches!(values.as_slice(), [Expr::Value(v)] if plain_value(&v.value));
            if KEPT_SETTINGS.contains(&name.as_str()) && literal {
                Ok(Verdict::Session)
            } else if KEPT_SETTINGS.contains(&name.as_str())
                || IGNORED_SETTINGS.contains(&name.as_str())
            {
                Ok(Verdict::Ignore)
            } else {
                Err(refused(&format!(
                    "SET {name} is refused: this server is read-only; only client settings \
                     ({}, {}) may be set",
                    KEPT_SETTINGS.join(", "),
                    IGNORED_SETTINGS.join(", ")
                )))
            }
        }
        Set::SetTimeZone { .. } | Set::SetNames { .. } | Set::SetNamesDefault {} => {
            Ok(Verdict::Ignore)
        }
        other => Err(refused(&format!(
            "{} is refused: this server is read-only",
            first_words(&Statement::Set(other.clone()).to_string())
        ))),
    }
}

/// A setting's value datafusion-postgres may keep: a number, or a string of letters, digits and
/// `_ - . , : +` and spaces. The statement is printed back to SQL for datafusion-postgres, which
/// parses it again: a value with quotes (or an `N''`, `B''`, `X''` literal, printed back without
/// escaping its quotes) could smuggle a second statement past this guard, so any other value is
/// acknowledged and ignored.
fn plain_value(value: &Value) -> bool {
    match value {
        Value::Number(..) | Value::Boolean(_) => true,
        Value::SingleQuotedString(text) => text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _-.,:+".contains(c)),
        _ => false,
    }
}

/// Scalar functions whose work or output a single call can make huge, inside one row, where neither
/// the memory limit (which counts operators' buffers, not a function's result) nor the time limit
/// (which cancels between batches) can stop it. Their table forms (`FROM range(...)`) stream in
/// batches and stay allowed.
const UNBOUNDED_FUNCTIONS: &[&str] = &[
    "repeat",
    "lpad",
    "rpad",
    "array_repeat",
    "range",
    "generate_series",
    "levenshtein",
];

/// Refuses calls of [`UNBOUNDED_FUNCTIONS`] in expressions.
fn calls_no_unbounded_function(statement: &Statement) -> PgWireResult<()> {
    let found = visit_expressions(statement, |expr| match expr {
        Expr::Function(function) => {
            let name = function.name.to_string().to_lowercase();
            let name = name
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .trim_matches('"');
            if UNBOUNDED_FUNCTIONS.contains(&name) {
                ControlFlow::Break(name.to_owned())
            } else {
                ControlFlow::Continue(())
            }
        }
        _ => ControlFlow::Continue(()),
    });
    match found {
        ControlFlow::Break(name) => Err(refused(&format!(
            "the function {name} is refused: one call can take more memory or time than a query \
             may use here"
        ))),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// Refuses tables named by a path or a URL: only the lake's tables are read.
fn reads_no_file(statement: &Statement) -> PgWireResult<()> {
    let found = visit_relations(statement, |name| {
        let path_like = name.0.iter().any(|part| match part {
            ObjectNamePart::Identifier(ident) => {
                ident.quote_style == Some('\'')
                    || ident.value.contains(['/', '\\', ':'])
                    || (ident.quote_style.is_some() && ident.value.contains('.'))
            }
            ObjectNamePart::Function(_) => false,
        });
        if path_like {
            ControlFlow::Break(name.to_string())
        } else {
            ControlFlow::Continue(())
        }
    });
    match found {
        ControlFlow::Break(name) => Err(refused(&format!(
            "reading files by path or URL is refused ({name}): query the lake's tables"
        ))),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// A statement's first two words (`CREATE TABLE`, `COPY`...), for messages.
fn first_words(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    words.join(" ").to_uppercase()
}

/// A refusal, as the client shows it.
pub fn refused(message: &str) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_owned(),
        REFUSED.to_owned(),
        message.to_owned(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(sql: &str) -> Result<Verdict, String> {
        let message = |e| match e {
            PgWireError::UserError(info) => info.message,
            other => other.to_string(),
        };
        let statements = parse(&PostgresCompatibilityParser::new(), sql).map_err(message)?;
        assert_eq!(statements.len(), 1, "{sql}");
        check(&statements[0]).map_err(message)
    }

    #[test]
    fn queries_and_client_settings_pass() {
        for sql in [
            "SELECT 1",
            "WITH a AS (SELECT * FROM contact) SELECT count(*) FROM a",
            "SELECT * FROM contact UNION ALL SELECT * FROM contact",
            "EXPLAIN SELECT * FROM events",
            "VALUES (1)",
            "SELECT * FROM datafusion.public.contact",
            "SELECT count(*) FROM range(10)",
        ] {
            assert_eq!(verdict(sql), Ok(Verdict::Query), "{sql}");
        }
        for sql in [
            "SET application_name = 'psql'",
            "SET extra_float_digits = 3",
            "BEGIN",
            "COMMIT",
            "SHOW server_version",
        ] {
            assert_eq!(verdict(sql), Ok(Verdict::Session), "{sql}");
        }
        for sql in [
            "SET client_encoding TO 'UTF8'",
            "SET datestyle TO ISO",
            "SET application_name = N'x''; DROP VIEW events; --'",
            "SET application_name = X'27'",
            "SET application_name = 'x''; DROP VIEW events; --'",
        ] {
            assert_eq!(verdict(sql), Ok(Verdict::Ignore), "{sql}");
        }
    }

    #[test]
    fn everything_else_is_refused() {
        for sql in [
            "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'",
            "CREATE TABLE x AS SELECT 1",
            "CREATE VIEW v AS SELECT 1",
            "DROP TABLE contact",
            "INSERT INTO contact SELECT * FROM contact",
            "DELETE FROM contact",
            "COPY contact TO '/tmp/x.csv'",
            "SET work_mem = '1GB'",
            "SET datafusion.execution.target_partitions = 1",
            "SET ROLE admin",
            "EXPLAIN VERBOSE SELECT * FROM contact",
            "EXPLAIN ANALYZE SELECT * FROM contact",
            "EXPLAIN (ANALYZE) SELECT * FROM contact",
            "SELECT length(repeat('x', 100000000))",
            "SELECT cardinality(range(20000000))",
            "SELECT levenshtein(youth, youth) FROM contact",
            "EXPLAIN COPY contact TO '/tmp/x'",
            "DECLARE c CURSOR FOR SELECT 1",
            "SELECT * FROM '/etc/passwd'",
            "SELECT * FROM \"/etc/passwd\"",
            "SELECT * FROM \"s3://bucket/x.parquet\"",
            "SELECT * FROM contact WHERE event_id IN (SELECT event_id FROM 'x.parquet')",
        ] {
            let err = verdict(sql).expect_err(sql);
            assert!(err.contains("refused"), "{sql}: {err}");
        }
        let err = verdict("SELECT * FROM '/etc/passwd'").unwrap_err();
        assert!(
            err.contains("reading files by path or URL is refused"),
            "{err}"
        );
    }
}
