"""snapshot + baseline -> report: resolve personas, build the matrix, run every check."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from auditor import __version__
from auditor.audit.catalog import make_finding, rules_for
from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.matrix import Matrix, build_matrix
from auditor.audit.pairs import group_pairs
from auditor.audit.resolve import resolve_personas
from auditor.audit.routes import audited_stages, refs_of
from auditor.checks import CHECKS, AuditContext, policies
from auditor.model.accepted import AcceptanceReview, apply_acceptance, today_utc
from auditor.model.baseline import Baseline
from auditor.model.errors import InputError
from auditor.model.findings import Finding, report_order
from auditor.model.report import (
    AUDITOR_SERVICE,
    UNREAD_STAGE,
    ApiTarget,
    Report,
    ReportError,
    ReportTarget,
    Summary,
    ToolInfo,
)
from auditor.model.snapshot import ApiRef, PoolRef, Snapshot
from auditor.model.state import ConfigChange


def check_snapshot_matches(snapshot: Snapshot, baseline: Baseline, source: str) -> None:
    """An offline snapshot of another pool, or of nothing, would audit the wrong thing:
    refuse it."""
    _check_target_held(snapshot, source)
    pairs = [
        ("user_pool", baseline.user_pool, snapshot.user_pool),
        ("identity_pool", baseline.identity_pool.ref, snapshot.identity_pool),
    ]
    for field, wanted, live in pairs:
        if live is not None and not _same_pool(wanted, live.id, live.name):
            raise InputError(
                source,
                field,
                f"snapshot is of {live.id}, the baseline ({baseline.source}) names {wanted}",
            )
    _check_apis_match(snapshot, baseline, f"{source}: apis")


def _check_target_held(snapshot: Snapshot, source: str) -> None:
    """What the snapshot was asked to read and does not hold, with no failed read to say why,
    is an empty target (a hand-made or truncated file): audited, it would read as no drift.
    Offline only: a live collection records a failed read, or raises not found, instead."""
    failed = snapshot.failed_services()
    pools = [
        ("user_pool", "user pool", snapshot.user_pool, "cognito-idp", snapshot.target.user_pool),
        (
            "identity_pool",
            "identity pool",
            snapshot.identity_pool,
            "cognito-identity",
            snapshot.target.identity_pool,
        ),
    ]
    for field, kind, held, service, ref in pools:
        if held is None and service not in failed:
            raise InputError(
                source, field, f"the snapshot has no {kind} ({ref}) and no failed read says why"
            )
    if failed & {"apigateway", "apigatewayv2"}:
        return  # an API may be missing for the failure's reason
    for index, api_ref in enumerate(snapshot.target.apis):
        if not any(refs_of(api, [api_ref]) for api in snapshot.apis):
            raise InputError(
                source,
                f"target.apis.{index}",
                f"the snapshot has no API {api_ref} although its target names it, "
                "and no failed read says why",
            )


def _check_apis_match(snapshot: Snapshot, baseline: Baseline, source: str) -> None:
    """A baseline API or stage the snapshot did not read would be audited as something made
    up (a stage serving the definition, or nothing): refuse it. Unless the snapshot says why
    it could not read it (a failed read of an API it names, stages it could not list: the
    report is then incomplete)."""
    audits = f"the baseline {baseline.source} audits it"
    for ref in baseline.apis:
        found = any(refs_of(api, [ref]) for api in snapshot.apis)
        if not found and not any(_names(target, ref) for target in snapshot.target.apis):
            raise InputError(source, None, f"the snapshot has no API {ref} ({audits})")
    for place in audited_stages(snapshot, baseline.apis):
        api, stage = place.api, place.stage
        if not api.stages_listed:
            continue  # its cells are unknown, and the snapshot's errors say why
        if stage not in api.stages:
            raise InputError(source, None, f"API {api.id} has no stage {stage} ({audits})")
        read = {target.stage for target in refs_of(api, snapshot.target.apis)}
        if not (None in read or stage in read or stage in api.deployments):
            what = f"what stage {stage} of API {api.id} serves"
            raise InputError(source, None, f"the snapshot did not read {what} ({audits})")


def _names(target: ApiRef, ref: ApiRef) -> bool:
    return (target.id, target.name) == (ref.id, ref.name)


def _same_pool(ref: PoolRef, live_id: str, live_name: str) -> bool:
    return ref.id == live_id if ref.id else ref.name == live_name


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Half a million acyclic cells would trigger full collections over an ever larger heap.

    Nothing is frozen afterwards (gc.freeze): the scheduler and a warm Lambda audit again
    and again, and frozen cyclic garbage would never be collected.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def audit(
    snapshot: Snapshot,
    baseline: Baseline,
    config_change: ConfigChange | None = None,
    *,
    timings: dict[str, float] | None = None,
    today: date | None = None,
    template_change: ConfigChange | None = None,
) -> Report:
    """The report on `snapshot` against `baseline`; `config_change` (the previous run's
    configuration and this one's, with --state) lets changed-since-last-run say what changed.
    The baseline's accepted entries mark the findings they match, judged as of `today` (UTC;
    default: the real day). `timings`, if given, receives the seconds each phase took
    ("resolve", "matrix", "checks", "report"): the benchmarks fit each phase's growth.
    `template_change` (a template's configuration and the live one, `run --template`) lets
    template-drift say where they differ."""
    with no_cycle_collection():
        return _audit(
            snapshot,
            baseline,
            config_change,
            _Clock(timings),
            today or today_utc(),
            template_change,
        )


def acceptance_review(baseline: Baseline, report: Report, today: date | None = None) -> list[str]:
    """One line per accepted entry that needs a person's attention after this audit: expired
    ones, and, when the report is complete, those that match none of its findings (after a
    failed read a finding may only have gone unseen, so no entry is called unused then)."""
    if not baseline.accepted:
        return []
    findings = report.findings if report.status == "complete" else None
    review = AcceptanceReview.of(baseline.source, baseline.accepted, today or today_utc(), findings)
    return review.lines()


class _Clock:
    """Seconds per phase into `timings`, when the caller asked for them."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self._timings = timings
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        if self._timings is not None:
            now = time.perf_counter()
            self._timings[phase] = self._timings.get(phase, 0.0) + now - self._last
            self._last = now


def _audit(
    snapshot: Snapshot,
    baseline: Baseline,
    config_change: ConfigChange | None,
    clock: _Clock,
    today: date,
    template_change: ConfigChange | None = None,
) -> Report:
    resolutions = resolve_personas(snapshot)
    pairs = group_pairs(snapshot)
    clock.lap("resolve")
    evaluator = AccessEvaluator(snapshot)
    matrix = build_matrix(snapshot, baseline, resolutions, evaluator)
    clock.lap("matrix")
    context = AuditContext(
        snapshot, baseline, resolutions, matrix, evaluator, pairs, config_change, template_change
    )
    findings: dict[str, Finding] = {}
    for rule, check in zip(rules_for(CHECKS), CHECKS.values(), strict=True):
        if not context.read_ok(*rule.requires):
            continue  # after a failed read, absence in the snapshot is not absence in AWS
        for issue in check(context):
            finding = make_finding(issue)
            findings.setdefault(finding.fingerprint, finding)
    # Accepted findings stay in the report, marked; only whether they count changes.
    ordered = apply_acceptance(report_order(findings.values()), baseline.accepted, today)
    # What the auditor could not evaluate leaves the report as incomplete as a failed read:
    # its errors, not the snapshot's, so no rule is skipped for them (failed_services).
    unevaluated = policies.problems(ordered) + _unread_stages(snapshot, baseline)
    unevaluated += _unexplained_unknowns(matrix, snapshot.complete and not unevaluated)
    clock.lap("checks")
    report = Report(
        tool=ToolInfo(version=__version__),
        generated_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        status="complete" if snapshot.complete and not unevaluated else "incomplete",
        errors=[
            *map(ReportError.of, snapshot.errors),
            *unevaluated,
        ],
        target=ReportTarget(
            account_id=snapshot.account_id,
            region=snapshot.region,
            user_pool_id=snapshot.user_pool.id if snapshot.user_pool else None,
            identity_pool_id=snapshot.identity_pool.id if snapshot.identity_pool else None,
            apis=_api_targets(snapshot, baseline),
        ),
        summary=Summary.of(ordered),
        findings=ordered,
        access_matrix=matrix.report(),
        group_pairs=pairs,
        snapshot_digest=snapshot.digest(),
    )
    clock.lap("report")
    return report


def _unread_stages(snapshot: Snapshot, baseline: Baseline) -> list[ReportError]:
    """Stages whose cells are unknown though no failed read says why (a hand-edited snapshot,
    a library call without check_snapshot_matches): the report cannot be complete."""
    if not snapshot.complete:
        return []  # the failed reads already say why, and make it incomplete
    return [
        ReportError(service=AUDITOR_SERVICE, operation=UNREAD_STAGE, message=place.unread)
        for place in audited_stages(snapshot, baseline.apis)
        if place.unread is not None
    ]


def _unexplained_unknowns(matrix: Matrix, unexplained: bool) -> list[ReportError]:
    """A cell the audit could not judge never leaves the report complete, whatever rule or
    read was meant to explain it: the last guard against an unknown reading as no drift."""
    if not unexplained:
        return []
    unknown = matrix.unknown_cells()
    if not unknown:
        return []
    message = f"{unknown} persona x route verdicts could not be judged (see the matrix)"
    return [ReportError(service=AUDITOR_SERVICE, operation="EvaluateRoute", message=message)]


def _api_targets(snapshot: Snapshot, baseline: Baseline) -> list[ApiTarget]:
    seen = [ApiTarget(id=s.api.id, stage=s.stage) for s in audited_stages(snapshot, baseline.apis)]
    listed = {t.id for t in seen}
    seen += [ApiTarget(id=a.id) for a in snapshot.apis if a.id not in listed]
    return seen
