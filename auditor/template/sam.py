"""SAM templates through AWS's SAM translator, offline: the CloudFormation it deploys, each
generated resource pointing at the SAM resource the user wrote, each route at its function's
Events entry.

The translator works on a plain copy (it rewrites dicts in place and knows nothing of line
marks); the lines come from cfn-lint's decoded original, matched back by logical id."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Mapping
from typing import Any

from auditor.model.errors import InputError
from auditor.model.findings import TemplateLocation
from auditor.template.load import INSTALL_HINT
from auditor.template.model import Resource, Unresolved

# The APIs SAM creates when a function's event names none.
IMPLICIT_REST_API = "ServerlessRestApi"
IMPLICIT_HTTP_API = "ServerlessHttpApi"
_IMPLICIT_API = {"Api": IMPLICIT_REST_API, "HttpApi": IMPLICIT_HTTP_API}
_API_ID_PROPERTY = {"Api": "RestApiId", "HttpApi": "ApiId"}
_SAM_APIS = ("AWS::Serverless::Api", "AWS::Serverless::HttpApi")
# OpenAPI operation keys -> API Gateway methods.
_OPENAPI_METHODS = {
    **{verb: verb.upper() for verb in ("get", "put", "post", "delete", "options", "head", "patch")},
    "x-amazon-apigateway-any-method": "ANY",
}
# The template sections intrinsics read, returned beside the resources.
SECTIONS = ("Parameters", "Conditions", "Mappings")


class _RegionOnly:
    """All the translator reads of a boto3 Session (region_name): the region is known, no
    session (nor boto3) is needed to translate offline."""

    def __init__(self, region_name: str) -> None:
        self.region_name = region_name


def translate(
    template: Mapping[str, Any],
    path: str,
    *,
    region: str,
    account_id: str,
    partition: str,
    parameter_values: Mapping[str, str],
) -> tuple[dict[str, Resource], list[Unresolved], dict[str, Any]]:
    """Every resource of the translated `template` (cfn-lint's decoded SAM template, read from
    `path`), what the translation cannot know offline (the contents of a Serverless
    Application Repository app; intrinsics stay for the resolver), and the translated
    template's Parameters, Conditions and Mappings (each a dict, empty when absent)."""
    path = str(path)  # a Path works too: locations hold the text given on the command line
    try:
        # Imported here: costly, and only template audits need them.
        from samtranslator.model.exceptions import (  # type: ignore[import-untyped]
            ExceptionWithMessage,
            InvalidDocumentException,
        )
        from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
        from samtranslator.plugins.application.serverless_app_plugin import (  # type: ignore[import-untyped]
            ServerlessAppPlugin,
        )
        from samtranslator.translator.translator import (  # type: ignore[import-untyped]
            Translator,
        )
    except ImportError as missing:
        raise InputError(path, None, INSTALL_HINT) from missing

    try:
        plain = json.loads(json.dumps(template, default=_yaml_scalar))
    except TypeError as strange:  # a YAML tag JSON has no form for (!!binary, say)
        raise InputError(path, None, str(strange)) from None
    except RecursionError:
        raise InputError(path, None, "values nest too deeply") from None
    unresolved = _stand_in_for_repository_apps(path, template, plain)
    values = {
        **parameter_values,
        "AWS::AccountId": account_id,
        "AWS::Region": region,
        "AWS::Partition": partition,
    }
    # The translator's own app plugin would call the Serverless Application Repository (real
    # AWS, with whatever credentials are about); given a client that refuses, it cannot.
    offline = ServerlessAppPlugin(sar_client_creator=_no_repository_calls, parameters=values)
    translator = Translator(None, Parser(), plugins=[offline], boto_session=_RegionOnly(region))
    try:
        translated = translator.translate(
            plain,
            parameter_values=values,
            get_managed_policy_map=lambda: aws_managed_policy_map(template, partition),
        )
    except InvalidDocumentException as invalid:
        raise _input_error(path, invalid.causes[0] if invalid.causes else invalid) from invalid
    except ExceptionWithMessage as invalid:
        raise _input_error(path, invalid) from invalid
    except RecursionError:
        raise InputError(path, None, "values nest too deeply to translate") from None
    finally:
        # The translator's metrics go nowhere (a dummy publisher), but left unpublished they
        # log a warning to stderr when collected.
        translator.metrics.publish()

    originals = template.get("Resources") or {}
    own = {str(logical_id): _location(path, logical_id) for logical_id in originals}
    implicit = _implicit_api_locations(path, originals)
    routes = route_locations(path, originals)
    resources = {}
    for logical_id, body in (translated.get("Resources") or {}).items():
        resources[logical_id] = Resource(
            logical_id=logical_id,
            type=body.get("Type", ""),
            properties=body.get("Properties") or {},
            location=_origin(path, logical_id, {**implicit, **own}, own),
            condition=body.get("Condition"),
            route_locations=routes.get(logical_id, {}),
        )
    sections = {name: dict(translated.get(name) or {}) for name in SECTIONS}
    return resources, unresolved, sections


def _stand_in_for_repository_apps(
    path: str, template: Mapping[str, Any], plain: dict[str, Any]
) -> list[Unresolved]:
    """Each AWS::Serverless::Application from the Serverless Application Repository (Location
    {ApplicationId, SemanticVersion}) becomes in `plain` the nested stack it deploys, with a
    made-up TemplateURL; what that stack creates (roles, say) is unknown: an Unresolved."""
    unresolved = []
    for logical_id, body in (template.get("Resources") or {}).items():
        if not isinstance(body, Mapping) or body.get("Type") != "AWS::Serverless::Application":
            continue
        properties = body.get("Properties") or {}
        location = properties.get("Location")
        if not isinstance(location, Mapping):
            continue  # a local template: the translator makes its nested stack offline
        application = json.loads(json.dumps(location.get("ApplicationId")))
        plain["Resources"][str(logical_id)] = {
            **{k: v for k, v in plain["Resources"][str(logical_id)].items() if k != "Properties"},
            "Type": "AWS::CloudFormation::Stack",
            "Properties": {
                "TemplateURL": f"serverlessrepo:{application}",
                "Parameters": json.loads(json.dumps(properties.get("Parameters") or {})),
            },
        }
        unresolved.append(
            Unresolved(
                location=_location(path, logical_id),
                field="Properties.Location",
                reason=f"the Serverless Application Repository app {application} is known "
                "only at deploy time (its roles and policies too)",
                service="iam",
            )
        )
    return unresolved


def _yaml_scalar(value: Any) -> str:
    """What CloudFormation makes of a YAML scalar JSON has no type for: an unquoted
    `Version: 2012-10-17` is the string "2012-10-17" to CloudFormation, a date to YAML."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a template value")


def _no_repository_calls() -> Any:
    raise RuntimeError("the Serverless Application Repository is not called offline")


def aws_managed_policy_map(template: Mapping[str, Any], partition: str) -> dict[str, str]:
    """Bare policy names in SAM `Policies` -> AWS managed policy ARNs. samtranslator ships no
    offline map (SAM CLI asks IAM); a bare name is taken to be an AWS managed policy at the
    root path, `arn:<partition>:iam::aws:policy/<name>` (those under a path such as
    service-role/ must be written as ARNs to be exact)."""
    names: set[str] = set()
    globals_function = (template.get("Globals") or {}).get("Function") or {}
    bodies = [{"Properties": globals_function}, *(template.get("Resources") or {}).values()]
    for body in bodies:
        policies = (
            (body.get("Properties") or {}).get("Policies") if isinstance(body, Mapping) else None
        )
        for policy in policies if isinstance(policies, list) else [policies]:
            if isinstance(policy, str) and not policy.startswith("arn:"):
                names.add(str(policy))
    return {name: f"arn:{partition}:iam::aws:policy/{name}" for name in sorted(names)}


def route_locations(
    path: str, originals: Mapping[str, Any]
) -> dict[str, dict[tuple[str, str], TemplateLocation]]:
    """API logical id -> (METHOD, path) -> the function Events entry that declared it, else
    the operation's key in the API's inline DefinitionBody."""
    found: dict[str, dict[tuple[str, str], TemplateLocation]] = {}
    for function_id, kind, event_key, properties in _api_events(originals):
        api_id = _referenced_id(properties.get(_API_ID_PROPERTY[kind])) or _IMPLICIT_API[kind]
        if "Path" in properties or "Method" in properties or kind == "Api":
            route = (str(properties.get("Method", "ANY")).upper(), str(properties.get("Path", "")))
        else:  # an HttpApi event without Path and Method is the $default route
            route = ("ANY", "$default")
        if route[0] == "X-AMAZON-APIGATEWAY-ANY-METHOD":
            route = ("ANY", route[1])
        location = TemplateLocation(path=path, logical_id=function_id, line=_line(event_key))
        found.setdefault(api_id, {}).setdefault(route, location)
    for api_id, body in originals.items():
        definition = _inline_definition(body)
        for route_path, operations in (definition.get("paths") or {}).items():
            for verb in operations if isinstance(operations, Mapping) else ():
                method = _OPENAPI_METHODS.get(str(verb).lower())
                if method is not None:
                    location = TemplateLocation(path=path, logical_id=str(api_id), line=_line(verb))
                    found.setdefault(str(api_id), {}).setdefault(
                        (method, str(route_path)), location
                    )
    return found


def _inline_definition(body: Any) -> Mapping[str, Any]:
    """The OpenAPI document written inline in an Api's or HttpApi's DefinitionBody, else {}."""
    if not isinstance(body, Mapping) or body.get("Type") not in _SAM_APIS:
        return {}
    definition = (body.get("Properties") or {}).get("DefinitionBody")
    return definition if isinstance(definition, Mapping) else {}


def _api_events(originals: Mapping[str, Any]) -> Iterator[tuple[str, str, Any, Mapping[str, Any]]]:
    """(function logical id, "Api" | "HttpApi", the event's decoded key, its Properties)."""
    for function_id, body in originals.items():
        if not isinstance(body, Mapping) or body.get("Type") != "AWS::Serverless::Function":
            continue
        events = (body.get("Properties") or {}).get("Events") or {}
        for event_key, event in events.items() if isinstance(events, Mapping) else ():
            kind = event.get("Type") if isinstance(event, Mapping) else None
            if kind in _IMPLICIT_API:
                properties = event.get("Properties") or {}
                yield str(function_id), str(kind), event_key, properties


def _implicit_api_locations(path: str, originals: Mapping[str, Any]) -> dict[str, TemplateLocation]:
    """ServerlessRestApi / ServerlessHttpApi -> the first function event that creates it."""
    found: dict[str, TemplateLocation] = {}
    for function_id, kind, event_key, properties in _api_events(originals):
        if _referenced_id(properties.get(_API_ID_PROPERTY[kind])) is None:
            location = TemplateLocation(path=path, logical_id=function_id, line=_line(event_key))
            found.setdefault(_IMPLICIT_API[kind], location)
    return found


def _referenced_id(value: Any) -> str | None:
    """The logical id in `{"Ref": X}` or a bare X; None when absent."""
    if isinstance(value, Mapping) and "Ref" in value:
        return str(value["Ref"])
    return str(value) if isinstance(value, str) else None


def _origin(
    path: str,
    logical_id: str,
    candidates: Mapping[str, TemplateLocation],
    own: Mapping[str, TemplateLocation],
) -> TemplateLocation:
    """The resource `logical_id` was generated from: itself, else the longest logical-id
    prefix (FnRole from Fn, ApiprodStage from Api), else the template's first resource."""
    prefixes = [known for known in candidates if logical_id.startswith(known)]
    if prefixes:
        return candidates[max(prefixes, key=len)]
    if own:
        return min(own.values(), key=lambda location: location.line)
    return TemplateLocation(path=path, logical_id=logical_id, line=1)


def _location(path: str, logical_id: Any) -> TemplateLocation:
    return TemplateLocation(path=path, logical_id=str(logical_id), line=_line(logical_id))


def _line(decoded_key: Any) -> int:
    """The 1-based line of a key cfn-lint decoded (its marks are 0-based); 1 without marks."""
    mark = getattr(decoded_key, "start_mark", None)
    return int(mark.line) + 1 if mark is not None else 1


def _input_error(path: str, cause: Any) -> InputError:
    """The translator's complaint as one line naming the resource where it names one."""
    logical_id = getattr(cause, "_logical_id", None)
    field = f"Resources.{logical_id}" if isinstance(logical_id, str) else None
    message = " ".join(str(getattr(cause, "message", cause)).split())
    return InputError(path, field, message)
