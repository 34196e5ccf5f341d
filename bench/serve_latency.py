#!/usr/bin/env python3
"""Query latency of a typical evaluator query through `pdn serve`, with 8 concurrent clients
(psycopg, the Postgres wire protocol), against DuckDB answering the same query with 8 concurrent
connections over the same Parquet files (the live files of the lake's commit log), in the same run.

usage: bench/serve_latency.py LAKE [--pdn PATH] [--clients 8] [--queries 25]
Prints p50 and p99 of both and their ratios. Needs psycopg and duckdb (scripts/install-test-deps).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts", "crosscheck"))

# Young people reached per department and month of 2025, and their contacts: what an evaluator's
# dashboard asks first.
QUERY = """SELECT department, date_trunc('month', occurred_at) AS month,
       count(DISTINCT youth) AS youths, count(*) AS contacts
FROM contact
WHERE occurred_at >= TIMESTAMP '2025-01-01 00:00:00' AND occurred_at < TIMESTAMP '2026-01-01 00:00:00'
GROUP BY 1, 2 ORDER BY 1, 2"""
PASSWORD = "bench-password"


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_clients(clients, queries, one_query):
    """Runs `queries` queries on each of `clients` threads; returns every latency in seconds."""
    latencies, lock, errors = [], threading.Lock(), []

    def client(i):
        try:
            run = one_query()
            for _ in range(queries):
                t0 = time.perf_counter()
                run()
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
        except Exception as e:  # noqa: BLE001
            errors.append(f"client {i}: {e}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit("\n".join(errors))
    return latencies


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lake")
    ap.add_argument("--pdn", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"),
                                                  "release", "pdn"))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--queries", type=int, default=25)
    args = ap.parse_args()
    import duckdb  # noqa: F401
    import psycopg
    from lakeviews import duckdb_connection

    with tempfile.TemporaryDirectory() as tmp:
        users = os.path.join(tmp, "users.jsonl")
        subprocess.run([args.pdn, "users", "add", "bench", "--national", "--users", users],
                       input=PASSWORD + "\n", text=True, check=True, capture_output=True)
        server = subprocess.Popen(
            [args.pdn, "serve", "--listen", "127.0.0.1:0", "--lake", args.lake, "--users", users,
             "--max-connections", str(args.clients + 2)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = server.stdout.readline()
            port = line.strip().rsplit(":", 1)[1]
            dsn = f"host=127.0.0.1 port={port} user=bench password={PASSWORD} dbname=pdn sslmode=disable"

            def pdn_query():
                conn = psycopg.connect(dsn, autocommit=True)
                return lambda: conn.execute(QUERY).fetchall()

            pdn_query()()  # warm the page cache and the session once
            pdn = run_clients(args.clients, args.queries, pdn_query)
        finally:
            server.terminate()
            server.wait()

    base, _ = duckdb_connection(args.lake)

    def duck_query():
        con = base.cursor()
        return lambda: con.execute(QUERY).fetchall()

    duck_query()()
    duck = run_clients(args.clients, args.queries, duck_query)
    print(f"{args.clients} clients x {args.queries} queries on {args.lake}")
    for name, values in (("pdn serve", pdn), ("DuckDB", duck)):
        print(f"{name:10} p50 {percentile(values, 0.5) * 1000:8.1f} ms   "
              f"p99 {percentile(values, 0.99) * 1000:8.1f} ms   mean {statistics.mean(values) * 1000:8.1f} ms")
    print(f"ratio pdn/DuckDB: p50 {percentile(pdn, 0.5) / percentile(duck, 0.5):.2f}, "
          f"p99 {percentile(pdn, 0.99) / percentile(duck, 0.99):.2f}")


if __name__ == "__main__":
    main()
