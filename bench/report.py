#!/usr/bin/env python3
"""Yearly report benchmark: `pdn report`, national and for one department, against DuckDB running
the same indicator queries over the same live Parquet files, in the same run.

usage: bench/report.py LAKE YEAR DEPARTMENT [--only national|department] [--pdn PATH] [--threads N]
                       [--json OUT]
  e.g. bench/report.py /var/tmp/pdn-bench/project-lake 2025 82

What each side computes (the work `pdn report` does, analytics/src/report/assemble.rs):
  national report:   every indicator for YEAR and YEAR-1, nationally; each key figure
                     (KEY_FIGURES) for YEAR in every department; the departments' list; the
                     coverage counts (events per family and year).
  department report: every indicator for YEAR and YEAR-1 in DEPARTMENT, and for YEAR nationally;
                     the coverage counts of DEPARTMENT.
pdn runs the real command (one process: session, corrected views, suppression, HTML and JSON
written); DuckDB runs the indicator files of analytics/indicators/ over the raw event tables and
the read models (scripts/crosscheck/lakeviews.py), the definitions removing retracted events
themselves. scripts/crosscheck/indicators.py checks that both engines give the same answers.
Both engines use every core (DuckDB: --threads N to change). Needs a release build and DuckDB.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "scripts", "crosscheck"))
import lakeviews  # noqa: E402
from indicators import named  # noqa: E402

INDICATORS = os.path.join(ROOT, "analytics", "indicators")
ASSEMBLE = os.path.join(ROOT, "analytics", "src", "report", "assemble.rs")
PDN = os.environ.get("PDN_BIN") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "pdn")
FAMILIES = [f for f in lakeviews.FAMILIES if f != "correction"]


def key_figures():
    """The ids of the report's key figures, read from the report's source."""
    text = open(ASSEMBLE, encoding="utf-8").read()
    block = text[text.index("pub const KEY_FIGURES"):]
    block = block[:block.index("];")]
    return re.findall(r'\(\s*"([a-z0-9_]+)",', block)


def timed(command):
    """(wall seconds, CPU seconds, peak MiB) of a command, which must succeed."""
    with tempfile.NamedTemporaryFile("r") as out:
        run = subprocess.run(["/usr/bin/time", "-o", out.name, "-f", "%e %U %S %M"] + command,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            sys.exit("%s failed:\n%s" % (" ".join(command), run.stderr[-2000:]))
        wall, user, system, peak = out.read().split()[-4:]
    return float(wall), float(user) + float(system), int(peak) / 1024


def duckdb_side(lake, threads, runs, coverage_scope, national):
    """Runs every (sql, year, department) of `runs` and the coverage counts (and for the national
    report, the departments' list) on a new DuckDB connection; (wall seconds, CPU seconds of this
    process) including the connection's views."""
    cpu0, t0 = time.process_time(), time.time()
    con, _ = lakeviews.duckdb_connection(lake)
    con.execute("SET threads = %d" % threads)
    if national:
        departments(con, lake)
    for sql, year, department in runs:
        con.execute(sql, named(sql, year, department)).fetchall()
    tables = set(lakeviews.live_files(lake)[0])
    for family in FAMILIES:
        if "events/" + family not in tables:
            continue
        con.execute(
            "SELECT year(t), count(*), min(CAST(t AS DATE)), max(CAST(t AS DATE)) FROM "
            "(SELECT occurred_at + to_minutes(CAST(utc_offset_minutes AS BIGINT)) AS t "
            "FROM %s WHERE %s) GROUP BY 1" % (family, coverage_scope)).fetchall()
    return time.time() - t0, time.process_time() - cpu0


def departments(con, lake):
    """The departments with events, in order."""
    tables = set(lakeviews.live_files(lake)[0])
    union = " UNION ".join("SELECT DISTINCT department FROM %s" % f
                           for f in FAMILIES if "events/" + f in tables)
    return [r[0] for r in con.execute("SELECT * FROM (%s) ORDER BY 1" % union).fetchall()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lake")
    ap.add_argument("year", type=int)
    ap.add_argument("department")
    ap.add_argument("--pdn", default=PDN)
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="DuckDB's threads (default: the cores, as DataFusion in pdn)")
    ap.add_argument("--only", choices=["national", "department"], default=None,
                    help="run only this report (a 50M-event national run takes ~25 min)")
    ap.add_argument("--json", default=None, help="write the figures to this file")
    args = ap.parse_args()
    lake, year, dep = os.path.abspath(args.lake), args.year, args.department
    catalogue = {os.path.basename(p)[:-4]: open(p, encoding="utf-8").read()
                 for p in sorted(glob.glob(os.path.join(INDICATORS, "*.sql")))}
    keys = key_figures()
    deps = departments(lakeviews.duckdb_connection(lake)[0], lake)
    if dep not in deps:
        sys.exit("department %s has no events in %s" % (dep, lake))

    national_runs = [(sql, y, None) for sql in catalogue.values() for y in (year, year - 1)]
    national_runs += [(catalogue[k], year, d) for k in keys for d in deps]
    department_runs = [(sql, y, dep) for sql in catalogue.values() for y in (year, year - 1)]
    department_runs += [(sql, year, None) for sql in catalogue.values()]
    scope = "department = '%s'" % dep.replace("'", "''")

    results = {}
    with tempfile.TemporaryDirectory() as out:
        for name, extra, runs, coverage in [
                ("national", [], national_runs, "TRUE"),
                ("department " + dep, ["--department", dep], department_runs, scope)]:
            national = not extra
            if args.only and args.only != ("national" if national else "department"):
                continue
            command = [args.pdn, "report", "--lake", lake, "--year", str(year),
                       "--out", os.path.join(out, "r.html"), "--json", os.path.join(out, "r.json")]
            p_wall, p_cpu, p_peak = timed(command + extra)
            d_wall, d_cpu = duckdb_side(lake, args.threads, runs, coverage, national)
            results[name] = {"indicator_runs": len(runs), "pdn_wall_s": round(p_wall, 1),
                             "pdn_cpu_s": round(p_cpu, 1), "pdn_peak_mib": round(p_peak),
                             "duckdb_wall_s": round(d_wall, 1), "duckdb_cpu_s": round(d_cpu, 1),
                             "ratio_wall": round(p_wall / d_wall, 2)}
            print("%-16s %4d indicator runs: pdn %7.1f s wall (%7.1f s CPU, %5.0f MiB peak), "
                  "DuckDB %7.1f s wall (%7.1f s CPU): ratio %.2f"
                  % (name, len(runs), p_wall, p_cpu, p_peak, d_wall, d_cpu, p_wall / d_wall))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"lake": lake, "year": year, "department": dep, "threads": args.threads,
                       "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
