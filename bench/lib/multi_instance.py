"""Load and checks for bench/multi-instance-run: several Rectify instances behind HAProxy
must behave as one service.

    multi_instance.py load   --lb URL --tokens FILE --seconds N --out FILE --go FILE
    multi_instance.py budget --api URL --api URL --token TOKEN --out FILE
    multi_instance.py report --load FILE --budget FILE --phases FILE --db URL

`load` drives the balancer for N seconds with readers (the issue list), writers (mutations
retried with the same idempotency key, or the same issue code, until they get an answer) and
subscribers (graphql-transport-ws, reconnecting whenever their socket closes), and writes
everything it saw as JSON. The script that owns the processes stops instances meanwhile and
notes when in the phases file. `budget` spends one subject's cost budget on two instances
directly, alternating, until refused. `report` reads both, asks PostgreSQL what was written
(with psql, not through the product), prints the checks and exits 1 if any fails.

Times are wall-clock seconds (time.time()), so that they compare with the phases file.
"""

import argparse
import asyncio
import base64
import json
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime

import aiohttp
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Subprotocol

LIST_QUERY = "query IssuePage { issues(first: 20) { totalCount nodes { id code title status } } }"
SUBSCRIPTION = "subscription Events { issueEvents { id issueId action note at } }"
REPORT = """mutation Report($input: SubmitProgressReportInput!) {
  submitProgressReport(input: $input) { progressReport { id content } } }"""
INSPECT = """mutation Inspect($input: RecordSiteInspectionInput!) {
  recordSiteInspection(input: $input) { siteInspection { id findings } } }"""
REGISTER = """mutation Register($input: RegisterIssueInput!) {
  registerIssue(input: $input) { issue { id code } } }"""
BY_CODE = "query ByCode($code: String!) { issueByCode(code: $code) { id } }"
# The budget phase's query: 100 issues with 30 events each, 21 300 in cost (docs/operations.md).
HEAVY = ("{ issues(first: 100) { nodes { code title events(first: 30) { nodes "
         "{ action at actor note fromStatus toStatus } } } } }")
FREE = "{ __typename }"  # costs nothing, but its answer reports the budget

# Every row a writer creates carries its key in a text column, so that PostgreSQL can be asked
# for it directly: progress_report.content, site_inspection.findings, issue.code.
MARK = "multi-instance write"
KEY_RE = re.compile(r"mi-[0-9a-f]+-[a-z]+-\d+-\d+")
INSTANCE_HEADER = "X-Rectify-Instance"  # set by the generated HAProxy config: which server answered


def decode_id(global_id):
    """`UHJvZ3Jlc3NSZXBvcnQ6MTI` -> ("ProgressReport", 12)."""
    raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    kind, _, number = raw.partition(":")
    return kind, int(number)


# --- load ------------------------------------------------------------------------------

class Load:
    def __init__(self, args, tokens):
        self.args = args
        self.tokens = tokens
        self.url = args.lb.rstrip("/") + "/graphql"
        self.ws_url = self.url.replace("http://", "ws://")
        self.run = tokens["run"]
        self.deadline = None
        self.reads = []        # [start, seconds, outcome, instance]
        self.writes = []       # one per write: kind, key, id, attempts, failures, ...
        self.replays = []      # the same request sent again after its answer: key, first id, replayed id
        self.subscribers = []  # per subscriber: its connections and events
        self.stop_subscribers = asyncio.Event()
        self.loop_lag = []     # how late this process's event loop woke up: is the client keeping up?

    async def post(self, session, token, query, variables=None):
        """One POST: (outcome, status, body or None, instance, retry_after). `outcome` is "ok",
        an HTTP status, "timeout" or "connection error"."""
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with session.post(self.url, json={"query": query, "variables": variables or {}},
                                    headers=headers) as response:
                text = await response.text()
                instance = response.headers.get(INSTANCE_HEADER)
                retry_after = response.headers.get("Retry-After")
                try:
                    body = json.loads(text)
                except ValueError:
                    body = None
                return response.status, body, instance, retry_after
        except asyncio.TimeoutError:
            return "timeout", None, None, None
        except aiohttp.ClientError as error:
            return f"connection error ({type(error).__name__})", None, None, None

    # Readers: the issue list, one request after another, each reader its own subject (so that
    # the per-subject budget, 200 000 with 5 000 a second, does not decide the throughput).
    async def reader(self, session, token):
        while time.time() < self.deadline:
            started = time.time()
            status, body, instance, retry_after = await self.post(session, token, LIST_QUERY)
            if status == 200 and body and not body.get("errors") and (body.get("data") or {}).get("issues"):
                outcome = "ok"
            elif status == 200:
                outcome = "graphql error"
            else:
                outcome = str(status)
            self.reads.append([started, time.time() - started, outcome, instance])
            if status == 429:
                await asyncio.sleep(float(retry_after or 1))
            elif outcome != "ok":
                await asyncio.sleep(0.05)

    async def until_answered(self, session, token, query, variables, record):
        """Sends the same request (same idempotency key, same input) until the server answers:
        again after a connection error, a timeout, a 5xx (the balancer's 502/503 included) or a
        429 (which wrote nothing). Returns (status, body)."""
        delay = 0.05
        while True:
            record["attempts"] += 1
            status, body, instance, retry_after = await self.post(session, token, query, variables)
            if status == 200 and body is not None:
                record["instance"] = instance
                return status, body
            record["failures"].append([round(time.time(), 3), str(status), instance])
            if time.time() > self.deadline + self.args.give_up:
                return "gave up", None
            if status == 429:
                await asyncio.sleep(float(retry_after or 1))
            else:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    async def writer(self, session, number, kind, setup):
        sequence = 0
        rng = random.Random(f"{self.run}-{number}")
        while time.time() < self.deadline:
            sequence += 1
            key = f"mi-{self.run}-{kind}-{number}-{sequence}"
            if kind == "report":
                token, query, field, payload = self.tokens["department"], REPORT, "submitProgressReport", "progressReport"
                variables = {"input": {"issueId": rng.choice(setup["department_issues"]),
                                       "content": f"{MARK} {key}", "percentComplete": rng.randint(1, 99),
                                       "idempotencyKey": key}}
            elif kind == "inspection":
                token, query, field, payload = self.tokens["bureau"], INSPECT, "recordSiteInspection", "siteInspection"
                observed = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
                variables = {"input": {"issueId": rng.choice(setup["inspected_issues"]),
                                       "latitude": 30.5 + rng.random() / 10, "longitude": 114.3 + rng.random() / 10,
                                       "observedAt": observed, "findings": f"{MARK} {key}",
                                       "result": rng.choice(["COMPLIANT", "NON_COMPLIANT", "NEEDS_FOLLOW_UP"]),
                                       "idempotencyKey": key}}
            else:  # "issue": registerIssue takes no idempotencyKey; its unique code is the key
                token, query, field, payload = self.tokens["bureau"], REGISTER, "registerIssue", "issue"
                variables = {"input": {"code": key, "title": f"{MARK} {key}",
                                       "description": "Registered by bench/multi-instance-run.",
                                       "roundId": setup["round"], "categoryId": rng.choice(setup["categories"]),
                                       "severity": rng.choice(["GENERAL", "MAJOR"])}}
            record = {"kind": kind, "key": key, "id": None, "attempts": 0, "failures": [], "error": None,
                      "sent": round(time.time(), 3), "via": None, "instance": None}
            status, body = await self.until_answered(session, token, query, variables, record)
            record["answered"] = round(time.time(), 3)
            if body is None:
                record["error"] = status
            elif (body.get("data") or {}).get(field):
                record["id"] = body["data"][field][payload]["id"]
                record["via"] = "answer"
            else:
                error = (body.get("errors") or [{}])[0]
                code = (error.get("extensions") or {}).get("code")
                # A retried registration whose first attempt landed: the code is taken by it.
                if kind == "issue" and record["attempts"] > 1 and code == "BAD_USER_INPUT" \
                        and "already registered" in error.get("message", ""):
                    _, found, _, _ = await self.post(session, token, BY_CODE, {"code": key})
                    issue = ((found or {}).get("data") or {}).get("issueByCode")
                    if issue:
                        record["id"], record["via"] = issue["id"], "code taken by an earlier attempt"
                if record["id"] is None:
                    record["error"] = f"{code}: {error.get('message', '')[:200]}"
            self.writes.append(record)
            # Now and then the same request again, as a client that never saw the answer would:
            # it must get the same object back and write nothing.
            if record["id"] and kind != "issue" and rng.random() < self.args.replay_share:
                replay = {"kind": kind, "key": key, "attempts": 0, "failures": [], "instance": None}
                _, body = await self.until_answered(session, token, query, variables, replay)
                got = (((body or {}).get("data") or {}).get(field) or {}).get(payload, {}).get("id")
                self.replays.append({"key": key, "first": record["id"], "replayed": got,
                                     "errors": (body or {}).get("errors")})

    # Subscribers: graphql-transport-ws through the balancer; whenever the socket closes, they
    # connect again (through the balancer, so to a live instance) and subscribe again.
    async def subscriber(self, number, token, first_connected):
        mine = {"number": number, "connections": [], "events": []}
        self.subscribers.append(mine)
        while not self.stop_subscribers.is_set():
            connection = {"opened": round(time.time(), 3), "instance": None, "acknowledged": False,
                          "closed": None, "close_code": None, "close_reason": None, "error": None, "events": 0}
            mine["connections"].append(connection)
            try:
                async with ws_connect(self.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")],
                                      open_timeout=5, ping_interval=10, ping_timeout=10,
                                      max_size=2**22) as ws:
                    connection["instance"] = ws.response.headers.get(INSTANCE_HEADER)
                    await ws.send(json.dumps({"type": "connection_init",
                                              "payload": {"Authorization": f"Bearer {token}"}}))
                    ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    if ack.get("type") != "connection_ack":
                        raise RuntimeError(f"no connection_ack: {ack}")
                    connection["acknowledged"] = True
                    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
                    first_connected.set()
                    stopper = asyncio.create_task(self.stop_subscribers.wait())
                    try:
                        while True:
                            receiving = asyncio.create_task(ws.recv())
                            done, _ = await asyncio.wait({receiving, stopper}, return_when=asyncio.FIRST_COMPLETED)
                            if stopper in done:
                                receiving.cancel()
                                await ws.close()
                                connection["closed"] = round(time.time(), 3)
                                connection["close_code"] = "closed by the client (end of run)"
                                break
                            message = json.loads(receiving.result())
                            kind = message.get("type")
                            if kind == "next":
                                data = (message.get("payload") or {}).get("data") or {}
                                event = data.get("issueEvents")
                                if event:
                                    connection["events"] += 1
                                    written = datetime.fromisoformat(event["at"].replace("Z", "+00:00")).timestamp()
                                    mine["events"].append([round(time.time(), 3), event["id"], event.get("note") or "",
                                                           event.get("issueId"), event.get("action"), written])
                                else:
                                    connection["error"] = f"next without data: {message}"[:300]
                            elif kind == "ping":
                                await ws.send(json.dumps({"type": "pong"}))
                            elif kind in ("complete", "error"):
                                # The server ended the subscription: subscribe again on a new socket.
                                connection["error"] = f"{kind}: {json.dumps(message)[:300]}"
                                break
                    finally:
                        stopper.cancel()
            except ConnectionClosed as closed:
                connection["close_code"] = closed.rcvd.code if closed.rcvd else 1006
                connection["close_reason"] = closed.rcvd.reason if closed.rcvd else None
            except (OSError, asyncio.TimeoutError, InvalidHandshake, RuntimeError, ValueError) as error:
                connection["error"] = f"{type(error).__name__}: {error}"[:300]
            if connection["closed"] is None:
                connection["closed"] = round(time.time(), 3)
            first_connected.set()
            if not self.stop_subscribers.is_set():
                await asyncio.sleep(0.2)

    async def watch_loop(self):
        while not self.stop_subscribers.is_set():
            before = time.monotonic()
            await asyncio.sleep(0.05)
            self.loop_lag.append(time.monotonic() - before - 0.05)

    async def setup(self, session):
        """What the writers write on: the department's issues it may report on, a few issues to
        inspect, a round and categories to register issues in."""
        bureau = self.tokens["bureau"]
        query = """query Setup($code: String!) {
          departmentByCode(code: $code) { id }
          inspectionRounds(first: 1) { nodes { id } }
          aspects { categories { id } }
        }"""
        _, body, _, _ = await self.post(session, bureau, query, {"code": self.tokens["department_code"]})
        data = body["data"]
        department = data["departmentByCode"]["id"]
        _, body, _, _ = await self.post(session, bureau, """query Open($lead: ID!) {
          issues(first: 50, filter: {leadDepartmentId: $lead, status: [ASSIGNED, IN_PROGRESS, AWAITING_ACCEPTANCE]}) {
            nodes { id } } }""", {"lead": department})
        department_issues = [n["id"] for n in body["data"]["issues"]["nodes"]]
        _, body, _, _ = await self.post(session, bureau, "{ issues(first: 10) { nodes { id } } }")
        inspected = [n["id"] for n in body["data"]["issues"]["nodes"]]
        if not department_issues:
            sys.exit(f"multi-instance: {self.tokens['department_code']} leads no issue it may report progress on")
        return {"department_issues": department_issues, "inspected_issues": inspected,
                "round": data["inspectionRounds"]["nodes"][0]["id"],
                "categories": [c["id"] for a in data["aspects"] for c in a["categories"]]}

    async def main(self):
        timeout = aiohttp.ClientTimeout(total=self.args.request_timeout)
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            setup = await self.setup(session)
            watcher = asyncio.create_task(self.watch_loop())
            # Subscribers first, one after the other: round robin puts each on the next
            # instance, so that the instances stopped later hold subscribers.
            subscribers = []
            for number, token in enumerate(self.tokens["subscribers"]):
                connected = asyncio.Event()
                subscribers.append(asyncio.create_task(self.subscriber(number, token, connected)))
                await asyncio.wait_for(connected.wait(), 10)
            await asyncio.sleep(1)  # the subscriptions are held before the first write
            started = time.time()
            self.deadline = started + self.args.seconds
            with open(self.args.go, "w") as go:
                go.write(f"{started}\n")
            kinds = ["report", "inspection", "issue"]
            workers = [self.reader(session, token) for token in self.tokens["readers"]]
            workers += [self.writer(session, n, kinds[n % len(kinds)], setup) for n in range(self.args.writers)]
            await asyncio.gather(*workers)
            writes_done = time.time()
            # The last events reach the subscribers: wait until none has come for a second
            # (delivery may lag behind the writes by a second or two on a busy machine).
            while time.time() - writes_done < self.args.settle:
                newest = max((s["events"][-1][0] for s in self.subscribers if s["events"]), default=0)
                if time.time() - max(newest, writes_done) >= 1:
                    break
                await asyncio.sleep(0.1)
            self.stop_subscribers.set()
            await asyncio.gather(*subscribers)
            await watcher
        lag = sorted(self.loop_lag)
        result = {"loop_lag": {"p50": lag[len(lag) // 2], "p99": lag[int(len(lag) * 0.99)], "max": lag[-1]},
                  "started": started, "deadline": self.deadline, "writes_done": writes_done,
                  "seconds": self.args.seconds, "run": self.run, "setup": setup, "reads": self.reads,
                  "writes": self.writes, "replays": self.replays, "subscribers": self.subscribers}
        with open(self.args.out, "w") as out:
            json.dump(result, out)


# --- budget ----------------------------------------------------------------------------

async def budget(args):
    """One subject sends HEAVY to two instances directly, alternating, until one refuses.
    Before that, one HEAVY on the first and a free read on the second: with one shared bucket
    the second already reports what the first spent; with a bucket each it reports a full one."""
    token = args.token
    answers = []

    async def post(session, api, query):
        sent = time.time()
        async with session.post(api.rstrip("/") + "/graphql", json={"query": query},
                                headers={"Authorization": f"Bearer {token}"}) as response:
            body = await response.json(content_type=None)
            cost = (body.get("extensions") or {}).get("cost") or {}
            throttle = cost.get("throttleStatus") or {}
            error = (body.get("errors") or [{}])[0]
            return {"api": api, "status": response.status, "requested": cost.get("requestedQueryCost"),
                    "left": throttle.get("currentlyAvailable"), "maximum": throttle.get("maximumAvailable"),
                    "restore": throttle.get("restoreRate"), "sent": sent, "at": time.time(),
                    "code": (error.get("extensions") or {}).get("code"), "message": error.get("message")}

    first, second = args.api[0], args.api[1]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        started = time.time()
        spent_on_first = await post(session, first, HEAVY)
        answers.append(spent_on_first)
        seen_by_second = await post(session, second, FREE)
        refusal = None
        for n in range(args.max_requests):
            answer = await post(session, args.api[(n + 1) % len(args.api)], HEAVY)
            answers.append(answer)
            if answer["status"] != 200:
                refusal = answer
                break
        refused_at = time.time()
        # Both instances, one right after the other, asked what is left.
        readings = [await post(session, api, FREE) for api in args.api]
    with open(args.out, "w") as out:
        json.dump({"started": started, "refused_at": refused_at, "answers": answers, "refusal": refusal,
                   "spent_on_first": spent_on_first, "seen_by_second": seen_by_second, "readings": readings}, out)


# --- report ----------------------------------------------------------------------------

def psql(db, sql):
    out = subprocess.run(["psql", db, "-AtqX", "-F", "\t", "-c", sql], check=True, capture_output=True, text=True)
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def read_phases(path):
    phases = {}
    with open(path) as f:
        for line in f:
            name, at, *rest = line.split()
            phases[name] = {"at": float(at), "detail": " ".join(rest)}
    return phases


def report(args):
    load = json.load(open(args.load))
    spent = json.load(open(args.budget)) if args.budget else None
    phases = read_phases(args.phases)
    instances = json.loads(args.instances)  # {"i1": {"port": 18101, "fate": "drained"|"killed"|"kept"}}
    run = load["run"]
    checks = []

    def check(name, ok, detail):
        checks.append((name, bool(ok), detail))

    drain_at = phases.get("drain", {}).get("at")
    kill_at = phases.get("kill", {}).get("at")
    stopped_at = kill_at or drain_at

    # -- writes: what the clients were told, against what PostgreSQL holds ------------------
    writes = load["writes"]
    acked = [w for w in writes if w["id"]]
    by_kind = {}
    for w in acked:
        by_kind.setdefault(w["kind"], []).append(w)
    rows = {
        "report": psql(args.db, f"SELECT id, content FROM progress_report WHERE content LIKE '{MARK} mi-{run}-%'"),
        "inspection": psql(args.db, f"SELECT id, findings FROM site_inspection WHERE findings LIKE '{MARK} mi-{run}-%'"),
        "issue": psql(args.db, f"SELECT id, code FROM issue WHERE code LIKE 'mi-{run}-%'"),
    }
    table_of = {"report": ("progress_report", "ProgressReport"), "inspection": ("site_inspection", "SiteInspection"),
                "issue": ("issue", "Issue")}
    lost, duplicated, wrong_id = [], [], []
    write_lines = []
    for kind in ("report", "inspection", "issue"):
        in_db = {}
        for row_id, text in rows[kind]:
            found = KEY_RE.search(text)
            in_db.setdefault(found.group(0) if found else text, []).append(int(row_id))
        told = by_kind.get(kind, [])
        for w in told:
            _, number = decode_id(w["id"])
            ids = in_db.get(w["key"], [])
            if not ids:
                lost.append(w["key"])
            elif len(ids) > 1:
                duplicated.append((w["key"], ids))
            elif ids[0] != number:
                wrong_id.append((w["key"], number, ids[0]))
        told_keys = {w["key"] for w in told}
        unacknowledged_rows = [k for k in in_db if k not in told_keys]
        retried = sum(1 for w in told if w["attempts"] > 1)
        write_lines.append({"kind": kind, "table": table_of[kind][0], "acknowledged": len(told),
                            "rows": sum(len(v) for v in in_db.values()), "keys_in_db": len(in_db),
                            "retried": retried, "rows_not_acknowledged": len(unacknowledged_rows)})
        check(f"{kind}: rows created = writes acknowledged",
              sum(len(v) for v in in_db.values()) == len(told),
              f"{len(told)} acknowledged, {sum(len(v) for v in in_db.values())} rows in {table_of[kind][0]}"
              + (f"; rows nobody was told of: {unacknowledged_rows[:5]}" if unacknowledged_rows else ""))
    check("every acknowledged write is in the database exactly once, with the id it was answered with",
          not lost and not duplicated and not wrong_id,
          f"{len(acked)} acknowledged; missing {len(lost)} {lost[:5]}, duplicated {len(duplicated)} {duplicated[:5]}, "
          f"other id {len(wrong_id)} {wrong_id[:5]}")

    # The idempotency keys as the server recorded them: one per key, pointing at the row.
    keys = psql(args.db, f"SELECT key, result_id, operation FROM idempotency_key WHERE key LIKE 'mi-{run}-%'")
    key_rows = {}
    for key, result_id, operation in keys:
        key_rows.setdefault(key, []).append(result_id)
    keyed = [w for w in acked if w["kind"] != "issue"]
    mismatched = [w["key"] for w in keyed
                  if key_rows.get(w["key"]) != [str(decode_id(w["id"])[1])]]
    replays = load["replays"]
    replay_mismatch = [r for r in replays if r["first"] != r["replayed"]]
    answers_by_key = {}
    for w in acked:
        answers_by_key.setdefault(w["key"], set()).add(w["id"])
    for r in replays:
        if r["replayed"]:
            answers_by_key.setdefault(r["key"], set()).add(r["replayed"])
    two_ids = {k: sorted(v) for k, v in answers_by_key.items() if len(v) > 1}
    check("no idempotency key answered with two different ids",
          not two_ids and not replay_mismatch,
          f"{len(replays)} requests sent again after their answer, {len(replay_mismatch)} answered otherwise "
          f"{replay_mismatch[:3]}; keys with two ids: {list(two_ids.items())[:3]}")
    check("the server's idempotency_key rows point at the acknowledged rows",
          not mismatched and len(key_rows) == len(keyed),
          f"{len(keyed)} keyed writes acknowledged, {len(key_rows)} keys stored, {len(mismatched)} not pointing "
          f"at the acknowledged row {mismatched[:5]}")

    # One event per write, in each issue's history.
    events = int(psql(args.db, f"""SELECT count(*) FROM issue_event e JOIN issue i ON i.id = e.issue_id
        WHERE e.note LIKE '%{MARK} mi-{run}-%' OR i.code LIKE 'mi-{run}-%'""")[0][0])
    check("one history event per acknowledged write", events == len(acked),
          f"{events} events, {len(acked)} writes")
    unanswered = [w for w in writes if not w["id"]]
    refused = {}
    for w in unanswered:
        refused[str(w["error"])] = refused.get(str(w["error"]), 0) + 1

    # -- subscribers --------------------------------------------------------------------
    fate = {name: info["fate"] for name, info in instances.items()}
    acked_keys = {w["key"] for w in acked}
    sub_lines = []
    for s in load["subscribers"]:
        conns = s["connections"]
        first = conns[0]["instance"] if conns else None
        keys_seen = [KEY_RE.search(e[2]).group(0) for e in s["events"] if KEY_RE.search(e[2])]
        # registrations carry no note: their issue ids are matched instead
        issue_ids = {w["id"] for w in acked if w["kind"] == "issue"}
        registered_seen = {e[3] for e in s["events"] if e[3] in issue_ids and e[4] == "REGISTERED"}
        event_ids = [e[1] for e in s["events"]]
        reconnects = len(conns) - 1
        codes = [c["close_code"] for c in conns[:-1]]
        after = sum(1 for e in s["events"] if stopped_at and e[0] > stopped_at + 1)
        seen = set(keys_seen) | {w["key"] for w in acked if w["id"] in registered_seen}
        missing = acked_keys - seen
        # The socket on a stopped instance: when, after the stop, the client saw it close, and
        # the newest event it still delivered, by the event's own time (`at`, when it was
        # written). A gap between the two is time the subscriber was connected but told nothing.
        stop = {"drained": drain_at, "killed": kill_at}.get(fate.get(first))
        closing = None
        if stop and conns and len(conns) > 1:
            c = conns[0]
            newest = max([e[5] for e in s["events"] if c["opened"] <= e[0] <= c["closed"]], default=None)
            closing = (f"closed +{c['closed'] - stop:.2f} s, newest event written "
                       f"{'+' if newest >= stop else ''}{newest - stop:.2f} s" if newest else "no event")
        delays = sorted(e[0] - e[5] for e in s["events"])
        sub_lines.append({"subscriber": s["number"], "first instance": first,
                          "its fate": fate.get(first, "?"),
                          "instances": " ".join(str(c["instance"]) for c in conns),
                          "reconnects": reconnects, "close codes": codes,
                          "after its instance stopped": closing, "events": len(s["events"]),
                          "delivered p50/p99 (ms)": f"{1000 * delays[len(delays) // 2]:.0f}/"
                                                    f"{1000 * delays[int(len(delays) * 0.99)]:.0f}" if delays else None,
                          "after stop": after, "duplicates": len(event_ids) - len(set(event_ids)),
                          "missed": len(missing),
                          "errors": [c["error"] for c in conns if c["error"]][:3]})
        if fate.get(first) in ("drained", "killed"):
            check(f"subscriber {s['number']} (on the {fate[first]} {first}) reconnected", reconnects >= 1,
                  f"{reconnects} reconnects; close codes {codes}")
        if fate.get(first) == "drained":
            drained_conn = conns[0]
            check(f"subscriber {s['number']} was told to reconnect (1001) by the draining {first}",
                  drained_conn["close_code"] == 1001,
                  f"its socket closed with {drained_conn['close_code']}"
                  f"{' (' + json.dumps(drained_conn['close_reason']) + ')' if drained_conn['close_reason'] else ''}"
                  f"{', ' + format(drained_conn['closed'] - drain_at, '.2f') + ' s after SIGTERM' if drain_at else ''}")
        if stopped_at:
            check(f"subscriber {s['number']} kept receiving events after the instances stopped", after > 0,
                  f"{after} events more than 1 s after the last stop")
        check(f"subscriber {s['number']} got no event twice", len(event_ids) == len(set(event_ids)),
              f"{len(event_ids) - len(set(event_ids))} duplicates")
        if reconnects == 0 and conns and conns[0]["acknowledged"]:
            # Never disconnected: it must have seen every write, whichever instance made it.
            check(f"subscriber {s['number']} (never disconnected, on {first}) saw every acknowledged write",
                  not missing, f"{len(missing)} of {len(acked_keys)} missing {sorted(missing)[:3]}")

    # -- readers and throughput ---------------------------------------------------------
    reads = load["reads"]
    start, end = load["started"], load["deadline"]
    ok = [r for r in reads if r[2] == "ok"]
    outcomes = {}
    for r in reads:
        outcomes[r[2]] = outcomes.get(r[2], 0) + 1
    per_second = {}
    for r in ok:
        second = int(r[0] + r[1] - start)
        if 0 <= second < load["seconds"]:
            per_second[second] = per_second.get(second, 0) + 1
    series = [per_second.get(i, 0) for i in range(int(load["seconds"]))]
    latencies = sorted(r[1] for r in ok)

    def pct(p):
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1) if latencies else None

    end_all = max([end] + [r[0] + r[1] for r in reads])
    windows = [("before the stops", start, drain_at or end_all)]
    if drain_at:
        windows.append(("drain to kill" if kill_at else "after the drain", drain_at, kill_at or end_all))
    if kill_at:
        windows.append(("after the kill", kill_at, end_all))
    window_lines = []
    for name, a, b in windows:
        inside = [r for r in reads if a <= r[0] + r[1] < b]  # by when the answer (or failure) came
        by_instance = {}
        for r in inside:
            if r[2] == "ok":
                by_instance[r[3]] = by_instance.get(r[3], 0) + 1
        failed = {}
        for r in inside:
            if r[2] != "ok":
                failed[r[2]] = failed.get(r[2], 0) + 1
        window_lines.append({"window": name, "seconds": round(b - a, 1),
                             "ok/s": round(sum(by_instance.values()) / max(b - a, 0.001), 1),
                             "answered by": dict(sorted(by_instance.items(), key=lambda kv: str(kv[0]))),
                             "failed": failed})
    # After the kill, nothing is answered by a dead instance (HAProxy took it out).
    if kill_at:
        killed = [n for n, f in fate.items() if f == "killed"]
        late = [r for r in reads if r[0] > kill_at and r[3] in killed and r[2] == "ok"]
        check("nothing answered by the killed instance after its death", not late, f"{len(late)} answers")

    # -- the shared budget --------------------------------------------------------------
    budget_lines = None
    if spent:
        answers = spent["answers"]
        admitted = [a for a in answers if a["status"] == 200]
        total = sum(a["requested"] or 0 for a in admitted)
        maximum = admitted[0]["maximum"] if admitted else 0
        restore = admitted[0]["restore"] if admitted else 0
        elapsed = spent["refused_at"] - spent["started"]
        one_bucket = maximum + restore * elapsed
        cost = admitted[0]["requested"] if admitted else 0
        lefts = [a["left"] for a in admitted]
        falling = len(lefts) > 1 and all(b < a for a, b in zip(lefts, lefts[1:]))
        refusal = spent["refusal"] or {}
        first, seen = spent["spent_on_first"], spent["seen_by_second"]
        port = lambda api: api.rsplit(":", 1)[1]
        budget_lines = {
            "the query": f"{HEAVY} (cost {cost})",
            "admitted": f"{len(admitted)} requests, {total} in cost, in {elapsed:.2f} s",
            "one bucket allows": f"{round(one_bucket)} ({maximum} + {restore}/s over {elapsed:.2f} s); "
                                 f"a bucket on each instance would allow {round(2 * one_bucket)}",
            "left after each answer (port:left)": " ".join(f"{port(a['api'])}:{a['left']}" for a in admitted),
            "refusal": f"{refusal.get('status')} {refusal.get('code')} from {refusal.get('api')}: {refusal.get('message')}",
            "after the first request": f"{port(first['api'])} reported {first['left']} left, then "
                                       f"{port(seen['api'])} reported {seen['left']}",
            "at the end": " ".join(f"{port(r['api'])}:{r['left']}" for r in spent["readings"]),
        }
        check("the spent budget is refused with 429 RATE_LIMITED",
              refusal.get("status") == 429 and refusal.get("code") == "RATE_LIMITED",
              f"{refusal.get('status')} {refusal.get('code')}")
        check("two instances together admitted one bucket, not two",
              admitted and one_bucket - 2 * cost < total <= one_bucket + 1,
              f"{total} in {len(admitted)} requests; one bucket {round(one_bucket)}, two {round(2 * one_bucket)}")
        check("each answer reports what the other instance's requests left (one falling level)", falling,
              f"{lefts}")
        # The first was charged after it was sent, the second before its answer came back.
        gap = restore * (seen["at"] - first["sent"]) + 1
        check("the second instance reports what the first spent",
              None not in (first["left"], seen["left"]) and abs(seen["left"] - first["left"]) <= gap,
              f"{port(first['api'])}: {first['left']} after one request, {port(seen['api'])}: {seen['left']} "
              f"(refill in between {gap:.0f})")

    # -- drain and restart ----------------------------------------------------------------
    if "drained" in phases:
        detail = phases["drained"]["detail"]
        took = phases["drained"]["at"] - drain_at
        limit = float(args.shutdown_secs)
        check("the drained instance exited 0 within RECTIFY_SHUTDOWN_SECS", detail == "rc=0" and took <= limit + 2,
              f"{detail} after {took:.1f} s (limit {limit:.0f} s)")

    # -- print ----------------------------------------------------------------------------
    out = sys.stdout
    print("\n== phases (seconds after the load started)", file=out)
    for name, info in sorted(phases.items(), key=lambda kv: kv[1]["at"]):
        print(f"  {info['at'] - start:7.1f}  {name} {info['detail']}", file=out)
    print("\n== writes", file=out)
    print_table([{k: v for k, v in line.items()} for line in write_lines], out)
    print(f"  writes answered with an error (nothing acknowledged): {refused or 'none'}", file=out)
    retried = [w for w in acked if w["attempts"] > 1]
    causes = {}
    for w in writes:
        for f in w["failures"]:
            causes[f[1]] = causes.get(f[1], 0) + 1
    print(f"  acknowledged after a retry: {len(retried)}; failed attempts by cause: {causes or 'none'}", file=out)
    via = {}
    for w in acked:
        via[w["via"]] = via.get(w["via"], 0) + 1
    print(f"  how ids were learnt: {via}", file=out)
    print("\n== subscribers", file=out)
    print_table(sub_lines, out)
    print("\n== readers through the balancer: the issue page", file=out)
    print_table(window_lines, out)
    rate = len([r for r in ok if start <= r[0] < end]) / (end - start)
    print(f"  outcomes: {outcomes}", file=out)
    print(f"  throughput: {rate:.0f} pages/s over {end - start:.0f} s with {len(load['subscribers'])} subscribers and "
          f"{len(set(w['key'].rsplit('-', 1)[0] for w in writes))} writers beside; per second min "
          f"{min(series) if series else 0}, median {statistics.median(series) if series else 0}, max "
          f"{max(series) if series else 0}; latency p50 {pct(0.5)} ms, p99 {pct(0.99)} ms", file=out)
    lag = load.get("loop_lag") or {}
    print(f"  the load generator's event loop woke up late by p50 {1000 * lag.get('p50', 0):.0f} ms, p99 "
          f"{1000 * lag.get('p99', 0):.0f} ms, max {1000 * lag.get('max', 0):.0f} ms (its own times are that coarse)",
          file=out)
    print(f"  This machine has {args.cores} cores shared by every instance, HAProxy, PostgreSQL, Redis and this "
          f"load generator: more instances add no CPU, so this figure shows the service holding up, not scaling.",
          file=out)
    if args.haproxy_log:
        print(f"  HAProxy: {haproxy_summary(args.haproxy_log)}", file=out)
    if budget_lines:
        print("\n== the shared cost budget: one subject, alternating between two instances directly", file=out)
        for k, v in budget_lines.items():
            print(f"  {k}: {v}", file=out)
    print("\n== checks", file=out)
    width = max(len(name) for name, _, _ in checks)
    for name, passed, detail in checks:
        print(f"  {'ok  ' if passed else 'FAIL'}  {name.ljust(width)}  {detail}", file=out)
    summary = {"checks": len(checks), "failed": [name for name, passed, _ in checks if not passed],
               "writes_acknowledged": len(acked), "pages_per_second": round(rate, 1)}
    print("\n" + json.dumps(summary), file=out)
    return 1 if summary["failed"] else 0


def haproxy_summary(path):
    """What HAProxy logged (only what was not normal: option dontlog-normal): requests sent to
    another instance after a refused connection, and sessions that ended in an error, by
    status and termination state (see HAProxy's "Session state at disconnection")."""
    redispatched, abnormal = {}, {}
    with open(path, errors="replace") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 11 or not fields[0][0].isdigit() or "/" not in fields[3]:
                continue
            server, status, state, retries = fields[3].split("/")[1], fields[5], fields[9], fields[10].split("/")[-1]
            if state == "----" and status[0] in "123":
                if retries.startswith("+"):
                    redispatched[server] = redispatched.get(server, 0) + 1
            else:
                abnormal[f"{status} {state}"] = abnormal.get(f"{status} {state}", 0) + 1
    return (f"requests answered after a redispatch (by the instance that answered): {redispatched or 'none'}; "
            f"sessions that ended abnormally (status, termination state): {abnormal or 'none'}")


def print_table(lines, out):
    if not lines:
        print("  (none)", file=out)
        return
    columns = list(lines[0].keys())
    cells = [[str(line.get(c, "")) for c in columns] for line in lines]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  | " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |", file=out)
    print("  |" + "|".join("-" * (w + 2) for w in widths) + "|", file=out)
    for row in cells:
        print("  | " + " | ".join(v.ljust(w) for v, w in zip(row, widths)) + " |", file=out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load")
    p.add_argument("--lb", required=True)
    p.add_argument("--tokens", required=True, help="JSON: run, bureau, department, department_code, readers, subscribers")
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--writers", type=int, default=6)
    p.add_argument("--replay-share", type=float, default=0.1)
    p.add_argument("--request-timeout", type=float, default=10)
    p.add_argument("--give-up", type=float, default=60, help="seconds after the end a write keeps being retried")
    p.add_argument("--settle", type=float, default=10, help="seconds at most to wait for the last events")
    p.add_argument("--out", required=True)
    p.add_argument("--go", required=True, help="file written when the load starts")
    p = sub.add_parser("budget")
    p.add_argument("--api", action="append", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--max-requests", type=int, default=60)
    p.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("--load", required=True)
    p.add_argument("--budget")
    p.add_argument("--phases", required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--instances", required=True, help='JSON: {"i1": {"port": 18101, "fate": "kept"}, ...}')
    p.add_argument("--shutdown-secs", default="10")
    p.add_argument("--cores", default="?")
    p.add_argument("--haproxy-log")
    args = parser.parse_args()
    if args.command == "load":
        tokens = json.load(open(args.tokens))
        asyncio.run(Load(args, tokens).main())
    elif args.command == "budget":
        asyncio.run(budget(args))
    else:
        sys.exit(report(args))


if __name__ == "__main__":
    main()
