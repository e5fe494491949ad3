"""`auditor demo`: the seed thread's app in the embedded emulator, with drift, audited.

The app: admins and editors groups with their own roles, an "all users" policy meant to sit on
every role, a default authenticated role, and a REST API whose routes use AWS_IAM. Five
mistakes from the seed thread are made on purpose; the audit must find each of them.
"""

from __future__ import annotations

import tempfile
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import boto3
import yaml

from auditor.collect import AwsOptions
from auditor.commands.atomic import write_text_atomic
from auditor.commands.options import RunOptions
from auditor.commands.run import RunOutcome, execute
from auditor.commands.scoped_env import scoped_environ
from auditor.emulator import EmulatorServer
from auditor.emulator.seed import (
    EnvironmentSpec,
    GroupSpec,
    IdentityPoolSpec,
    ManagedPolicySpec,
    RestApiSpec,
    RoleMappingSpec,
    RoleSpec,
    Seeded,
    UserPoolSpec,
    invoke_policy,
    seed_after_apis,
)
from auditor.report.render import ReportFormat

REGION = "us-east-1"


def demo_api() -> RestApiSpec:
    return RestApiSpec(
        "pets-api",
        stages=["prod"],
        routes={
            "GET /items": "AWS_IAM",
            "POST /items": "AWS_IAM",
            "GET /items/{id}": "AWS_IAM",
            "DELETE /items/{id}": "AWS_IAM",
            "GET /me": "AWS_IAM",
            "GET /admin/users": "AWS_IAM",
            "POST /admin/users": "AWS_IAM",
            "GET /administrators": "AWS_IAM",
            "GET /tickets": "AWS_IAM",
            "GET /health": "NONE",
            # Mistake 5: a debugging route left at NONE: public.
            "GET /debug/config": "NONE",
        },
    )


def demo_spec(api_id: str) -> EnvironmentSpec:
    """Everything but the API, whose id the policies name (the API is seeded first)."""

    def invoke(*resources: str, sid: str) -> dict[str, Any]:
        return invoke_policy(REGION, api_id, "prod", *resources, sid=sid)

    all_users = ManagedPolicySpec(
        "app-all-users", invoke("GET/items", "GET/items/*", sid="AllUsers")
    )
    return EnvironmentSpec(
        managed_policies=[all_users],
        roles=[
            RoleSpec(
                "app-default", managed=["app-all-users"], inline={"me": invoke("GET/me", sid="Me")}
            ),
            # Mistake 1: `/admin*` also matches `/administrators`, the editors' report route.
            RoleSpec(
                "app-admin",
                managed=["app-all-users"],
                inline={"admin": invoke("*/admin*", "DELETE/items/*", sid="Admin")},
            ),
            # Mistake 2: the editors' role lacks the all-users policy (a group role replaces
            # the default role, it does not add to it).
            RoleSpec(
                "app-editors",
                inline={"editors": invoke("POST/items", "GET/administrators", sid="Editors")},
            ),
            # Mistake 3: a trust policy without the `aud` condition: any identity pool's
            # identities may assume it.
            RoleSpec(
                "app-support",
                managed=["app-all-users"],
                inline={"support": invoke("GET/tickets", sid="Support")},
                trust={
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                            "Action": "sts:AssumeRoleWithWebIdentity",
                            "Condition": {
                                "ForAnyValue:StringLike": {
                                    "cognito-identity.amazonaws.com:amr": "authenticated"
                                }
                            },
                        }
                    ],
                },
            ),
        ],
        user_pool=UserPoolSpec(
            name="pets-users",
            groups=[
                GroupSpec("admin", role="app-admin", precedence=0),
                GroupSpec("editors", role="app-editors", precedence=10),
                # Mistake 4: same precedence as editors with another role: members of both groups
                # fall back to the default role.
                GroupSpec("support", role="app-support", precedence=10),
            ],
        ),
        identity_pool=IdentityPoolSpec(
            name="pets_identities",
            authenticated_role="app-default",
            mapping=RoleMappingSpec(type="Token", ambiguous_role_resolution="AuthenticatedRole"),
        ),
    )


def demo_baseline(seeded: Seeded) -> dict[str, Any]:
    """What the team declared: the intent the live state drifted from."""
    roles = seeded.role_arns
    return {
        "version": 1,
        "region": seeded.region,
        "user_pool": {"id": seeded.user_pool_id},
        "identity_pool": {
            "id": seeded.identity_pool_id,
            "role_resolution": "token",
            "ambiguous_role_resolution": "AuthenticatedRole",
            "authenticated_role": roles["app-default"],
            "unauthenticated_role": None,
            "allow_unauthenticated": False,
            "allow_classic_flow": False,
        },
        "apis": [{"id": seeded.api_ids["pets-api"], "stage": "prod"}],
        "public_routes": ["GET /health"],
        "routes": {
            "all_users": ["GET /items", "GET /items/{id}"],
            "default": ["GET /me"],
            "unauthenticated": [],
        },
        "groups": {
            "admin": {
                "precedence": 0,
                "role": roles["app-admin"],
                "routes": ["* /admin/*", "DELETE /items/{id}"],
            },
            "editors": {
                "precedence": 10,
                "role": roles["app-editors"],
                "routes": ["POST /items", "GET /administrators"],
            },
            "support": {"precedence": 20, "role": roles["app-support"], "routes": ["GET /tickets"]},
        },
    }


def seed_demo(session: boto3.Session, endpoint_url: str) -> Seeded:
    apis = EnvironmentSpec(user_pool=None, identity_pool=None, rest_apis=[demo_api()])
    return seed_after_apis(
        apis, lambda ids: demo_spec(ids["pets-api"]), session, endpoint_url=endpoint_url
    )


def _fake_credentials() -> AbstractContextManager[None]:
    """The emulator accepts any key; never let the demo pick up real credentials."""
    return scoped_environ(
        {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo"},
        unset=("AWS_SESSION_TOKEN", "AWS_PROFILE"),
    )


def run_demo(
    fmt: ReportFormat, *, output: Path | None = None, keep: Path | None = None, color: bool = False
) -> RunOutcome:
    with (
        _fake_credentials(),
        EmulatorServer() as server,
        tempfile.TemporaryDirectory(prefix="auditor-demo-") as scratch,
    ):
        session = boto3.Session(region_name=REGION)
        seeded = seed_demo(session, server.url)
        folder = keep or Path(scratch)
        baseline = folder / "baseline.yaml"
        write_text_atomic(baseline, yaml.safe_dump(demo_baseline(seeded), sort_keys=False))
        options = RunOptions(
            baseline=baseline,
            output=output,
            format=fmt,
            aws=AwsOptions(region=REGION, endpoint_url=server.url),
        )
        outcome = execute(options, color=color)
        if keep is not None:
            write_text_atomic(keep / "snapshot.json", outcome.snapshot.to_json())
        return outcome
