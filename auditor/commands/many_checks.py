"""Checks of a run of many targets before any target is collected: --state as a folder,
then, once the targets are known, every target's state its own, no report written over a
baseline, a region for the report's S3 output, and an organizational unit that discovered
nothing never looking clean (CONTRACT §6.4)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

from auditor.commands.many_target import is_state_template, state_for
from auditor.commands.options import S3_SCHEME, ReportOutput, s3_address
from auditor.model.baseline_file import load_baseline
from auditor.model.errors import InputError
from auditor.model.report import AUDITOR_SERVICE, ReportError
from auditor.model.route_grammar import shown
from auditor.model.targets import OrganizationScope, Target, TargetsFile

DISCOVER_TARGETS = "DiscoverTargets"


def state_folder(raw: str | None) -> str | None:
    """--state with --targets: where each target's state goes (many_target.state_for)."""
    if raw is None:
        return None
    where = f"--state {raw!r}"
    templated = is_state_template(raw)
    if raw.startswith(S3_SCHEME):
        s3_address(raw if templated else raw.rstrip("/") + "/state.json", where)
        return raw
    from auditor.commands.atomic import writable_file, writable_folder

    if templated:  # the folder checked as single-target --state is; no file made per target
        writable_file(raw, "--state")
        return raw
    folder = Path(raw)
    if folder.exists() and not folder.is_dir():
        raise InputError(
            where,
            None,
            "with --targets, a folder (one state per target), s3://bucket/prefix, "
            "or a path with {key}",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(where, None, f"cannot create the folder: {exc.strerror}") from exc
    writable_folder(raw, "--state")
    return raw


def refuse_shared_states(targets: Sequence[Target], state: str | None) -> None:
    """Two targets writing one state file would each read the other's as its previous run
    (its changes wrong, its alert lost): refused, naming both, whatever made them meet (a
    template without {key}, or a name that looks like another's key with its region)."""
    if state is None:
        return
    owner: dict[str, Target] = {}
    for target in targets:
        where = state_for(state, target)
        other = owner.setdefault(where, target)
        if other is not target:
            raise InputError(
                "--state",
                None,
                f"targets {shown(other.key)} and {shown(target.key)} would share the state "
                f"{shown(where)}: use {{key}} (name and region) in --state",
            )


def refuse_overwriting_baselines(
    outputs: Sequence[ReportOutput], baselines: Collection[Path]
) -> None:
    """`-o prod.json` where prod.json is a target's baseline would replace it with the
    report, for good: refused as `run` refuses `-o` over its --baseline."""
    from auditor.commands.paths import refuse_overwriting

    for output in outputs:
        if output.path is not None:
            for baseline in baselines:
                refuse_overwriting({"--output": output.path}, {"baseline": baseline})


def output_region(
    outputs: Sequence[ReportOutput], aws_region: str | None, targets_file: TargetsFile
) -> str | None:
    """The region of the client that writes the report to S3: --region (or the run's own,
    a Lambda's), else the file's `defaults.region`, else its first target's (or its
    baseline's), else the organization's first region. An S3 output without any is refused
    before any AWS call: the run would collect every target, then lose the report."""
    if not any(output.is_s3 for output in outputs):
        return aws_region
    region = aws_region or targets_file.defaults.region
    if region is None and targets_file.listed:
        first = targets_file.listed[0]
        region = first.region or load_baseline(first.baseline).region  # read and checked
    scope = targets_file.organization
    region = region or (scope.regions[0] if scope is not None and scope.regions else None)
    if region is None:
        where = next(output.location for output in outputs if output.is_s3)
        raise InputError(
            f"-o {shown(where)}",
            None,
            "needs a region for S3: --region, or region in the targets file's defaults",
        )
    return region


def nothing_discovered(scope: OrganizationScope) -> ReportError:
    """Discovery that found no account without failing: a mistyped or empty organizational
    unit is the run's error (incomplete, exit 3), never an empty and clean report."""
    return ReportError(
        service=AUDITOR_SERVICE,
        operation=DISCOVER_TARGETS,
        message=f"no ACTIVE account under {scope.ou}",
    )
