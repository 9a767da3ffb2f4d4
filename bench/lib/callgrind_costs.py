#!/usr/bin/env python3
"""Costs per function from a callgrind dump (`bench/run` leaves them in its run folder as
`<db>-<workload>-<server>.callgrind.1`), divided by the answers counted.

    callgrind_costs.py self DUMP ANSWERS [TOP]       instructions spent in each function itself
    callgrind_costs.py callers DUMP REGEX ANSWERS    instructions of the calls to functions
                                                     matching REGEX, by calling function

`callgrind_annotate --inclusive=no` (valgrind 3.19) put every instruction of these dumps in
`clone`; this reads the dump's compressed names and cost lines itself."""
import collections
import re
import sys

COST_LINE = re.compile(r"^[0-9+\-*]")


def name_reader():
    names = {}

    def read(text):
        match = re.match(r"\((\d+)\)(?: (.*))?", text)
        if not match:
            return text
        if match.group(2):
            names[match.group(1)] = match.group(2)
        return names.get(match.group(1), text)

    return read


def lines(path):
    with open(path, errors="replace") as dump:
        for line in dump:
            yield line.rstrip("\n")


def self_costs(path):
    """Instructions per function, not counting the functions it calls."""
    read, costs, function, after_call = name_reader(), collections.Counter(), None, False
    for line in lines(path):
        if line.startswith("fn="):
            function = read(line[3:])
        elif line.startswith("cfn="):
            read(line[4:])
        elif line.startswith("calls="):
            after_call = True
        elif COST_LINE.match(line):
            if after_call:
                after_call = False
            elif len(line.split()) > 1:
                costs[function] += int(line.split()[1])
    return costs


def caller_costs(path, callee):
    """Instructions of the calls to functions matching `callee`, by calling function."""
    read, costs, function, called, after_call = name_reader(), collections.Counter(), None, None, False
    for line in lines(path):
        if line.startswith("fn="):
            function = read(line[3:])
        elif line.startswith("cfn="):
            called = read(line[4:])
        elif line.startswith("calls="):
            after_call = True
        elif after_call and COST_LINE.match(line):
            after_call = False
            if callee.search(called or ""):
                costs[function] += int(line.split()[1])
    return costs


def show(costs, answers, top):
    total = sum(costs.values()) or 1
    for function, cost in costs.most_common(top):
        print(f"{cost / answers:12.0f} {100 * cost / total:5.1f}%  {function}")


def main(args):
    if len(args) >= 3 and args[0] == "self":
        show(self_costs(args[1]), int(args[2]), int(args[3]) if len(args) > 3 else 40)
    elif len(args) == 4 and args[0] == "callers":
        show(caller_costs(args[1], re.compile(args[2])), int(args[3]), 30)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
