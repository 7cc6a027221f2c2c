"""What one side of a callgrind comparison costs beyond the other, per unit: the instructions and
allocator calls of each, and the functions whose self and inclusive cost per unit differ most,
Swift names demangled. Benchmarks/profile-publish-auth.sh runs it on two dumps of the same number
of unary Publish calls, with API keys checked and not.

usage: python3 Benchmarks/callgrind_diff.py <base callgrind.out> <other callgrind.out> <units> [--top N]

Both windows also hold the work that runs per unit of time (polling, timers), so the totals differ
by some of that too; the functions a call passes through repeat run after run.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from callgrind_summary import _ASYNC, demangled, parse  # noqa: E402


def differences(base, other, units, count):
    """The `count` functions whose cost per unit grew or shrank most from `base` to `other`."""
    names = set(base) | set(other)
    changed = {name: (other.get(name, 0) - base.get(name, 0)) / units for name in names}
    return sorted(changed.items(), key=lambda item: -abs(item[1]))[:count]


def main():
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("base")
    arguments.add_argument("other")
    arguments.add_argument("units", type=float)
    arguments.add_argument("--top", type=int, default=25)
    options = arguments.parse_args()
    if options.units <= 0:
        sys.exit("the count of units must be positive")
    with open(options.base) as file:
        base = parse(file)
    with open(options.other) as file:
        other = parse(file)
    units = options.units
    self_rows = differences(base.self_cost, other.self_cost, units, options.top)
    # Inclusive costs of async functions mislead (a task switch runs another task's job inside a
    # frame), so only synchronous ones are compared.
    synchronous = lambda costs: {name: cost for name, cost in costs.items() if not _ASYNC.search(name)}
    inclusive_rows = differences(synchronous(base.inclusive_cost), synchronous(other.inclusive_cost), units, options.top)
    readable = demangled(sorted({name for name, _ in self_rows + inclusive_rows}))

    print("| per unit | base | other | other − base |")
    print("|---|---:|---:|---:|")
    print(f"| instructions | {base.total / units:,.0f} | {other.total / units:,.0f} | {(other.total - base.total) / units:+,.0f} |")
    print(f"| allocations | {base.allocations / units:,.1f} | {other.allocations / units:,.1f} | "
          f"{(other.allocations - base.allocations) / units:+,.1f} |")
    for heading, rows in (("self", self_rows), ("inclusive (synchronous functions)", inclusive_rows)):
        print()
        print(f"| {heading} instructions per unit, other − base | function |")
        print("|---:|---|")
        for name, change in rows:
            text = readable.get(name, name)
            print(f"| {change:+,.0f} | `{text if len(text) <= 110 else text[:109] + '…'}` |")


if __name__ == "__main__":
    main()
