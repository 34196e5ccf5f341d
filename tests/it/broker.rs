//! A real Kafka-protocol broker (tansu) for one test, on a free loopback port, with its data in a
//! temporary folder; stopped when dropped. And kcat, the reference Kafka client.
//!
//! Both come from `scripts/install-test-deps` (folder `$PDN_TOOLS`, default `/opt/pdn-tools`).
//! A missing tool fails the test with the command that installs it: these tests never skip.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn tool(name: &str) -> PathBuf {
    let dir = std::env::var_os("PDN_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/opt/pdn-tools".into());
    let path = dir.join("bin").join(name);
    assert!(
        path.exists(),
        "{} not found: run scripts/install-test-deps (or set PDN_TOOLS)",
        path.display()
    );
    path
}

/// A running broker.
pub struct Broker {
    child: Option<Child>,
    dir: tempfile::TempDir,
    port: u16,
}

impl Broker {
    /// Starts a broker whose data survives restarts (sqlite storage in a temporary folder).
    pub fn start() -> Broker {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut broker = Broker {
            child: None,
            dir,
            port,
        };
        broker.spawn();
        broker
    }

    fn spawn(&mut self) {
        let url = format!("tcp://127.0.0.1:{}", self.port);
        let child = Command::new(tool("tansu"))
            .current_dir(self.dir.path())
            .args([
                "broker",
                "--storage-engine",
                "sqlite://tansu.db",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tansu starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the broker did not listen on port {} within 60 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `host:port` of the broker.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills the broker (SIGKILL) and starts it again on the same port and data.
    pub fn restart(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
        self.spawn();
    }

    /// Creates a topic.
    pub fn create_topic(&self, name: &str, partitions: u32) {
        let out = Command::new(tool("tansu"))
            .args([
                "topic",
                "create",
                "--broker",
                &format!("tcp://{}", self.address()),
            ])
            .args(["--partitions", &partitions.to_string(), name])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "topic create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Produces `lines` (`key<TAB>value`) to `topic` with kcat, idempotently, acks=all.
    pub fn produce(&self, topic: &str, lines: &[u8]) {
        let mut cmd = kcat();
        cmd.args([
            "-P",
            "-b",
            &self.address(),
            "-t",
            topic,
            "-K",
            "\t",
            "-z",
            "none",
        ])
        .args(["-X", "enable.idempotence=true", "-X", "acks=all"]);
        let out = crate::support::run_with_stdin(cmd, lines);
        assert!(
            out.status.success(),
            "kcat produce failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Counts the messages of `topic` by draining it with kcat (`-C -e`).
    pub fn count(&self, topic: &str) -> usize {
        self.drain(topic, "%o\n").lines().count()
    }

    /// Drains `topic` with kcat (`-C -e`), each message printed with kcat's `format`.
    pub fn drain(&self, topic: &str, format: &str) -> String {
        let out: Output = kcat()
            .args([
                "-C",
                "-e",
                "-q",
                "-b",
                &self.address(),
                "-t",
                topic,
                "-f",
                format,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kcat consume failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

/// kcat with a librdkafka that speaks to tansu.
pub fn kcat() -> Command {
    Command::new(tool("kcat"))
}
