"""`--matrix`: which cells the report lists, while every check still sees every cell."""

from __future__ import annotations

from tests.support import drift
from tests.support.cli import invoke, run_report
from tests.support.world import World


def test_differing_lists_what_a_reader_checks_and_says_so(world: World) -> None:
    drift.update_group(world, "editors", Precedence=0)  # a finding, so that there is drift
    full = run_report(world)
    scoped = run_report(world, "--matrix", "differing")
    assert scoped["findings"] == full["findings"]  # the checks saw every cell
    assert scoped["status"] == full["status"] and "access_matrix_scope" not in full
    kept = [c for c in full["access_matrix"] if c["verdict"] != "denied" or c["expected"]]
    assert 0 < len(kept) < len(full["access_matrix"])
    assert scoped["access_matrix"] == kept
    assert scoped["access_matrix_scope"] == {
        "scope": "differing",
        "cells": len(full["access_matrix"]),
        "listed": len(kept),
        "unknown": sum(c["verdict"] == "unknown" for c in full["access_matrix"]),
    }
    none = run_report(world, "--matrix", "none")
    assert none["access_matrix"] == [] and none["findings"] == full["findings"]
    assert none["access_matrix_scope"]["listed"] == 0


def test_an_unknown_scope_is_one_line_exit_2_before_any_aws_call(world: World) -> None:
    world.emulator.clear_operations()
    result = invoke(
        [
            "run",
            "--baseline",
            str(world.baseline_path),
            "--matrix",
            "some",
            "--endpoint-url",
            world.url,
        ]
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "auditor: error: --matrix: 'some' is not one of full, differing, none"
    ]
    assert world.emulator.operations() == {}
