"""The audits' process pool is an optimisation, never a point of failure: where it cannot be
made (AWS Lambda has no /dev/shm: sem_open fails ENOSYS) or breaks mid-run, the targets are
audited in their threads, complete."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

from auditor.commands import many_pool as pool_module
from auditor.model.targets import Target
from tests.many.conftest import combined
from tests.many.test_runner import drifted_baseline
from tests.support.aws import Aws
from tests.support.cli import invoke
from tests.support.world import REGION, build_world

TARGETS = pool_module.AUDIT_POOL_MIN_TARGETS


def _no_semaphores(workers: int) -> Executor:
    raise OSError(38, "Function not implemented")


class _BreaksAfter(Executor):
    """A pool whose workers die after `good` audits: every later one is BrokenProcessPool,
    raised by submit or by the future, as ProcessPoolExecutor does."""

    def __init__(self, good: int) -> None:
        self.good = good
        self.calls = 0
        self.lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self.lock:
            self.calls += 1
            calls = self.calls
        if calls > self.good + 1:
            raise BrokenProcessPool("a child process terminated abruptly")
        future: Future[Any] = Future()
        if calls > self.good:
            future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
        else:
            future.set_result(fn(*args, **kwargs))
        return future


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.delenv(pool_module.LAMBDA_FUNCTION_ENV, raising=False)


@pytest.mark.usefixtures("two_cores")
def test_no_semaphores_means_no_pool() -> None:
    assert pool_module.audit_pool(TARGETS, _no_semaphores) is None


@pytest.mark.usefixtures("two_cores")
def test_no_pool_on_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pool_module.LAMBDA_FUNCTION_ENV, "auditor")
    made: list[int] = []

    def factory(workers: int) -> Executor:
        made.append(workers)
        return _BreaksAfter(0)

    assert pool_module.audit_pool(TARGETS, factory) is None
    assert made == []


@pytest.mark.usefixtures("two_cores")
def test_an_audit_the_pool_fails_is_the_audit_s_own_error() -> None:
    pool = pool_module.audit_pool(TARGETS, lambda workers: _BreaksAfter(TARGETS))
    assert pool is not None
    with pytest.raises(ZeroDivisionError):
        pool.submit(divmod, 1, 0).result()  # not retried: the audit failed, not the pool


@pytest.mark.usefixtures("two_cores")
@pytest.mark.parametrize("factory", ["no semaphores", "breaks mid-run"])
def test_every_target_is_audited_whatever_the_pool_does(
    factory: str,
    aws: Aws,
    hand_made: Callable[[list[Target]], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = _BreaksAfter(3)
    made = _no_semaphores if factory == "no semaphores" else (lambda workers: broken)
    monkeypatch.setattr(pool_module, "process_pool", made)
    world = build_world(aws.emulator, aws.session, tmp_path)
    drifted = drifted_baseline(world)
    targets = [Target(name=f"t{i}", baseline=drifted, region=REGION) for i in range(TARGETS)]
    result = invoke(["run", "--targets", str(hand_made(targets)), "-f", "json"])
    assert result.exit_code == 1, result.stderr  # findings, not incomplete (3) or a bug (4)
    report = combined(result.stdout)
    assert [t["status"] for t in report["targets"]] == ["complete"] * TARGETS
    assert all(t["findings"] for t in report["targets"])
    if factory == "breaks mid-run":
        assert broken.calls > 3  # the pool audited 3, then broke: the rest in the threads
