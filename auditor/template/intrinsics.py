"""Intrinsic functions resolved against fixed identities: Ref, Fn::GetAtt, Fn::Sub, Fn::Join,
Fn::If (with Conditions over parameter values), Fn::Select, Fn::Split, Fn::FindInMap and the
pseudo parameters. What cannot be known offline (Fn::ImportValue, a parameter without value
or default, an attribute we do not model) is an Unresolved, never a guess."""

from __future__ import annotations

from typing import Any

from auditor.template.model import Application, Identities, Resource, Unresolved


class Resolver:
    """Resolves values of one Application with one set of Identities."""

    def __init__(self, app: Application, identities: Identities) -> None:
        self.app = app
        self.identities = identities

    def resolve(self, value: Any, resource: Resource, field: str) -> Any | Unresolved:
        """`value` (a property of `resource`, found at `field`, e.g. "Properties.RoleArn")
        with every intrinsic function replaced by its value; an Unresolved naming the first
        one that cannot be."""
        raise NotImplementedError

    def condition_holds(self, name: str) -> bool | Unresolved:
        """Whether the Condition `name` holds with the parameter values."""
        raise NotImplementedError
