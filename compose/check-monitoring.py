#!/usr/bin/env python3
"""Checks compose/'s Prometheus and Grafana files against compose.yaml and Herald's code.

Usage: python3 compose/check-monitoring.py   (from the repository root; needs PyYAML; exit 1 lists every problem)

* grafana/dashboards/*.json: the structure Grafana loads (uid, title, schemaVersion, panels with
  unique ids, a grid position inside 24 columns, targets with unique refIds and a PromQL
  expression with balanced brackets), every panel and target on the provisioned datasource, and
  every metric a query names one that Herald's code really exports (a swift-metrics
  Counter/Gauge/Timer/Recorder label, or a CountedDurations pair, in Sources/ or Services/; `_bucket`, `_sum`, `_count` only
  on a Timer or Recorder, which Prometheus exports as a histogram) and that a service README
  documents.
* prometheus/prometheus.yml: every Herald instance of compose.yaml, the console included, is a target,
  on its HTTP port.
"""
import json
import re
import sys
from pathlib import Path

import yaml

HTTP_PORTS = {"registry": 8081, "producer": 8091, "router": 8092, "delivery": 8093, "console": 8080}
PANEL_TYPES = {"timeseries", "stat", "gauge", "bargauge", "table", "heatmap", "text", "row"}
METRIC_DECLARATION = re.compile(r'\b(Counter|FloatingPointCounter|Gauge|Meter|Timer|Recorder)\(\s*label:\s*"(herald_[a-z0-9_]+)"')
# CountedDurations (HeraldRuntime/MetricHandles.swift) declares a Counter and a Timer in one call.
COUNTED_DURATIONS = re.compile(r'\bCountedDurations\(\s*total:\s*"(herald_[a-z0-9_]+)",\s*duration:\s*"(herald_[a-z0-9_]+)"')
METRIC_REFERENCE = re.compile(r"\bherald_[a-z0-9_]+")
HISTOGRAM_SUFFIX = re.compile(r"_(bucket|sum|count)$")


def exported_metrics(root: Path) -> dict:
    """metric name -> 'histogram' or 'plain', from the swift-metrics declarations in the code."""
    metrics = {}
    for source in [*root.glob("Sources/**/*.swift"), *root.glob("Services/*/Sources/**/*.swift")]:
        for kind, name in METRIC_DECLARATION.findall(source.read_text()):
            metrics[name] = "histogram" if kind in ("Timer", "Recorder") else metrics.get(name, "plain")
        for total, duration in COUNTED_DURATIONS.findall(source.read_text()):
            metrics.setdefault(total, "plain")
            metrics[duration] = "histogram"
    return metrics


def balanced(expression: str) -> bool:
    stack, pairs = [], {")": "(", "]": "[", "}": "{"}
    for character in re.sub(r'"[^"]*"', '""', expression):
        if character in "([{":
            stack.append(character)
        elif character in pairs and (not stack or stack.pop() != pairs[character]):
            return False
    return not stack


def check_dashboard(path: Path, datasource_uid: str, metrics: dict, documented: str, problems: list) -> int:
    where = f"{path.name}"
    dashboard = json.loads(path.read_text())
    for key, kind in (("uid", str), ("title", str), ("schemaVersion", int), ("panels", list)):
        if not isinstance(dashboard.get(key), kind):
            problems.append(f"{where}: '{key}' missing or not a {kind.__name__}")
    ids = set()
    for panel in dashboard.get("panels", []):
        title = panel.get("title", "?")
        at = f"{where}: panel '{title}'"
        if panel.get("id") in ids or not isinstance(panel.get("id"), int):
            problems.append(f"{at}: id {panel.get('id')!r} missing or not unique")
        ids.add(panel.get("id"))
        if panel.get("type") not in PANEL_TYPES:
            problems.append(f"{at}: unknown type {panel.get('type')!r}")
        grid = panel.get("gridPos", {})
        if not all(isinstance(grid.get(k), int) for k in "hwxy") or grid.get("x", 0) + grid.get("w", 0) > 24:
            problems.append(f"{at}: gridPos {grid} is not inside the 24-column grid")
        if panel.get("type") in ("row", "text"):
            continue
        if panel.get("datasource", {}).get("uid") != datasource_uid:
            problems.append(f"{at}: datasource is not the provisioned '{datasource_uid}'")
        targets = panel.get("targets", [])
        if not targets:
            problems.append(f"{at}: no queries")
        if len({t.get("refId") for t in targets}) != len(targets):
            problems.append(f"{at}: refIds are not unique")
        for target in targets:
            expression = target.get("expr", "")
            if target.get("datasource", {}).get("uid") != datasource_uid:
                problems.append(f"{at}: query {target.get('refId')} is not on the provisioned datasource")
            if not expression.strip() or not balanced(expression):
                problems.append(f"{at}: query {target.get('refId')} is empty or has unbalanced brackets: {expression!r}")
            names = METRIC_REFERENCE.findall(expression)
            if not names:
                problems.append(f"{at}: query {target.get('refId')} names no Herald metric")
            for name in names:
                base = HISTOGRAM_SUFFIX.sub("", name)
                if metrics.get(name) == "histogram":
                    problems.append(f"{at}: {name} is a histogram: query its _bucket, _sum or _count series")
                    continue
                if name not in metrics:
                    if base == name or metrics.get(base) != "histogram":
                        problems.append(f"{at}: {name} is not a metric Herald exports")
                        continue
                    name = base
                if not re.search(rf"\b{re.escape(name)}\b", documented):
                    problems.append(f"{at}: {name} is not documented in any Services/*/README.md")
    return len(ids)


def check_prometheus(compose_dir: Path, problems: list) -> None:
    compose = yaml.safe_load((compose_dir / "compose.yaml").read_text())["services"]
    config = yaml.safe_load((compose_dir / "prometheus" / "prometheus.yml").read_text())
    targets = {target for job in config.get("scrape_configs", []) for group in job.get("static_configs", [])
               for target in group.get("targets", [])}
    for name in compose:
        kind = name.split("-")[0]
        # The services run as pairs (registry-1, …), the console once (console).
        if kind in HTTP_PORTS and re.fullmatch(rf"{kind}(-\d+)?", name) and f"{name}:{HTTP_PORTS[kind]}" not in targets:
            problems.append(f"prometheus.yml: {name}:{HTTP_PORTS[kind]} is not scraped")
    for target in targets:
        name, _, port = target.partition(":")
        if name not in compose or HTTP_PORTS.get(name.split("-")[0]) != int(port or 0):
            problems.append(f"prometheus.yml: target {target} is not a Herald instance's HTTP port in compose.yaml")


def main() -> str | None:
    root = Path(__file__).resolve().parent.parent
    compose_dir = root / "compose"
    problems = []
    metrics = exported_metrics(root)
    documented = "\n".join(readme.read_text() for readme in root.glob("Services/*/README.md"))
    datasources = yaml.safe_load((compose_dir / "grafana/provisioning/datasources/prometheus.yaml").read_text())
    [datasource_uid] = [source["uid"] for source in datasources["datasources"]]
    panels = 0
    dashboards = sorted((compose_dir / "grafana" / "dashboards").glob("*.json"))
    if not dashboards:
        problems.append("grafana/dashboards: no dashboard")
    for path in dashboards:
        panels += check_dashboard(path, datasource_uid, metrics, documented, problems)
    check_prometheus(compose_dir, problems)

    if problems:
        return "\n".join(f"compose/check-monitoring.py: {problem}" for problem in problems)
    print(f"ok: {len(dashboards)} dashboard(s), {panels} panels on exported metrics ({len(metrics)} known); Prometheus scrapes every instance")
    return None


if __name__ == "__main__":
    sys.exit(main())  # a message: printed to stderr, exit status 1
