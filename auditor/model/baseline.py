"""The declared baseline (CONTRACT §2, §6.1): who must reach which route, and how Cognito is
set up. Reading and validating a baseline file is baseline_file.py."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auditor.model.accepted import AcceptedRisk
from auditor.model.http import DEFAULT_ROUTE
from auditor.model.personas import DEFAULT, UNAUTHENTICATED, claim_name, member_groups
from auditor.model.refs import ApiRef, PoolRef
from auditor.model.route_grammar import route_pattern_problem, shown


class RoutePattern(BaseModel):
    """`METHOD PATH`, parsed once. PATH ending in `/*` covers every route beneath it."""

    model_config = ConfigDict(frozen=True)

    raw: str
    method: str  # an HTTP verb, ANY, or "*"
    path: str  # the template, or the prefix (with its trailing "/") when `beneath` is set
    beneath: bool = False

    @classmethod
    def parse(cls, text: str) -> RoutePattern:
        """The pattern `text` writes; ValueError saying which part is wrong (route_grammar)."""
        problem = route_pattern_problem(text)
        if problem is not None:
            raise ValueError(f"{shown(text)} is not a route pattern: {problem}")
        if text == DEFAULT_ROUTE:
            return cls(raw=text, method="ANY", path=DEFAULT_ROUTE)
        method, path = text.split(" ", 1)
        if path.endswith("/*"):
            return cls(raw=text, method=method, path=path[:-1], beneath=True)
        return cls(raw=text, method=method, path=path)

    @property
    def has_wildcard(self) -> bool:
        return self.beneath or self.method == "*"

    def __str__(self) -> str:
        return self.raw


def _parse_patterns(value: object) -> object:
    if isinstance(value, list):
        return [RoutePattern.parse(v) if isinstance(v, str) else v for v in value]
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IdentityPoolBaseline(_Model):
    id: str | None = None
    name: str | None = None
    role_resolution: Literal["token", "rules", "default"] | None = None
    ambiguous_role_resolution: Literal["AuthenticatedRole", "Deny"] | None = None
    authenticated_role: str | None = None
    unauthenticated_role: str | None = None
    allow_unauthenticated: bool = False
    allow_classic_flow: bool = False
    # The app clients users sign in with; None: every client the identity pool accepts.
    app_clients: list[str] | None = None

    @property
    def ref(self) -> PoolRef:
        return PoolRef(id=self.id, name=self.name)

    def declares(self, field: str) -> bool:
        """Was the field written in the file? An omitted field is not asserted."""
        return field in self.model_fields_set


class GroupBaseline(_Model):
    precedence: int | None = None
    role: str | None = None
    routes: list[RoutePattern] = []

    _patterns = field_validator("routes", mode="before")(_parse_patterns)

    def declares(self, field: str) -> bool:
        return field in self.model_fields_set


class ClaimBaseline(_Model):
    """A Rules-mapping rule on a claim other than cognito:groups: its role and routes."""

    role: str | None = None
    routes: list[RoutePattern] = []

    _patterns = field_validator("routes", mode="before")(_parse_patterns)

    def declares(self, field: str) -> bool:
        return field in self.model_fields_set


class RoutesBaseline(_Model):
    all_users: list[RoutePattern] = []
    default: list[RoutePattern] = []
    unauthenticated: list[RoutePattern] = []

    _patterns = field_validator("all_users", "default", "unauthenticated", mode="before")(
        _parse_patterns
    )


class Baseline(_Model):
    version: Literal[1]
    region: str | None = None
    user_pool: PoolRef
    identity_pool: IdentityPoolBaseline
    apis: list[ApiRef] = []
    public_routes: list[RoutePattern] = []
    routes: RoutesBaseline = RoutesBaseline()
    groups: dict[str, GroupBaseline] = {}
    claims: dict[str, ClaimBaseline] = {}  # by `<Claim> <MatchType> <Value>`
    accepted: list[AcceptedRisk] = []  # CONTRACT §6.2; see accepted.py
    source: str = Field(default="<baseline>", exclude=True)  # file it came from, for messages

    _patterns = field_validator("public_routes", mode="before")(_parse_patterns)

    def declared_routes(self, persona: str) -> list[RoutePattern]:
        """The routes a persona must reach (CONTRACT §2): its own, and all_users' unless a
        guest."""
        own = self.own_routes(persona)
        return own if persona == UNAUTHENTICATED else [*self.routes.all_users, *own]

    def own_routes(self, persona: str) -> list[RoutePattern]:
        """The routes declared for this persona alone, without all_users'."""
        if persona == UNAUTHENTICATED:
            return list(self.routes.unauthenticated)
        if persona == DEFAULT:
            return list(self.routes.default)
        claim = claim_name(persona)
        if claim is not None:
            declared = self.claims.get(claim)
            return list(declared.routes) if declared else []
        # A member of several groups is declared what each of their groups is.
        return [
            pattern
            for name in member_groups(persona)
            if name in self.groups
            for pattern in self.groups[name].routes
        ]

    def path_in_use(self, app_client: str | None) -> bool:
        """Do users sign in through this app client? A resolution that holds for every path
        (app_client None) is in use; so is every client when the baseline lists none."""
        clients = self.identity_pool.app_clients
        return app_client is None or clients is None or app_client in clients

    def all_patterns(self) -> list[RoutePattern]:
        patterns = [
            *self.public_routes,
            *self.routes.all_users,
            *self.routes.default,
            *self.routes.unauthenticated,
        ]
        for group in self.groups.values():
            patterns.extend(group.routes)
        for claim in self.claims.values():
            patterns.extend(claim.routes)
        return patterns
