"""template-drift: where the live configuration differs from its template (`run --template`).

Each case audits the live app (`edit`) with the template's configuration (`before`: the app
as the template would deploy it) summarised beside it; without a template, nothing fires.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from auditor.audit.summary import summarize
from auditor.checks.run import audit
from auditor.model.baseline import Baseline
from auditor.model.findings import Finding
from auditor.model.snapshot import Snapshot
from auditor.model.state import ConfigChange
from tests.support.findings import FindingKey, key_of
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

RULE = "template-drift"


def template_drift_findings(live: Edit, template: Edit | None) -> list[Finding]:
    app = small_app()
    live(app)
    change = None
    if template is not None:
        written = small_app()
        template(written)
        change = ConfigChange(
            *(summarize(Snapshot.model_validate(a.snapshot)) for a in (written, app))
        )
    report = audit(
        Snapshot.model_validate(app.snapshot),
        Baseline.model_validate(app.baseline),
        template_change=change,
    )
    return [f for f in report.findings if f.rule_id == RULE]


@dataclass(frozen=True)
class TemplateCase(Case):
    """`edit` makes the live app, `before` the app the template describes (None: no
    template given)."""

    before: Edit | None = unchanged

    def run(self) -> set[FindingKey]:
        return {
            key_of(f.rule_id, f.persona, f.route, f.resource, f.app_client)
            for f in template_drift_findings(self.edit, self.before)
        }


def _inline_out_of_band(app: SmallApp) -> None:
    app.role("app-editors")["inline_policies"].append(
        {"name": "added-by-hand", "document": {"Version": "2012-10-17", "Statement": []}}
    )


CASES = [
    TemplateCase(RULE, "live is what the template deploys"),
    TemplateCase(RULE, "no template given", lambda app: app.grant("app-editors", "*"), before=None),
    TemplateCase.fires(
        RULE,
        "a group's role changed in the console",
        lambda app: app.group("editors").update(role_arn=role("app-admin")),
        (RULE, "group:editors", None, group_arn("editors")),
    ),
    TemplateCase.fires(
        RULE,
        "an inline policy added out of band",
        _inline_out_of_band,
        (RULE, None, None, role("app-editors")),
    ),
    TemplateCase.fires(
        RULE,
        "the role mapping type changed",
        lambda app: app.pool["role_mappings"][MAPPING_KEY].update(type="Rules"),
        (RULE, None, None, f"{POOL}#RoleMappings/{MAPPING_KEY}"),
    ),
    TemplateCase.fires(
        RULE,
        "guests allowed live only",
        lambda app: app.pool.update(allow_unauthenticated=True),
        (RULE, None, None, POOL),
    ),
    TemplateCase.fires(
        RULE,
        "a method redeployed with another authorization",
        lambda app: app.route("GET /me").update(authorization_type="NONE"),
        (RULE, None, "GET /me", route_arn("GET /me")),
    ),
    TemplateCase.fires(
        RULE,
        "a group the template does not write",
        lambda app: app.add_group("support", "app-editors", 20),
        (RULE, "group:support", None, group_arn("support")),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case: Case) -> None:
    assert case.run() == case.expected


def test_the_message_says_which_side_holds_what() -> None:
    added = template_drift_findings(
        lambda app: app.add_group("support", "app-editors", 20), unchanged
    )
    assert [f.message.split(":")[0] for f in added] == ["live vs template (live only)"]
    removed = template_drift_findings(lambda app: app.drop_group("editors"), unchanged)
    assert [f.message.split(":")[0] for f in removed] == ["live vs template (in the template only)"]
    changed = template_drift_findings(
        lambda app: app.group("editors").update(precedence=3), unchanged
    )
    assert changed[0].evidence["template"] == {"precedence": 10, "role_arn": role("app-editors")}
    assert changed[0].evidence["after"]["precedence"] == 3
