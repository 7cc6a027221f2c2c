"""The regression check of `make bench`: every Herald / baseline ratio a benchmark printed, beside the
last accepted figures (Benchmarks/accepted-ratios.json, committed). A ratio more than 20 % below its
accepted value fails the check; a ratio with no accepted value is only listed. Ratios, not rates,
because both sides of a ratio run on the same machine in the same run, so the machine's speed and
load cancel out as far as anything does.

usage: .venv/bin/python Benchmarks/regression.py check  Benchmarks/results/<time>
       .venv/bin/python Benchmarks/regression.py accept Benchmarks/results/<time>

`accept` writes that run's ratios into Benchmarks/accepted-ratios.json (keeping accepted ratios the
run did not measure); commit the file to make them the new baseline.
"""

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ACCEPTED = Path(__file__).resolve().parent / "accepted-ratios.json"
TOLERANCE = 0.20
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _number(cell):
    """The first number in a table cell ("0.46×", "1.2x", "14,433 events/s"), or None ("—", "n/a")."""
    match = _NUMBER.search(cell)
    return float(match.group().replace(",", "")) if match else None


def _table_rows(output):
    """Each markdown table in `output` as (header cells, [row cells]), separator rows left out."""
    tables, header, rows = [], None, []
    for line in output.splitlines() + [""]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if header is None:
                header = cells
            elif not all(set(cell) <= set("-: ") for cell in cells):
                rows.append(cells)
        elif header is not None:
            tables.append((header, rows))
            header, rows = None, []
    return tables


def ratios(benchmark, output):
    """{name: ratio} of one benchmark's output: every cell of a table column headed "ratio…" (named by
    benchmark, the row's first cell and the column), the delivery benchmark's summary line and the
    end-to-end benchmark's maximum sustained rates (Herald over the bare transport)."""
    found = {}
    for header, rows in _table_rows(output):
        columns = [index for index, title in enumerate(header) if title.lower().startswith("ratio")]
        for row in rows:
            for index in columns:
                value = _number(row[index]) if index < len(row) else None
                if value is not None:
                    found[f"{benchmark}: {row[0]} ({header[index]})"] = value
        if header[:1] == ["offered events/s"]:
            for row in rows:
                if row[0] == "max sustained" and len(row) >= 5:
                    herald, bare = _number(row[2]), _number(row[4])
                    if herald is not None and bare:
                        found[f"{benchmark}: maximum sustained rate (Herald / bare transport)"] = round(herald / bare, 3)
    for line in output.splitlines():
        if line.startswith("herald / baseline throughput:"):
            value = _number(line.partition(":")[2])
            if value is not None:
                found[f"{benchmark}: throughput (Herald / direct signed POSTs)"] = value
    return found


def run_ratios(folder):
    """The ratios of every benchmark output (<name>.txt) in a results folder."""
    found = {}
    for path in sorted(Path(folder).glob("*.txt")):
        if path.name != "environment.txt":
            found.update(ratios(path.stem, path.read_text()))
    return found


@dataclass(frozen=True)
class Comparison:
    name: str
    accepted: float | None
    measured: float

    @property
    def regressed(self):
        return self.accepted is not None and self.measured < self.accepted * (1 - TOLERANCE)


def compare(accepted, measured):
    """One Comparison per measured ratio, in name order."""
    return [Comparison(name, accepted.get(name), value) for name, value in sorted(measured.items())]


def failure_message(regressions, folder):
    lines = [f"Regression: {len(regressions)} ratio(s) fell more than {TOLERANCE:.0%} below the accepted figures "
             f"({ACCEPTED.name}):"]
    for comparison in regressions:
        lines.append(f"  {comparison.name}: {comparison.measured:.2f}× now, {comparison.accepted:.2f}× accepted "
                     f"(at least {comparison.accepted * (1 - TOLERANCE):.2f}× required)")
    lines.append("If the new figures are right (a deliberate trade, a different machine), accept them with "
                 f"`.venv/bin/python Benchmarks/regression.py accept {folder}` and commit Benchmarks/{ACCEPTED.name}.")
    return "\n".join(lines)


def markdown(comparisons):
    """The report's table of the check."""
    lines = ["| ratio | accepted | now | verdict |", "|---|---:|---:|---|"]
    for comparison in comparisons:
        accepted = "—" if comparison.accepted is None else f"{comparison.accepted:.2f}×"
        verdict = "no accepted figure" if comparison.accepted is None else ("REGRESSED" if comparison.regressed else "ok")
        lines.append(f"| {comparison.name} | {accepted} | {comparison.measured:.2f}× | {verdict} |")
    return "\n".join(lines)


def read_accepted():
    return json.loads(ACCEPTED.read_text()) if ACCEPTED.exists() else {}


def main(command, folder):
    measured = run_ratios(folder)
    if command == "accept":
        merged = {**read_accepted(), **measured}
        ACCEPTED.write_text(json.dumps(dict(sorted(merged.items())), indent=2, ensure_ascii=False) + "\n")
        print(f"accepted {len(measured)} ratio(s) from {folder} into {ACCEPTED}; commit it")
        return 0
    comparisons = compare(read_accepted(), measured)
    regressions = [comparison for comparison in comparisons if comparison.regressed]
    if regressions:
        print(failure_message(regressions, folder), file=sys.stderr)
        return 1
    print(f"regression check: {len(comparisons)} ratio(s), none more than {TOLERANCE:.0%} below the accepted figures")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("check", "accept") or not Path(sys.argv[2]).is_dir():
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
