"""Serverless Framework `serverless.yml` -> the CloudFormation resources `serverless deploy`
creates for what the audit reads: the REST API of `http` events (its resources, methods, a
deployment and the stage), the HTTP API of `httpApi` events (routes, `$default` stage), the
Lambda execution role of `provider.iam`, and `resources` as written. Logical ids follow
Serverless's naming (ApiGatewayMethodItemsIdVarGet, HttpApiRouteGetItems); each route points
at its function's events entry, the role at `provider.iam`."""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from auditor.model.errors import InputError
from auditor.model.findings import TemplateLocation
from auditor.template.model import Resource, Unresolved
from auditor.template.serverless_apis import http_api, rest_api
from auditor.template.serverless_events import EventRoute, http_route, rest_route
from auditor.template.serverless_vars import Unknown, Variables

ROLE = "IamRoleLambdaExecution"
_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com"]},
            "Action": ["sts:AssumeRole"],
        }
    ],
}
# The snapshot section a resource type's unresolved value leaves unknown; other types are not
# audited, so what they cannot resolve does not make the report incomplete.
_SERVICE_OF_TYPE = (
    ("AWS::IAM::", "iam"),
    ("AWS::Cognito::IdentityPool", "cognito-identity"),
    ("AWS::Cognito::", "cognito-idp"),
    ("AWS::ApiGatewayV2::", "apigatewayv2"),
    ("AWS::ApiGateway::", "apigateway"),
)
_SECTIONS = ("Conditions", "Outputs", "Mappings", "Parameters")


def convert(
    path: Path,
    decoded: Mapping[str, Any],
    *,
    stage: str | None,
    region: str,
    parameter_values: Mapping[str, str],
) -> tuple[dict[str, Resource], list[Unresolved]]:
    """The resources `serverless deploy` would create from `decoded` (cfn-lint's decoding of
    the serverless.yml at `path`), and what could not be known offline."""
    resources, unresolved, _ = convert_with_sections(
        path, decoded, stage=stage, region=region, parameter_values=parameter_values
    )
    return resources, unresolved


def convert_with_sections(
    path: Path,
    decoded: Mapping[str, Any],
    *,
    stage: str | None,
    region: str,
    parameter_values: Mapping[str, str],
) -> tuple[dict[str, Resource], list[Unresolved], dict[str, Any]]:
    """convert(), plus the Conditions, Outputs, Mappings and Parameters of `resources` (each a
    dict, empty when absent), which intrinsics read."""
    if not isinstance(decoded, Mapping) or "service" not in decoded:
        raise InputError(str(path), "service", "not a serverless.yml: it names no service")
    try:
        return _Converter(path, decoded, stage, region, parameter_values).run()
    except RecursionError:  # a chain of thousands of variables, or as deep a document
        raise InputError(str(path), None, "variables or values nest too deeply") from None


class _Converter:
    def __init__(
        self,
        path: Path,
        decoded: Mapping[str, Any],
        stage: str | None,
        region: str,
        parameter_values: Mapping[str, str],
    ) -> None:
        self.path = path
        self.decoded = decoded
        self.resources: dict[str, Resource] = {}
        self.unresolved: list[Unresolved] = []
        provider = decoded.get("provider") or {}
        if not isinstance(provider, Mapping):
            raise InputError(str(path), "provider", "not a mapping")
        self.provider = provider
        # provider.stage may itself use ${opt:stage, 'dev'}: read it with the default stage,
        # then resolve everything with the stage it names.
        self.vars = Variables(
            path, decoded, stage or "dev", region, parameter_values, stage is not None
        )
        declared = self.provider.get("stage", "dev")
        self.stage = stage or str(
            self._value(declared, self._here("provider"), "provider.stage", "apigateway", "dev")
        )
        self.vars.stage = self.stage
        service = self._value(
            decoded["service"], self._here("service"), "service", "apigateway", "service"
        )
        self.service = str(
            service.get("name", "service") if isinstance(service, Mapping) else service
        )

    def run(self) -> tuple[dict[str, Resource], list[Unresolved], dict[str, Any]]:
        rest, http = [], []
        for function, item, index, kind, event, source in self._events():
            location = TemplateLocation(path=str(source), logical_id=function, line=_line(item))
            where = f"functions.{function}.events[{index}].{kind}"
            service = "apigateway" if kind == "http" else "apigatewayv2"
            value = self._value(event, location, where, service, None)
            if value is None:
                continue
            if kind == "http":
                rest.append(rest_route(value, location, source, where))
            else:
                http.append(http_route(value, location, source, where, self.provider))
        if rest and not self._shared_api("apiGateway", "restApiId", "apigateway", rest):
            self._rest_api(rest)
        if http and not self._shared_api("httpApi", "id", "apigatewayv2", http):
            self._http_api(http)
        if self.decoded.get("functions"):
            self._execution_role()
        sections = self._resources_section()
        return self.resources, self.unresolved, sections

    def _shared_api(self, section: str, key: str, service: str, routes: list[EventRoute]) -> bool:
        """Whether the routes go into an API another stack created (provider.apiGateway.
        restApiId, provider.httpApi.id): its other routes, authorizations and policy are not
        in this file, so that API is unknown here (incomplete), never audited in part."""
        settings = self.provider.get(section)
        if not isinstance(settings, Mapping) or key not in settings:
            return False
        for route in routes:
            reason = (
                f"the route goes into an API this file does not create (provider.{section}.{key})"
            )
            self.unresolved.append(
                Unresolved(route.location, f"provider.{section}.{key}", reason, service)
            )
        return True

    # --- reading -----------------------------------------------------------------------

    def _value(
        self, raw: Any, location: TemplateLocation, field: str, service: str, default: Any
    ) -> Any:
        """`raw` with its variables resolved; `default` and an Unresolved when it cannot be."""
        try:
            return self.vars.resolve(raw)
        except Unknown as unknown:
            self.unresolved.append(Unresolved(location, field, unknown.reason, service))
            return default

    def _here(self, key: str) -> TemplateLocation:
        return TemplateLocation(
            path=str(self.path), logical_id=key, line=_key_line(self.decoded, key)
        )

    def _events(self) -> Iterator[tuple[str, Any, int, str, Any, Path]]:
        """(function key, the events item as decoded, its index, "http" | "httpApi", value,
        the file the item is written in)."""
        for name, function, source in self._functions():
            events = function.get("events") if isinstance(function, Mapping) else None
            if isinstance(events, str):
                here = TemplateLocation(
                    path=str(source), logical_id=name, line=_key_line(function, "events")
                )
                source = _included_file(events, self.path)
                events = self._shallow(events, f"functions.{name}.events", here)
            for index, item in enumerate(events if isinstance(events, list) else []):
                if not isinstance(item, Mapping):
                    raise InputError(
                        str(source), f"functions.{name}.events[{index}]", "not a mapping"
                    )
                for kind in ("http", "httpApi"):
                    if kind in item:
                        yield name, item, index, kind, item[kind], source

    def _functions(self) -> Iterator[tuple[str, Any, Path]]:
        """(function key, its definition as decoded, the file it is written in)."""
        functions = self.decoded.get("functions") or {}
        groups = functions if isinstance(functions, list) else [functions]
        for group in groups:
            source = self.path
            if isinstance(group, str):
                source = _included_file(group, self.path)
                group = self._shallow(group, "functions")
            if not isinstance(group, Mapping):
                raise InputError(str(source), "functions", "not a mapping of functions")
            for name, function in group.items():
                if isinstance(function, str):
                    here = TemplateLocation(
                        path=str(source), logical_id=str(name), line=_line(name)
                    )
                    yield (
                        str(name),
                        self._shallow(function, f"functions.{name}", here),
                        _included_file(function, self.path),
                    )
                else:
                    yield str(name), function, source

    def _shallow(self, text: str, where: str, location: TemplateLocation | None = None) -> Any:
        """A whole section written as a variable (`${file(...)}`); None, and an Unresolved
        at `location` (else the section's key), when only the deploy knows it. Unknown
        functions leave routes unknown; unknown resources may hold anything: roles, as the
        most likely, stand for them."""
        try:
            return self.vars.shallow(text)
        except Unknown as unknown:
            section = "resources" if where.startswith("resources") else "functions"
            service = "iam" if section == "resources" else "apigateway"
            location = location or self._here(section)
            self.unresolved.append(Unresolved(location, where, unknown.reason, service))
            return None

    # --- what Serverless creates ----------------------------------------------------------

    def _add(
        self,
        logical_id: str,
        kind: str,
        properties: dict[str, Any],
        location: TemplateLocation,
        **extra: Any,
    ) -> None:
        self.resources[logical_id] = Resource(
            logical_id=logical_id, type=kind, properties=properties, location=location, **extra
        )

    def _rest_api(self, routes: list[EventRoute]) -> None:
        provider = self._here("provider")
        name = self._value(
            self.provider.get("apiName"), provider, "provider.apiName", "apigateway", None
        )
        location, policy = routes[0].location, None
        settings = self.provider.get("apiGateway")
        if isinstance(settings, Mapping) and "resourcePolicy" in settings:
            # Who may invoke the API at all: a finding about it points at provider.apiGateway.
            location = TemplateLocation(
                path=str(self.path),
                logical_id="provider.apiGateway",
                line=_key_line(self.provider, "apiGateway"),
            )
            field = "provider.apiGateway.resourcePolicy"
            policy = self._value(settings["resourcePolicy"], location, field, "apigateway", None)
        api = rest_api(
            routes, str(name or f"{self.stage}-{self.service}"), self.stage, location, policy
        )
        self.resources.update((resource.logical_id, resource) for resource in api)

    def _http_api(self, routes: list[EventRoute]) -> None:
        settings = self.provider.get("httpApi")
        declared = settings.get("name") if isinstance(settings, Mapping) else None
        name = self._value(
            declared, self._here("provider"), "provider.httpApi.name", "apigatewayv2", None
        )
        api = http_api(routes, str(name or f"{self.stage}-{self.service}"))
        self.resources.update((resource.logical_id, resource) for resource in api)

    def _execution_role(self) -> None:
        """IamRoleLambdaExecution: the role Serverless makes for the functions, with the
        statements of provider.iam.role (or the older provider.iamRoleStatements)."""
        iam = self.provider.get("iam") or {}
        role = iam.get("role") if isinstance(iam, Mapping) else None
        if isinstance(role, str) or _is_intrinsic(role):
            return  # an existing role (its ARN, a Ref or GetAtt): Serverless creates none
        role = role if isinstance(role, Mapping) else {}
        key = "iam" if "iam" in self.provider else "iamRoleStatements"
        location = TemplateLocation(
            path=str(self.path), logical_id=f"provider.{key}", line=_key_line(self.provider, key)
        )
        statements = self._value(
            role.get("statements", self.provider.get("iamRoleStatements", [])),
            location,
            f"provider.{key}",
            "iam",
            [],
        )
        managed = self._value(
            role.get("managedPolicies", self.provider.get("iamManagedPolicies", [])),
            location,
            f"provider.{key}",
            "iam",
            [],
        )
        if not isinstance(statements, list) or not isinstance(managed, list):
            raise InputError(str(self.path), f"provider.{key}", "statements must be a list")
        name = self._value(role.get("name"), location, f"provider.{key}", "iam", None)
        region = self.vars.region
        properties: dict[str, Any] = {
            "AssumeRolePolicyDocument": _LAMBDA_TRUST,
            "Path": str(
                self._value(role.get("path", "/"), location, f"provider.{key}", "iam", "/")
            ),
            "RoleName": str(name or f"{self.service}-{self.stage}-{region}-lambdaRole"),
        }
        if statements:  # IAM refuses a policy without statements (Serverless adds its logs')
            document = {"Version": "2012-10-17", "Statement": statements}
            policy_name = f"{self.service}-{self.stage}-lambda"
            properties["Policies"] = [{"PolicyName": policy_name, "PolicyDocument": document}]
        if managed:
            properties["ManagedPolicyArns"] = list(managed)
        self._add(ROLE, "AWS::IAM::Role", properties, location)

    def _resources_section(self) -> dict[str, Any]:
        """`resources` (a mapping, or a list of mappings and ${file(...)} includes) as written,
        each resource located in the file it is written in; `extensions` merged into the
        resources they name."""
        sections: dict[str, Any] = {name: {} for name in _SECTIONS}
        raw = self.decoded.get("resources")
        for part, source in self._resource_parts(raw):
            written, where = self._mapping(part, "Resources", source)
            for logical_id, body in written.items():
                self._cloudformation_resource(str(logical_id), body, where, _line(logical_id))
            # resources.extensions: merged into resources that exist, like an override.
            written, where = self._mapping(part, "extensions", source)
            for logical_id, body in written.items():
                if str(logical_id) not in self.resources:
                    field = f"resources.extensions.{logical_id}"
                    raise InputError(str(where), field, "extends a resource that does not exist")
                self._cloudformation_resource(str(logical_id), body, where, _line(logical_id))
            for name in _SECTIONS:
                location = TemplateLocation(
                    path=str(source), logical_id=name, line=_key_line(part, name)
                )
                section, _ = self._mapping(part, name, source)
                sections[name].update(self._value(section, location, name, "iam", {}))
        return sections

    def _mapping(
        self, part: Mapping[str, Any], name: str, source: Path
    ) -> tuple[Mapping[str, Any], Path]:
        """The section `name` of a resources part (a mapping, or a variable naming one), and
        the file it is written in: `source`, or the file the variable includes."""
        section = part.get(name) or {}
        if isinstance(section, str):
            source = _included_file(section, self.path)
            section = self._shallow(section, f"resources.{name}") or {}
        if not isinstance(section, Mapping):
            raise InputError(str(source), f"resources.{name}", "not a mapping")
        return section, source

    def _resource_parts(self, raw: Any) -> Iterator[tuple[Mapping[str, Any], Path]]:
        """Each mapping of `resources` with the file it was read from."""
        for item in raw if isinstance(raw, list) else [raw] if raw else []:
            source = self.path
            if isinstance(item, str):
                source = _included_file(item, self.path)
                item = self._shallow(item, "resources")
            if item is None:
                continue
            if not isinstance(item, Mapping):
                raise InputError(
                    str(source), "resources", "not a mapping of CloudFormation sections"
                )
            yield item, source

    def _cloudformation_resource(self, logical_id: str, body: Any, source: Path, line: int) -> None:
        location = TemplateLocation(path=str(source), logical_id=logical_id, line=line)
        generated = self.resources.get(logical_id)
        written = body.get("Type") if isinstance(body, Mapping) else None
        if not isinstance(body, Mapping) or not (isinstance(written, str) or generated):
            raise InputError(str(source), f"Resources.{logical_id}", "a resource needs a Type")
        kind = written if isinstance(written, str) else generated.type  # type: ignore[union-attr]
        service = next((name for prefix, name in _SERVICE_OF_TYPE if kind.startswith(prefix)), None)
        try:
            properties = self.vars.resolve(body.get("Properties") or {})
        except Unknown as unknown:
            if service is not None:
                self.unresolved.append(
                    Unresolved(
                        location, f"Resources.{logical_id}.Properties", unknown.reason, service
                    )
                )
            properties = _plain_copy(body.get("Properties") or {})
        condition = body.get("Condition")
        if generated is not None:
            # Serverless's documented override: a resource named like one it generates is
            # merged into it (lodash merge). A finding about it points at the override.
            properties = _merged(dict(generated.properties), properties)
            condition = condition or generated.condition
        self._add(
            logical_id,
            kind,
            properties,
            location,
            condition=str(condition) if condition else None,
            route_locations=generated.route_locations if generated is not None else {},
        )


def _is_intrinsic(value: Any) -> bool:
    """`{"Ref": ...}` or `{"Fn::GetAtt": ...}`: a one-key CloudFormation function."""
    return (
        isinstance(value, Mapping)
        and len(value) == 1
        and ("Ref" in value or str(next(iter(value))).startswith("Fn::"))
    )


def _merged(base: Any, override: Any) -> Any:
    """`override` deep-merged into `base` as lodash's merge does: mappings key by key, lists
    index by index, anything else replaced."""
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merged(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(override, list):
        return [
            _merged(base[i], override[i]) if i < len(base) and i < len(override) else item
            for i, item in enumerate(override + base[len(override) :])
        ]
    return override


def _included_file(text: str, path: Path) -> Path:
    """The file of `${file(x)}` (for locating what it holds), else `path` itself."""
    match = re.fullmatch(r"\$\{file\((?P<file>[^)]+)\)(:[^}]*)?\}", text.strip())
    if match is None:
        return path
    return Path(os.path.normpath(path.parent / match["file"].strip().strip("'\"")))


def _key_line(mapping: Any, key: str) -> int:
    """The 1-based line of `key` in a decoded mapping; 1 when absent or unmarked."""
    for candidate in mapping if isinstance(mapping, Mapping) else ():
        if candidate == key:
            return _line(candidate)
    return 1


def _line(node: Any) -> int:
    """The 1-based line of a decoded node (cfn-lint's marks are 0-based)."""
    mark = getattr(node, "start_mark", None)
    return int(mark.line) + 1 if mark is not None else 1


def _plain_copy(value: Any) -> Any:
    """A resource's properties as written, where a variable in them cannot be resolved."""
    if isinstance(value, Mapping):
        return {str(key): _plain_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_copy(item) for item in value]
    return value.isoformat() if isinstance(value, datetime.date) else value
