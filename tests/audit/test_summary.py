"""The configuration summary's policy hashes (what --state keeps for changed-since-last-run):
a managed policy, hashed once, stands the same in every role that attaches it."""

from __future__ import annotations

from typing import Any

from auditor.audit.summary import summarize
from auditor.model.snapshot import Snapshot
from tests.support.snapshots import ACCOUNT, SmallApp, invoke, role, small_app

SHARED = f"arn:aws:iam::{ACCOUNT}:policy/shared"
GONE = f"arn:aws:iam::{ACCOUNT}:policy/gone"


def _attach(app: SmallApp, document: dict[str, Any], *, boundary: str | None = None) -> None:
    app.snapshot["managed_policies"] = {
        SHARED: {"arn": SHARED, "name": "shared", "document": document}
    }
    for name in ("app-admin", "app-editors"):
        app.role(name)["attached_policy_arns"] = [SHARED, GONE]
        app.role(name)["permissions_boundary_arn"] = boundary


def _hashes(app: SmallApp) -> dict[str, dict[str, str]]:
    summary = summarize(Snapshot.model_validate(app.snapshot))
    assert summary.role_policies is not None
    return {name: summary.role_policies[role(name)] for name in ("app-admin", "app-editors")}


def test_a_shared_managed_policy_changes_in_every_role_that_attaches_it() -> None:
    before, after = small_app(), small_app()
    _attach(before, invoke("GET/items"))
    _attach(after, invoke("GET/items", "GET/me"))
    old, new = _hashes(before), _hashes(after)
    key = f"managed:{SHARED}"
    assert old["app-admin"][key] == old["app-editors"][key]
    assert new["app-admin"][key] == new["app-editors"][key] != old["app-admin"][key]


def test_a_policy_the_snapshot_lacks_hashes_apart_from_every_document() -> None:
    app = small_app()
    _attach(app, invoke("GET/items"), boundary=GONE)
    hashes = _hashes(app)["app-admin"]
    absent = hashes[f"managed:{GONE}"]
    assert hashes[f"boundary:{GONE}"] == absent
    assert absent not in {hashes[f"managed:{SHARED}"], hashes["trust"]}
