"""Live Parquet files of a pdn lake (the commit log folded), and DuckDB views over them.

The live files of a lake are those named by its commit log at its latest version: the newest
checkpoint (`_pdn/checkpoints/<version>.json`, a folded state whose `files` maps path -> entry), then
every commit `_pdn/log/<version>.json` after it, in version order, each removing the paths of its
`remove` list and adding those of its `add` list (the same fold as `LogState::apply` in
ingest/src/log.rs). Files on disk that the log does not name (replaced model files awaiting vacuum,
staged files) are never read.
"""
import glob
import json
import os
import re
from collections import defaultdict

FAMILIES = ["network", "contact", "permanence", "accompaniment", "referral", "attendance",
            "initiative", "collaboration", "prevention", "correction"]


def _version(path):
    m = re.match(r"^(\d+)\.json$", os.path.basename(path))
    return int(m.group(1)) if m else None


def live_files(lake):
    """{table: [absolute paths]} for the lake's latest committed version, and that version."""
    meta = os.path.join(lake, "_pdn")
    files, version = {}, 0
    checkpoints = [(v, p) for p in glob.glob(os.path.join(meta, "checkpoints", "*.json"))
                   if (v := _version(p)) is not None]
    if checkpoints:
        version, path = max(checkpoints)
        with open(path) as f:
            state = json.load(f)
        files = dict(state.get("files", {}))
        version = state.get("version", version)
    while True:
        path = os.path.join(meta, "log", f"{version + 1:020d}.json")
        if not os.path.exists(path):
            break
        with open(path) as f:
            commit = json.load(f)
        if commit.get("version") != version + 1:
            raise RuntimeError(f"{path} holds version {commit.get('version')}")
        for removed in commit.get("remove", []):
            files.pop(removed, None)
        for added in commit.get("add", []):
            files[added["path"]] = added
        version += 1
    by_table = defaultdict(list)
    for path, entry in files.items():
        by_table[entry["table"]].append(os.path.join(lake, path))
    return {t: sorted(p) for t, p in by_table.items()}, version


def duckdb_connection(lake):
    """A DuckDB connection with one view per pdn table (event families by name, read models by
    name) over exactly the live files, session time zone UTC."""
    import duckdb
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET threads = 1")
    tables, version = live_files(lake)
    for table, paths in tables.items():
        kind, _, name = table.partition("/")
        if kind not in ("events", "models"):
            continue
        listing = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{listing}], "
                    f"hive_partitioning = false, union_by_name = true)")
    return con, version
