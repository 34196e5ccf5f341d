#!/usr/bin/env python3
"""Cross-engine check of the indicator catalogue: runs every definition of analytics/indicators/ on
DataFusion (through `pdn sql`) and on DuckDB over the same live Parquet files, and asserts that they
agree. Both engines read the raw event tables and the read models (the definitions remove retracted
events themselves), so the check is of the definitions and the engines, not of `pdn indicators`'
corrections or small-cell suppression (tested in tests/it/indicators.rs).

usage: scripts/crosscheck/indicators.py LAKE YEAR [DEPARTMENT] [--only ID[,ID...]] [--pdn PATH] [--json OUT]
  e.g. pdn demo && scripts/crosscheck/indicators.py pdn-demo/lake 2025 82
Needs DuckDB (pip install duckdb).

DEPARTMENT omitted or "all": every department ($department NULL).
Each indicator file is one query with the placeholders `$year` and `$department`. For DataFusion
(`pdn sql`, which takes no parameters) they are replaced by literals; DuckDB binds them as named
parameters, its pdn tables being views over exactly the files the lake's commit log names (see
lakeviews.py).
Values must agree within 1e-9 relative (doubles), `jeunes` and the set of ventilations exactly.
Exit code 0 when everything agrees, 1 otherwise.
"""
import argparse
import glob
import json
import math
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lakeviews  # noqa: E402

INDICATORS = os.path.join(HERE, "..", "..", "analytics", "indicators")
PDN = os.environ.get("PDN_BIN") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.join(HERE, "..", "..", "target")), "debug", "pdn")
COLUMNS = ["ventilation", "valeur", "jeunes"]
HEADER_KEYS = ["Indicateur", "Axe", "Unité", "Définition", "Name", "Unit", "Definition", "Sources",
               "Secret statistique"]


def header(sql):
    """The header fields of an indicator file (continuation lines joined)."""
    fields, last = {}, None
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        if line.startswith("--   ") and last:
            fields[last] += " " + line[5:].strip()
            continue
        m = re.match(r"^-- ([^:]+): ?(.*)$", line)
        if m:
            last = m.group(1).strip()
            fields[last] = m.group(2).strip()
    return fields


def bound(sql, year, department):
    """`sql` with its placeholders replaced by literals (`pdn sql` takes no parameters)."""
    dep = "CAST(NULL AS VARCHAR)" if department is None else "CAST('%s' AS VARCHAR)" % department.replace("'", "''")
    return re.sub(r"\$department\b", dep, re.sub(r"\$year\b", "CAST(%d AS INT)" % year, sql))


def named(sql, year, department):
    """The values of the named parameters `sql` uses, for DuckDB."""
    values = {"year": year, "department": department}
    return {k: v for k, v in values.items() if re.search(r"\$%s\b" % k, sql)}


def datafusion_rows(pdn, lake, sql, year, department):
    out = subprocess.run([pdn, "sql", "--lake", lake, "--format", "json", "-f", "-"],
                         input=bound(sql, year, department), capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip() or out.stdout.strip())
    text = out.stdout.strip()
    if not text:
        return [], []
    if text.startswith("["):
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    # the JSON writer leaves out null fields: report the union of the keys seen
    names = sorted({k for r in rows for k in r})
    return names, [tuple(r.get(c) for c in COLUMNS) for r in rows]


def duckdb_rows(con, sql, year, department):
    cur = con.execute(sql, named(sql, year, department))
    names = [d[0] for d in cur.description]
    types = [str(d[1]) for d in cur.description]
    return names, types, [tuple(r) for r in cur.fetchall()]


def same_value(a, b):
    if a is None or b is None:
        return a is None and b is None
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def fmt(v):
    if v is None:
        return "NULL"
    if isinstance(v, float):
        return "%.6f" % v if v != int(v) or abs(v) >= 1e15 else "%d" % v
    return str(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lake")
    ap.add_argument("year", type=int)
    ap.add_argument("department", nargs="?", default=None)
    ap.add_argument("--only", default=None, help="comma-separated indicator ids")
    ap.add_argument("--pdn", default=PDN)
    ap.add_argument("--json", default=None, help="write the results (both engines) to this file")
    args = ap.parse_args()
    department = None if args.department in (None, "", "all") else args.department
    lake = os.path.abspath(args.lake)
    files = sorted(glob.glob(os.path.join(INDICATORS, "*.sql")))
    if args.only:
        wanted = set(args.only.split(","))
        files = [f for f in files if os.path.basename(f)[:-4] in wanted]
    con, version = lakeviews.duckdb_connection(lake)
    print("lake %s at version %d, year %d, department %s" % (lake, version, args.year, department or "all"))
    print("%-52s %-34s %18s %18s %8s %8s  %s" % ("id", "ventilation", "datafusion", "duckdb", "jeunes", "jeunes", "ok"))
    failures, results = [], {}
    for path in files:
        ident = os.path.basename(path)[:-4]
        sql = open(path, encoding="utf-8").read()
        problems = []
        head = header(sql)
        missing = [k for k in HEADER_KEYS if k not in head]
        if missing:
            problems.append("header lacks " + ", ".join(missing))
        body = "\n".join(l for l in sql.splitlines() if not l.startswith("--")).lstrip()
        if not re.search(r"\$year\b", body):
            problems.append("does not read its year ($year)")
        try:
            t0 = time.time()
            df_names, df = datafusion_rows(args.pdn, lake, sql, args.year, department)
            t1 = time.time()
            dd_names, dd_types, dd = duckdb_rows(con, sql, args.year, department)
            t2 = time.time()
        except Exception as e:  # noqa: BLE001
            print("%-52s ERROR %s" % (ident, str(e).splitlines()[0][:300]))
            failures.append(ident)
            continue
        if not set(df_names) <= set(COLUMNS):
            problems.append("DataFusion columns %s" % df_names)
        if dd_names != COLUMNS:
            problems.append("DuckDB columns %s" % dd_names)
        if dd_types[1:] != ["DOUBLE", "BIGINT"] or dd_types[0] != "VARCHAR":
            problems.append("DuckDB types %s" % dd_types)
        vents_df = [r[0] for r in df]
        vents_dd = [r[0] for r in dd]
        expected_order = sorted(vents_dd, key=lambda v: (v is not None, v or ""))
        if vents_dd != expected_order:
            problems.append("not ordered by ventilation NULLS FIRST")
        if len(set(vents_dd)) != len(vents_dd):
            problems.append("duplicate ventilation")
        by_df = {r[0]: r for r in df}
        by_dd = {r[0]: r for r in dd}
        keys = sorted(set(by_df) | set(by_dd), key=lambda v: (v is not None, v or ""))
        if set(vents_df) != set(vents_dd):
            problems.append("ventilations differ")
        rows = []
        for k in keys:
            a, b = by_df.get(k), by_dd.get(k)
            ok = a is not None and b is not None and same_value(a[1], b[1]) and a[2] == b[2]
            rows.append({"ventilation": k, "datafusion": a and a[1], "duckdb": b and b[1],
                         "jeunes_datafusion": a and a[2], "jeunes_duckdb": b and b[2]})
            if not ok:
                problems.append("differs at %s" % k)
            print("%-52s %-34s %18s %18s %8s %8s  %s" % (
                ident, "NULL" if k is None else k, fmt(a and a[1]), fmt(b and b[1]),
                fmt(a and a[2]), fmt(b and b[2]), "ok" if ok else "DIFF"))
        results[ident] = {"header": head, "rows": rows, "seconds_datafusion": round(t1 - t0, 2),
                          "seconds_duckdb": round(t2 - t1, 2), "problems": problems}
        for p in problems:
            print("%-52s PROBLEM %s" % (ident, p))
        if problems:
            failures.append(ident)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"lake": lake, "version": version, "year": args.year, "department": department,
                       "results": results}, f, ensure_ascii=False, indent=1)
    print("%d indicators, %d failing%s" % (len(files), len(set(failures)),
                                           (": " + ", ".join(sorted(set(failures)))) if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
