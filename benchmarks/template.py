"""A template audit from files to report: a generated CloudFormation template (YAML with
short-form intrinsics) with many groups, each with its role and inline policy, and many REST
methods, audited against the baseline that declares it (issue 15's target: 200 groups and 500
routes in < 3 s). `--small` is the CI smoke run.

    python benchmarks/template.py                   # 200 groups, 500 routes
    python benchmarks/template.py --small           # CI
    python benchmarks/template.py --groups 1000 --routes 2000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.checks.run import audit
from auditor.model.baseline_file import load_baseline
from auditor.model.snapshot import TargetRef
from auditor.report.render import render_chunks
from auditor.template.build import build_snapshot
from auditor.template.identities import identities_for
from auditor.template.load import load_application

ACCOUNT = "123456789012"
ALL_USERS = 5  # routes every role reaches, through one managed policy
NOTHING = "                  - arn:aws:execute-api:us-east-1:1:none/prod/GET/none\n"  # no route
TRUST = """      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Federated: cognito-identity.amazonaws.com}
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals: {"cognito-identity.amazonaws.com:aud": !Ref IdentityPool}
              ForAnyValue:StringLike: {"cognito-identity.amazonaws.com:amr": authenticated}
"""


def routes_of(group: int, groups: int, routes: int) -> list[int]:
    """The routes group `group` owns: every groups-th one past the all-users routes."""
    return list(range(ALL_USERS + group, routes, groups))


def template(groups: int, routes: int) -> str:
    invoke = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/prod"
    parts = [
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n",
        "  UserPool:\n    Type: AWS::Cognito::UserPool\n    Properties: {UserPoolName: bench}\n",
        "  Client:\n    Type: AWS::Cognito::UserPoolClient\n"
        "    Properties: {UserPoolId: !Ref UserPool, ClientName: web}\n",
        "  IdentityPool:\n    Type: AWS::Cognito::IdentityPool\n    Properties:\n"
        "      IdentityPoolName: bench-ids\n      AllowUnauthenticatedIdentities: false\n"
        "      CognitoIdentityProviders:\n"
        "        - {ProviderName: !GetAtt UserPool.ProviderName, ClientId: !Ref Client}\n",
        "  Attachment:\n    Type: AWS::Cognito::IdentityPoolRoleAttachment\n    Properties:\n"
        "      IdentityPoolId: !Ref IdentityPool\n"
        "      Roles: {authenticated: !GetAtt DefaultRole.Arn}\n      RoleMappings:\n"
        "        web:\n"
        '          IdentityProvider: !Sub "${UserPool.ProviderName}:${Client}"\n'
        "          Type: Token\n          AmbiguousRoleResolution: AuthenticatedRole\n",
        "  DefaultRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: default\n",
        TRUST,
        "  AllUsers:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n"
        "      ManagedPolicyName: all-users\n      Roles:\n        - !Ref DefaultRole\n",
        *(f"        - !Ref Role{g}\n" for g in range(groups)),
        "      PolicyDocument:\n        Statement:\n"
        "          - Effect: Allow\n            Action: execute-api:Invoke\n",
        "            Resource:\n",
        *(f'              - !Sub "{invoke}/GET/r{r}"\n' for r in range(ALL_USERS)),
        "  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties: {Name: bench-api}\n",
        "  Stage:\n    Type: AWS::ApiGateway::Stage\n"
        "    Properties: {RestApiId: !Ref Api, StageName: prod, DeploymentId: !Ref Deployment}\n",
        "  Deployment:\n    Type: AWS::ApiGateway::Deployment\n"
        "    Properties: {RestApiId: !Ref Api}\n",
    ]
    for r in range(routes):
        parts.append(
            f"  Resource{r}:\n    Type: AWS::ApiGateway::Resource\n    Properties:\n"
            f"      {{RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: r{r}}}\n"
            f"  Method{r}:\n    Type: AWS::ApiGateway::Method\n    Properties:\n"
            f"      {{RestApiId: !Ref Api, ResourceId: !Ref Resource{r}, HttpMethod: GET,"
            " AuthorizationType: AWS_IAM}\n"
        )
    for g in range(groups):
        owned = "".join(
            f'                  - !Sub "{invoke}/GET/r{r}"\n' for r in routes_of(g, groups, routes)
        )
        parts.append(
            f"  Group{g}:\n    Type: AWS::Cognito::UserPoolGroup\n    Properties:\n"
            f"      {{UserPoolId: !Ref UserPool, GroupName: g{g}, Precedence: {g},"
            f" RoleArn: !GetAtt Role{g}.Arn}}\n"
            f"  Role{g}:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: role-g{g}\n"
            f"{TRUST}      Policies:\n        - PolicyName: routes\n          PolicyDocument:\n"
            "            Statement:\n              - Effect: Allow\n"
            "                Action: execute-api:Invoke\n                Resource:\n"
            f"{owned or NOTHING}"
        )
    return "".join(parts)


def baseline(groups: int, routes: int) -> str:
    lines = [
        "version: 1",
        "region: us-east-1",
        "user_pool: {name: bench}",
        "identity_pool:",
        "  name: bench-ids",
        "  role_resolution: token",
        "  ambiguous_role_resolution: AuthenticatedRole",
        f"  authenticated_role: arn:aws:iam::{ACCOUNT}:role/default",
        "apis: [{name: bench-api, stage: prod}]",
        "routes:",
        f"  all_users: [{', '.join(f'GET /r{r}' for r in range(ALL_USERS))}]",
        "groups:",
    ]
    for g in range(groups):
        owned = ", ".join(f"GET /r{r}" for r in routes_of(g, groups, routes))
        lines += [
            f"  g{g}:",
            f"    precedence: {g}",
            f"    role: arn:aws:iam::{ACCOUNT}:role/role-g{g}",
            f"    routes: [{owned}]",
        ]
    return "\n".join(lines) + "\n"


def run(groups: int, routes: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path, baseline_path = Path(folder) / "template.yaml", Path(folder) / "baseline.yaml"
        path.write_text(template(groups, routes), encoding="utf-8")
        baseline_path.write_text(baseline(groups, routes), encoding="utf-8")
        size = path.stat().st_size
        started = time.perf_counter()
        declared = load_baseline(baseline_path)
        app = load_application([path], region="us-east-1", account_id=ACCOUNT)
        loaded = time.perf_counter()
        identities = identities_for(app, baseline=declared)
        built = build_snapshot(
            app,
            identities,
            TargetRef(
                user_pool=declared.user_pool,
                identity_pool=declared.identity_pool.ref,
                apis=declared.apis,
            ),
        )
        snapshot_built = time.perf_counter()
        report = audit(built.snapshot, declared)
        audited = time.perf_counter()
        json_size = sum(len(c) for c in render_chunks(report, "json", baseline=baseline_path))
        done = time.perf_counter()
    total = done - started
    print(
        f"{groups} groups, {routes} routes ({len(app.resources):,} resources, "
        f"{size / 2**10:,.0f} KiB of YAML): {total:.2f} s  "
        f"[decode+load {loaded - started:.2f}, build {snapshot_built - loaded:.2f}, "
        f"audit {audited - snapshot_built:.2f}, JSON {done - audited:.2f}; "
        f"{json_size / 2**10:,.0f} KiB]  status {report.status}, "
        f"{len(report.findings)} findings"
    )
    if report.status != "complete" or report.findings:
        raise SystemExit("the generated template should audit clean against its baseline")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--routes", type=int, default=500)
    parser.add_argument("--small", action="store_true", help="20 groups, 50 routes (CI)")
    options = parser.parse_args()
    if options.small:
        run(20, 50)
    else:
        run(options.groups, options.routes)


if __name__ == "__main__":
    main()
