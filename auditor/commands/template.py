"""Infrastructure code in the audit (CONTRACT §6.5): `auditor template` (before deploy),
`auditor baseline init --template` (a baseline drafted from templates) and
`auditor run --template` (the live account against the template that describes it).

Each builds the template's snapshot the way the live collector builds one and hands it to
the run pipeline (commands/run.py) as a SnapshotSource, so formats, outputs and exit codes
are `run`'s. The template readers (cfn-lint, the SAM translator) are imported only here and
only when a template is read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.commands.atomic import shown
from auditor.commands.options import RunOptions
from auditor.commands.run import obtain_snapshot, target_of
from auditor.model.baseline import Baseline
from auditor.model.errors import InputError
from auditor.model.report import Report, ReportError
from auditor.model.snapshot import Snapshot
from auditor.model.state import ConfigChange, ConfigSummary

if TYPE_CHECKING:
    from auditor.template.model import TemplateSnapshot

TEMPLATES_EXTRA = "pip install 'cognito-route-auditor[templates]'"
TEMPLATE_DRIFT = "template-drift"
# The extra's packages, as imported.
_READERS = ("cfnlint", "samtranslator")


def require_template_readers(command: str) -> None:
    """Exit 2 with the one line that says how to install what reads templates."""
    missing = [name for name in _READERS if find_spec(name) is None]
    if missing:
        raise InputError(
            command, None, f"reading templates needs {' and '.join(missing)}: {TEMPLATES_EXTRA}"
        )


def template_paths(raw: Sequence[str], option: str = "PATH") -> tuple[Path, ...]:
    """The template files, each checked at the door. A folder is refused rather than
    searched: which of its YAML files form the application only the user knows (a shell glob
    such as `template.yaml resources/*.yml` names them)."""
    if not raw:
        raise InputError(option, None, "name at least one template file")
    paths = []
    for text in raw:
        if not text.strip():
            raise InputError(option, None, "empty path")
        path = Path(text)
        if path.is_dir():
            raise InputError(
                shown(text), None, "is a folder; name its template files (e.g. dir/*.yaml)"
            )
        if not path.is_file():
            raise InputError(shown(text), None, "no such file")
        paths.append(path)
    return tuple(paths)


def parameter_values(raw: Sequence[str]) -> dict[str, str]:
    """--parameter KEY=VALUE, repeatable (the last value of a key wins, as in the AWS CLI's
    --parameter-overrides)."""
    values: dict[str, str] = {}
    for item in raw:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError("--parameter", None, f"{shown(item)} is not KEY=VALUE")
        values[key.strip()] = value
    return values


# CloudFormation's own rule for a stack name.
_STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")


def stack_name_option(raw: str | None) -> str | None:
    if raw is not None and not _STACK_NAME.match(raw):
        raise InputError(
            "--stack-name",
            None,
            f"{shown(raw)} is not a stack name (a letter, then letters, "
            "digits or hyphens; at most 128)",
        )
    return raw


def account_option(raw: str | None) -> str | None:
    if raw is not None and not (len(raw) == 12 and raw.isdigit()):
        raise InputError("--account-id", None, f"{shown(raw)} is not a 12-digit account id")
    return raw


@dataclass(frozen=True)
class TemplateOptions:
    """What the template commands read, checked before any file is."""

    paths: tuple[Path, ...]
    parameters: dict[str, str] = field(default_factory=dict)
    stage: str | None = None
    region: str | None = None  # --region: wins over the baseline's and the live one
    account_id: str | None = None  # --account-id
    # --stack-name: without it AWS::StackName is a placeholder no Condition is decided by.
    stack_name: str | None = None


def template_options(
    paths: Sequence[str],
    parameters: Sequence[str] | None,
    stage: str | None,
    region: str | None,
    account_id: str | None,
    option: str,
    stack_name: str | None = None,
) -> TemplateOptions:
    """The template options of a command line, each checked (exit 2 naming it)."""
    if stage is not None and not stage.strip():
        raise InputError("--stage", None, "empty stage")
    return TemplateOptions(
        paths=template_paths(paths, option),
        parameters=parameter_values(parameters or []),
        stage=stage,
        region=region,
        account_id=account_option(account_id),
        stack_name=stack_name_option(stack_name),
    )


def refuse_overwriting_templates(options: RunOptions, raw: Sequence[str]) -> None:
    """`-o template.yaml` would replace a template with the report."""
    from auditor.commands.paths import refuse_overwriting

    for text in raw:
        for output in options.outputs:
            refuse_overwriting({"--output": output.path}, {"template": Path(text)})


def read_template(
    options: TemplateOptions,
    baseline: Baseline | None,
    live: Snapshot | None = None,
) -> TemplateSnapshot:
    """The templates as the snapshot a deployment of them would give: ids made up, adopted
    from `baseline` or matched against `live` (identities.py)."""
    from auditor.template.build import build_snapshot
    from auditor.template.identities import identities_for
    from auditor.template.load import load_application
    from auditor.template.model import Application

    # The account and region alone (the same precedence, before the files are read): the
    # SAM translator and Serverless variables need them to read the files.
    where = identities_for(
        Application(files=(), resources={}),
        baseline=baseline,
        account_id=options.account_id,
        region=options.region,
        live=live,
    )
    app = load_application(
        options.paths,
        parameter_values=options.parameters,
        region=where.region,
        account_id=where.account_id,
        partition=where.partition,
        stage=options.stage,
    )
    identities = identities_for(
        app,
        baseline=baseline,
        account_id=options.account_id,
        region=options.region,
        live=live,
        stack_name=options.stack_name,
    )
    return build_snapshot(app, identities, target_of(baseline) if baseline else None)


class TemplateSource:
    """`auditor template`: the templates alone, every finding located in them."""

    def __init__(self, options: TemplateOptions) -> None:
        self.options = options
        self.built: TemplateSnapshot | None = None

    def snapshot(self, options: RunOptions, baseline: Baseline) -> Snapshot:
        from auditor.checks.run import check_snapshot_matches

        self.built = read_template(self.options, baseline)
        # A baseline that audits what the templates do not deploy (another pool, an API or
        # a stage they lack) is an input error, as for a saved snapshot: never "no drift".
        check_snapshot_matches(self.built.snapshot, baseline, str(self.options.paths[0]))
        return self.built.snapshot

    def template_change(self, snapshot: Snapshot) -> ConfigChange | None:
        return None

    def finish(self, report: Report) -> Report:
        from auditor.template.locate import locate_findings

        assert self.built is not None  # snapshot() came first
        return locate_findings(report, self.built)


class LiveAgainstTemplate:
    """`run --template`: the live account audited as by `run`, plus template-drift where it
    differs from the templates (built with the live ids), each located in the templates."""

    def __init__(self, options: TemplateOptions) -> None:
        self.options = options
        self.built: TemplateSnapshot | None = None

    def snapshot(self, options: RunOptions, baseline: Baseline) -> Snapshot:
        live = obtain_snapshot(options, baseline)
        self.built = read_template(self.options, baseline, live)
        return live

    def template_change(self, snapshot: Snapshot) -> ConfigChange | None:
        from auditor.audit.summary import summarize

        assert self.built is not None
        # A section either side could not read or resolve is left out of the comparison
        # (summarize); the template's unresolved values make the report incomplete (finish).
        # A role whose template documents left a statement out differs from live by that
        # statement: its documents are not compared.
        template, live = summarize(self.built.snapshot), summarize(snapshot)
        skipped = self.built.sources.partial_roles
        return ConfigChange(_without_roles(template, skipped), _without_roles(live, skipped))

    def finish(self, report: Report) -> Report:
        from auditor.template.locate import locate_findings

        assert self.built is not None
        unresolved = [ReportError.of(e) for e in self.built.snapshot.errors]
        located = locate_findings(report, self.built, rules={TEMPLATE_DRIFT})
        if not unresolved:
            return located
        # What the template leaves unknown was not compared: never "no drift".
        return located.model_copy(
            update={"status": "incomplete", "errors": [*located.errors, *unresolved]}
        )


MADE_UP_NOTE = (
    "# Drafted from templates (auditor baseline init --template): the ids below are made up,\n"
    "# named after the templates' logical ids, and stand for what deploying them will create.\n"
    "# `auditor template` adopts them; replace them with the deployed ids to audit live.\n"
)


def draft_from_templates(options: TemplateOptions) -> tuple[str, Snapshot]:
    """The baseline YAML drafted from the templates, and the snapshot it describes."""
    from auditor.commands.draft import draft_baseline

    built = read_template(options, None)
    for field_name, held in (
        ("AWS::Cognito::UserPool", built.snapshot.user_pool),
        ("AWS::Cognito::IdentityPool", built.snapshot.identity_pool),
    ):
        if held is None and not built.snapshot.errors:
            where = str(options.paths[0])
            raise InputError(where, None, f"no {field_name} in the templates: nothing to draft")
    if built.snapshot.errors:
        return "", built.snapshot
    return MADE_UP_NOTE + draft_baseline(
        built.snapshot, templates=[str(path) for path in options.paths]
    ), built.snapshot


def _without_roles(summary: ConfigSummary, roles: frozenset[str]) -> ConfigSummary:
    if not roles or summary.role_policies is None:
        return summary
    kept = {arn: docs for arn, docs in summary.role_policies.items() if arn not in roles}
    return summary.model_copy(update={"role_policies": kept})
