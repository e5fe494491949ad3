"""Fuzz the whole command line by hand: thousands of hostile inputs per family.

    python benchmarks/fuzz.py [--cases N] [--seed S] [--family F] [--out DIR] [--jobs J]

Runs the families of tests/fuzz (the in-suite test runs a few hundred of the same cases), then
prints per family the cases run and the failures by kind (traceback, hang, memory, wrong exit,
multi-line or unnamed message). Each distinct failure (family, kind, and what it said) is then
shrunk by hypothesis to a minimal reproducer, written to DIR/<family>-<n>/ with a README
holding the command line, the exit code and the first stderr lines.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz.case import Case
from tests.fuzz.cli_cases import cli_cases
from tests.fuzz.families import baseline_cases, snapshot_cases, state_cases
from tests.fuzz.report import command_line
from tests.fuzz.runner import HANG, KINDS, MEMORY, WRONG_EXIT, Failure, Outcome, failures, run_case
from tests.fuzz.seeds import Seeds, make_seeds

FAMILIES: dict[str, Callable[[Seeds], st.SearchStrategy[Case]]] = {
    "baseline": baseline_cases,
    "snapshot": snapshot_cases,
    "state": state_cases,
    "cli": cli_cases,
}
SHRINK_SECONDS = 45.0  # per distinct failure: a smaller case is worth a minute, not more
# Every try of these costs a timeout: their first case is reported as found.
NOT_SHRUNK = (HANG, MEMORY)


def signature(case: Case, problem: Failure) -> str:
    """What makes two failures the same bug: family, kind, and the message without its
    particulars (paths, numbers, quoted values)."""
    detail = _particulars(problem.detail)
    if problem.kind == WRONG_EXIT:  # the same exit for different damage: different bugs
        detail += " after " + _particulars(case.why[0] if case.why else " ".join(case.argv))
    return f"{case.family}|{problem.kind}|{detail[:120]}"


def _particulars(text: str) -> str:
    return re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "_", text)


def main_problem(problems: list[Failure]) -> Failure:
    """The failure a case is filed under: the first kind in KINDS order (a traceback also
    makes the exit wrong; it is filed as a traceback)."""
    return min(problems, key=lambda p: KINDS.index(p.kind))


@dataclass
class Runner:
    """Runs cases once each (hypothesis replays them while shrinking) in a scratch folder."""

    scratch: Path
    cache: dict[str, tuple[Outcome, list[Failure], Path]] = field(default_factory=dict)
    numbers: Iterator[int] = field(default_factory=count)  # next() is atomic: threads share it

    def __call__(self, case: Case) -> tuple[Outcome, list[Failure], Path]:
        key = hashlib.sha256(repr((case.argv, case.files, case.expect)).encode()).hexdigest()
        if key not in self.cache:
            folder = self.scratch / f"run-{next(self.numbers)}"
            outcome = run_case(case, folder)
            problems = failures(case, outcome)
            if not problems:
                shutil.rmtree(folder)
            self.cache[key] = (outcome, problems, folder)
        return self.cache[key]


class _Target(Exception):
    """Raised for the failure being shrunk, so hypothesis minimises that one only."""


def explore(
    family: str, seeds: Seeds, runner: Runner, cases: int, seed_value: int, jobs: int
) -> tuple[Counter[str], dict[str, Case]]:
    """Run `cases` cases; count failures by kind; the first case of each distinct failure."""
    kinds: Counter[str] = Counter()
    first: dict[str, Case] = {}
    pending: list[tuple[Case, Future[tuple[Outcome, list[Failure], Path]]]] = []

    def settle(keep: int) -> None:  # record finished runs until at most `keep` are pending
        while len(pending) > keep:
            case, future = pending.pop(0)
            _, problems, _ = future.result()
            kinds["cases"] += 1
            kinds.update({problem.kind for problem in problems})
            if problems:
                first.setdefault(signature(case, main_problem(problems)), case)

    with ThreadPoolExecutor(max_workers=jobs) as pool:  # subprocesses: threads suffice

        @settings(
            max_examples=cases,
            database=None,
            deadline=None,
            phases=(Phase.generate,),
            suppress_health_check=list(HealthCheck),
        )
        @seed(seed_value)
        @given(case=FAMILIES[family](seeds))
        def collect(case: Case) -> None:
            pending.append((case, pool.submit(runner, case)))
            settle(keep=jobs)  # cases are drawn as they are run, never all held at once

        collect()
        settle(keep=0)
    return kinds, first


def shrink(family: str, seeds: Seeds, runner: Runner, target: str, fallback: Case) -> Case:
    """The smallest case hypothesis finds that fails with `target` (else `fallback`)."""
    smallest: list[Case] = [fallback]
    started = time.monotonic()

    @settings(
        max_examples=2000,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=FAMILIES[family](seeds))
    def hunt(case: Case) -> None:
        if time.monotonic() - started > SHRINK_SECONDS:
            return  # out of time: keep the smallest so far (or the case explore found)
        _, problems, _ = runner(case)
        if problems and signature(case, main_problem(problems)) == target:
            if len(repr(case)) + _size(case) <= len(repr(smallest[0])) + _size(smallest[0]):
                smallest[0] = case
            raise _Target(target)

    with contextlib.suppress(_Target, Flaky):
        hunt()
    return smallest[0]


def _head_and_tail(lines: list[str]) -> list[str]:
    """A traceback's first lines say where it started, its last what it was."""
    return lines if len(lines) <= 6 else [*lines[:3], "...", *lines[-3:]]


def _size(case: Case) -> int:
    return sum(len(data) for _, data in case.files)


def write_reproducer(case: Case, runner: Runner, target: str, folder: Path) -> dict[str, object]:
    outcome, problems, _ = runner(case)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, data in case.files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    entry: dict[str, object] = {
        "signature": target,
        "kinds": sorted({p.kind for p in problems}),
        "details": [p.detail for p in problems],
        "what": list(case.why),
        "command": command_line(case, folder),
        "exit": outcome.exit_code,
        "allowed": sorted(case.expect),
        "stderr": _head_and_tail(outcome.stderr_lines()),
    }
    (folder / "README.json").write_text(json.dumps(entry, indent=2, ensure_ascii=False) + "\n")
    return entry


def outcome_lines(entry: dict[str, object]) -> list[str]:
    lines = entry["stderr"]
    return [str(line) for line in lines] if isinstance(lines, list) else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000, help="cases per family")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--family", choices=sorted(FAMILIES), action="append")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("fuzz-findings"),
        help="where minimal reproducers go (one folder each)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once")
    parser.add_argument("--no-shrink", action="store_true", help="skip minimising")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="auditor-fuzz-"))
    seeds = make_seeds(scratch / "seeds")
    runner = Runner(scratch)
    summary: list[dict[str, object]] = []
    total_failed = 0
    for family in args.family or list(FAMILIES):
        started = time.monotonic()
        kinds, first = explore(family, seeds, runner, args.cases, args.seed, args.jobs)
        took = time.monotonic() - started
        counts = ", ".join(f"{k} {kinds[k]}" for k in KINDS if kinds[k]) or "no failures"
        print(f"{family}: {kinds['cases']} cases in {took:.0f} s: {counts}", flush=True)
        for number, (target, example) in enumerate(sorted(first.items())):
            total_failed += 1
            unshrunk = args.no_shrink or target.split("|")[1] in NOT_SHRUNK
            smallest = example if unshrunk else shrink(family, seeds, runner, target, example)
            entry = write_reproducer(smallest, runner, target, args.out / f"{family}-{number}")
            summary.append(entry)
            first_line = (outcome_lines(entry) or [""])[0]
            print(f"  {target}\n    {entry['command']}\n    exit {entry['exit']}: {first_line}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    shutil.rmtree(scratch, ignore_errors=True)
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
