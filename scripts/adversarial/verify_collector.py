#!/usr/bin/env python3
"""Sends the adversarial event corpus to a throwaway HTTP collector (`pdn collect`) and checks it.

It creates a temporary folder with a tokens file (`pdn tokens add --department 82`) and a lake,
starts `pdn collect --listen 127.0.0.1:0 --now 2026-01-01T00:00:00Z` on it, POSTs every
tests/adversarial/events/cases/*.json as one `application/json` request, and checks that the answer
is 400 `invalid_events` whose single rejected event has the reason of expected.tsv (the collector
shares the validator, so no case may be answered 202). Then it stops the collector (SIGTERM to the
process it started) and removes the temporary folder.

Usage:
    python3 scripts/adversarial/verify_collector.py [--pdn PATH]

PDN defaults to $PDN, else /var/tmp/pdn-target/debug/pdn, else /var/tmp/pdn-target/release/pdn.
Exit status 0 when everything matches. Python 3 standard library only.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "adversarial", "events")
NOW = "2026-01-01T00:00:00Z"


def find_pdn(given):
    for p in [given, os.environ.get("PDN"), "/var/tmp/pdn-target/debug/pdn", "/var/tmp/pdn-target/release/pdn"]:
        if p and os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    sys.exit("no pdn binary found (give --pdn or set PDN)")


def post(addr, token, data):
    req = urllib.request.Request(
        "http://%s/v1/events" % addr, data=data, method="POST",
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + token},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdn")
    args = ap.parse_args()
    pdn = find_pdn(args.pdn)
    tmp = tempfile.mkdtemp(prefix="pdn-adversarial-")
    proc = None
    problems = []
    try:
        tokens = os.path.join(tmp, "tokens.jsonl")
        out = subprocess.run([pdn, "tokens", "add", "--department", "82", "--tokens", tokens, "adversarial"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
        token = out.stdout.decode().splitlines()[0].strip()
        proc = subprocess.Popen(
            [pdn, "collect", "--listen", "127.0.0.1:0", "--lake", os.path.join(tmp, "lake"),
             "--tokens", tokens, "--now", NOW],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        first = proc.stdout.readline().decode().strip()  # "listening on 127.0.0.1:PORT"
        if not first.startswith("listening on "):
            sys.exit("the collector did not start: %r" % first)
        addr = first.split()[-1]
        print("binary: %s, collector on %s" % (pdn, addr))

        with open(os.path.join(CORPUS, "expected.tsv"), encoding="utf-8") as f:
            expected = dict(line.rstrip("\n").split("\t") for line in list(f)[1:] if line.strip())
        for name in sorted(expected):
            with open(os.path.join(CORPUS, "cases", name + ".json"), "rb") as f:
                status, body = post(addr, token, f.read())
            try:
                answer = json.loads(body)
                reasons = [r["reason"] for r in answer.get("rejected", [])]
            except (ValueError, AttributeError):
                answer, reasons = None, []
            if status != 400 or not isinstance(answer, dict) or answer.get("error") != "invalid_events" or reasons != [expected[name]]:
                problems.append("%s: HTTP %s %s (expected 400 %s)" % (name, status, body[:200], expected[name]))
        print("%d cases sent" % len(expected))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    for p in problems:
        print("PROBLEM " + p)
    print("OK" if not problems else "%d problem(s)" % len(problems))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
