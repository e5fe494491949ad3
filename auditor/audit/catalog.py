"""The rule catalog: metadata for every rule id, stored as rules/<id>.yaml (CONTRACT §5).

Checks know only a rule id; title, default severity, remediation and references are joined in
here, so wording can change without touching a check or a fingerprint.
"""

from __future__ import annotations

import functools
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from auditor.model.errors import InputError
from auditor.model.findings import Finding, Issue, Severity, fingerprint
from auditor.model.inputs import InputFormat, load_input

# The contract's order (CONTRACT §5): `auditor rules` and the docs list rules this way.
RULE_IDS: tuple[str, ...] = (
    "missing-all-users-route",
    "missing-route",
    "excess-route",
    "overbroad-grant",
    "role-mapping-missing",
    "role-mapping-drift",
    "default-role-missing",
    "default-role-drift",
    "unauthenticated-enabled",
    "classic-flow-enabled",
    "group-missing",
    "group-undeclared",
    "group-role-missing",
    "group-role-drift",
    "precedence-drift",
    "ambiguous-precedence",
    "trust-not-cognito",
    "trust-missing-aud",
    "trust-wrong-pool",
    "trust-missing-amr",
    "route-not-iam",
    "route-undeclared",
    "route-missing",
    "resource-policy-public",
    "changed-since-last-run",
)


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    severity: Severity
    description: str
    remediation: str
    references: list[str]
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
    """Every rule, keyed by id in RULE_IDS order; a bad or missing file is an InputError."""
    folder = catalog_dir()
    found: dict[str, Rule] = {}
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    for entry in files:
        rule = _load_rule(entry)
        found[rule.id] = rule
    missing = [rule_id for rule_id in RULE_IDS if rule_id not in found]
    if missing:
        raise InputError(str(folder), None, f"no rule file for: {', '.join(missing)}")
    extra = sorted(set(found) - set(RULE_IDS))
    if extra:
        raise InputError(str(folder), None, f"unknown rule ids: {', '.join(extra)}")
    return {rule_id: found[rule_id] for rule_id in RULE_IDS}


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
            issue.rule_id, issue.resource, issue.persona, issue.route, issue.api_id
        ),
    )
