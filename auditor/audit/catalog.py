"""The rule catalog: metadata for every rule id, stored as rules/<id>.yaml (CONTRACT §5).

Checks know only a rule id; title, default severity, remediation and references are joined in
here, so wording can change without touching a check or a fingerprint. Which rules exist, and
in which order they are listed, is the registry of checks' (auditor.checks.CHECKS).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from auditor.model.errors import InputError
from auditor.model.findings import Finding, Issue, Severity, fingerprint
from auditor.model.inputs import InputFormat, load_input


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    severity: Severity
    description: str
    remediation: str
    references: list[str]
    # Services whose reads it needs: after a failed read of one, the rule is not run.
    requires: list[str] = []
    # Its findings record an event of one run (a change), not a problem that stays open.
    event: bool = False


# The schema gives the messages (paths, patterns); the model then holds what it validated.
RULE_FORMAT = InputFormat("rule", syntax="yaml", schema="rule")


def catalog_dir() -> Traversable:
    """Where the rule files are: packaged in a wheel, else the checkout's rules/ folder."""
    packaged = resources.files("auditor").joinpath("_catalog")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


@functools.cache
def load_catalog() -> dict[str, Rule]:
    """Every rule file, keyed by id in file-name order; a bad file is an InputError."""
    folder = catalog_dir()
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    rules = (_load_rule(entry) for entry in files)
    return {rule.id: rule for rule in rules}


def rules_for(rule_ids: Iterable[str]) -> list[Rule]:
    """The rules of `rule_ids` (the checks' registry), in that order; an InputError when one
    has no rule file or a rule file has no check."""
    wanted = list(rule_ids)
    catalog = load_catalog()
    missing = [rule_id for rule_id in wanted if rule_id not in catalog]
    if missing:
        raise InputError(str(catalog_dir()), None, f"no rule file for: {', '.join(missing)}")
    extra = sorted(set(catalog) - set(wanted))
    if extra:
        raise InputError(str(catalog_dir()), None, f"unknown rule ids: {', '.join(extra)}")
    return [catalog[rule_id] for rule_id in wanted]


def _load_rule(entry: Traversable) -> Rule:
    source = str(entry)
    rule = load_input(Rule, entry.read_text(encoding="utf-8"), source, RULE_FORMAT)
    stem = entry.name.removesuffix(".yaml")
    if rule.id != stem:
        raise InputError(source, "id", f"{rule.id!r} must equal the file name {stem!r}")
    return rule


def get_rule(rule_id: str) -> Rule:
    try:
        return load_catalog()[rule_id]
    except KeyError:
        raise ValueError(f"unknown rule id {rule_id!r}") from None


def make_finding(issue: Issue) -> Finding:
    """Join a check's Issue with its rule's metadata into a report Finding."""
    rule = get_rule(issue.rule_id)
    return Finding(
        **issue.facts(),
        severity=issue.severity or rule.severity,
        title=rule.title,
        remediation=rule.remediation,
        fingerprint=fingerprint(
            issue.rule_id,
            issue.resource,
            issue.persona,
            issue.route,
            issue.api_id,
            # A persona's finding is named by its role (the resource), whichever clients give
            # it, so that adding a client changes no fingerprint; a path's finding by the path.
            issue.app_client if issue.persona is None else None,
        ),
    )
