"""Property: whatever a careless user or pipeline feeds the command line, it answers with an
exit code of the contract (0-3), never a traceback, a hang or a memory blow-up; an input
error is one line naming the file or option; and where the contract fixes the class (an
invalid route pattern: 2; a policy nobody can judge: 3), that class.

Deterministic (derandomized, no example database) and unshrunk, to keep the suite's time
bounded: `python benchmarks/fuzz.py --family F` runs thousands and finds the minimal cases.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from itertools import count
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fuzz.case import Case
from tests.fuzz.cli_cases import cli_cases
from tests.fuzz.families import baseline_cases, snapshot_cases, state_cases
from tests.fuzz.report import describe
from tests.fuzz.runner import failures, run_case
from tests.fuzz.seeds import Seeds

FAMILIES: dict[str, tuple[Callable[[Seeds], st.SearchStrategy[Case]], int]] = {
    "baseline": (baseline_cases, 60),
    "snapshot": (snapshot_cases, 60),
    "state": (state_cases, 25),
    "cli": (cli_cases, 60),
}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("family", FAMILIES)
def test_command_line_survives_hostile_input(family: str, seeds: Seeds, tmp_path: Path) -> None:
    strategy, examples = FAMILIES[family]
    numbers = count()

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy(seeds))
    def check(case: Case) -> None:
        folder = tmp_path / f"case-{next(numbers)}"
        outcome = run_case(case, folder)
        problems = failures(case, outcome)
        assert not problems, describe(case, outcome, problems, folder)
        shutil.rmtree(folder)  # a failing case's folder stays, for the message's command

    check()
