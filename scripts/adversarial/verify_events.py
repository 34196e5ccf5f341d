#!/usr/bin/env python3
"""Checks the adversarial event corpus against the `pdn` binary (no cargo: it runs a built binary).

For every tests/adversarial/events/cases/*.json it runs

    timeout 20 /usr/bin/time -v $PDN validate --now 2026-01-01T00:00:00Z FILE

and checks: exit code 1, the `line 1: event <id>: <reason>: ...` line, the summary line
`1 events: 0 valid, 1 invalid`, and <reason> equal to the one in expected.tsv. A report holding
more than one `line ` line, or a carriage return or escape character (echoed from the event: report
forging), is a problem too. Every case must be rejected: an accepted one is a validation gap.
bases.ndjson (the valid starting events) must be entirely valid. It also reports any case that
takes more than --slow seconds or more than --rss-mb of memory, and any crash or timeout.

Usage:
    python3 scripts/adversarial/verify_events.py [--pdn PATH] [--actual FILE.tsv] [--slow 2] [--rss-mb 200]

PDN defaults to $PDN, else /var/tmp/pdn-target/debug/pdn, else /var/tmp/pdn-target/release/pdn.
--actual writes `case<TAB>reason<TAB>seconds<TAB>max_rss_kb<TAB>line` for every case as observed.
Exit status 0 when everything matches. Python 3 standard library only.
"""

import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "adversarial", "events")
NOW = "2026-01-01T00:00:00Z"


def find_pdn(given):
    for p in [given, os.environ.get("PDN"), "/var/tmp/pdn-target/debug/pdn", "/var/tmp/pdn-target/release/pdn"]:
        if p and os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    sys.exit("no pdn binary found (give --pdn or set PDN)")


def run(pdn, path):
    """(exit code, stdout, seconds, max RSS in KB, note) of validating one file."""
    cmd = ["timeout", "20", "/usr/bin/time", "-v", pdn, "validate", "--now", NOW, path]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = p.stderr.decode("utf-8", "replace")
    secs = rss = None
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", err)
    if m:
        secs = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    if m:
        rss = int(m.group(1))
    note = ""
    if p.returncode == 124:
        note = "TIMEOUT after 20 s"
    elif "Command terminated by signal" in err or "panicked" in err:
        note = "CRASH: " + " | ".join(l for l in err.splitlines() if "signal" in l or "panicked" in l)
    return p.returncode, p.stdout.decode("utf-8", "replace"), secs, rss, note


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    return {r[0]: r[1] for r in rows[1:]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdn")
    ap.add_argument("--actual", help="write the observed reasons, times and memory here")
    ap.add_argument("--slow", type=float, default=2.0, help="seconds above which a case is reported")
    ap.add_argument("--rss-mb", type=float, default=200.0, help="memory above which a case is reported")
    args = ap.parse_args()
    pdn = find_pdn(args.pdn)
    print("binary: %s" % pdn)
    problems = []

    code, out, _, _, note = run(pdn, os.path.join(CORPUS, "bases.ndjson"))
    if code != 0 or note:
        problems.append("bases.ndjson: the valid starting events are not all valid:\n" + out)

    expected = read_tsv(os.path.join(CORPUS, "expected.tsv"))
    files = sorted(f[:-5] for f in os.listdir(os.path.join(CORPUS, "cases")) if f.endswith(".json"))
    if sorted(expected) != files:
        problems.append("expected.tsv and cases/ differ: %s" % sorted(set(expected) ^ set(files)))
    actual_rows = []
    reasons = {}
    worst_t = worst_m = (0, "")
    for name in files:
        code, out, secs, rss, note = run(pdn, os.path.join(CORPUS, "cases", name + ".json"))
        lines = [l for l in out.splitlines() if l.startswith("line ")]
        m = re.match(r"line 1: event (\S+): ([a-z0-9_]+): ", lines[0]) if lines else None
        reason = m.group(2) if m else "?"
        summaries = [l for l in out.splitlines() if re.fullmatch(r"\d+ events: \d+ valid, \d+ invalid", l)]
        if len(lines) > 1 or re.search(r"[\r\x1b]", out):
            problems.append("%s: the report of this one event holds extra lines or control characters "
                            "(echoed from the event): %r" % (name, out[:160]))
        reasons[reason] = reasons.get(reason, 0) + 1
        actual_rows.append((name, reason, secs, rss, lines[0] if lines else out.strip()))
        if secs is not None and secs > worst_t[0]:
            worst_t = (secs, name)
        if rss is not None and rss > worst_m[0]:
            worst_m = (rss, name)
        if note:
            problems.append("%s: %s" % (name, note))
        elif code == 0:
            problems.append("%s: ACCEPTED as valid (a validation gap)" % name)
        elif code != 1 or summaries[-1:] != ["1 events: 0 valid, 1 invalid"] or not m:
            problems.append("%s: unexpected output (exit %s): %s" % (name, code, out.strip()[:300]))
        elif reason != expected.get(name):
            problems.append("%s: reason %s, expected.tsv says %s | %s" % (name, reason, expected.get(name), lines[0][:200]))
        if secs is not None and secs > args.slow:
            problems.append("%s: SLOW %.2f s" % (name, secs))
        if rss is not None and rss > args.rss_mb * 1024:
            problems.append("%s: MEMORY %d MB" % (name, rss // 1024))

    if args.actual:
        with open(args.actual, "w", encoding="utf-8") as f:
            for name, reason, secs, rss, line in actual_rows:
                f.write("%s\t%s\t%s\t%s\t%s\n" % (name, reason, secs, rss, line.replace("\t", " ")))

    print("%d cases checked" % len(files))
    print("reasons: " + ", ".join("%s=%d" % kv for kv in sorted(reasons.items())))
    print("slowest: %.2f s (%s); largest max RSS: %.1f MB (%s)" % (worst_t[0], worst_t[1], worst_m[0] / 1024, worst_m[1]))
    for p in problems:
        print("PROBLEM " + p)
    print("OK" if not problems else "%d problem(s)" % len(problems))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
