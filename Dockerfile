# syntax=docker/dockerfile:1.7
#
# The pdn image: one binary, `pdn`, run by every service of docker-compose.yml (collect, ingest,
# project, serve and the jobs) with a different command.
#
#   docker build -t pdn:latest .          # or: docker compose build
#   docker run --rm pdn:latest --help     # ENTRYPOINT is pdn; the arguments are its command
#
# Needs BuildKit (the default builder since Docker 23) for the cache mounts below: the registry and
# the target folder survive between builds, so a rebuild after a code change recompiles the
# workspace crates only (a clean release build takes ~20 minutes on 2 cores).

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

# ---- build ----------------------------------------------------------------------------------------
# The workspace's rust-version is 1.94 (Cargo.toml); DataFusion 55 needs at least that.
FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS builder

# rdkafka 0.39 (features = ["libz"], no cmake-build) compiles its bundled librdkafka with
# librdkafka's own ./configure (mklove: bash, perl, python3) and make, and links the system zlib
# (zlib1g at run time, present in debian:bookworm-slim). binutils (in build-essential) gives objcopy.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential perl python3 pkg-config zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .

# --locked: build exactly the dependency versions of Cargo.lock. The binary is copied out of the
# cache-mounted target folder (which is not part of the image). The release profile keeps line
# tables for readable panic backtraces; compressing them halves the binary (~330 MB instead of
# ~830 MB; `strip` would give ~160 MB without file:line in backtraces).
RUN --mount=type=cache,id=pdn-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=pdn-cargo-git,target=/usr/local/cargo/git \
    --mount=type=cache,id=pdn-target,target=/src/target \
    cargo build --release --locked --bin pdn \
 && mkdir -p /out \
 && objcopy --compress-debug-sections=zlib target/release/pdn /out/pdn

# ---- run ------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE}-slim

# ca-certificates: for TLS to remote brokers (`--kafka-set security.protocol=ssl`). No curl: the
# health checks of docker-compose.yml use bash's /dev/tcp.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# A fixed uid/gid (10001) so that files on the host (deploy/secrets/*) can be given to it with
# `chown 10001:10001`. The folders exist in the image, owned by pdn, so that named volumes mounted
# there start owned by pdn too.
RUN groupadd --system --gid 10001 pdn \
 && useradd --system --uid 10001 --gid pdn --home-dir /var/lib/pdn --no-create-home \
            --shell /usr/sbin/nologin pdn \
 && mkdir -p /var/lib/pdn/lake /var/lib/pdn/reports /etc/pdn \
 && chown -R pdn:pdn /var/lib/pdn

COPY --from=builder /out/pdn /usr/local/bin/pdn

USER 10001:10001
WORKDIR /var/lib/pdn
# pdn logs to standard error through tracing (PDN_LOG sets the filter, e.g. `info,pdn_ingest=debug`);
# NO_COLOR keeps ANSI colour codes out of `docker logs`.
ENV PDN_LOG=info \
    NO_COLOR=1

# The event store: append-only Parquet files and their commit log (see DESIGN.md §4).
VOLUME ["/var/lib/pdn/lake"]
# 8080: pdn collect (HTTP); 5432: pdn serve (Postgres wire protocol).
EXPOSE 8080 5432

ENTRYPOINT ["pdn"]
CMD ["--help"]
