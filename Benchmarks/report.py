"""Writes `make bench`'s report: report.md in a results folder made by Benchmarks/bench.sh, with every
benchmark's tables and full output, and the end-to-end benchmark's plots drawn from its e2e.json
(latency histogram per rate, throughput over time). Prints the tables and the report's path.

usage: .venv/bin/python Benchmarks/report.py Benchmarks/results/<time>
"""

import json
import sys
from pathlib import Path

import regression


def read_environment(folder):
    values = {}
    path = folder / "environment.txt"
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition("=")
            values[key] = value
    return values


def read_runs(folder):
    """(name, exit code, seconds) per benchmark, in the order they ran."""
    runs = []
    path = folder / "runs.tsv"
    if path.exists():
        for line in path.read_text().splitlines():
            name, code, seconds = line.split("\t")
            runs.append((name, int(code), int(seconds)))
    return runs


def tables(output):
    """The markdown tables in a benchmark's output (runs of lines starting with '|'), each with the
    paragraph that follows it (its notes), which may be separated from it by one blank line."""
    blocks, current, state = [], [], None  # state: None, "table", "gap", "notes"
    for line in output.splitlines() + [""]:
        if line.startswith("|"):
            if state in ("gap", "notes"):
                blocks.append("\n".join(current))
                current = []
            current.append(line)
            state = "table"
        elif state == "table":
            current.append("")
            if line.strip():
                current.append(line)
                state = "notes"
            else:
                state = "gap"
        elif state == "gap" and line.strip():
            current.append(line)
            state = "notes"
        elif state == "notes" and line.strip():
            current.append(line)
        elif state is not None:
            blocks.append("\n".join(current).rstrip())
            current, state = [], None
    return blocks


def summary(output, limit=8):
    """What to show of a benchmark: its markdown tables, or else the last lines of its output."""
    found = tables(output)
    if found:
        return "\n\n".join(found)
    lines = [line for line in output.splitlines() if line.strip()]
    return "\n".join(lines[-limit:])


def rates_per_second(timeline, key, window=10):
    """Events per second over a sliding window of `window` samples."""
    times, rates = [], []
    for index in range(window, len(timeline)):
        earlier, later = timeline[index - window], timeline[index]
        span = later["seconds"] - earlier["seconds"]
        if span > 0:
            times.append(later["seconds"])
            rates.append((later[key] - earlier[key]) / span)
    return times, rates


def plot(results, folder):
    """e2e-latency.png and e2e-throughput.png; returns their file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rates = results["settings"]["rates"]
    fixed = [run for run in results["runs"] if run["phase"] == "fixed"]
    colours = {"herald": "tab:blue", "baseline": "tab:orange"}

    def run_for(side, rate):
        matching = [run for run in fixed if run["side"] == side and run["rate"] == rate]
        return matching[-1] if matching else None

    figure, axes = plt.subplots(1, len(rates), figsize=(5 * len(rates), 4), squeeze=False)
    for axis, rate in zip(axes[0], rates):
        runs = [run for run in (run_for(side, rate) for side in colours) if run and run["histogram"]]
        values = [bucket["milliseconds"] for run in runs for bucket in run["histogram"]]
        if not values:
            axis.set_title(f"{rate:,.0f} events/s: nothing delivered")
            continue
        low, high = max(min(values), 0.01), max(max(values), 0.02)
        bins = np.logspace(np.log10(low), np.log10(high * 1.01), 60)
        for run in runs:
            milliseconds = [bucket["milliseconds"] for bucket in run["histogram"]]
            counts = np.array([bucket["count"] for bucket in run["histogram"]], dtype=float)
            latency = run["latency"]
            axis.hist(milliseconds, bins=bins, weights=counts / counts.sum(), histtype="step", linewidth=1.5,
                      color=colours[run["side"]],
                      label=f"{run['side']}: p50 {latency['p50']:.1f}, p99 {latency['p99']:.1f} ms")
        axis.set_xscale("log")
        axis.set_title(f"offered {rate:,.0f} events/s")
        axis.set_xlabel("publish → webhook received (ms, log scale)")
        axis.set_ylabel("share of events")
        axis.legend(fontsize=8)
    figure.suptitle("End-to-end latency (open loop, from scheduled send time)")
    figure.tight_layout()
    figure.savefig(folder / "e2e-latency.png", dpi=100)
    plt.close(figure)

    figure, axes = plt.subplots(1, len(rates), figsize=(5 * len(rates), 4), squeeze=False)
    for axis, rate in zip(axes[0], rates):
        offered_drawn = False
        for side, colour in colours.items():
            run = run_for(side, rate)
            if not run:
                continue
            if not offered_drawn:
                times, offered = rates_per_second(run["timeline"], "offered")
                axis.plot(times, offered, color="grey", linestyle="--", label="offered")
                offered_drawn = True
            times, delivered = rates_per_second(run["timeline"], "delivered")
            axis.plot(times, delivered, color=colour, label=f"{side} delivered")
        axis.set_title(f"offered {rate:,.0f} events/s")
        axis.set_xlabel("seconds since the run started")
        axis.set_ylabel("events/s (1 s window)")
        axis.legend(fontsize=8)
    figure.suptitle("End-to-end throughput over time: offered vs delivered")
    figure.tight_layout()
    figure.savefig(folder / "e2e-throughput.png", dpi=100)
    plt.close(figure)
    return ["e2e-latency.png", "e2e-throughput.png"]


# What bench.sh runs for the names that are not herald-bench's.
TOOLS = {"idle": "scripts/idle-cpu.sh:", "profile": "Benchmarks/profile.sh:"}


def idle_table(figures):
    """The idle figures of scripts/idle-cpu.sh (its idle.json) as a table, load average beside each."""
    cpu, latency, events, load = (figures["cpu_percent_of_one_core"], figures["latency_ms"], figures["events"],
                                  figures.get("load_average", {}))
    return "\n".join([
        "| idle system | figure | load average (1, 5, 15 min) |",
        "|---|---:|---|",
        f"| CPU of `herald dev` over {figures['sample_seconds']} s, nothing published | {cpu['herald_dev']:.2f} % of one core "
        f"| {load.get('sample_start', '?')} → {load.get('sample_end', '?')} |",
        f"| CPU of the broker, same span | {cpu['broker']:.2f} % of one core | |",
        f"| together | {cpu['total']:.2f} % of one core | |",
        f"| producer → webhook p50 / p99, {events['delivered']} of {events['published']} events one at a time "
        f"| {latency['p50']:.1f} / {latency['p99']:.1f} ms | {load.get('after_events', '?')} |",
    ])


def main(folder):
    environment = read_environment(folder)
    runs = read_runs(folder)
    lines = [f"# Herald benchmarks, {environment.get('started', '')}", ""]
    lines.append(f"* machine: {environment.get('machine', 'unknown')}; load average (1, 5, 15 min) "
                 f"{environment.get('load_start', '?')} at the start, {environment.get('load_end', '?')} at the end")
    lines.append(f"* commit {environment.get('commit', 'unknown')}, broker {environment.get('brokers', '?')}, "
                 f"release build; client, services and broker share the machine")
    lines.append(f"* wall time {environment.get('wall_seconds', '?')} s: "
                 + ", ".join(f"`{name}` {seconds} s{'' if code == 0 else f' (exit {code})'}" for name, code, seconds in runs))
    lines.append("")

    printed = []
    for name, code, _ in runs:
        path = folder / f"{name}.txt"
        output = path.read_text() if path.exists() else ""
        lines += [f"## {TOOLS.get(name, 'herald-bench')} {name}", ""]
        if code != 0:
            lines += [f"**Failed with exit status {code}**; its output is below.", ""]
        found = tables(output)
        if name == "idle" and (folder / "idle.json").exists():
            found = [idle_table(json.loads((folder / "idle.json").read_text()))]
        lines += ["\n\n".join(found) if found else "", ""]
        if name == "e2e" and (folder / "e2e.json").exists():
            try:
                images = plot(json.loads((folder / "e2e.json").read_text()), folder)
                lines += [f"![{image}]({image})" for image in images] + [""]
            except ImportError as error:
                lines += [f"(no plots: {error}; `make bench` installs Benchmarks/requirements.txt)", ""]
        lines += ["<details><summary>full output</summary>", "", "```", output.rstrip(), "```", "", "</details>", ""]
        printed.append((name, code, summary(output)))

    comparisons = regression.compare(regression.read_accepted(), regression.run_ratios(folder))
    lines += ["## Regression check", "",
              f"Each Herald / baseline ratio beside the accepted one (`Benchmarks/{regression.ACCEPTED.name}`); "
              f"more than {regression.TOLERANCE:.0%} below it fails `make bench`.", "",
              regression.markdown(comparisons), ""]

    report = folder / "report.md"
    report.write_text("\n".join(lines))
    for name, code, text in printed:
        print()
        print(f"== {name}" + ("" if code == 0 else f" (FAILED, exit {code})"))
        print(text)
    print()
    print(f"Report: {report} (wall time {environment.get('wall_seconds', '?')} s)")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
