"""Intrinsic functions resolved against fixed identities: Ref, Fn::GetAtt, Fn::Sub, Fn::Join,
Fn::If (with Conditions over parameter values), Fn::Select, Fn::Split, Fn::FindInMap and the
pseudo parameters. What cannot be known offline (Fn::ImportValue, a parameter without value
or default, an SSM parameter type, a {{resolve:...}} dynamic reference, a function we do not
know, an attribute we do not model, a placeholder pseudo parameter deciding a Condition) is
an Unresolved, never a guess.

Pure and recursion-safe: nesting deeper than MAX_DEPTH, or a Ref/Condition cycle, is an
Unresolved too (CloudFormation refuses such a template; we never raise RecursionError)."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from auditor.model.findings import TemplateLocation
from auditor.template.made_up import made_up_attribute, made_up_ref, service_of, url_suffix
from auditor.template.model import Application, Identities, Resource, Unresolved

MAX_DEPTH = 64
NO_VALUE = "AWS::NoValue"
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# A dynamic reference, {{resolve:ssm:name}}: CloudFormation reads it from SSM or Secrets
# Manager at deploy.
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:([a-z-]+):([^}]*)\}\}")
_SSM_PARAMETER = "AWS::SSM::Parameter::Value<"
_WHY_ASSUMED = {
    "AWS::StackName": "the stack name is known only at deploy: give --stack-name",
    "AWS::StackId": "the stack id is known only at deploy",
    "AWS::Region": "the region is known only at deploy: give --region",
    "AWS::AccountId": "the account is known only at deploy: give --account-id",
}


class _Cannot(Exception):
    """A value that cannot be known offline: becomes an Unresolved at the outermost call."""

    def __init__(self, reason: str, where: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.where = where


class _Removed:
    """Ref AWS::NoValue: the key or item holding it is dropped."""


_REMOVED = _Removed()


def plain(value: Any) -> Any:
    """A decoded value without cfn-lint's node classes (plain dict, list, str)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return _as_written(value)


def _as_written(value: Any) -> Any:
    """An unquoted `Version: 2012-10-17` is a date to YAML and text to CloudFormation (its
    parser keeps scalars as written): the date goes back to its text."""
    return value.isoformat() if isinstance(value, datetime.date) else value


class Resolver:
    """Resolves values of one Application with one set of Identities.

    A pseudo parameter Identities lists as assumed (a placeholder: no --stack-name, say)
    resolves to its placeholder in names and ARNs, where it only makes ids up, but is
    Unresolved while a Condition or Fn::Equals is decided: which resources exist must not
    rest on a made-up stack name."""

    def __init__(self, app: Application, identities: Identities) -> None:
        self.app = app
        self.identities = identities
        self._conditions: dict[str, bool | _Cannot] = {}
        self._in_progress: set[str] = set()  # conditions and physical ids being worked out
        self._deciding = 0  # > 0 while a Condition or Fn::Equals is evaluated
        self._functions: dict[str, Callable[[Any, int], Any]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::If": self._if,
            "Fn::Equals": self._equals,
            "Fn::And": self._and,
            "Fn::Or": self._or,
            "Fn::Not": self._not,
            "Condition": lambda name, depth: self._condition(self._text(name, depth), depth),
            "Fn::ImportValue": self._import_value,
            "Fn::GetAZs": self._get_azs,
            "Fn::Base64": lambda v, depth: base64.b64encode(self._text(v, depth).encode()).decode(),
            "Fn::Cidr": self._cidr,
            "Fn::Length": lambda v, depth: len(self._list(v, depth)),
            "Fn::ToJsonString": lambda v, depth: json.dumps(self._value(v, depth)),
        }

    # --- the interface ------------------------------------------------------------------
    def resolve(
        self, value: Any, resource: Resource, field: str, *, service: str | None = None
    ) -> Any | Unresolved:
        """`value` (a property of `resource`, found at `field`, e.g. "Properties.RoleArn")
        with every intrinsic function replaced by its value; an Unresolved naming the first
        one that cannot be (`service`: the snapshot section it leaves unknown, by default
        the one the resource's type fills). A value that is AWS::NoValue resolves to None."""
        try:
            resolved = self._value(value, 0)
        except _Cannot as cannot:
            return Unresolved(
                location=resource.location,
                field=field + cannot.where,
                reason=cannot.reason,
                service=service or service_of(resource.type),
            )
        return None if resolved is _REMOVED else resolved

    def condition_holds(self, name: str) -> bool | Unresolved:
        """Whether the Condition `name` holds with the parameter values."""
        try:
            return self._condition(name, 0)
        except _Cannot as cannot:
            first = next(iter(self.app.resources.values()), None)
            location = (
                first.location
                if first
                else TemplateLocation(path=self.app.files[0], logical_id=name, line=1)
            )
            return Unresolved(location, f"Conditions.{name}", cannot.reason, "iam")

    def physical_id(self, logical_id: str) -> str | Unresolved:
        """What `Ref` returns for a resource: adopted (Identities.physical) or made up."""
        resource = self.app.resources.get(logical_id)
        if resource is None:
            raise ValueError(f"{logical_id} is not a resource of the application")
        try:
            return self._physical(logical_id, 0)
        except _Cannot as cannot:
            return Unresolved(resource.location, "Ref", cannot.reason, service_of(resource.type))

    def attribute(self, logical_id: str, name: str) -> str | Unresolved:
        """What `Fn::GetAtt logical_id.name` returns."""
        resource = self.app.resources[logical_id]
        try:
            return self._attribute(logical_id, name, 0)
        except _Cannot as cannot:
            return Unresolved(
                resource.location, f"Fn::GetAtt {name}", cannot.reason, service_of(resource.type)
            )

    # --- values -------------------------------------------------------------------------
    def _value(self, value: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _Cannot(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, Mapping):
            if len(value) == 1:
                (key,) = value
                function = self._functions.get(str(key))
                # {"Condition": name} is a function only inside conditions; a policy's
                # Condition block is a mapping.
                if function is not None and (key != "Condition" or isinstance(value[key], str)):
                    return function(value[key], depth + 1)
            # No property is named Fn::: a function we do not know (Fn::Transform,
            # Fn::ForEach::Name, a new one) would otherwise pass through as data.
            unknown = next((str(k) for k in value if str(k).startswith("Fn::")), None)
            if unknown is not None:
                raise _Cannot(f"{unknown} is not resolved offline")
            resolved: dict[str, Any] = {}
            for key, item in value.items():
                try:
                    got = self._value(item, depth + 1)
                except _Cannot as cannot:
                    cannot.where = f".{key}{cannot.where}"
                    raise
                if got is not _REMOVED:
                    resolved[str(key)] = got
            return resolved
        if isinstance(value, list):
            items = []
            for index, item in enumerate(value):
                try:
                    got = self._value(item, depth + 1)
                except _Cannot as cannot:
                    cannot.where = f"[{index}]{cannot.where}"
                    raise
                if got is not _REMOVED:
                    items.append(got)
            return items
        if isinstance(value, str):
            return _static(str(value))
        return _as_written(value)

    def _text(self, value: Any, depth: int) -> str:
        resolved = self._value(value, depth)
        if isinstance(resolved, bool):
            return "true" if resolved else "false"
        if isinstance(resolved, str | int | float):
            return str(resolved)
        raise _Cannot(f"expected text, found {type(resolved).__name__}")

    def _list(self, value: Any, depth: int) -> list[Any]:
        resolved = self._value(value, depth)
        if not isinstance(resolved, list):
            raise _Cannot(f"expected a list, found {type(resolved).__name__}")
        return resolved

    def _args(self, value: Any, depth: int, count: int, function: str) -> list[Any]:
        """The argument list of `function`, itself resolved (it may be a Ref to a list)."""
        if not isinstance(value, list) or len(value) != count:
            raise _Cannot(f"{function} takes a list of {count}")
        return value

    # --- Ref and GetAtt -----------------------------------------------------------------
    def _ref(self, name: Any, depth: int) -> Any:
        name = self._text(name, depth)
        pseudo = self._pseudo(name)
        if pseudo is not None:
            if self._deciding and name in self.identities.assumed:
                raise _Cannot(f"Ref {name}: {_WHY_ASSUMED.get(name, 'a placeholder')}")
            return pseudo
        if name in self.app.parameters:
            return self._parameter(name)
        if name in self.app.resources:
            return self._physical(name, depth)
        raise _Cannot(f"Ref {name}: not a parameter or resource of the application")

    def _pseudo(self, name: str) -> Any:
        ids = self.identities
        return {
            "AWS::AccountId": ids.account_id,
            "AWS::Region": ids.region,
            "AWS::Partition": ids.partition,
            "AWS::StackName": ids.stack_name,
            "AWS::StackId": (
                f"arn:{ids.partition}:cloudformation:{ids.region}:{ids.account_id}:"
                f"stack/{ids.stack_name}/00000000-0000-0000-0000-000000000000"
            ),
            "AWS::URLSuffix": url_suffix(ids),
            "AWS::NotificationARNs": [],
            NO_VALUE: _REMOVED,
        }.get(name)

    def _parameter(self, name: str) -> Any:
        declared = self.app.parameters[name]
        kind = str(declared.get("Type", "String")) if isinstance(declared, Mapping) else "String"
        if kind.startswith(_SSM_PARAMETER):
            # Its Default or --parameter value names the SSM parameter; CloudFormation reads
            # the value at deploy.
            where = self.app.parameter_values.get(name)
            if where is None and isinstance(declared, Mapping):
                where = declared.get("Default")
            raise _Cannot(
                f"parameter {name} is read from SSM parameter {where or '(unnamed)'} at deploy"
            )
        if name in self.app.parameter_values:
            value: Any = self.app.parameter_values[name]
        elif isinstance(declared, Mapping) and "Default" in declared:
            value = plain(declared["Default"])
        else:
            raise _Cannot(f"parameter {name} has neither a --parameter value nor a Default")
        if (kind == "CommaDelimitedList" or kind.startswith("List<")) and isinstance(value, str):
            return [item.strip() for item in value.split(",")]
        return value

    def _physical(self, logical_id: str, depth: int) -> str:
        adopted = self.identities.physical.get(logical_id)
        if adopted is not None:
            return adopted
        key = f"Ref {logical_id}"
        if key in self._in_progress:
            raise _Cannot(f"Ref {logical_id} depends on itself")
        self._in_progress.add(key)
        try:
            return self._made_up(self.app.resources[logical_id], depth)
        finally:
            self._in_progress.discard(key)

    def _named(self, resource: Resource, prop: str, depth: int) -> str | None:
        value = resource.properties.get(prop)
        return None if value is None else self._text(value, depth + 1)

    def _made_up(self, resource: Resource, depth: int) -> str:
        return made_up_ref(resource, self.identities, lambda p: self._named(resource, p, depth))

    def _get_att(self, value: Any, depth: int) -> str:
        if isinstance(value, str):
            logical_id, _, name = value.partition(".")
        elif isinstance(value, list) and len(value) == 2:
            logical_id, name = str(value[0]), self._text(value[1], depth)
        else:
            raise _Cannot("Fn::GetAtt takes [LogicalId, Attribute]")
        if logical_id not in self.app.resources:
            raise _Cannot(f"Fn::GetAtt {logical_id}.{name}: not a resource of the application")
        return self._attribute(str(logical_id), str(name), depth)

    def _attribute(self, logical_id: str, name: str, depth: int) -> str:
        given = self.identities.attributes.get((logical_id, name))
        if given is not None:
            return given
        resource = self.app.resources[logical_id]
        ref = self._physical(logical_id, depth)
        found = made_up_attribute(
            resource, name, ref, self.identities, lambda p: self._named(resource, p, depth)
        )
        if found is None:
            raise _Cannot(f"Fn::GetAtt {logical_id}.{name}: attribute not known before deploy")
        return found

    # --- string and list functions ------------------------------------------------------
    def _sub(self, value: Any, depth: int) -> str:
        if isinstance(value, list):
            if len(value) != 2 or not isinstance(value[1], Mapping):
                raise _Cannot("Fn::Sub takes a string, or [string, {variables}]")
            text, variables = value[0], value[1]
        else:
            text, variables = value, {}
        if not isinstance(text, str):
            raise _Cannot("Fn::Sub's string is not text")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"  # ${!Literal} is written as ${Literal}
            if name in variables:
                return self._text(variables[name], depth)
            if "." in name and not name.startswith("AWS::"):
                logical_id, _, attribute = name.partition(".")
                return self._get_att([logical_id, attribute], depth)
            return self._text({"Ref": name}, depth)

        return _static(_SUB_VARIABLE.sub(replace, text))

    def _join(self, value: Any, depth: int) -> str:
        delimiter, items = self._args(value, depth, 2, "Fn::Join")
        return _static(
            self._text(delimiter, depth).join(
                self._text(i, depth) for i in self._list(items, depth)
            )
        )

    def _select(self, value: Any, depth: int) -> Any:
        index, items = self._args(value, depth, 2, "Fn::Select")
        position, listed = self._text(index, depth), self._list(items, depth)
        if not position.isdigit() or int(position) >= len(listed):
            raise _Cannot(f"Fn::Select index {position} outside a list of {len(listed)}")
        return listed[int(position)]

    def _split(self, value: Any, depth: int) -> list[str]:
        delimiter, text = self._args(value, depth, 2, "Fn::Split")
        return self._text(text, depth).split(self._text(delimiter, depth))

    def _find_in_map(self, value: Any, depth: int) -> Any:
        if not isinstance(value, list) or len(value) not in (3, 4):
            raise _Cannot("Fn::FindInMap takes [Map, TopKey, SecondKey]")
        keys = [self._text(v, depth) for v in value[:3]]
        found: Any = self.app.mappings
        for key in keys:
            if not isinstance(found, Mapping) or key not in found:
                if len(value) == 4:  # the language extension's DefaultValue
                    return self._value(value[3], depth)
                raise _Cannot(f"Fn::FindInMap {'.'.join(keys)}: not in Mappings")
            found = found[key]
        return self._value(found, depth)

    def _import_value(self, value: Any, depth: int) -> Any:
        try:
            name = self._text(value, depth)
        except _Cannot:
            name = "(a computed name)"
        raise _Cannot(f"Fn::ImportValue {name} cannot be resolved before deploy")

    def _get_azs(self, value: Any, depth: int) -> Any:
        raise _Cannot("Fn::GetAZs: the account's availability zones are not known offline")

    def _cidr(self, value: Any, depth: int) -> list[str]:
        block, count, bits = self._args(value, depth, 3, "Fn::Cidr")
        try:
            network = ipaddress.ip_network(self._text(block, depth), strict=False)
            prefix = network.max_prefixlen - int(self._text(bits, depth))
            subnets = network.subnets(new_prefix=prefix)
            return [str(next(subnets)) for _ in range(int(self._text(count, depth)))]
        except (ValueError, StopIteration) as exc:
            raise _Cannot(f"Fn::Cidr: {exc or 'too many subnets'}") from None

    # --- conditions ---------------------------------------------------------------------
    def _condition(self, name: str, depth: int) -> bool:
        known = self._conditions.get(name)
        if isinstance(known, _Cannot):
            raise _Cannot(known.reason)
        if known is not None:
            return known
        if name not in self.app.conditions:
            raise _Cannot(f"condition {name} is not defined")
        key = f"Condition {name}"
        if key in self._in_progress:
            raise _Cannot(f"condition {name} depends on itself")
        self._in_progress.add(key)
        self._deciding += 1
        try:
            held = self._truth(self.app.conditions[name], depth + 1)
        except _Cannot as cannot:
            self._conditions[name] = cannot
            raise
        finally:
            self._deciding -= 1
            self._in_progress.discard(key)
        self._conditions[name] = held
        return held

    def _truth(self, value: Any, depth: int) -> bool:
        resolved = self._value(value, depth)
        if isinstance(resolved, bool):
            return resolved
        if isinstance(resolved, str) and resolved.lower() in ("true", "false"):
            return resolved.lower() == "true"
        raise _Cannot(f"a condition is not true or false: {resolved!r}")

    def _if(self, value: Any, depth: int) -> Any:
        name, then, otherwise = self._args(value, depth, 3, "Fn::If")
        chosen = then if self._condition(self._text(name, depth), depth) else otherwise
        return self._value(chosen, depth)

    def _equals(self, value: Any, depth: int) -> bool:
        left, right = self._args(value, depth, 2, "Fn::Equals")
        self._deciding += 1
        try:
            return bool(self._comparable(left, depth) == self._comparable(right, depth))
        finally:
            self._deciding -= 1

    def _comparable(self, value: Any, depth: int) -> Any:
        resolved = self._value(value, depth)
        return resolved if isinstance(resolved, list | dict) else self._text(resolved, depth)

    def _and(self, value: Any, depth: int) -> bool:
        return all(self._truth(v, depth) for v in self._operands(value, "Fn::And"))

    def _or(self, value: Any, depth: int) -> bool:
        return any(self._truth(v, depth) for v in self._operands(value, "Fn::Or"))

    def _not(self, value: Any, depth: int) -> bool:
        (operand,) = self._args(value, depth, 1, "Fn::Not")
        return not self._truth(operand, depth)

    @staticmethod
    def _operands(value: Any, function: str) -> list[Any]:
        if not isinstance(value, list) or not 2 <= len(value) <= 10:
            raise _Cannot(f"{function} takes a list of 2 to 10 conditions")
        return value


def _static(text: str) -> str:
    """`text`, unless CloudFormation replaces part of it at deploy (a dynamic reference)."""
    found = _DYNAMIC_REFERENCE.search(text)
    if found:
        raise _Cannot(f"{{{{resolve:{found.group(1)}:...}}}} is read at deploy ({found.group(2)})")
    return text
