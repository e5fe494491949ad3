"""Where the audits of `run --targets` run: a process pool beside the threads that collect
(the audit is CPU, the threads' Python work shares one core), or the threads themselves.

The pool is an optimisation, never a point of failure: where it cannot be made (no POSIX
semaphores, as on AWS Lambda) or breaks mid-run, the targets are audited in their threads.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from typing import Any, TypeVar

# A process costs about a second to start (the auditor imported): fewer targets audit in
# their threads.
AUDIT_POOL_MIN_TARGETS = 8
MAX_AUDIT_PROCESSES = 4
LAMBDA_FUNCTION_ENV = "AWS_LAMBDA_FUNCTION_NAME"  # set in every AWS Lambda function

T = TypeVar("T")


def audit_pool(targets: int, factory: Callable[[int], Executor] | None = None) -> AuditPool | None:
    """Processes for the audits when there are cores and targets enough to pay for them;
    None: each target audits in its own thread.

    Measured (benchmarks/organization.py, 200 targets, 2 cores, the emulator in a process of
    its own): audits in 2 processes made the run 68.1 s -> 56.4 s and its main process's CPU
    56.5 s -> 40.0 s (the threads' Python work shares one core: the audit is 40% of it).
    Not on AWS Lambda: 2 vCPUs only from 1,769 MB, a process costs about a second of billed
    time to start, and there is no /dev/shm for the pool's semaphores."""
    cores = os.cpu_count() or 1
    if cores < 2 or targets < AUDIT_POOL_MIN_TARGETS or os.environ.get(LAMBDA_FUNCTION_ENV):
        return None
    try:
        pool = (factory or process_pool)(min(cores, MAX_AUDIT_PROCESSES))
    except OSError:  # no POSIX semaphores here (sem_open: ENOSYS): the threads audit
        return None
    return AuditPool(pool)


def process_pool(workers: int) -> Executor:
    """Workers from a forkserver: forking a process whose threads hold locks is unsafe."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["auditor.checks.run"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


class AuditPool(Executor):
    """The run's audits in `pool`, or in the calling thread once the pool cannot take them
    (a worker killed, processes that cannot start): a broken pool never makes a target
    incomplete or a bug. `submit` waits for the audit (many_target waits for it anyway), so
    that a pool breaking mid-audit is retried here."""

    def __init__(self, pool: Executor) -> None:
        self._pool = pool
        self._broken = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        done: Future[T] = Future()
        try:
            done.set_result(self._call(fn, *args, **kwargs))
        except Exception as exc:  # the audit's own failure, for the target to report
            done.set_exception(exc)
        return done

    def _call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        if not self._broken:
            try:
                future = self._pool.submit(fn, *args, **kwargs)
            except (BrokenExecutor, OSError):
                self._broken = True
            else:
                try:
                    return future.result()
                except BrokenExecutor:
                    self._broken = True
        return fn(*args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
