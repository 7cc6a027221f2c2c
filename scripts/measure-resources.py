#!/usr/bin/env python3
"""Runs a command and samples the memory (RSS) and CPU of Herald's service processes meanwhile.

Usage: scripts/measure-resources.py [--interval S] -- COMMAND...
e.g.   scripts/measure-resources.py -- .build/debug/herald-bench chaos --rounds 0 --events 15000 --rate 500

Every --interval seconds (default 1) it reads /proc for each process named herald-registry,
herald-producer, herald-router or herald-delivery, and when the command ends prints, per service:
the peak RSS, the median RSS, the mean CPU over the whole run and the busiest interval's CPU, in
cores. deploy/kubernetes/README.md explains how its figures became the manifests' resources.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

SERVICES = ("herald-registry", "herald-producer", "herald-router", "herald-delivery")
TICKS = os.sysconf("SC_CLK_TCK")


def sample() -> dict:
    """pid -> (service, rss bytes, cpu ticks) for every Herald service process alive now."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            if name not in SERVICES:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            ticks = int(fields[11]) + int(fields[12])  # utime + stime
            with open(f"/proc/{pid}/status") as f:
                rss = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
            found[int(pid)] = (name, rss, ticks)
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    arguments = parser.parse_args()
    command = arguments.command[1:] if arguments.command[:1] == ["--"] else arguments.command
    if not command:
        parser.error("give the command to run after --")

    rss = {service: [] for service in SERVICES}
    cpu = {service: [] for service in SERVICES}  # cores used in each interval
    first_ticks, last_ticks, seen_for = {}, {}, {service: 0.0 for service in SERVICES}
    child = subprocess.Popen(command)
    previous, previous_at = {}, time.monotonic()
    while child.poll() is None:
        time.sleep(arguments.interval)
        now, at = sample(), time.monotonic()
        elapsed = at - previous_at
        for service in SERVICES:
            pids = [pid for pid, (name, _, _) in now.items() if name == service]
            if not pids:
                continue
            rss[service].append(sum(now[pid][1] for pid in pids))
            used = sum(now[pid][2] - previous.get(pid, (service, 0, now[pid][2]))[2] for pid in pids)
            if all(pid in previous for pid in pids):
                cpu[service].append(used / TICKS / elapsed)
                seen_for[service] += elapsed
            for pid in pids:
                first_ticks.setdefault(pid, now[pid][2])
                last_ticks[pid] = (service, now[pid][2])
        previous, previous_at = now, at

    print(f"\n{'service':<16} {'peak RSS':>10} {'median RSS':>11} {'mean CPU':>9} {'peak CPU':>9}  (cores, {arguments.interval:g} s samples)")
    for service in SERVICES:
        if not rss[service]:
            print(f"{service:<16} not seen")
            continue
        total = sum(ticks - first_ticks[pid] for pid, (name, ticks) in last_ticks.items() if name == service)
        mean = total / TICKS / seen_for[service] if seen_for[service] else 0.0
        print(f"{service:<16} {max(rss[service]) / 2**20:>8.0f} Mi {statistics.median(rss[service]) / 2**20:>8.0f} Mi"
              f" {mean:>9.2f} {max(cpu[service], default=0.0):>9.2f}")
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
