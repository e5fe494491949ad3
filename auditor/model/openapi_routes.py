"""An OpenAPI definition with API Gateway's extensions -> Routes: what ExportApi answers for an
HTTP API stage, and what a template's `Body` defines (swagger 2.0 for REST APIs, OpenAPI 3 for
HTTP APIs, as written or as the SAM translator generates it).

Pure: the collector and the template reader share it, so a route reads the same either way.
Anything this cannot read raises ValueError (one line), never a guessed authorization.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from auditor.model.http import DEFAULT_ROUTE
from auditor.model.snapshot import Route
from auditor.model.snapshot_fields import one_line_errors

# The operations of a path item, and API Gateway's catch-all for ANY.
_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch")
_ANY_METHOD = "x-amazon-apigateway-any-method"
# x-amazon-apigateway-authtype values: awsSigv4 is IAM; the others name an authorizer.
_AUTHTYPES = {
    "awssigv4": "AWS_IAM",
    "cognito_user_pools": "COGNITO_USER_POOLS",
    "custom": "CUSTOM",
}
# x-amazon-apigateway-authorizer types of HTTP APIs, and those only REST APIs have.
_AUTHORIZER_TYPES = {"jwt": "JWT", "request": "CUSTOM"}
_REST_AUTHORIZER_TYPES = {"token": "CUSTOM", "cognito_user_pools": "COGNITO_USER_POOLS"}
# SAM writes `security: [{NONE: []}]` for an event with `Auth.Authorizer: NONE` without
# defining a scheme of that name: API Gateway reads it as no authorization.
_SAM_NONE = "NONE"


@one_line_errors
def openapi_routes(document: Any, *, rest: bool = False) -> list[Route]:
    """Every route of `document` (a REST API's where `rest`: its authorizers may also be
    token or Cognito ones), by path then method. Authorizers are named, not their ids:
    authorizer_id stays None."""
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise ValueError("not an OpenAPI document with paths")
    schemes = _schemes(document)
    routes = []
    for path, item in document["paths"].items():
        if not isinstance(item, dict):
            raise ValueError(f"path {path!r} is not an object")
        for key, operation in item.items():
            if key != _ANY_METHOD and key not in _OPERATIONS:
                continue  # parameters, summary, servers...
            if not isinstance(operation, dict):
                raise ValueError(f"{key} {path} is not an object")
            security = operation.get("security", document.get("security"))
            authorization = _authorization(security, schemes, rest)
            method = "ANY" if key == _ANY_METHOD else key.upper()
            if path == DEFAULT_ROUTE and key != _ANY_METHOD:
                # Two verbs there would be one route, the later authorization silently winning.
                raise ValueError(f"{key} {path}: the $default route is {_ANY_METHOD} only")
            if operation.get("isDefaultRoute") or path == DEFAULT_ROUTE:
                routes.append(
                    Route(method="ANY", path=DEFAULT_ROUTE, authorization_type=authorization)
                )
            else:
                routes.append(Route(method=method, path=path, authorization_type=authorization))
    return sorted(routes, key=lambda route: (route.path, route.method))


def _schemes(document: dict[str, Any]) -> dict[str, Any]:
    """The security schemes: OpenAPI 3's components.securitySchemes, swagger 2.0's
    securityDefinitions."""
    components = document.get("components") or {}
    found = (components.get("securitySchemes") if isinstance(components, dict) else None) or {}
    legacy = document.get("securityDefinitions") or {}
    if not isinstance(found, dict) or not isinstance(legacy, dict):
        raise ValueError("security schemes are not an object")
    return {**legacy, **found}


def _is_api_key(scheme: Any) -> bool:
    """A plain API key requirement (SAM adds one beside the authorization when an event
    requires a key): a usage plan's key, not an authorization."""
    return (
        isinstance(scheme, dict)
        and scheme.get("type") == "apiKey"
        and "x-amazon-apigateway-authtype" not in scheme
        and "x-amazon-apigateway-authorizer" not in scheme
    )


def _authorization(security: Any, schemes: dict[str, Any], rest: bool) -> str:
    """The authorization type an operation's security requirement stands for."""
    if not security:
        return "NONE"
    if not isinstance(security, list) or len(security) != 1 or not isinstance(security[0], dict):
        raise ValueError(f"security {security!r}: API Gateway takes one requirement per route")
    names = [name for name in security[0] if not _is_api_key(schemes.get(name))]
    if not names:
        return "NONE"  # an API key alone authorizes nobody
    if len(names) != 1:
        raise ValueError(f"security {security!r}: API Gateway takes one scheme per route")
    (name,) = names
    scheme = schemes.get(name)
    if scheme is None and name == _SAM_NONE:
        return "NONE"
    if not isinstance(scheme, dict):
        raise ValueError(f"security scheme {name!r} is not defined")
    authtype = str(scheme.get("x-amazon-apigateway-authtype", "")).lower()
    authorizer = scheme.get("x-amazon-apigateway-authorizer") or {}
    # IAM first; then the authorizer's own type (a JWT authorizer says so only there).
    found = "AWS_IAM" if authtype == "awssigv4" else None
    if found is None and isinstance(authorizer, dict):
        known = {**_AUTHORIZER_TYPES, **_REST_AUTHORIZER_TYPES} if rest else _AUTHORIZER_TYPES
        found = known.get(str(authorizer.get("type", "")).lower())
    if found is None and rest:
        found = _AUTHTYPES.get(authtype)
    if found is None:
        raise ValueError(f"security scheme {name!r} is not IAM nor a known authorizer")
    return found


# What of a definition decides who may call each route: everything else (integrations with
# their Lambda ARNs, models, responses, an authorizer's function) is left out before a
# template's Body is resolved, so that a value only a deploy knows there does not hide it.
_TOP = ("swagger", "openapi", "info", "paths", "security", "securityDefinitions", "components")
_SCHEME_KEYS = ("type", "x-amazon-apigateway-authtype", "x-amazon-apigateway-authorizer")


def authorization_view(document: Any) -> Any:
    """`document` reduced to the parts openapi_routes reads (and info, for the title). Parts
    that are not plain mappings (an intrinsic function, say) are kept whole."""
    if not isinstance(document, dict) or _is_function(document):
        return document
    view = {key: document[key] for key in _TOP if key in document}
    components = view.get("components")
    if isinstance(components, dict) and not _is_function(components):
        view["components"] = {
            k: _schemes_view(v) for k, v in components.items() if k == "securitySchemes"
        }
    if "securityDefinitions" in view:
        view["securityDefinitions"] = _schemes_view(view["securityDefinitions"])
    paths = view.get("paths")
    if isinstance(paths, dict) and not _is_function(paths):
        view["paths"] = {path: _branches(item, _path_item_view) for path, item in paths.items()}
    return view


def _is_function(value: dict[Any, Any]) -> bool:
    return len(value) == 1 and str(next(iter(value))).startswith(("Fn::", "Ref"))


def _branches(value: Any, view: Callable[[Any], Any]) -> Any:
    """`view` of `value`, and of both branches of an Fn::If: SAM writes a conditional
    function's operation as Fn::If [condition, operation, AWS::NoValue], and the operation's
    integration (a Lambda ARN) is known only after deploy."""
    if isinstance(value, dict) and len(value) == 1 and "Fn::If" in value:
        arguments = value["Fn::If"]
        if isinstance(arguments, list) and len(arguments) == 3:
            condition, when_true, when_false = arguments
            return {"Fn::If": [condition, _branches(when_true, view), _branches(when_false, view)]}
    return view(value)


def _schemes_view(schemes: Any) -> Any:
    if not isinstance(schemes, dict) or _is_function(schemes):
        return schemes
    view = {}
    for name, scheme in schemes.items():
        view[name] = _branches(scheme, _scheme_view)
    return view


def _scheme_view(scheme: Any) -> Any:
    if isinstance(scheme, dict) and not _is_function(scheme):
        scheme = {k: scheme[k] for k in _SCHEME_KEYS if k in scheme}
        authorizer = scheme.get("x-amazon-apigateway-authorizer")
        if isinstance(authorizer, dict) and not _is_function(authorizer):
            scheme["x-amazon-apigateway-authorizer"] = {
                k: v for k, v in authorizer.items() if k == "type"
            }
    return scheme


def _path_item_view(item: Any) -> Any:
    if not isinstance(item, dict) or _is_function(item):
        return item
    view = {}
    for key, operation in item.items():
        if key != _ANY_METHOD and key not in _OPERATIONS:
            continue
        view[key] = _branches(operation, _operation_view)
    return view


def _operation_view(operation: Any) -> Any:
    if isinstance(operation, dict) and not _is_function(operation):
        return {k: operation[k] for k in ("security", "isDefaultRoute") if k in operation}
    return operation
