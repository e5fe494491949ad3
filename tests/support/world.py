"""The clean, realistic environment every end-to-end scenario starts from, and its baseline.

The seed thread's app (`auditor.emulator.app`) with an HTTP API of orders beside its REST
API, and a guest role ready for the scenarios that turn guest access on. The baseline
declares exactly what is live, so the clean run finds nothing; each scenario then drifts one
thing with boto3.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml

from auditor.emulator import EmulatorServer
from auditor.emulator.app import App, seed_thread_app
from auditor.emulator.seed import EnvironmentSpec, HttpApiSpec, RoleSpec, Seeded, seed

REGION = "us-east-1"
REST, HTTP = "shop", "orders"
REST_STAGE, HTTP_STAGE = "prod", "$default"


def clean_app() -> App:
    """Who must reach what (CONTRACT §2); the seeded policies grant exactly this."""
    app = seed_thread_app("shop", rest_api=REST)
    app.http_apis.append(
        HttpApiSpec(
            HTTP,
            routes={
                "GET /orders": "AWS_IAM",
                "GET /orders/{id}": "AWS_IAM",
                "POST /orders": "AWS_IAM",
            },
            stages=[HTTP_STAGE],
        )
    )
    app.all_users += ["GET /orders", "GET /orders/{id}"]
    app.group("editors").routes.append("POST /orders")
    return app


def clean_spec() -> EnvironmentSpec:
    spec = clean_app().spec()
    spec.roles.append(RoleSpec("app-guest", trust_amr="unauthenticated"))
    return spec


ADMIN_ROUTES = clean_app().group("admin").routes
EDITOR_ROUTES = clean_app().group("editors").routes


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
    def client_id(self) -> str:
        """The app client the world's users sign in with (its only one)."""
        return next(iter(self.seeded.client_ids.values()))

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
    """The REST and HTTP APIs alone, to keep between tests (tests/e2e/conftest.py)."""
    return seed(clean_spec().apis_only(), session, endpoint_url=emulator.url)


def build_world(
    emulator: EmulatorServer, session: boto3.Session, folder: Path, apis: Seeded | None = None
) -> World:
    """The clean world seeded afresh, or beside the APIs of `seed_apis` when given."""
    spec = clean_spec()
    if apis is not None:
        seeded = seed(spec.without_apis(), session, endpoint_url=emulator.url, api_ids=apis.api_ids)
    else:
        seeded = seed(spec, session, endpoint_url=emulator.url)
    arns = Arns(seeded.account_id, seeded.api_ids[REST], seeded.api_ids[HTTP])
    world = World(emulator, session, seeded, arns, clean_app().baseline(seeded), folder)
    world.write_baseline()
    return world
