"""Benchmarks/callgrind_summary.py reads callgrind's format: self and inclusive cost per function,
calls into the allocator counted once (not again where calloc or realloc calls malloc)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import callgrind_summary  # noqa: E402

PROFILE = """\
version: 1
creator: callgrind-3.19.0
events: Ir
fl=(1) /src/a.swift
fn=(1) $s6Herald5routeyyF
10 100
+2 50
cfl=(2) malloc.c
cfn=(2) malloc
calls=3 0
12 90
cfn=(3) calloc
calls=2 0
12 40
fl=(2)
fn=(2)
0 90
fn=(3)
0 30
cfn=(2)
calls=2 0
0 10
summary: 320
totals: 320
"""


def test_self_inclusive_and_allocations():
    profile = callgrind_summary.parse(PROFILE.splitlines())
    assert profile.total == 320
    assert profile.self_cost == {"$s6Herald5routeyyF": 150, "malloc": 90, "calloc": 30}
    assert profile.inclusive_cost["$s6Herald5routeyyF"] == 150 + 90 + 40
    assert profile.inclusive_cost["calloc"] == 40
    assert profile.allocations == 5
    assert profile.callers("malloc") == {"$s6Herald5routeyyF": 3, "calloc": 2}


def test_a_function_without_symbol_is_named_by_address_and_object():
    text = "events: Ir\nob=(1) /lib/librdkafka.so.1\nfn=(1) 0x0000000000001234\n0 7\nob=(2) /bin/herald\nfn=(2) main\ncob=(1)\ncfn=(1)\ncalls=1 0\n0 7\n"
    profile = callgrind_summary.parse(text.splitlines())
    assert profile.self_cost == {"0x0000000000001234 in librdkafka.so.1": 7, "main": 0}
    assert profile.callers("0x0000000000001234 in librdkafka.so.1") == {"main": 1}


def test_summary_is_per_event():
    figures = callgrind_summary.summary(callgrind_summary.parse(PROFILE.splitlines()), 10, count=2)
    assert figures["instructions"] == 32
    assert figures["allocations"] == 0.5
    assert figures["self"][0][1] == 15


def test_herald_inclusive_leaves_out_async_functions_and_recursion_levels():
    text = ("events: Ir\n"
            "fn=(1) $s6Herald4syncyyF\n0 5\n"
            "fn=(2) $s6Herald5asyncyyYaF\n0 50\n"
            "fn=(3) $s6Herald5asyncyyYaFTY0_\n0 60\n"
            "fn=(4) $s6Herald4syncyyF'2\n0 70\n")
    figures = callgrind_summary.summary(callgrind_summary.parse(text.splitlines()), 1)
    assert [cost for _, cost in figures["inclusive_herald"]] == [5]
