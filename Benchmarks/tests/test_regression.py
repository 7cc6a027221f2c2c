"""The pure parts of Benchmarks/regression.py: which ratios a benchmark's output holds, and which fell
too far below the accepted figures. Run by `make test` (pytest)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import regression  # noqa: E402

PUBLISH_OUTPUT = """\
producer vs bare grpc-swift
| workload | Herald | baseline | ratio | Herald ack p50 / p99 ms | baseline p50 / p99 ms | baseline |
|---|---:|---:|---:|---:|---:|---|
| PublishStream, 1 stream | 14,433 events/s | 31,156 events/s | 0.46× | 39 / 80 | 1 / 2 | bare grpc-swift |
| Publish, 64 callers | 3,279 events/s | 4,725 events/s | 0.69× | 18 / 40 | 12 / 30 | bare grpc-swift |
| PublishStream vs raw produce | 14,433 events/s | — | — | 39 / 80 | — | raw |
"""

E2E_OUTPUT = """\
| offered events/s | Herald p50 / p95 / p99 ms | Herald delivered/s | baseline p50 / p95 / p99 ms | baseline delivered/s |
|---:|---:|---:|---:|---:|
| 500 | 41 / 130 / 236 | 500 | 11.8 / 17.2 / 28.7 | 500 |
| max sustained | | 1,300 | | 4,500 |
"""

DELIVERY_OUTPUT = "delivery: 5000 tasks\n  herald 3281\nherald / baseline throughput: 0.59\n"


def test_ratio_columns_are_read_per_row_and_empty_cells_skipped():
    assert regression.ratios("publish", PUBLISH_OUTPUT) == {
        "publish: PublishStream, 1 stream (ratio)": 0.46,
        "publish: Publish, 64 callers (ratio)": 0.69,
    }


def test_avro_style_ratio_with_x_and_padding():
    output = "| workload | Herald rec/s | fastavro rec/s |  ratio | target |\n|---|---:|---:|-----:|---|\n| encode | 1,000,000 | 500,000 |   2.0x | |\n"
    assert regression.ratios("avro", output) == {"avro: encode (ratio)": 2.0}


def test_end_to_end_ratio_is_maximum_sustained_rates_divided():
    assert regression.ratios("e2e", E2E_OUTPUT) == {"e2e: maximum sustained rate (Herald / bare transport)": 0.289}


def test_delivery_summary_line():
    assert regression.ratios("delivery", DELIVERY_OUTPUT) == {"delivery: throughput (Herald / direct signed POSTs)": 0.59}


def test_a_fall_of_more_than_twenty_percent_regresses_and_twenty_exactly_does_not():
    accepted = {"a": 1.0, "b": 1.0, "c": 0.5}
    comparisons = regression.compare(accepted, {"a": 0.79, "b": 0.80, "c": 0.9, "new": 0.1})
    assert [(c.name, c.regressed) for c in comparisons] == [("a", True), ("b", False), ("c", False), ("new", False)]
    assert comparisons[3].accepted is None


def test_failure_message_names_benchmark_both_ratios_and_how_to_accept():
    message = regression.failure_message([regression.Comparison("route: 500 (ratio)", 1.25, 0.9)], "Benchmarks/results/x")
    assert "route: 500 (ratio): 0.90× now, 1.25× accepted" in message
    assert "regression.py accept Benchmarks/results/x" in message
    assert "accepted-ratios.json" in message
