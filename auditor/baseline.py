"""The declared baseline (CONTRACT §2): who must reach which route, and how Cognito is set up."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auditor.snapshot import ApiRef, PoolRef

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
DEFAULT_ROUTE = "$default"


class RoutePattern(BaseModel):
    """`METHOD PATH`, parsed once. PATH ending in `/*` covers every route beneath it."""

    model_config = ConfigDict(frozen=True)

    raw: str
    method: str  # an HTTP verb, ANY, or "*"
    path: str  # the template, or the prefix (with its trailing "/") when `beneath` is set
    beneath: bool = False

    @classmethod
    def parse(cls, text: str) -> RoutePattern:
        text = text.strip()
        if text == DEFAULT_ROUTE:
            return cls(raw=text, method="ANY", path=DEFAULT_ROUTE)
        parts = text.split()
        if len(parts) != 2:
            raise ValueError(f"route pattern {text!r} is not 'METHOD PATH'")
        method, path = parts[0].upper(), parts[1]
        if method not in (*HTTP_METHODS, "ANY", "*"):
            raise ValueError(f"route pattern {text!r}: unknown method {parts[0]!r}")
        if not path.startswith("/"):
            raise ValueError(f"route pattern {text!r}: path must start with '/'")
        if path.endswith("/*"):
            return cls(raw=text, method=method, path=path[:-1], beneath=True)
        if "*" in path:
            raise ValueError(f"route pattern {text!r}: '*' is only allowed as a final '/*'")
        return cls(raw=text, method=method, path=path)

    @property
    def has_wildcard(self) -> bool:
        return self.beneath or self.method == "*"

    def covers(self, method: str, path: str) -> bool:
        """Does this pattern name the live route `method path` (a template, not a request)?"""
        if self.method != "*" and self.method != method.upper():
            return False
        if self.beneath:
            return path.startswith(self.path)
        return path == self.path

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
    source: str = Field(default="<baseline>", exclude=True)  # file it came from, for messages

    _patterns = field_validator("public_routes", mode="before")(_parse_patterns)

    def declared_routes(self, persona: str) -> list[RoutePattern]:
        """The routes a persona must reach (CONTRACT §2)."""
        if persona == "unauthenticated":
            return list(self.routes.unauthenticated)
        if persona == "default":
            return [*self.routes.all_users, *self.routes.default]
        group = self.groups.get(persona.removeprefix("group:"))
        return [*self.routes.all_users, *(group.routes if group else [])]

    def all_patterns(self) -> list[RoutePattern]:
        patterns = [*self.public_routes, *self.routes.all_users, *self.routes.default,
                    *self.routes.unauthenticated]
        for group in self.groups.values():
            patterns.extend(group.routes)
        return patterns
