"""Where the instructions of a callgrind profile went, per event: the total, the calls into the C
allocator, and the functions with the highest self and inclusive cost, Swift names demangled.
Benchmarks/profile.sh runs it on the dump it took over a known number of events.

usage: python3 Benchmarks/callgrind_summary.py <callgrind.out file> <events> [--top N] [--json FILE]
       python3 Benchmarks/callgrind_summary.py <callgrind.out file> <seconds> --per second  (an idle system)

Instruction counts are what callgrind counted (Ir). Those of the functions an event passes through
repeat run after run; the whole window's also hold the work that runs per unit of time (polling,
timers), which a run slowed by a loaded machine does more of, so they vary with the load.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

ALLOCATORS = frozenset({"malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign"})
_COMPRESSED = re.compile(r"^\((\d+)\)(?: (.*))?$")
# An async Swift function (its type mangled with `Ya`, its partial functions ending `TY<n>_` or
# `TQ<n>_`) or a recursion level callgrind told apart ('2): their inclusive costs mislead, since a
# task switch can run another task's job inside the caller's frame.
_ASYNC = re.compile(r"Ya.*F(T[YQ]\d*_)?$|'\d+$")


@dataclass
class Profile:
    total: int = 0
    self_cost: dict = field(default_factory=dict)
    inclusive_cost: dict = field(default_factory=dict)
    calls: dict = field(default_factory=dict)  # (caller, callee) -> how often

    def callers(self, callee):
        """{caller: calls} of `callee`."""
        return {caller: count for (caller, target), count in self.calls.items() if target == callee}

    @property
    def allocations(self):
        """Calls into the C allocator from outside it."""
        return sum(count for (caller, callee), count in self.calls.items() if callee in ALLOCATORS and caller not in ALLOCATORS)


def parse(lines):
    """A Profile of callgrind's output format (name compression, one event: Ir). Inclusive cost is self
    cost plus the cost of every call made, as callgrind_annotate counts it (recursion counts twice).
    A function without a symbol is named by its address and its object file."""
    profile = Profile()
    functions, objects = {}, {}  # callgrind compresses names per kind
    function = callee = None
    object_file = call_object = ""
    pending_call = None  # the callee whose cost line comes next, and how often it was called

    def expand(value, table):
        match = _COMPRESSED.match(value)
        if not match:
            return value
        number, text = match.groups()
        if text is not None:
            table[number] = text
        return table.get(number, f"({number})")

    def function_named(value, in_object):
        match = _COMPRESSED.match(value)
        if match and match.group(2) is not None and match.group(2).startswith("0x"):
            value = f"({match.group(1)}) {match.group(2)} in {in_object.rsplit('/', 1)[-1]}"
        return expand(value, functions)

    for line in lines:
        line = line.rstrip("\n")
        if not line:
            continue
        if line.startswith("ob="):
            object_file = expand(line[3:], objects)
        elif line.startswith("cob="):
            call_object = expand(line[4:], objects)
        elif line.startswith("fn="):
            function = function_named(line[3:], object_file)
            profile.self_cost.setdefault(function, 0)
            profile.inclusive_cost.setdefault(function, 0)
        elif line.startswith("cfn="):
            callee = function_named(line[4:], call_object or object_file)
            call_object = ""
        elif line.startswith("calls="):
            pending_call = (callee, int(line[6:].split()[0]))
        elif line.startswith("summary:"):
            profile.total = int(line.split(":", 1)[1].split()[0])
        elif line[0].isdigit() or line[0] in "+-*":
            parts = line.split()
            cost = int(parts[1]) if len(parts) > 1 else 0
            if pending_call is not None:
                target, count = pending_call
                pending_call = None
                if function is not None:
                    profile.inclusive_cost[function] = profile.inclusive_cost.get(function, 0) + cost
                    edge = (function, target)
                    profile.calls[edge] = profile.calls.get(edge, 0) + count
            elif function is not None:
                profile.self_cost[function] = profile.self_cost.get(function, 0) + cost
                profile.inclusive_cost[function] = profile.inclusive_cost.get(function, 0) + cost
    if not profile.total:
        profile.total = sum(profile.self_cost.values())
    return profile


def demangled(symbols):
    """Swift symbols demangled (simplified), others as they are."""
    tool = shutil.which("swift-demangle")
    if not tool or not symbols:
        return {symbol: symbol for symbol in symbols}
    output = subprocess.run([tool, "--simplified", "--compact"], input="\n".join(symbols) + "\n",
                            capture_output=True, text=True, check=False).stdout.splitlines()
    return {symbol: (text if text else symbol) for symbol, text in zip(symbols, output)}


def top(costs, count):
    return sorted(costs.items(), key=lambda item: -item[1])[:count]


# Where allocations are made: Swift objects and buffers (swift_allocObject, through swift_slowAlloc)
# and C callers of malloc (librdkafka, NIO, the runtime's own buffers).
ALLOCATION_ENTRIES = ("swift_allocObject", "malloc")


def summary(profile, units, count=25, unit="event"):
    """The figures per unit (an event, or a second of an idle profile), the top functions by self
    cost, Herald's by inclusive cost, the top callers of the hottest function, and who allocates most."""
    self_top = top(profile.self_cost, count)
    herald_inclusive = top({name: cost for name, cost in profile.inclusive_cost.items()
                            if "Herald" in name and not _ASYNC.search(name)}, count)
    hottest = self_top[0][0] if self_top else None
    hottest_callers = top(profile.callers(hottest), 10) if hottest else []
    allocating = {entry: top({caller: calls for caller, calls in profile.callers(entry).items() if caller != "swift_slowAlloc"}, count)
                  for entry in ALLOCATION_ENTRIES}
    names = {name for name, _ in self_top + herald_inclusive + hottest_callers}
    names |= {name for callers in allocating.values() for name, _ in callers}
    readable = demangled(sorted(names))
    return {
        "unit": unit,
        "units": units,
        "instructions": round(profile.total / units),
        "allocations": round(profile.allocations / units, 1),
        "self": [(readable[name], round(cost / units)) for name, cost in self_top],
        "inclusive_herald": [(readable[name], round(cost / units)) for name, cost in herald_inclusive],
        "hottest": readable.get(hottest, hottest),
        "hottest_callers": [(readable[name], round(calls / units, 1)) for name, calls in hottest_callers],
        "allocating": {entry: [(readable[name], round(calls / units, 1)) for name, calls in callers]
                       for entry, callers in allocating.items()},
    }


def markdown(figures, width=110):
    def clip(name):
        return name if len(name) <= width else name[: width - 1] + "…"

    unit = figures["unit"]

    def table(heading, rows, number):
        return ["", f"| {heading} | function |", "|---:|---|"] + [f"| {number(value)} | `{clip(name)}` |" for name, value in rows]

    over = (f"{figures['units']:,.0f} events, with the time-driven work of the same span (polling, timers: it grows "
            f"with how long valgrind takes, so with the machine's load)") if unit == "event" else f"{figures['units']:.1f} s of an idle system"
    lines = [f"{figures['instructions']:,} instructions and {figures['allocations']} allocations "
             f"(malloc, calloc, realloc, memalign calls) per {unit}, over {over}"]
    lines += table(f"self instructions per {unit}", figures["self"], "{:,}".format)
    lines += table(f"inclusive instructions per {unit} (Herald's functions)", figures["inclusive_herald"], "{:,}".format)
    lines += table(f"calls per {unit} of `{clip(figures['hottest'] or '')}` from", figures["hottest_callers"], str)
    for entry, callers in figures["allocating"].items():
        lines += table(f"calls per {unit} of {entry} from", callers, str)
    return "\n".join(lines)


def main():
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("profile")
    arguments.add_argument("count", type=float, help="events in the profile, or its seconds with --per second")
    arguments.add_argument("--per", choices=["event", "second"], default="event")
    arguments.add_argument("--top", type=int, default=25)
    arguments.add_argument("--json")
    options = arguments.parse_args()
    if options.count <= 0:
        sys.exit("the count of events (or seconds) must be positive")
    with open(options.profile) as file:
        figures = summary(parse(file), options.count, options.top, options.per)
    if options.json:
        with open(options.json, "w") as out:
            json.dump(figures, out, indent=2)
    print(markdown(figures))


if __name__ == "__main__":
    main()
