#!/usr/bin/env python3
"""Helpers of bench/run: reading oha's JSON output, checking samples, printing the table.

Subcommands:
  record FILE DB WORKLOAD SERVER CONC RATE EXPECTED-BYTES   one JSON line for records.jsonl
  count FILE                                                2xx answers of an oha run
  sum FILE                                                  the sum of the numbers in FILE
  line FILE DB WORKLOAD SERVER                              a progress line for the log
  rate RECORDS DB WORKLOAD SERVER SHARE                     SHARE of a workload's requests/s (median of its rounds)
  same-page GRAPHQL-ANSWER BASELINE-ANSWER                  both list the same issues, in order
  walk API TOKEN ROW                                        the cursor of row ROW (1-based) of the list
  table RECORDS                                             the results as Markdown
  latency URL TOKEN BODY-JSON N                             p50 and p90 (ms) of N requests one after the other
  instructions OHA-JSON DUMP DB WORKLOAD SERVER             one JSON line: instructions per answer from a callgrind dump
"""

import json
import os
import statistics
import sys
import urllib.request


def load(path):
    with open(path) as f:
        return json.load(f)


def statuses(run):
    codes = run.get("statusCodeDistribution") or {}
    ok = sum(n for code, n in codes.items() if str(code).startswith("2"))
    bad = sum(n for code, n in codes.items() if not str(code).startswith("2"))
    errors = sum((run.get("errorDistribution") or {}).values())
    return ok, bad, errors


def summary(run):
    s = run["summary"]
    p = run.get("latencyPercentiles") or {}
    ok, bad, errors = statuses(run)
    # Answered 2xx per second of the run (oha's requestsPerSec also counts failures).
    return {
        "rps": ok / s["total"] if s.get("total") else 0.0,
        "p50_ms": (p.get("p50") or 0.0) * 1000,
        "p99_ms": (p.get("p99") or 0.0) * 1000,
        "ok": ok,
        "non_2xx": bad,
        "errors": errors,
        "bytes_per_answer": (s.get("sizePerRequest") or 0),
        "total_bytes": s.get("totalData") or 0,
    }


def cmd_record(path, db, workload, server, conc, rate, expected):
    row = summary(load(path))
    row.update(db=db, kind="load", workload=workload, server=server, concurrency=int(conc), rate=float(rate))
    # Workloads compared round by round (BENCH_ROUNDS) carry their round.
    row["round"] = int(os.environ.get("ROUND", "1"))
    # The server's CPU time over the run (bench/run reads it from /proc), per 2xx answer.
    ticks = os.environ.get("CPU_TICKS")
    if ticks and row["ok"]:
        row["cpu_ms_per_answer"] = int(ticks) * 1000 / os.sysconf("SC_CLK_TCK") / row["ok"]
    # The times the server's threads gave up the CPU over the run, per 2xx answer.
    switches = os.environ.get("SWITCHES")
    if switches and row["ok"]:
        row["switches_per_answer"] = int(switches) / row["ok"]
    # Every answer had the sample's size: none of them was an error answer.
    if expected:
        expected = int(expected)
        row["expected_bytes"] = expected
        row["bodies_ok"] = row["ok"] > 0 and row["total_bytes"] == expected * row["ok"]
    print(json.dumps(row))


def cmd_count(path):
    print(statuses(load(path))[0])


def cmd_sum(path):
    with open(path) as f:
        print(sum(int(x) for x in f.read().split()))


def cmd_line(path, db, workload, server):
    r = summary(load(path))
    print(
        f"  {db:8} {workload:16} {server:8} {r['rps']:9.1f} req/s  p50 {r['p50_ms']:7.2f} ms  "
        f"p99 {r['p99_ms']:7.2f} ms  non-2xx {r['non_2xx']}  errors {r['errors']}"
    )


def cmd_rate(records, db, workload, server, share):
    rps = [
        row["rps"]
        for row in read_records(records)
        if row.get("kind") == "load" and (row["db"], row["workload"], row["server"]) == (db, workload, server)
    ]
    if not rps:
        sys.exit(f"no run of {workload} on {server} ({db}) to take a rate from")
    print(max(1, int(statistics.median(rps) * float(share))))


def cmd_same_page(graphql, baseline):
    g = json.loads(graphql)["data"]["issues"]["nodes"]
    b = json.loads(baseline)["data"]["issues"]["nodes"]
    if [n["id"] for n in g] != [n["id"] for n in b] or len(g) != 50:
        sys.exit("bench: the baseline and GraphQL list different issues")
    for gn, bn in zip(g, b):
        for field in ["code", "status", "deadline", "leadDepartment", "cooperatingDepartments", "category", "round"]:
            if gn[field] != bn[field]:
                sys.exit(f"bench: {gn['code']}: {field} differs: {gn[field]!r} vs {bn[field]!r}")


def cmd_walk(api, token, row):
    """Walks the default order 100 rows at a time, as a client would, to row `row`."""
    row = int(row)
    after, seen = None, 0
    query = "query($after: String) { issues(first: 100, after: $after) { edges { cursor } } }"
    while True:
        data = json.dumps({"query": query, "variables": {"after": after}}).encode()
        req = urllib.request.Request(
            api, data=data, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req) as resp:
            answer = json.load(resp)
        if answer.get("errors"):
            sys.exit(f"bench: walking the list: {answer['errors']}")
        edges = answer["data"]["issues"]["edges"]
        if not edges:
            sys.exit(f"bench: the list ended after {seen} rows, before row {row}")
        if seen + len(edges) >= row:
            print(edges[row - seen - 1]["cursor"])
            return
        seen += len(edges)
        after = edges[-1]["cursor"]


def cmd_latency(url, token, body, n):
    """Sequential requests (no concurrency): the latency of one request on an idle server."""
    import time

    data = body.encode()
    times = []
    for _ in range(int(n)):
        req = urllib.request.Request(url, data=data, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        start = time.perf_counter()
        with urllib.request.urlopen(req) as resp:
            answer = json.load(resp)
        times.append(time.perf_counter() - start)
        if answer.get("errors"):
            sys.exit(f"bench: {answer['errors']}")
    times.sort()
    print(f"{times[len(times) // 2] * 1000:.2f} {times[int(len(times) * 0.9)] * 1000:.2f}")


def read_records(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"


def paired_rounds(loads, db, workload):
    """The (rectify, baseline) runs of a workload, one pair per round, in round order."""
    runs = {(r["server"], r.get("round", 1)): r for r in loads if (r["db"], r["workload"]) == (db, workload)}
    rounds = sorted({n for (_, n) in runs})
    return [(runs[("rectify", n)], runs[("baseline", n)]) for n in rounds if ("rectify", n) in runs and ("baseline", n) in runs]


def median_ratio(rounds, key):
    """The median of the rounds' ratios, and the pair it came from. With an even number of
    rounds, the worse of the two middle ones: the lower for requests/s, the higher for times."""
    ranked = sorted(rounds, key=lambda pair: pair[0][key] / pair[1][key])
    pair = ranked[(len(ranked) - 1) // 2 if key == "rps" else len(ranked) // 2]
    return pair[0][key] / pair[1][key], pair


def per_round(rounds, key):
    return ", ".join(f"{g[key] / b[key]:.2f}×" for g, b in rounds)


def median_line(loads, db, workload, key, budget, unit, holds):
    """One line of the budget table: the median round's ratio of `key`, and every round's.
    `holds` judges the ratio; None for a figure that is not a budget."""
    rounds = [pair for pair in paired_rounds(loads, db, workload) if all(key in run for run in pair)]
    if not rounds:
        return
    x, (g, b) = median_ratio(rounds, key)
    verdict = "–" if holds is None else ("yes" if holds(x) else "NO")
    print(
        f"| {db}: {budget} | {x:.2f}× ({unit.format(g[key])} vs {unit.format(b[key])}; median of {len(rounds)} "
        f"rounds: {per_round(rounds, key)}) | {verdict} |"
    )


def page_lines(loads, db, workload, name, throughput_budget, floor, cpu_budget, cpu_holds):
    """The budget lines of one page: its throughput at full load (at least `floor` of the
    baseline's), then, at the same offered load (`<workload>-fixed-rate`), its p99 (at most 2×)
    and the server's CPU per answer (judged by `cpu_holds`; None when not a budget)."""
    median_line(loads, db, workload, "rps", throughput_budget, "{:.0f} req/s", lambda x: x >= floor)
    fixed = f"{workload}-fixed-rate"
    rate = next((r["rate"] for r in loads if (r["db"], r["workload"]) == (db, fixed)), 0)
    median_line(loads, db, fixed, "p99_ms", f"{name} p99 ≤ 2× baseline p99 at {rate:.0f} req/s offered", "{:.2f} ms",
                lambda x: x <= 2)
    median_line(loads, db, fixed, "cpu_ms_per_answer", cpu_budget, "{:.3f} ms", cpu_holds)
    median_line(loads, db, fixed, "switches_per_answer", f"{name} thread switches per answer at the same offered load",
                "{:.1f}", None)


def own_line(loads, db, workload, reference, budget, holds):
    """A budget line comparing two of the product's own workloads: the median of `workload`'s
    rounds against the median of `reference`'s (the rounds ran in turns with the baseline)."""
    def median_rps(name):
        runs = sorted(r["rps"] for r in loads if (r["db"], r["workload"], r["server"]) == (db, name, "rectify"))
        return runs[(len(runs) - 1) // 2] if runs else None
    x, y = median_rps(workload), median_rps(reference)
    if not x or not y:
        return
    print(f"| {db}: {budget} | {x / y:.2f}× ({x:.0f} vs {y:.0f} req/s, medians) | {'yes' if holds(x / y) else 'NO'} |")


def cpu(run):
    value = run.get("cpu_ms_per_answer")
    return f"{value:.3f}" if value is not None else "–"


def switches(run):
    value = run.get("switches_per_answer")
    return f"{value:.1f}" if value is not None else "–"


def cmd_instructions(oha_json, dump, db, workload, server):
    """One record from a callgrind dump taken after the timed answers: its `summary:` line
    holds every instruction since the counters were zeroed."""
    ok, bad, errors = statuses(load(oha_json))
    if bad or errors or not ok:
        sys.exit(f"bench: {db} {workload} {server}: not every answer under callgrind was a success")
    with open(dump) as f:
        total = next(int(line.split()[1]) for line in f if line.startswith("summary:"))
    print(json.dumps({"db": db, "kind": "instructions", "workload": workload, "server": server,
                      "requests": ok, "instructions_per_answer": total / ok}))


def instruction_lines(rows):
    counted = {(r["db"], r["workload"], r["server"]): r for r in rows if r.get("kind") == "instructions"}
    pairs = sorted({(db, workload) for (db, workload, _) in counted})
    if not pairs:
        return
    print()
    print("| db | workload | rectify instructions/answer | baseline instructions/answer | rectify vs baseline |")
    print("|---|---|---|---|---|")
    for db, workload in pairs:
        g, b = counted.get((db, workload, "rectify")), counted.get((db, workload, "baseline"))
        if g and b:
            x, y = g["instructions_per_answer"], b["instructions_per_answer"]
            print(f"| {db} | {workload} | {x / 1e6:.3f} M | {y / 1e6:.3f} M | {x / y:.2f}× |")


def cmd_table(records):
    rows = read_records(records)
    loads = [r for r in rows if r.get("kind") == "load"]
    by = {(r["db"], r["workload"], r["server"], r.get("round", 1)): r for r in loads}
    print()
    print("| db | workload | round | server | conc | offered req/s | req/s | p50 ms | p99 ms | CPU ms/answer | switches/answer | non-2xx | bodies | req/s vs baseline | p50 vs baseline | p99 vs baseline | CPU vs baseline |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in loads:
        base = by.get((r["db"], r["workload"], "baseline", r.get("round", 1))) if r["server"] != "baseline" else None
        bodies = {True: "ok", False: "DIFFER"}.get(r.get("bodies_ok"), "–")
        offered = f"{r['rate']:.0f}" if r["rate"] else "max"
        print(
            f"| {r['db']} | {r['workload']} | {r.get('round', 1)} | {r['server']} | {r['concurrency']} | {offered} | {r['rps']:.1f} | "
            f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {cpu(r)} | {switches(r)} | {r['non_2xx'] + r['errors']} | {bodies} | "
            f"{ratio(r['rps'], base['rps']) if base else '–'} | "
            f"{ratio(r['p50_ms'], base['p50_ms']) if base else '–'} | "
            f"{ratio(r['p99_ms'], base['p99_ms']) if base else '–'} | "
            f"{ratio(r.get('cpu_ms_per_answer'), base.get('cpu_ms_per_answer')) if base else '–'} |"
        )
    print()
    # The budgets that this run measures.
    print("| budget | measured | holds |")
    print("|---|---|---|")
    for db in sorted({r["db"] for r in loads}):
        page_lines(loads, db, "list", "issue list", "issue list throughput ≥ 0.5× baseline", 0.5,
                   "list CPU per answer at the same offered load" + (" ≤ 1.25× baseline" if db == "postgres" else
                                                                     " (a budget on PostgreSQL only)"),
                   (lambda x: x <= 1.25) if db == "postgres" else None)
        for encoding in ("gzip", "zstd"):
            workload = f"list-{encoding}"
            median_line(loads, db, workload, "rps", f"list with {encoding}: throughput ≥ 0.8× baseline answering {encoding}",
                        "{:.0f} req/s", lambda x: x >= 0.8)
            own_line(loads, db, workload, "list", f"list with {encoding}: throughput ≥ 0.8× the product's uncompressed list",
                     lambda x: x >= 0.8)
        page_lines(loads, db, "issue", "issue(id)", "issue(id) with its events: throughput ≥ 0.8× baseline", 0.8,
                   "(not a budget) server CPU per issue(id) answer at the same offered load", None)
        p1, p1000 = by.get((db, "page-1", "rectify", 1)), by.get((db, "page-1000", "rectify", 1))
        if p1 and p1000:
            x = p1000["p50_ms"] / p1["p50_ms"]
            y = p1["rps"] / p1000["rps"]
            print(
                f"| {db}: cursor page 1,000 within 1.5× of page 1 | p50 {x:.2f}×, req/s {y:.2f}× "
                f"({p1['p50_ms']:.2f} vs {p1000['p50_ms']:.2f} ms) | {'yes' if max(x, y) <= 1.5 else 'NO'} |"
            )
    for r in rows:
        if r.get("kind") == "export-memory":
            growth = (r["peak_kib"] - r["rss_before_kib"]) / 1024
            print(
                f"| {r['db']}: CSV export of {r['issues']} issues, peak RSS growth < 64 MiB | {growth:.1f} MiB "
                f"({r['rss_before_kib'] / 1024:.1f} → {r['peak_kib'] / 1024:.1f} MiB) | {'yes' if growth < 64 else 'NO'} |"
            )
        if r.get("kind") == "demo-rss":
            # The budget reads the memory the server holds (RssAnon + RssShmem); the RSS beside
            # it also counts the binary's pages, as many as the page cache happens to hold.
            idle = r["idle_anon_kib"] / 1024
            warm = r["after_requests_anon_kib"] / 1024
            print(
                f"| server memory at rest < 64 MiB (SQLite, demo data; anonymous memory) | {idle:.1f} MiB after start, "
                f"{warm:.1f} MiB after 200 list requests (RSS {r['idle_kib'] / 1024:.1f} and "
                f"{r['after_requests_kib'] / 1024:.1f} MiB) | {'yes' if max(idle, warm) < 64 else 'NO'} |"
            )
    instruction_lines(rows)
    latencies = [r for r in rows if r.get("kind") == "latency"]
    if latencies:
        print()
        print("| db | issues | request alone | requests | p50 ms | p90 ms |")
        print("|---|---|---|---|---|---|")
        for r in latencies:
            print(f"| {r['db']} | {r['issues']} | {r['request']} | {r['n']} | {r['p50_ms']:.2f} | {r['p90_ms']:.2f} |")
    for r in loads:
        if r.get("bodies_ok") is False or r["non_2xx"] or r["errors"]:
            print(f"\nWARNING: {r['db']} {r['workload']} {r['server']}: not every answer was the sample's success")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    command, args = sys.argv[1], sys.argv[2:]
    commands = {
        "record": cmd_record,
        "count": cmd_count,
        "sum": cmd_sum,
        "line": cmd_line,
        "rate": cmd_rate,
        "same-page": cmd_same_page,
        "walk": cmd_walk,
        "table": cmd_table,
        "latency": cmd_latency,
        "instructions": cmd_instructions,
    }
    if command not in commands:
        sys.exit(__doc__)
    commands[command](*args)


if __name__ == "__main__":
    main()
