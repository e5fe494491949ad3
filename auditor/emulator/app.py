"""The seed thread's app, described once as its team means it: who must reach which route.

An `App` is the intent: the APIs and their routes, the routes every signed-in user, a user in
no group and each group must reach. From it come both halves of a clean audit: `spec()`, the
environment to seed, whose policies grant exactly the declared routes, and `baseline()`, the
baseline that declares them. Every seeded world (the demo, the end-to-end suite, the collector
tests, the collection benchmark) starts from `seed_thread_app` and varies it: the demo by
making five mistakes in the spec, the others by adding what their purpose needs.

Conventions the worlds share: the default role is `app-default` with an inline policy `me`;
the role of group `g` is `app-g` with an inline policy `g`; every role also carries the
managed policy `app-all-users`. A REST API grants on its first stage (the audited one), an
HTTP API on every stage.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from auditor.emulator.documents import (
    ACCOUNT_PLACEHOLDER,
    REGION_PLACEHOLDER,
    Document,
    api_id_placeholder,
    invoke_arns,
)
from auditor.emulator.seed import Seeded
from auditor.emulator.spec import (
    EnvironmentSpec,
    GroupSpec,
    HttpApiSpec,
    IdentityPoolSpec,
    ManagedPolicySpec,
    RestApiSpec,
    RoleMappingSpec,
    RoleSpec,
    UserPoolSpec,
)

ALL_USERS_POLICY = "app-all-users"
DEFAULT_ROLE = "app-default"
DEFAULT_POLICY = "me"
_PARAM = re.compile(r"\{[^/{}]+\}")


@dataclass
class AppGroup:
    name: str
    precedence: int
    routes: list[str] = field(default_factory=list)  # baseline patterns: "* /admin/*"

    @property
    def role(self) -> str:
        return f"app-{self.name}"


@dataclass
class App:
    name: str  # "pets": user pool pets-users, identity pool pets_identities
    rest_apis: list[RestApiSpec] = field(default_factory=list)
    http_apis: list[HttpApiSpec] = field(default_factory=list)
    public_routes: list[str] = field(default_factory=list)
    all_users: list[str] = field(default_factory=list)
    default: list[str] = field(default_factory=list)
    groups: list[AppGroup] = field(default_factory=list)

    def group(self, name: str) -> AppGroup:
        return next(g for g in self.groups if g.name == name)

    def rest_api(self, name: str) -> RestApiSpec:
        return next(a for a in self.rest_apis if a.name == name)

    def spec(self) -> EnvironmentSpec:
        """The app as the intent says it is live; a fresh copy, free to vary."""
        shared = [ALL_USERS_POLICY] if self.all_users else []
        roles = [
            RoleSpec(
                DEFAULT_ROLE,
                managed=list(shared),
                inline=self._inline(DEFAULT_POLICY, self.default),
            )
        ]
        roles += [
            RoleSpec(g.role, managed=list(shared), inline=self._inline(g.name, g.routes))
            for g in self.groups
        ]
        return EnvironmentSpec(
            managed_policies=[
                ManagedPolicySpec(ALL_USERS_POLICY, self.grants(self.all_users, sid="AllUsers"))
            ]
            if self.all_users
            else [],
            roles=roles,
            user_pool=UserPoolSpec(
                name=f"{self.name}-users",
                groups=[
                    GroupSpec(g.name, role=g.role, precedence=g.precedence) for g in self.groups
                ],
            ),
            identity_pool=IdentityPoolSpec(
                name=f"{self.name}_identities",
                authenticated_role=DEFAULT_ROLE,
                mappings=[
                    RoleMappingSpec(type="Token", ambiguous_role_resolution="AuthenticatedRole")
                ],
            ),
            rest_apis=copy.deepcopy(self.rest_apis),
            http_apis=copy.deepcopy(self.http_apis),
        )

    def baseline(self, seeded: Seeded) -> dict[str, Any]:
        """The baseline the team wrote: the intent, naming what `seeded` created."""
        roles = seeded.role_arns
        return {
            "version": 1,
            "region": seeded.region,
            "user_pool": {"id": seeded.user_pool_id},
            "identity_pool": {
                "id": seeded.identity_pool_id,
                "role_resolution": "token",
                "ambiguous_role_resolution": "AuthenticatedRole",
                "authenticated_role": roles[DEFAULT_ROLE],
                "unauthenticated_role": None,
                "allow_unauthenticated": False,
                "allow_classic_flow": False,
            },
            "apis": [
                {"id": seeded.api_ids[api.name], "stage": api.stages[0]} for api in self._apis()
            ],
            "public_routes": list(self.public_routes),
            "routes": {
                "all_users": list(self.all_users),
                "default": list(self.default),
                "unauthenticated": [],
            },
            "groups": {
                g.name: {
                    "precedence": g.precedence,
                    "role": roles[g.role],
                    "routes": list(g.routes),
                }
                for g in self.groups
            },
        }

    def grants(self, patterns: list[str], *, sid: str) -> Document:
        """Allow exactly the routes these baseline patterns name, on every API that has one."""
        arns = [arn for pattern in patterns for arn in self._arns(pattern)]
        return invoke_arns(*arns, sid=sid)

    def _apis(self) -> list[RestApiSpec | HttpApiSpec]:
        return [*self.rest_apis, *self.http_apis]

    def _inline(self, name: str, patterns: list[str]) -> dict[str, Document]:
        return {name: self.grants(patterns, sid=name.capitalize())} if patterns else {}

    def _arns(self, pattern: str) -> list[str]:
        method, path = pattern.split(" ", 1)
        tail = ("*" if method == "ANY" else method) + _PARAM.sub("*", path)
        arns = [
            f"arn:aws:execute-api:{REGION_PLACEHOLDER}:{ACCOUNT_PLACEHOLDER}:"
            f"{api_id_placeholder(api.name)}/{_granted_stage(api)}/{tail}"
            for api in self._apis()
            if any(_names(pattern, route) for route in api.routes)
        ]
        if not arns:
            raise ValueError(f"app {self.name}: no API has a route that {pattern!r} names")
        return arns


def _granted_stage(api: RestApiSpec | HttpApiSpec) -> str:
    return api.stages[0] if isinstance(api, RestApiSpec) else "*"


def _names(pattern: str, route: str) -> bool:
    """Does a baseline pattern name this route key (`GET /items/{id}`; no `$default`)?"""
    method, _, path = pattern.partition(" ")
    verb, _, route_path = route.partition(" ")
    if method not in ("*", verb):
        return False
    if path.endswith("/*"):
        return route_path.startswith(path[:-1])
    return _PARAM.sub("{}", route_path) == _PARAM.sub("{}", path)


def seed_thread_app(name: str, *, rest_api: str) -> App:
    """The app of the seed thread, clean: admins and editors with their own roles, an
    all-users policy, a default role for users in no group, and a REST API whose routes use
    AWS_IAM but for a public health check. `/administrators` is the editors' report route: a
    trap for an admin grant written `/admin*`."""
    return App(
        name=name,
        rest_apis=[
            RestApiSpec(
                rest_api,
                stages=["prod"],
                routes={
                    "GET /health": "NONE",
                    "GET /items": "AWS_IAM",
                    "POST /items": "AWS_IAM",
                    "GET /items/{id}": "AWS_IAM",
                    "DELETE /items/{id}": "AWS_IAM",
                    "GET /me": "AWS_IAM",
                    "GET /admin/users": "AWS_IAM",
                    "POST /admin/users": "AWS_IAM",
                    "GET /administrators": "AWS_IAM",
                },
            )
        ],
        public_routes=["GET /health"],
        all_users=["GET /items", "GET /items/{id}"],
        default=["GET /me"],
        groups=[
            AppGroup("admin", 0, ["* /admin/*", "DELETE /items/{id}"]),
            AppGroup("editors", 10, ["POST /items", "GET /administrators"]),
        ],
    )
