"""What the build_* helpers share: the application's deployed resources, values resolved
through one Resolver, and every Unresolved met on the way (the snapshot's errors)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from auditor.model.errors import InputError
from auditor.model.inputs import validation_problem
from auditor.template.intrinsics import Resolver
from auditor.template.made_up import service_of
from auditor.template.model import Application, Identities, Resource, Unresolved


class Unknown(Exception):
    """A value needed for an entity is unresolved (already recorded): the entity is left
    out, and the section it belongs to is incomplete."""


@dataclass
class BuildContext:
    app: Application
    identities: Identities
    resolver: Resolver
    unresolved: list[Unresolved] = field(default_factory=list)
    _deployed: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, app: Application, identities: Identities) -> BuildContext:
        return cls(app, identities, Resolver(app, identities), list(app.unresolved))

    def of_type(self, *types: str) -> Iterator[Resource]:
        """The deployed resources of these types, in the order the files give them."""
        for resource in self.app.resources.values():
            if resource.type in types and self.deployed(resource):
                yield resource

    def deployed(self, resource: Resource) -> bool:
        """False where the resource's Condition is false; an undecidable one is recorded
        (the resource may or may not exist) and the resource left out."""
        known = self._deployed.get(resource.logical_id)
        if known is not None:
            return known
        held: bool | Unresolved = True
        if resource.condition is not None:
            held = self.resolver.condition_holds(resource.condition)
        if isinstance(held, Unresolved):
            self.miss(resource, "Condition", f"condition {resource.condition}: {held.reason}")
            held = False
        self._deployed[resource.logical_id] = held
        return held

    def value(self, resource: Resource, prop: str, default: Any = None) -> Any:
        """Properties.`prop` resolved (`default` where absent or AWS::NoValue); Unknown
        (recorded) where it cannot be."""
        raw = resource.properties.get(prop)
        if raw is None:
            return default
        resolved = self.resolved(resource, raw, f"Properties.{prop}")
        return default if resolved is None else resolved

    def resolved(self, resource: Resource, value: Any, field_name: str) -> Any:
        """`value` (of `resource`, at `field_name`) resolved; Unknown (recorded) where it
        cannot be."""
        resolved = self.resolver.resolve(value, resource, field_name)
        if isinstance(resolved, Unresolved):
            self.unresolved.append(resolved)
            raise Unknown
        return resolved

    def ref(self, resource: Resource) -> str:
        found = self.resolver.physical_id(resource.logical_id)
        if isinstance(found, Unresolved):
            self.unresolved.append(found)
            raise Unknown
        return found

    def attribute(self, resource: Resource, name: str) -> str:
        found = self.resolver.attribute(resource.logical_id, name)
        if isinstance(found, Unresolved):
            self.unresolved.append(found)
            raise Unknown
        return found

    def miss(self, resource: Resource, field_name: str, reason: str, service: str = "") -> None:
        """Record what cannot be known about `resource`."""
        self.unresolved.append(
            Unresolved(resource.location, field_name, reason, service or service_of(resource.type))
        )


def bad_input(resource: Resource, field_name: str, problem: str) -> InputError:
    """A value CloudFormation would refuse: exit 2 naming the file, resource and line."""
    where = resource.location
    return InputError(
        where.path, f"Resources.{where.logical_id}.{field_name}", f"line {where.line}: {problem}"
    )


def refused(resource: Resource, exc: ValidationError | ValueError) -> InputError:
    """A snapshot model refusing a value of `resource`, as one line."""
    problem = (
        validation_problem(exc) if isinstance(exc, ValidationError) else " ".join(str(exc).split())
    )
    return bad_input(resource, "Properties", problem)


def as_bool(resource: Resource, field_name: str, value: Any) -> bool:
    """CloudFormation booleans: true/false, or their text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad_input(resource, field_name, f"expected true or false, found {value!r}")


def as_list(resource: Resource, field_name: str, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_input(resource, field_name, "expected a list")
    return value


def as_mapping(resource: Resource, field_name: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_input(resource, field_name, "expected a mapping")
    return value
