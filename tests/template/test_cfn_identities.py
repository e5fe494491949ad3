"""Identities: a baseline written for the live account adopts its ids so that it audits the
template too, and template vs live matches ids by name, never by what references them."""

from __future__ import annotations

from pathlib import Path

from auditor.model.baseline import Baseline
from auditor.model.baseline_file import load_baseline
from auditor.model.snapshot import (
    Api,
    AppClient,
    IdentityPool,
    PoolRef,
    Role,
    Snapshot,
    TargetRef,
    UserPool,
)
from auditor.template.identities import identities_for
from auditor.template.load import load_application
from tests.template.cfn_app import audited, written

APP = ("app.yaml", "rest_api.yaml")


LIVE_BASELINE = """
version: 1
region: eu-west-1
user_pool: {id: eu-west-1_AbCdEf012}
identity_pool:
  id: "eu-west-1:0d3a1c2b-7e4f-4a5b-9c8d-1e2f3a4b5c6d"
  role_resolution: token
  ambiguous_role_resolution: AuthenticatedRole
  authenticated_role: arn:aws:iam::210987654321:role/users-signed-in
  unauthenticated_role: null
  app_clients: [1example23456789]
apis: [{id: a1b2c3d4e5, stage: prod}]
public_routes: ["GET /health"]
routes:
  all_users: ["GET /items", "GET /items/{id}"]
  default: ["GET /me"]
groups:
  admin:
    precedence: 0
    role: arn:aws:iam::210987654321:role/app-admin
    routes: ["* /admin/*", "DELETE /items/{id}"]
  editors:
    precedence: 10
    role: arn:aws:iam::210987654321:role/prod-EditorsRole-1A2B3C4D
    routes: ["POST /items", "GET /administrators"]
"""


LIVE_POOL = "eu-west-1:0d3a1c2b-7e4f-4a5b-9c8d-1e2f3a4b5c6d"


def live_baseline(tmp_path: Path) -> Baseline:
    path = tmp_path / "live.yaml"
    path.write_text(LIVE_BASELINE, encoding="utf-8")
    return load_baseline(path)


# The default role without a name (adopted by reference), the editors' role named by
# CloudFormation (adopted by pattern), the admin's by RoleName.
UNNAMED_ROLES = [
    ("app.yaml", "      RoleName: app-default\n", ""),
    ("app.yaml", "      RoleName: app-editors\n", ""),
]


def test_a_baseline_written_for_the_live_account_audits_the_template_clean(
    tmp_path: Path,
) -> None:
    result = audited(written(tmp_path, APP, UNNAMED_ROLES), live_baseline(tmp_path))
    assert result.report.status == "complete", result.built.snapshot.errors
    assert result.findings() == set()
    snapshot = result.built.snapshot
    assert (snapshot.account_id, snapshot.region) == ("210987654321", "eu-west-1")
    assert snapshot.user_pool and snapshot.user_pool.id == "eu-west-1_AbCdEf012"
    assert snapshot.identity_pool and snapshot.identity_pool.authenticated_role == (
        "arn:aws:iam::210987654321:role/users-signed-in"
    )
    assert [api.id for api in snapshot.apis] == ["a1b2c3d4e5"]


def test_references_that_disagree_adopt_nothing(tmp_path: Path) -> None:
    """The editors' group points at the default role too: the default role is referenced
    for two baseline ARNs, so it keeps its made-up ARN and the audit says so."""
    edits = [
        *UNNAMED_ROLES,
        ("app.yaml", "RoleArn: !GetAtt EditorsRole.Arn", "RoleArn: !GetAtt DefaultRole.Arn"),
    ]
    result = audited(written(tmp_path, APP, edits), live_baseline(tmp_path))
    assert "arn:aws:iam::210987654321:role/DefaultRole" in result.built.snapshot.roles
    drift = ("default-role-drift", None, None, f"{LIVE_POOL}#authenticated")
    assert drift in result.findings()


def test_against_the_live_account_ids_are_matched_by_name_never_by_reference(
    tmp_path: Path,
) -> None:
    """Template vs live: pools are the live ones, the API by Name, roles by RoleName or
    CloudFormation's generated name. The default role (no RoleName) is what the live pool
    hands out as authenticated role, but is not adopted for it: that would hide a role
    changed in the console."""
    live_role = "arn:aws:iam::210987654321:role/{}".format
    app = load_application(
        written(tmp_path, APP, UNNAMED_ROLES), region="eu-west-1", account_id="210987654321"
    )
    live = Snapshot(
        region="eu-west-1",
        account_id="210987654321",
        target=TargetRef(
            user_pool=PoolRef(id="eu-west-1_Live1"), identity_pool=PoolRef(id="eu-west-1:live")
        ),
        user_pool=UserPool(
            id="eu-west-1_Live1", name="app-users", clients=[AppClient(id="abc123", name="web")]
        ),
        identity_pool=IdentityPool(
            id="eu-west-1:live", name="app-ids", authenticated_role=live_role("made-in-console")
        ),
        roles={
            arn: Role(arn=arn, name=arn.rsplit("/", 1)[1])
            for arn in map(
                live_role, ["app-admin", "app-stack-EditorsRole-9Z8Y", "made-in-console"]
            )
        },
        apis=[Api(id="live0api1", name="app-api", kind="REST")],
    )
    identities = identities_for(app, live=live)
    assert (identities.account_id, identities.region) == ("210987654321", "eu-west-1")
    assert {
        k: identities.physical[k] for k in ("UserPool", "IdentityPool", "WebClient", "Api")
    } == {
        "UserPool": "eu-west-1_Live1",
        "IdentityPool": "eu-west-1:live",
        "WebClient": "abc123",
        "Api": "live0api1",
    }
    assert identities.attributes[("AdminRole", "Arn")] == live_role("app-admin")
    assert identities.attributes[("EditorsRole", "Arn")] == live_role("app-stack-EditorsRole-9Z8Y")
    assert ("DefaultRole", "Arn") not in identities.attributes
    assert "DefaultRole" not in identities.physical


def test_placeholders_are_listed_as_assumed(tmp_path: Path) -> None:
    """What neither the command line nor the baseline names is a placeholder: listed, so no
    Condition is decided by it (the stack id's UUID is always made up)."""
    app = load_application(written(tmp_path, APP), region="us-east-1", account_id="123456789012")
    assert identities_for(app).assumed == {
        "AWS::StackName",
        "AWS::StackId",
        "AWS::Region",
        "AWS::AccountId",
    }
    given = identities_for(app, account_id="210987654321", region="eu-west-1", stack_name="s")
    assert given.assumed == {"AWS::StackId"}
    assert given.stack_name == "s"
    from_baseline = identities_for(app, baseline=live_baseline(tmp_path))
    assert from_baseline.assumed == {"AWS::StackName", "AWS::StackId"}
