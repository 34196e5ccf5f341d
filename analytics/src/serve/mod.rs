//! `pdn serve`: the lake's tables over the Postgres wire protocol, for evaluators' own tools
//! (psql, DBeaver, Python, BI tools).
//!
//! Layout: [`users`] (the users file: names, SCRAM-SHA-256 verifiers, scopes), [`auth`] (who gets
//! in: SCRAM, TLS, the connection cap), [`scope`] (a user's session, restricted to their
//! departments), [`guard`] (which statements run: queries only), [`session`] (one connection's
//! query handlers, both protocols, with the time limit). [`run`] takes its listener and a shutdown
//! signal, so tests bind port 0.
//!
//! Built on datafusion-postgres (DataFusion over pgwire): its `serve` has no authentication and
//! runs any statement, so it is not used; each connection gets its own handlers instead.

pub mod auth;
pub mod guard;
pub mod restricted;
pub mod scope;
pub mod session;
pub mod users;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pgwire::tokio::tokio_rustls::rustls::{self, ServerConfig};
use pgwire::tokio::{process_socket, TlsAcceptor};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::error::{AnalyticsError, Result};
pub use users::{Scope, Users};

/// What the server needs.
pub struct Config {
    /// The lake folder.
    pub lake: PathBuf,
    /// Who may connect.
    pub users: Arc<Users>,
    /// TLS, if configured: connections without it are then refused.
    pub tls: Option<TlsAcceptor>,
    /// Longest time a query runs, from planning to its last row.
    pub query_timeout: Duration,
    /// Most memory a query holds, in bytes.
    pub memory_limit: usize,
    /// Most connections at once; more are refused.
    pub max_connections: usize,
}

/// The TLS acceptor for a PEM certificate chain and private key. Any problem is an error: the
/// server never falls back to plain text.
pub fn tls(cert: &Path, key: &Path) -> Result<TlsAcceptor> {
    let error = |path: &Path, reason: String| AnalyticsError::Tls {
        path: path.to_owned(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| error(cert, format!("cannot read the certificate: {e}")))?;
    if certs.is_empty() {
        return Err(error(cert, "no certificate in the file".into()));
    }
    let private_key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| error(key, format!("cannot read the private key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, private_key))
        .map_err(|e| error(key, format!("the key does not fit the certificate: {e}")))?;
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves connections from `listener` until `shutdown` completes, then closes them all.
pub async fn run(listener: TcpListener, config: Config, shutdown: impl Future<Output = ()>) {
    let config = Arc::new(config);
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (socket, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, a connection reset before accept...: the
                        // listener itself is fine; wait a little rather than spin.
                        tracing::warn!(error = %e, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let tls = config.tls.clone();
                match permits.clone().try_acquire_owned() {
                    Ok(permit) => {
                        let handlers = auth::Admitted::new(config.clone());
                        connections.spawn(async move {
                            if let Err(e) = process_socket(socket, tls, handlers).await {
                                tracing::debug!(%peer, error = %e, "connection ended");
                            }
                            drop(permit);
                        });
                    }
                    Err(_) => {
                        tracing::warn!(%peer, max = config.max_connections, "too many connections: refused");
                        let handlers = auth::Refused::new(config.max_connections);
                        connections.spawn(async move {
                            process_socket(socket, tls, handlers).await.ok();
                        });
                    }
                }
            }
        }
    }
    connections.shutdown().await;
}
