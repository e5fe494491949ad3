"""Hand-built snapshots, no AWS: pieces for the resolution tests, and `small_app()`, the
seed thread's app in miniature as snapshot + baseline, for the per-rule tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditor.checks.run import audit
from auditor.emulator.documents import Document, cognito_trust_policy
from auditor.model.baseline import Baseline
from auditor.model.report import Report
from auditor.model.snapshot import (
    Group,
    IdentityPool,
    IdentityProvider,
    InlinePolicy,
    MappingRule,
    PoolRef,
    Role,
    RoleMapping,
    Snapshot,
    TargetRef,
    UserPool,
)
from auditor.model.state import ConfigChange

REGION = "us-east-1"
ACCOUNT = "123456789012"
USER_POOL = "us-east-1_AbCdEf012"
CLIENT = "client123"
PROVIDER = f"cognito-idp.{REGION}.amazonaws.com/{USER_POOL}"
MAPPING_KEY = f"{PROVIDER}:{CLIENT}"
POOL = "us-east-1:0d3a0000-0000-0000-0000-000000000000"
DEFAULT_ROLE = f"arn:aws:iam::{ACCOUNT}:role/app-default"
GUEST_ROLE = f"arn:aws:iam::{ACCOUNT}:role/app-guest"


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def token(ambiguous: str = "AuthenticatedRole") -> RoleMapping:
    return RoleMapping(type="Token", ambiguous_role_resolution=ambiguous)  # type: ignore[arg-type]


def rules(*items: tuple[str, str, str, str], ambiguous: str = "AuthenticatedRole") -> RoleMapping:
    return RoleMapping(
        type="Rules",
        ambiguous_role_resolution=ambiguous,  # type: ignore[arg-type]
        rules=[
            MappingRule(
                claim=c,
                match_type=m,
                value=v,  # type: ignore[arg-type]
                role_arn=r,
            )
            for c, m, v, r in items
        ],
    )


def identity_pool(
    mapping: RoleMapping | None = None, *, default: str | None = DEFAULT_ROLE, **extra: Any
) -> IdentityPool:
    return IdentityPool(
        id=POOL,
        name="ids",
        providers=[IdentityProvider(provider_name=PROVIDER, client_id=CLIENT)],
        authenticated_role=default,
        role_mappings={MAPPING_KEY: mapping} if mapping else {},
        **extra,
    )


def snapshot(groups: list[Group], pool: IdentityPool) -> Snapshot:
    return Snapshot(
        region=REGION,
        account_id=ACCOUNT,
        target=TargetRef(user_pool=PoolRef(id=USER_POOL), identity_pool=PoolRef(id=POOL)),
        user_pool=UserPool(id=USER_POOL, name="users", groups=groups),
        identity_pool=pool,
    )


# --- A small app for the per-rule tests (tests/checks) -----------------------------------------

USER_POOL_ARN = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{USER_POOL}"
API = "api1"
STAGE = "prod"
EXECUTE_API = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/{STAGE}"
OTHER_POOL = "us-east-1:0d3a9999-0000-0000-0000-000000000000"


def group_arn(name: str) -> str:
    """A group as group findings name it."""
    return f"{USER_POOL_ARN}/group/{name}"


def route_arn(route: str, api: str = API, stage: str = "*") -> str:
    """A route as route findings name it: every stage (or one), ANY as `*`."""
    method, path = route.split(" ", 1)
    verb = "*" if method == "ANY" else method
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/{stage}/{verb}{path}"


def invoke(*tails: str, key: str = "Resource", effect: str = "Allow") -> Document:
    """execute-api:Invoke on `VERB/path` tails of the app's stage; `*` and ARNs as written."""
    resources = [t if t == "*" or t.startswith("arn:") else f"{EXECUTE_API}/{t}" for t in tails]
    statement = {"Effect": effect, "Action": "execute-api:Invoke", key: resources}
    return {"Version": "2012-10-17", "Statement": [statement]}


def iam_role(name: str, *resources: str) -> Role:
    """Role `name` with one inline policy allowing execute-api:Invoke on `resources` (ARNs, or
    `VERB/path` tails of the small app's stage); none: a role that grants nothing."""
    policies = [InlinePolicy(name="routes", document=invoke(*resources))] if resources else []
    return Role(arn=role(name), name=name, inline_policies=policies)


@dataclass
class SmallApp:
    """The seed thread's app in miniature, as the audit reads it: a snapshot and the baseline
    that declares it, both as plain data to vary before `audit` (the models are frozen).

    Clean: groups admin (precedence 0) and editors (10) with their own roles, every role
    reaching `GET /items` (all users), the default role `GET /me`, admins `* /admin/*`,
    editors `GET /administrators`, and a public `GET /health`. Token mapping, no guests.
    """

    snapshot: dict[str, Any]
    baseline: dict[str, Any]

    def write(self, folder: Path) -> tuple[Path, Path]:
        """This app's baseline (YAML) and snapshot as files in `folder`, for the CLI."""
        baseline, snapshot = folder / "baseline.yaml", folder / "snapshot.json"
        baseline.write_text(yaml.safe_dump(self.baseline), encoding="utf-8")
        snapshot.write_text(Snapshot.model_validate(self.snapshot).to_json(), encoding="utf-8")
        return baseline, snapshot

    # --- the live side -----------------------------------------------------------------------
    @property
    def pool(self) -> dict[str, Any]:
        pool: dict[str, Any] = self.snapshot["identity_pool"]
        return pool

    def group(self, name: str) -> dict[str, Any]:
        return next(g for g in self.snapshot["user_pool"]["groups"] if g["name"] == name)

    def add_group(
        self, name: str, role_name: str | None = None, precedence: int | None = None
    ) -> None:
        self.snapshot["user_pool"]["groups"].append(
            {
                "name": name,
                "role_arn": role(role_name) if role_name else None,
                "precedence": precedence,
            }
        )

    def drop_group(self, name: str) -> None:
        self.snapshot["user_pool"]["groups"].remove(self.group(name))

    def role(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.snapshot["roles"][role(name)]
        return found

    def add_role(self, name: str, *tails: str, amr: str = "authenticated") -> str:
        arn = role(name)
        self.snapshot["roles"][arn] = {
            "arn": arn,
            "name": name,
            "trust_policy": cognito_trust_policy(POOL, amr),
            "inline_policies": [{"name": "routes", "document": invoke(*tails)}],
        }
        return arn

    def grant(self, role_name: str, *tails: str, key: str = "Resource") -> None:
        """Replace what the role allows."""
        self.role(role_name)["inline_policies"] = [
            {"name": "routes", "document": invoke(*tails, key=key)}
        ]

    def trust(self, role_name: str) -> dict[str, Any]:
        """The role's (only) trust statement, to edit in place."""
        statement: dict[str, Any] = self.role(role_name)["trust_policy"]["Statement"][0]
        return statement

    @property
    def api(self) -> dict[str, Any]:
        api: dict[str, Any] = self.snapshot["apis"][0]
        return api

    def route(self, route: str) -> dict[str, Any]:
        method, path = route.split(" ", 1)
        return next(r for r in self.api["routes"] if (r["method"], r["path"]) == (method, path))

    def add_route(self, route: str, authorization: str = "AWS_IAM") -> None:
        method, path = route.split(" ", 1)
        self.api["routes"].append(
            {"method": method, "path": path, "authorization_type": authorization}
        )

    def serve(self, changes: dict[str, str], stage: str = STAGE) -> None:
        """The stage serves a deployment: the routes as defined now, but with `changes`
        (route -> authorization; a route the definition lacks is added)."""
        self.api.setdefault("deployments", {})[stage] = self._deployment("dep1", changes)

    def serve_canary(self, changes: dict[str, str], stage: str = STAGE) -> None:
        """The stage's canary serves a deployment: the definition with `changes`, as serve."""
        self.api.setdefault("canaries", {})[stage] = self._deployment("canary1", changes)

    def _deployment(self, deployment_id: str, changes: dict[str, str]) -> dict[str, Any]:
        served = {(r["method"], r["path"]): dict(r) for r in self.api["routes"]}
        for route, authorization in changes.items():
            method, path = route.split(" ", 1)
            served[method, path] = {
                "method": method,
                "path": path,
                "authorization_type": authorization,
            }
        return {"id": deployment_id, "routes": list(served.values())}

    def audit_stages(self, *stages: str) -> None:
        """The API has these stages, and the baseline and the snapshot's target name each (one
        ref per stage, as `baseline init --api X:a --api X:b` writes them)."""
        self.api["stages"] = sorted(set(self.api["stages"]) | set(stages))
        refs = [{"id": API, "stage": stage} for stage in stages]
        self.baseline["apis"] = refs
        self.snapshot["target"]["apis"] = [dict(ref) for ref in refs]

    def fail_deployment_read(self, stage: str = STAGE) -> None:
        """What the stage serves could not be read, as the collector records it: the failed
        read in errors, the stage in unread_stages, no deployment."""
        self.fail_read("apigateway", "GetDeployment")
        self.api.setdefault("deployments", {}).pop(stage, None)
        self.api.setdefault("unread_stages", []).append(stage)

    def allow_guests(self, *tails: str) -> None:
        """Guest access on, as the baseline says, through a guest role reaching these tails
        (the baseline declares no guest routes)."""
        self.pool.update(
            allow_unauthenticated=True,
            unauthenticated_role=self.add_role("app-guest", *tails, amr="unauthenticated"),
        )
        self.declared_pool.update(
            allow_unauthenticated=True, unauthenticated_role=role("app-guest")
        )

    def add_client(
        self, client_id: str, mapping: dict[str, Any] | None = None, *, accepted: bool = True
    ) -> str:
        """Another app client of the user pool (`write_attributes` unset), accepted by the
        identity pool as a sign-in path with this role mapping (None: "use default role");
        returns its RoleMappings key."""
        key = f"{PROVIDER}:{client_id}"
        self.snapshot["user_pool"].setdefault("clients", []).append({"id": client_id})
        if accepted:
            self.pool["providers"].append({"provider_name": PROVIDER, "client_id": client_id})
        if mapping is not None:
            self.pool["role_mappings"][key] = mapping
        return key

    def rules_mapping(self, *rules: tuple[str, str, str, str], key: str = MAPPING_KEY) -> None:
        """A Rules mapping (claim, match type, value, role name) for a sign-in path."""
        self.pool["role_mappings"][key] = {
            "type": "Rules",
            "ambiguous_role_resolution": "AuthenticatedRole",
            "rules": [
                {"claim": c, "match_type": m, "value": v, "role_arn": role(r)}
                for c, m, v, r in rules
            ],
        }

    def fail_read(self, service: str, operation: str) -> None:
        """A read that failed after retries: the snapshot is incomplete."""
        self.snapshot["errors"].append(
            {"service": service, "operation": operation, "message": "AccessDenied"}
        )

    # --- the declared side -------------------------------------------------------------------
    @property
    def declared_pool(self) -> dict[str, Any]:
        pool: dict[str, Any] = self.baseline["identity_pool"]
        return pool

    def declared_group(self, name: str) -> dict[str, Any]:
        group: dict[str, Any] = self.baseline["groups"][name]
        return group

    def declare_claim(self, key: str, role_name: str, *routes: str) -> None:
        self.baseline.setdefault("claims", {})[key] = {"role": role(role_name), "routes": [*routes]}

    def declared_routes(self, persona: str) -> list[str]:
        """`all_users`, `default`, `unauthenticated` or a group's name: its list, to extend."""
        if persona in self.baseline["routes"]:
            routes: list[str] = self.baseline["routes"][persona]
        else:
            routes = self.declared_group(persona)["routes"]
        return routes

    # --- the audit ---------------------------------------------------------------------------
    def report(self, config_change: ConfigChange | None = None) -> Report:
        """The audit of this app; with `config_change`, as the run after one that saw it."""
        return audit(
            Snapshot.model_validate(self.snapshot),
            Baseline.model_validate(self.baseline),
            config_change,
        )


def small_app() -> SmallApp:
    """A fresh clean SmallApp."""
    grants = {
        "app-default": ["GET/items", "GET/me"],
        "app-admin": ["GET/items", "*/admin/*"],
        "app-editors": ["GET/items", "GET/administrators"],
    }
    app = SmallApp(
        snapshot={
            "region": REGION,
            "account_id": ACCOUNT,
            "target": {
                "user_pool": {"id": USER_POOL},
                "identity_pool": {"id": POOL},
                "apis": [{"id": API, "stage": STAGE}],
            },
            "user_pool": {
                "id": USER_POOL,
                "name": "users",
                "arn": USER_POOL_ARN,
                "groups": [],
                "clients": [{"id": CLIENT, "name": "web"}],
            },
            "identity_pool": {
                "id": POOL,
                "name": "ids",
                "providers": [{"provider_name": PROVIDER, "client_id": CLIENT}],
                "authenticated_role": DEFAULT_ROLE,
                "role_mappings": {
                    MAPPING_KEY: {"type": "Token", "ambiguous_role_resolution": "AuthenticatedRole"}
                },
            },
            "roles": {},
            "apis": [{"id": API, "name": "app", "kind": "REST", "stages": [STAGE], "routes": []}],
            "errors": [],
        },
        baseline={
            "version": 1,
            "region": REGION,
            "user_pool": {"id": USER_POOL},
            "identity_pool": {
                "id": POOL,
                "role_resolution": "token",
                "ambiguous_role_resolution": "AuthenticatedRole",
                "authenticated_role": DEFAULT_ROLE,
                "unauthenticated_role": None,
                "allow_unauthenticated": False,
                "allow_classic_flow": False,
            },
            "apis": [{"id": API, "stage": STAGE}],
            "public_routes": ["GET /health"],
            "routes": {"all_users": ["GET /items"], "default": ["GET /me"], "unauthenticated": []},
            "groups": {
                "admin": {"precedence": 0, "role": role("app-admin"), "routes": ["* /admin/*"]},
                "editors": {
                    "precedence": 10,
                    "role": role("app-editors"),
                    "routes": ["GET /administrators"],
                },
            },
        },
    )
    for name, tails in grants.items():
        app.add_role(name, *tails)
    app.add_group("admin", "app-admin", 0)
    app.add_group("editors", "app-editors", 10)
    app.add_route("GET /health", "NONE")
    for route in ("GET /items", "GET /me", "GET /admin/users", "GET /administrators"):
        app.add_route(route)
    return app
