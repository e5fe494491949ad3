"""Three targets in one account share its request quotas: the calls the run lets through
never exceed the bucket's rate, whatever the number of workers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.collect import limits
from auditor.collect.limits import Rate, RateLimiter
from auditor.model.targets import Target
from tests.support.aws import Aws
from tests.support.cli import invoke
from tests.support.world import REGION, build_world

SLOW_COGNITO = Rate(per_second=4.0, burst=2.0)


def test_targets_in_one_account_stay_under_its_rate_together(
    aws: Aws,
    tmp_path: Path,
    hand_made: Callable[[list[Target]], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = build_world(aws.emulator, aws.session, tmp_path)
    made: list[RateLimiter] = []

    class Recording(RateLimiter):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(record=True, **kwargs)
            made.append(self)

    monkeypatch.setitem(limits.RATES, "cognito-idp", SLOW_COGNITO)
    monkeypatch.setattr(limits, "RateLimiter", Recording)
    path = hand_made(
        [Target(name=n, baseline=world.baseline_path, region=REGION) for n in ("a", "b", "c")]
    )
    aws.emulator.clear_operations()
    result = invoke(["run", "--targets", str(path), "--workers", "3", "-f", "json"])
    assert result.exit_code == 0, result.stderr

    granted = sorted(made[0].granted[(f"default/{REGION}", "cognito-idp")])
    cognito_calls = sum(
        n for op, n in aws.emulator.operations().items() if op.startswith("cognito-idp:")
    )
    assert len(granted) == cognito_calls >= 9  # every call went through the one bucket
    for i, start in enumerate(granted):
        within = sum(1 for moment in granted[i:] if moment < start + 1.0)
        assert within <= SLOW_COGNITO.burst + SLOW_COGNITO.per_second
    minimum = (len(granted) - SLOW_COGNITO.burst) / SLOW_COGNITO.per_second
    assert granted[-1] - granted[0] >= minimum - 0.05
