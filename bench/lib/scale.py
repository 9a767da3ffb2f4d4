#!/usr/bin/env python3
"""Helpers of bench/scale-run: one record per timed run, and the two tables.

Subcommands:
  record OHA-JSON SETUP ROUND EXPECTED-BYTES   one JSON line for records.jsonl; the CPU figures
                                               come from the environment (see cmd_record)
  table RECORDS                                the results as Markdown

Setups: `local` (one instance, budgets in its memory, straight to it), `direct` (one instance
with the shared budget in Redis, straight to it), `lb-1`, `lb-2`, `lb-3` (one, two, three such
instances behind HAProxy, round robin).
"""

import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import load, read_records, summary  # noqa: E402

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
SCALE = ["direct", "lb-1", "lb-2", "lb-3"]
BUDGET = ["local", "direct"]
NAMES = {
    "local": "1 instance, local budget, direct",
    "direct": "1 instance, shared budget (Redis), direct",
    "lb-1": "1 instance behind HAProxy",
    "lb-2": "2 instances behind HAProxy",
    "lb-3": "3 instances behind HAProxy",
}


def cmd_record(path, setup, round_, expected):
    """The CPU time each part spent over the timed run, in clock ticks (user + system, every
    thread, from /proc/PID/stat): RECTIFY_TICKS (every instance the setup sends to), HAPROXY_TICKS,
    REDIS_TICKS, POSTGRES_TICKS (the backends connected to the bench database), MACHINE_TICKS
    (every busy tick of every core, from /proc/stat), OHA_TICKS and ELAPSED_S; REDIS_CALLS is
    the number of scripts Redis ran meanwhile (EVAL and EVALSHA, from INFO commandstats)."""
    row = summary(load(path))
    row.update(kind="load", setup=setup, round=int(round_))
    ok = row["ok"]
    for part in ["rectify", "haproxy", "redis", "postgres", "oha", "machine"]:
        ticks = os.environ.get(f"{part.upper()}_TICKS")
        if ticks not in (None, "") and ok:
            row[f"{part}_cpu_ms"] = int(ticks) * TICK_MS / ok
    elapsed = os.environ.get("ELAPSED_S")
    if elapsed and os.environ.get("MACHINE_TICKS"):
        capacity = float(elapsed) * os.cpu_count() * 1000 / TICK_MS  # ticks the cores had
        row["machine_busy"] = int(os.environ["MACHINE_TICKS"]) / capacity
        # What none of the processes above used: idle instances, PostgreSQL's own background
        # processes, and whatever else runs on this machine.
        ours = sum(int(os.environ.get(f"{p.upper()}_TICKS") or 0) for p in ["rectify", "haproxy", "redis", "postgres", "oha"])
        row["others_busy"] = (int(os.environ["MACHINE_TICKS"]) - ours) / capacity
    calls = os.environ.get("REDIS_CALLS")
    if calls not in (None, "") and ok:
        row["redis_calls"] = int(calls) / ok
    if expected:
        row["expected_bytes"] = int(expected)
        row["bodies_ok"] = ok > 0 and row["total_bytes"] == int(expected) * ok
    print(json.dumps(row))


def by_round(loads):
    runs = {}
    for r in loads:
        runs.setdefault(r["round"], {})[r["setup"]] = r
    return runs


def median(values):
    return statistics.median(values) if values else None


def pct(value):
    return "–" if value is None else f"{100 * value:.0f}%"


def fmt(value, spec):
    return "–" if value is None else format(value, spec)


def med(rows, key):
    return median([r[key] for r in rows if r.get(key) is not None])


def ratios(runs, setup, against, key):
    """The per-round ratios of `key` (setup ÷ against), rounds where both ran."""
    out = []
    for n in sorted(runs):
        a, b = runs[n].get(setup), runs[n].get(against)
        if a and b and a.get(key) and b.get(key):
            out.append(a[key] / b[key])
    return out


def ratio_cell(values):
    if not values:
        return "–"
    return f"{statistics.median(values):.2f}× ({', '.join(f'{v:.2f}' for v in values)})"


def total_cpu(r, parts):
    if any(r.get(f"{p}_cpu_ms") is None for p in parts):
        return None
    return sum(r[f"{p}_cpu_ms"] for p in parts)


def cmd_table(records):
    rows = read_records(records)
    loads = [r for r in rows if r.get("kind") == "load"]
    runs = by_round(loads)
    for r in loads:
        r["stack_cpu_ms"] = total_cpu(r, ["rectify", "haproxy", "redis"])
        r["budget_cpu_ms"] = total_cpu(r, ["rectify", "redis"])

    print()
    print("Every run:")
    print()
    print("| round | setup | req/s | p50 ms | p99 ms | Rectify CPU ms/answer | HAProxy | Redis | PostgreSQL | "
          "oha | Redis scripts/answer | machine busy | of it, other processes | non-2xx | bodies |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in loads:
        bodies = {True: "ok", False: "DIFFER"}.get(r.get("bodies_ok"), "–")
        print(
            f"| {r['round']} | {r['setup']} | {r['rps']:.1f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
            f"{fmt(r.get('rectify_cpu_ms'), '.3f')} | {fmt(r.get('haproxy_cpu_ms'), '.3f')} | "
            f"{fmt(r.get('redis_cpu_ms'), '.3f')} | {fmt(r.get('postgres_cpu_ms'), '.3f')} | "
            f"{fmt(r.get('oha_cpu_ms'), '.3f')} | {fmt(r.get('redis_calls'), '.2f')} | "
            f"{pct(r.get('machine_busy'))} | {pct(r.get('others_busy'))} | "
            f"{r['non_2xx'] + r['errors']} | {bodies} |"
        )

    print()
    print(f"1. The list page through 1, 2 and 3 instances (median of {len(runs)} rounds; ratios: the median "
          "of the rounds' ratios, then each round's). CPU ms/answer: Rectify (all instances), HAProxy and "
          "Redis together; PostgreSQL's backends apart.")
    print()
    print("| setup | req/s | p50 ms | p99 ms | CPU ms/answer | PostgreSQL CPU ms/answer | req/s vs 1 behind HAProxy | "
          "p50 vs it | p99 vs it | req/s vs direct | CPU vs direct |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for setup in SCALE:
        rs = [r for r in loads if r["setup"] == setup]
        if not rs:
            continue
        print(
            f"| {NAMES[setup]} | {fmt(med(rs, 'rps'), '.1f')} | {fmt(med(rs, 'p50_ms'), '.2f')} | "
            f"{fmt(med(rs, 'p99_ms'), '.2f')} | {fmt(med(rs, 'stack_cpu_ms'), '.3f')} | "
            f"{fmt(med(rs, 'postgres_cpu_ms'), '.3f')} | {ratio_cell(ratios(runs, setup, 'lb-1', 'rps'))} | {ratio_cell(ratios(runs, setup, 'lb-1', 'p50_ms'))} | "
            f"{ratio_cell(ratios(runs, setup, 'lb-1', 'p99_ms'))} | {ratio_cell(ratios(runs, setup, 'direct', 'rps'))} | "
            f"{ratio_cell(ratios(runs, setup, 'direct', 'stack_cpu_ms'))} |"
        )

    print()
    print(f"2. The shared budget against the local one, one instance straight (median of {len(runs)} rounds). "
          "CPU ms/answer: Rectify alone, and Rectify with redis-server.")
    print()
    print("| budget | req/s | p50 ms | p99 ms | Rectify CPU ms/answer | Redis CPU ms/answer | together | Redis scripts/answer |")
    print("|---|---|---|---|---|---|---|---|")
    for setup in BUDGET:
        rs = [r for r in loads if r["setup"] == setup]
        if not rs:
            continue
        print(
            f"| {'local (in memory)' if setup == 'local' else 'shared (Redis db)'} | {fmt(med(rs, 'rps'), '.1f')} | "
            f"{fmt(med(rs, 'p50_ms'), '.2f')} | {fmt(med(rs, 'p99_ms'), '.2f')} | {fmt(med(rs, 'rectify_cpu_ms'), '.3f')} | "
            f"{fmt(med(rs, 'redis_cpu_ms'), '.3f')} | {fmt(med(rs, 'budget_cpu_ms'), '.3f')} | {fmt(med(rs, 'redis_calls'), '.2f')} |"
        )
    print()
    print("| shared ÷ local | median (each round) |")
    print("|---|---|")
    for key, what in [("rps", "req/s"), ("p50_ms", "p50"), ("p99_ms", "p99"),
                      ("rectify_cpu_ms", "Rectify CPU per answer"),
                      ("budget_cpu_ms", "Rectify + Redis CPU per answer")]:
        print(f"| {what} | {ratio_cell(ratios(runs, 'direct', 'local', key))} |")

    for r in loads:
        if r.get("bodies_ok") is False or r["non_2xx"] or r["errors"]:
            print(f"\nWARNING: round {r['round']} {r['setup']}: not every answer was the sample's success")


def main():
    commands = {"record": cmd_record, "table": cmd_table}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
