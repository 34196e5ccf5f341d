//! `pdn serve` and `pdn users`: the Postgres endpoint through real clients — psql for logins,
//! scopes, refusals, TLS and the connection cap; psycopg (Python) for a BI-style client using the
//! extended protocol with parameters. Each test starts its own server on port 0 (it prints the
//! bound address) over a lake holding departments 82 and 31.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};

use crate::support::{ok, pdn, NOW};

const PASSWORD_82: &str = "evaluator-82-password";
const PASSWORD_NATIONAL: &str = "national-password";

/// A lake with two departments and a users file with a departmental and a national user.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let fixture = Fixture { dir };
        for (department, seed) in [("82", "1"), ("31", "2")] {
            fixture.ingest(department, seed);
        }
        fixture.add_user("eval-82", &["--department", "82"], PASSWORD_82);
        fixture.add_user("national", &["--national"], PASSWORD_NATIONAL);
        fixture
    }

    fn lake(&self) -> PathBuf {
        self.dir.path().join("lake")
    }

    fn users(&self) -> PathBuf {
        self.dir.path().join("users.jsonl")
    }

    /// Generates 1500 events of `department` and ingests them.
    fn ingest(&self, department: &str, seed: &str) {
        let events = self
            .dir
            .path()
            .join(format!("events-{department}-{seed}.ndjson"));
        ok(pdn()
            .args([
                "generate", "--year", "2025", "--events", "1500", "--seed", seed,
            ])
            .args(["--department", department, "--out"])
            .arg(&events));
        ok(pdn()
            .args(["ingest", "--now", NOW, "--lake"])
            .arg(self.lake())
            .arg("--from")
            .arg(&events));
    }

    fn add_user(&self, name: &str, scope: &[&str], password: &str) {
        let out = crate::support::run_with_stdin(
            {
                let mut cmd = pdn();
                cmd.args(["users", "add", name, "--users"])
                    .arg(self.users())
                    .args(scope);
                cmd
            },
            format!("{password}\n").as_bytes(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn serve(&self, extra: &[&str]) -> Server {
        let mut cmd = pdn();
        cmd.arg("serve")
            .args(["--listen", "127.0.0.1:0", "--lake"])
            .arg(self.lake())
            .arg("--users")
            .arg(self.users())
            .args(extra);
        Server::start(cmd, &self.dir.path().join("serve.log"))
    }
}

/// A running `pdn serve`; killed when dropped.
struct Server {
    child: Child,
    port: String,
    log: PathBuf,
    /// Kept open: the server may write to its standard output until it exits.
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start(mut cmd: Command, log: &Path) -> Server {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .expect("pdn serve starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let Some(address) = line.trim().strip_prefix("listening on ") else {
            let status = child.wait().unwrap();
            panic!(
                "pdn serve did not start ({status}): {line:?}\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        };
        Server {
            port: address.rsplit(':').next().unwrap().to_owned(),
            child,
            log: log.to_owned(),
            _stdout: stdout,
        }
    }

    /// `psql -c sql` as `user`, with extra connection settings (e.g. `sslmode=require`).
    fn psql_with(&self, user: &str, password: &str, settings: &str, sql: &str) -> Output {
        Command::new("psql")
            .arg(format!(
                "host=127.0.0.1 port={} user={user} dbname=pdn connect_timeout=60 {settings}",
                self.port
            ))
            .args(["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .env("PGPASSWORD", password)
            .env_remove("PGSSLMODE")
            .output()
            .expect("psql runs (scripts/install-test-deps installs it)")
    }

    fn psql(&self, user: &str, password: &str, sql: &str) -> Output {
        self.psql_with(user, password, "sslmode=disable", sql)
    }

    /// The rows `sql` returns to `user`, one `|`-separated line each.
    fn rows(&self, user: &str, password: &str, sql: &str) -> Vec<String> {
        let out = self.psql(user, password, sql);
        assert!(
            out.status.success(),
            "{sql} as {user}: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn rows_82(&self, sql: &str) -> Vec<String> {
        self.rows("eval-82", PASSWORD_82, sql)
    }

    fn rows_national(&self, sql: &str) -> Vec<String> {
        self.rows("national", PASSWORD_NATIONAL, sql)
    }

    /// SIGTERM: the server must stop cleanly.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        let status = self.child.wait().unwrap();
        assert!(
            status.success(),
            "pdn serve did not stop cleanly ({status}):\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// psql failed, and its error says `expected`.
fn assert_refused(out: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected a refusal: {stderr}");
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in {stderr}"
    );
}

#[test]
fn users_log_in_with_their_password_only() {
    let fixture = Fixture::new();
    let text = std::fs::read_to_string(fixture.users()).unwrap();
    assert!(!text.contains(PASSWORD_82) && text.contains("scram_sha_256"));
    let server = fixture.serve(&[]);
    assert_eq!(server.rows_82("SELECT 1"), ["1"]);
    assert_eq!(server.rows_national("SELECT 2"), ["2"]);
    let wrong = server.psql("eval-82", "not-the-password", "SELECT 1");
    assert_refused(
        &wrong,
        "password authentication failed for user \"eval-82\"",
    );
    let unknown = server.psql("nobody", PASSWORD_82, "SELECT 1");
    assert_refused(
        &unknown,
        "password authentication failed for user \"nobody\"",
    );
    server.stop();
}

#[test]
fn a_departmental_user_sees_only_its_departments_whatever_the_sql() {
    let fixture = Fixture::new();
    let server = fixture.serve(&[]);
    let departments = "SELECT DISTINCT department FROM events ORDER BY 1";
    assert_eq!(server.rows_national(departments), ["31", "82"]);
    assert_eq!(server.rows_82(departments), ["82"]);

    let total_82 = server.rows_national("SELECT count(*) FROM events WHERE department = '82'");
    assert_ne!(total_82, ["0"]);
    assert_eq!(server.rows_82("SELECT count(*) FROM events"), total_82);
    for sql in [
        // a join of two tables, and of a table with the view
        "SELECT DISTINCT c.department FROM contact c JOIN attendance a ON a.structure_id = c.structure_id",
        "SELECT DISTINCT e.department FROM events e JOIN contact c ON c.event_id = e.event_id",
        // subqueries, UNION, CTEs, catalog-qualified names
        "SELECT DISTINCT department FROM contact WHERE event_id IN (SELECT event_id FROM events)",
        "SELECT DISTINCT department FROM (SELECT department FROM contact UNION SELECT department FROM referral) u",
        "WITH r AS (SELECT department FROM referral), p AS (SELECT department FROM permanence) \
         SELECT DISTINCT department FROM (SELECT * FROM r UNION ALL SELECT * FROM p) x",
        "SELECT DISTINCT department FROM datafusion.public.network",
        // a friendly view (analytics/views/)
        "SELECT DISTINCT department FROM contacts",
    ] {
        assert_eq!(server.rows_82(sql), ["82"], "{sql}");
    }
    for sql in [
        "SELECT count(*) FROM events WHERE department = '31'",
        "SELECT count(*) FROM contact WHERE department <> '82'",
        "SELECT count(*) FROM (SELECT * FROM events WHERE department = '31') x",
        "SELECT count(*) FROM contacts WHERE department = '31'",
    ] {
        assert_eq!(server.rows_82(sql), ["0"], "{sql}");
    }

    // The dead letters are not there at all, not even in the catalogs.
    assert_refused(
        &server.psql(
            "national",
            PASSWORD_NATIONAL,
            "SELECT count(*) FROM dead_letters",
        ),
        "dead_letters",
    );
    for rows in [
        server.rows_82("SELECT table_name FROM information_schema.tables ORDER BY 1"),
        server.rows_national("SELECT relname FROM pg_catalog.pg_class ORDER BY 1"),
    ] {
        assert!(rows.iter().any(|t| t == "contact"), "{rows:?}");
        assert!(!rows.iter().any(|t| t == "dead_letters"), "{rows:?}");
    }
    server.stop();
}

#[test]
fn only_queries_run() {
    let fixture = Fixture::new();
    let server = fixture.serve(&[]);
    for (sql, expected) in [
        (
            "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'",
            "read-only",
        ),
        ("COPY contact TO '/tmp/pdn-serve-copy.csv'", "read-only"),
        ("COPY (SELECT 1) TO '/tmp/pdn-serve-copy.csv'", "read-only"),
        ("INSERT INTO contact SELECT * FROM contact", "read-only"),
        ("CREATE TABLE t AS SELECT 1", "read-only"),
        ("DROP TABLE contact", "read-only"),
        ("DROP VIEW events", "read-only"),
        ("SET work_mem = '1GB'", "SET work_mem is refused"),
        (
            "SET datafusion.execution.target_partitions = 1",
            "is refused",
        ),
        (
            "SELECT * FROM '/etc/passwd'",
            "reading files by path or URL is refused",
        ),
        ("SELECT 1 INTO t2", "only queries run"),
    ] {
        assert_refused(&server.psql("national", PASSWORD_NATIONAL, sql), expected);
    }
    assert!(!Path::new("/tmp/pdn-serve-copy.csv").exists());
    // What BI tools send when they connect is accepted.
    assert_eq!(
        server.rows_82(
            "SET extra_float_digits = 3; SET application_name = 'DBeaver'; \
             SET datestyle TO ISO; BEGIN; SELECT 1; COMMIT"
        ),
        ["1"]
    );
    // psql's catalog commands work (restricted tables are views).
    let tables = server.rows_82("\\d");
    assert!(tables.iter().any(|t| t.contains("contact")), "{tables:?}");
    server.stop();
}

#[test]
fn new_commits_are_visible_to_open_servers() {
    let fixture = Fixture::new();
    let server = fixture.serve(&[]);
    let count = "SELECT count(*) FROM contact";
    let before: u64 = server.rows_82(count)[0].parse().unwrap();
    fixture.ingest("82", "3");
    let after: u64 = server.rows_82(count)[0].parse().unwrap();
    assert!(after > before, "{before} then {after}");
    server.stop();
}

#[test]
fn long_queries_are_stopped() {
    let fixture = Fixture::new();
    let server = fixture.serve(&["--query-timeout-s", "0.5"]);
    let out = server.psql(
        "national",
        PASSWORD_NATIONAL,
        "SELECT sum(length(a.event_id || b.event_id || c.event_id)) FROM contact a, contact b, contact c",
    );
    assert_refused(&out, "statement timeout");
    assert_eq!(server.rows_82("SELECT 1"), ["1"]);
    server.stop();
}

/// Runs a Python script with psycopg; returns its standard output.
fn python(script: &str, port: &str) -> String {
    let mut child = Command::new("python3")
        .arg("-")
        .arg(port)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn psycopg_queries_with_parameters_over_the_extended_protocol() {
    let fixture = Fixture::new();
    let server = fixture.serve(&[]);
    let script = format!(
        r#"
import sys, psycopg
def connect(user, password):
    return psycopg.connect(host="127.0.0.1", port=sys.argv[1], user=user, password=password,
                           dbname="pdn", sslmode="disable")
with connect("eval-82", "{PASSWORD_82}") as conn:
    cur = conn.cursor()
    for department in ("82", "31"):
        cur.execute("SELECT department, count(*) FROM contact WHERE department = %s GROUP BY department",
                    (department,))
        print("rows", department, cur.fetchall())
    cur.execute("SELECT count(*) FROM events WHERE occurred_at >= %s", ("2025-01-01",))
    print("since", cur.fetchone()[0] > 0)
    for sql in ["INSERT INTO contact SELECT * FROM contact", "SET work_mem = '1GB'",
                "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'",
                "SELECT * FROM dead_letters"]:
        try:
            cur.execute(sql)
            print("ran", sql)
        except psycopg.Error as e:
            print("refused", type(e).__name__)
            conn.rollback()
try:
    connect("eval-82", "wrong-password")
    print("wrong password accepted")
except psycopg.OperationalError as e:
    print("login refused", "password authentication failed" in str(e))
"#
    );
    let out = python(&script, &server.port);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("rows 82 [('82', "), "{out}");
    assert_eq!(lines[1], "rows 31 []", "{out}");
    assert_eq!(lines[2], "since True", "{out}");
    assert_eq!(
        lines[3..7],
        ["refused InsufficientPrivilege"; 3]
            .into_iter()
            .chain(["refused InternalError_"])
            .collect::<Vec<_>>(),
        "{out}"
    );
    assert_eq!(lines[7], "login refused True", "{out}");
    server.stop();
}

#[test]
fn tls_is_required_when_configured_and_a_bad_certificate_stops_the_server() {
    let fixture = Fixture::new();
    let dir = fixture.dir.path();
    let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
    let openssl = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(openssl.status.success(), "{openssl:?}");
    let server = fixture.serve(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    let out = server.psql_with("eval-82", PASSWORD_82, "sslmode=require", "SELECT 1");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    assert_refused(
        &server.psql("eval-82", PASSWORD_82, "SELECT 1"),
        "TLS connections only",
    );
    server.stop();

    for (cert, key) in [
        (dir.join("missing.crt"), key.clone()),
        (cert.clone(), dir.join("users.jsonl")),
    ] {
        let out = pdn()
            .args(["serve", "--listen", "127.0.0.1:0", "--lake"])
            .arg(fixture.lake())
            .arg("--users")
            .arg(fixture.users())
            .arg("--tls-cert")
            .arg(&cert)
            .arg("--tls-key")
            .arg(&key)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(out.stdout.is_empty(), "it must not listen: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("cannot set up TLS"), "{stderr}");
    }
}

#[test]
fn connections_over_the_cap_are_refused() {
    let fixture = Fixture::new();
    let server = fixture.serve(&["--max-connections", "1"]);
    // One connection held open by Python, which says when it is in; psql is then one too many.
    let mut held = Command::new("python3")
        .args([
            "-c",
            &format!(
                "import sys, psycopg\n\
                 c = psycopg.connect(host='127.0.0.1', port=sys.argv[1], user='eval-82', \
                 password='{PASSWORD_82}', dbname='pdn', sslmode='disable')\n\
                 print(c.execute('SELECT 1').fetchone()[0], flush=True)\n\
                 sys.stdin.read()\n"
            ),
            &server.port,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(held.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "1");
    assert_refused(
        &server.psql("national", PASSWORD_NATIONAL, "SELECT 1"),
        "too many clients",
    );
    drop(held.stdin.take());
    assert!(held.wait().unwrap().success());
    server.stop();
}
