#!/usr/bin/env python3
"""Recomputes every issue and case hash chain of a Rectify database (a SQLite file, or a
postgres:// URL read through psycopg2) from the rule in docs/history.md, without any of
Rectify's code: the baseline of bench/verify-run, and a second, independent reading of the
canonical encoding. Prints JSON; exits 1 at the first broken link."""
import hashlib
import json
import sqlite3
import sys
from datetime import date, datetime, timezone

ISSUE = ["issue_id", "action", "from_status", "to_status", "actor_sub", "actor_role", "note", "at",
         "lead_department_id", "cooperating_department_ids", "deadline", "severity", "category_id",
         "supervision_level"]
CASE = ["case_id", "action", "from_status", "to_status", "actor_sub", "actor_role", "note", "at"]


def instant(value):
    # SQLite gives text, PostgreSQL a datetime with its zone.
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace(" +", "+").replace("Z", "+00:00"))
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rows_of(db, sql):
    if isinstance(db, sqlite3.Connection):
        return db.execute(sql)
    cursor = db.cursor(name=f"chains_{abs(hash(sql))}")  # server-side: streams instead of loading the table
    cursor.itersize = 5000
    cursor.execute(sql)
    return cursor


def verify(db, table, kind, columns):
    heads, checked = {}, 0
    rows = rows_of(db, f"SELECT id, hash, {', '.join(columns)} FROM {table} ORDER BY id")
    for row in rows:
        event_id, stored, fields = row[0], row[1], list(row[2:])
        fields[columns.index("at")] = instant(fields[columns.index("at")])
        if "deadline" in columns and isinstance(fields[columns.index("deadline")], date):
            fields[columns.index("deadline")] = fields[columns.index("deadline")].isoformat()
        canonical = json.dumps([kind] + fields, separators=(",", ":"), ensure_ascii=False)
        owner = fields[0]
        head = hashlib.sha256(heads.get(owner, bytes(32)) + canonical.encode()).digest()
        checked += 1
        if stored != head.hex():
            return checked, {"kind": kind, "ownerId": owner, "eventId": event_id}
        heads[owner] = head
    return checked, None


def main():
    if sys.argv[1].startswith("postgres"):
        import psycopg2  # only the PostgreSQL run needs it; bench/verify-run installs it

        db = psycopg2.connect(sys.argv[1])
    else:
        db = sqlite3.connect(sys.argv[1])
    issues, broken = verify(db, "issue_event", "issue_event", ISSUE)
    cases = 0
    if broken is None:
        cases, broken = verify(db, "case_event", "case_event", CASE)
    print(json.dumps({"issueEvents": issues, "caseEvents": cases, "firstBroken": broken}))
    sys.exit(1 if broken else 0)


main()
