"""changed-since-last-run: what changed in the live configuration since the previous run.

The check compares the previous run's configuration summary (what --state keeps) with this
run's snapshot; each case audits this run with the summary of its previous one.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from auditor.audit.summary import summarize
from auditor.model.snapshot import Snapshot
from auditor.model.state import ConfigChange
from tests.support.rule_cases import Case, Edit, unchanged
from tests.support.snapshots import (
    MAPPING_KEY,
    POOL,
    SmallApp,
    group_arn,
    role,
    route_arn,
    small_app,
)

RULE = "changed-since-last-run"


@dataclass(frozen=True)
class HistoryCase(Case):
    """A run after a previous one: `edit` makes this run's app, `before` the previous run's."""

    before: Edit | None = unchanged


def _change_unread(app: SmallApp) -> None:
    app.group("editors")["precedence"] = 20
    app.fail_read("cognito-idp", "ListGroups")


CASES = [
    HistoryCase(RULE, "nothing changed"),
    HistoryCase(RULE, "a change in a section this run could not read", _change_unread),
    HistoryCase(
        RULE,
        "a change in a section the previous run could not read",
        lambda app: app.grant("app-editors", "*"),
        before=lambda app: app.fail_read("iam", "GetAccountAuthorizationDetails"),
    ),
    HistoryCase.fires(
        RULE,
        "a group's precedence",
        lambda app: app.group("editors").update(precedence=20),
        (RULE, "group:editors", None, group_arn("editors")),
    ),
    HistoryCase.fires(
        RULE,
        "a group added",
        lambda app: app.add_group("support", "app-editors", 20),
        (RULE, "group:support", None, group_arn("support")),
    ),
    HistoryCase.fires(
        RULE,
        "a role's policy",
        lambda app: app.grant("app-editors", "*"),
        (RULE, None, None, role("app-editors")),
    ),
    HistoryCase.fires(
        RULE,
        "an identity pool setting",
        lambda app: app.pool.update(allow_classic_flow=True),
        (RULE, None, None, POOL),
    ),
    HistoryCase.fires(
        RULE,
        "the role mapping",
        lambda app: app.pool["role_mappings"][MAPPING_KEY].update(type="Rules"),
        (RULE, None, None, f"{POOL}#RoleMappings/{MAPPING_KEY}"),
    ),
    HistoryCase.fires(
        RULE,
        "the identity pool accepts another app client: a new way to credentials",
        lambda app: app.add_client("partner"),
        (RULE, None, None, POOL),
    ),
    HistoryCase.fires(
        RULE,
        "a route's authorization",
        lambda app: app.route("GET /me").update(authorization_type="NONE"),
        (RULE, None, "GET /me", route_arn("GET /me")),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case: Case) -> None:
    assert case.run() == case.expected


def test_a_state_from_before_sign_in_paths_claims_no_change_of_them() -> None:
    """States written before 0.2 kept no providers: the first run after an upgrade is quiet."""
    app = small_app()
    app.add_client("partner")
    now = summarize(Snapshot.model_validate(app.snapshot))
    assert now.identity_pool is not None and now.identity_pool.providers
    old_pool = now.identity_pool.model_copy(update={"providers": None})
    before = now.model_copy(update={"identity_pool": old_pool})
    report = app.report(ConfigChange(before, now))
    assert [f for f in report.findings if f.rule_id == RULE] == []
