"""The clean, realistic environment every end-to-end scenario starts from, and its baseline.

Admins and editors with their own roles and distinct precedences, an all-users managed policy
on every role, a default role for users in no group, Token mapping, a REST API whose routes
use AWS_IAM (plus a public `GET /health`) and an HTTP API. The baseline declares exactly what
is live, so the clean run finds nothing; each scenario then drifts one thing with boto3.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml

from auditor.emulator import EmulatorServer
from auditor.emulator.seed import (
    EnvironmentSpec,
    GroupSpec,
    HttpApiSpec,
    IdentityPoolSpec,
    ManagedPolicySpec,
    RestApiSpec,
    RoleMappingSpec,
    RoleSpec,
    Seeded,
    UserPoolSpec,
    seed,
)

REGION = "us-east-1"
REST, HTTP = "shop", "orders"
REST_STAGE, HTTP_STAGE = "prod", "$default"

REST_ROUTES = {
    "GET /health": "NONE",
    "GET /items": "AWS_IAM",
    "POST /items": "AWS_IAM",
    "GET /items/{id}": "AWS_IAM",
    "DELETE /items/{id}": "AWS_IAM",
    "GET /me": "AWS_IAM",
    "GET /admin/users": "AWS_IAM",
    "POST /admin/users": "AWS_IAM",
    "GET /administrators": "AWS_IAM",  # the editors' report, a trap for `/admin*`
}
HTTP_ROUTES = {
    "GET /orders": "AWS_IAM",
    "GET /orders/{id}": "AWS_IAM",
    "POST /orders": "AWS_IAM",
}
# Who must reach what (CONTRACT §2); the policies below grant exactly this.
ALL_USERS = ["GET /items", "GET /items/{id}", "GET /orders", "GET /orders/{id}"]
DEFAULT_ROUTES = ["GET /me"]
ADMIN_ROUTES = ["* /admin/*", "DELETE /items/{id}"]
EDITOR_ROUTES = ["POST /items", "GET /administrators", "POST /orders"]


def invoke(*resources: str, sid: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": list(resources),
            }
        ],
    }


@dataclass
class Arns:
    """execute-api ARN prefixes of the two APIs, for writing policies."""

    account: str
    rest_id: str
    http_id: str

    def rest(self, tail: str, stage: str = REST_STAGE) -> str:
        return f"arn:aws:execute-api:{REGION}:{self.account}:{self.rest_id}/{stage}/{tail}"

    def http(self, tail: str) -> str:
        return f"arn:aws:execute-api:{REGION}:{self.account}:{self.http_id}/*/{tail}"


def clean_spec(arns: Arns) -> EnvironmentSpec:
    all_users = ManagedPolicySpec(
        "app-all-users",
        invoke(
            arns.rest("GET/items"),
            arns.rest("GET/items/*"),
            arns.http("GET/orders"),
            arns.http("GET/orders/*"),
            sid="AllUsers",
        ),
    )
    return EnvironmentSpec(
        managed_policies=[all_users],
        roles=[
            RoleSpec(
                "app-default",
                managed=["app-all-users"],
                inline={"me": invoke(arns.rest("GET/me"), sid="Me")},
            ),
            RoleSpec(
                "app-admin",
                managed=["app-all-users"],
                inline={
                    "admin": invoke(
                        arns.rest("*/admin/*"), arns.rest("DELETE/items/*"), sid="Admin"
                    )
                },
            ),
            RoleSpec(
                "app-editors",
                managed=["app-all-users"],
                inline={
                    "editors": invoke(
                        arns.rest("POST/items"),
                        arns.rest("GET/administrators"),
                        arns.http("POST/orders"),
                        sid="Editors",
                    )
                },
            ),
            RoleSpec("app-guest", trust_amr="unauthenticated"),
        ],
        user_pool=UserPoolSpec(
            name="shop-users",
            groups=[
                GroupSpec("admin", role="app-admin", precedence=0),
                GroupSpec("editors", role="app-editors", precedence=10),
            ],
        ),
        identity_pool=IdentityPoolSpec(
            name="shop_identities",
            authenticated_role="app-default",
            mapping=RoleMappingSpec(type="Token", ambiguous_role_resolution="AuthenticatedRole"),
        ),
    )


def clean_baseline(seeded: Seeded) -> dict[str, Any]:
    roles = seeded.role_arns
    return {
        "version": 1,
        "region": REGION,
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
        "apis": [
            {"id": seeded.api_ids[REST], "stage": REST_STAGE},
            {"id": seeded.api_ids[HTTP], "stage": HTTP_STAGE},
        ],
        "public_routes": ["GET /health"],
        "routes": {
            "all_users": list(ALL_USERS),
            "default": list(DEFAULT_ROUTES),
            "unauthenticated": [],
        },
        "groups": {
            "admin": {"precedence": 0, "role": roles["app-admin"], "routes": list(ADMIN_ROUTES)},
            "editors": {
                "precedence": 10,
                "role": roles["app-editors"],
                "routes": list(EDITOR_ROUTES),
            },
        },
    }


@dataclass
class World:
    """One seeded account, its baseline on disk, and boto3 clients to drift it with."""

    emulator: EmulatorServer
    session: boto3.Session
    seeded: Seeded
    arns: Arns
    baseline: dict[str, Any]
    folder: Path
    apis_dirty: bool = False  # a test changed an API: the next test must seed them afresh

    def api_client(self, name: str) -> Any:
        """A client for apigateway or apigatewayv2; using it marks the APIs as drifted."""
        self.apis_dirty = True
        return self.client(name)

    @property
    def url(self) -> str:
        return self.emulator.url

    def client(self, name: str) -> Any:
        return self.session.client(name, endpoint_url=self.url)  # type: ignore[call-overload]

    # --- names of things, as findings name them -----------------------------------------
    @property
    def pool_id(self) -> str:
        assert self.seeded.identity_pool_id
        return self.seeded.identity_pool_id

    @property
    def user_pool_id(self) -> str:
        assert self.seeded.user_pool_id
        return self.seeded.user_pool_id

    def role(self, name: str) -> str:
        return self.seeded.role_arns[name]

    def group_resource(self, name: str) -> str:
        return f"{self.seeded.user_pool_arn}/group/{name}"

    @property
    def rest_id(self) -> str:
        return self.seeded.api_ids[REST]

    @property
    def http_id(self) -> str:
        return self.seeded.api_ids[HTTP]

    def route_resource(self, api_id: str, route: str) -> str:
        method, path = route.split(" ", 1)
        return f"arn:aws:execute-api:{REGION}:{self.seeded.account_id}:{api_id}/*/{method}{path}"

    def write_baseline(
        self, data: dict[str, Any] | None = None, name: str = "baseline.yaml"
    ) -> Path:
        path = self.folder / name
        path.write_text(
            yaml.safe_dump(data if data is not None else self.baseline, sort_keys=False),
            encoding="utf-8",
        )
        return path

    @property
    def baseline_path(self) -> Path:
        return self.folder / "baseline.yaml"


def seed_apis(emulator: EmulatorServer, session: boto3.Session) -> Seeded:
    """The REST and HTTP APIs alone: the rest of the world's policies name their ids."""
    return seed(
        EnvironmentSpec(
            user_pool=None,
            identity_pool=None,
            rest_apis=[RestApiSpec(REST, routes=REST_ROUTES, stages=[REST_STAGE])],
            http_apis=[HttpApiSpec(HTTP, routes=HTTP_ROUTES, stages=[HTTP_STAGE])],
        ),
        session,
        endpoint_url=emulator.url,
    )


def build_world(
    emulator: EmulatorServer, session: boto3.Session, folder: Path, apis: Seeded | None = None
) -> World:
    apis = apis or seed_apis(emulator, session)
    arns = Arns(apis.account_id, apis.api_ids[REST], apis.api_ids[HTTP])
    seeded = seed(clean_spec(arns), session, endpoint_url=emulator.url)
    seeded.api_ids.update(apis.api_ids)
    world = World(emulator, session, seeded, arns, clean_baseline(seeded), folder)
    world.write_baseline()
    return world
