"""Which services a snapshot failed to read: one rule for the checks' `requires:` and for
what the state file may claim changed (audit/summary.py)."""

from __future__ import annotations

import pytest

from auditor.audit.summary import unreadable_sections
from auditor.collect import CALLS
from auditor.model.snapshot import COLLECTED_SERVICES, CollectionError, Snapshot
from auditor.schemas import load_schema
from tests.support.snapshots import identity_pool, snapshot, token


def _failed(*services: str) -> Snapshot:
    errors = [CollectionError(service=s, operation="Read", message="boom") for s in services]
    return snapshot([], identity_pool(token())).model_copy(update={"errors": errors})


@pytest.mark.parametrize(
    ("services", "failed"),
    [
        ((), set()),
        (("iam",), {"iam"}),
        (("IAM", "Cognito-Idp"), {"iam", "cognito-idp"}),  # however a hand-edited file spells it
        (("iam", "route53"), set(COLLECTED_SERVICES)),  # unknown: it may hide anything
    ],
)
def test_failed_services(services: tuple[str, ...], failed: set[str]) -> None:
    assert _failed(*services).failed_services() == failed


def test_an_unknown_service_leaves_every_section_unread() -> None:
    assert unreadable_sections(_failed("route53")) == {
        "groups",
        "identity_pool",
        "role_policies",
        "routes",
    }
    assert unreadable_sections(_failed("IAM")) == {"role_policies"}


def test_the_services_are_those_the_collectors_call_and_rules_may_require() -> None:
    called = {call.split(":")[0] for call in CALLS}
    assert called == set(COLLECTED_SERVICES)
    requires = load_schema("rule")["properties"]["requires"]["items"]["enum"]
    assert sorted(requires) == sorted(COLLECTED_SERVICES)
