"""Fill the gaps in moto 5.2 that the collector depends on, faithful to the botocore models.

What moto 5.2.1 lacks (checked against its source):
- cognito-identity: no SetIdentityPoolRoles / GetIdentityPoolRoles at all (HTTP 500), and
  AllowClassicFlow is neither stored nor returned.
- iam GetAccountAuthorizationDetails: ignores MaxItems/Marker (always one page) and omits
  PolicyName/PolicyId on the managed-policy entries.
- apigateway GetResources: ignores limit/position and always embeds the methods.
- apigateway RestApi.policy: returned verbatim; AWS returns it escaped (quotes as \\", slashes
  as \\/), which every client has to unescape before parsing.

Deployments (REST and HTTP), ExportApi and app clients are in `rest_deployments`,
`http_deployments` and `user_pools`; AssumeRole that checks the role and its trust policy in
`sts`.

Everything here patches moto's response/model classes in place, so it must run before the
server handles its first request; ``install()`` is idempotent. State lives on moto's own model
objects, so ``POST /moto-api/reset`` clears it with the rest.
"""

from __future__ import annotations

import json
import re
from typing import Any

_installed = False

# Limits from the botocore models (cognito-identity 2014-06-30, iam, apigateway).
_MAX_ROLE_MAPPINGS = 10
_MAX_RULES = 400  # the model's MappingRulesList max; AWS docs quote 25 per mapping
_ROLE_TYPE = re.compile(r"(un)?authenticated")
_MAPPING_TYPES = ("Token", "Rules")
_AMBIGUOUS = ("AuthenticatedRole", "Deny")
_MATCH_TYPES = ("Equals", "Contains", "StartsWith", "NotEqual")
_GAAD_DEFAULT_ITEMS = 100
_GAAD_MAX_ITEMS = 1000
_RESOURCES_DEFAULT_LIMIT = 25
_RESOURCES_MAX_LIMIT = 500


def patch(cls: type, name: str, value: object) -> None:
    """Replace one attribute of a moto class (every extension goes through here)."""
    setattr(cls, name, value)


def install() -> None:
    """Patch moto once per process (safe to call again)."""
    global _installed
    if _installed:
        return
    _install_identity_pool_roles()
    _install_classic_flow()
    _install_gaad_paging()
    _install_get_resources_paging()
    _install_escaped_rest_policy()
    # Larger gaps, each in its own module (they import `patch` from here).
    from auditor.emulator import http_deployments, rest_deployments, security_hub, sts, user_pools

    rest_deployments.install()
    http_deployments.install()
    user_pools.install()
    security_hub.install()
    sts.install()
    _installed = True


# --- cognito-identity -------------------------------------------------------------------


def _invalid(message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("InvalidParameterException", message)


def _validate_roles(roles: Any) -> dict[str, str]:
    if not isinstance(roles, dict):
        raise _invalid("Roles must be a map of role type to role ARN.")
    if len(roles) > 2:
        raise _invalid("Roles can contain at most 2 entries.")
    for key, arn in roles.items():
        if not _ROLE_TYPE.fullmatch(key):
            raise _invalid(f"Invalid role type {key}: must be authenticated or unauthenticated.")
        if not isinstance(arn, str) or not 20 <= len(arn) <= 2048:
            raise _invalid(f"Invalid role ARN for {key}: length must be 20 to 2048.")
    return dict(roles)


def _validate_rule(provider: str, index: int, rule: Any) -> None:
    where = f"RoleMappings[{provider}].RulesConfiguration.Rules[{index}]"
    if not isinstance(rule, dict):
        raise _invalid(f"{where} must be an object.")
    for field in ("Claim", "MatchType", "Value", "RoleARN"):
        if field not in rule:
            raise _invalid(f"{where}.{field} is required.")
    if rule["MatchType"] not in _MATCH_TYPES:
        raise _invalid(f"{where}.MatchType must be one of {', '.join(_MATCH_TYPES)}.")
    if not 1 <= len(rule["Claim"]) <= 64:
        raise _invalid(f"{where}.Claim length must be 1 to 64.")
    if not 1 <= len(rule["Value"]) <= 128:
        raise _invalid(f"{where}.Value length must be 1 to 128.")
    if not 20 <= len(rule["RoleARN"]) <= 2048:
        raise _invalid(f"{where}.RoleARN length must be 20 to 2048.")


def _validate_role_mappings(mappings: Any) -> dict[str, Any]:
    if not isinstance(mappings, dict):
        raise _invalid("RoleMappings must be a map of identity provider to role mapping.")
    if len(mappings) > _MAX_ROLE_MAPPINGS:
        raise _invalid(f"RoleMappings can contain at most {_MAX_ROLE_MAPPINGS} entries.")
    for provider, mapping in mappings.items():
        if not 1 <= len(provider) <= 128:
            raise _invalid("Identity provider name length must be 1 to 128.")
        kind = mapping.get("Type")
        if kind not in _MAPPING_TYPES:
            raise _invalid(f"RoleMappings[{provider}].Type must be Token or Rules.")
        # AWS: "If you specify Token or Rules as the Type, AmbiguousRoleResolution is required."
        if mapping.get("AmbiguousRoleResolution") not in _AMBIGUOUS:
            raise _invalid(
                f"RoleMappings[{provider}].AmbiguousRoleResolution must be AuthenticatedRole "
                "or Deny."
            )
        rules_config = mapping.get("RulesConfiguration")
        if kind == "Rules":
            rules = (rules_config or {}).get("Rules")
            if not rules:
                raise _invalid(f"RoleMappings[{provider}]: Rules type needs RulesConfiguration.")
            if len(rules) > _MAX_RULES:
                raise _invalid(f"RoleMappings[{provider}]: at most {_MAX_RULES} rules.")
            for index, rule in enumerate(rules):
                _validate_rule(provider, index, rule)
    return dict(mappings)


def _install_identity_pool_roles() -> None:
    from moto.cognitoidentity.responses import CognitoIdentityResponse

    def _pool(response: Any, pool_id: str) -> Any:
        from moto.cognitoidentity.exceptions import ResourceNotFoundError

        pool = response.backend.identity_pools.get(pool_id)
        if pool is None:
            raise ResourceNotFoundError(pool_id)
        return pool

    def set_identity_pool_roles(self: Any) -> str:
        pool = _pool(self, self._get_param("IdentityPoolId"))
        roles = _validate_roles(self._get_param("Roles"))
        mappings = _validate_role_mappings(self._get_param("RoleMappings") or {})
        # SetIdentityPoolRoles replaces both maps wholesale, as AWS does.
        pool.ext_roles = roles
        pool.ext_role_mappings = mappings
        return ""

    def get_identity_pool_roles(self: Any) -> str:
        pool = _pool(self, self._get_param("IdentityPoolId"))
        body: dict[str, Any] = {
            "IdentityPoolId": pool.identity_pool_id,
            "Roles": getattr(pool, "ext_roles", {}),
        }
        mappings = getattr(pool, "ext_role_mappings", {})
        if mappings:
            body["RoleMappings"] = mappings
        return json.dumps(body)

    patch(CognitoIdentityResponse, "set_identity_pool_roles", set_identity_pool_roles)
    patch(CognitoIdentityResponse, "get_identity_pool_roles", get_identity_pool_roles)


def _install_classic_flow() -> None:
    from moto.cognitoidentity.models import CognitoIdentityPool
    from moto.cognitoidentity.responses import CognitoIdentityResponse

    original_to_json = CognitoIdentityPool.to_json
    original_create = CognitoIdentityResponse.create_identity_pool
    original_update = CognitoIdentityResponse.update_identity_pool

    def to_json(self: Any) -> str:
        body = json.loads(original_to_json(self))
        body["AllowClassicFlow"] = bool(getattr(self, "allow_classic_flow", False))
        return json.dumps(body)

    def _store_flag(response: Any, result: str) -> str:
        pool = response.backend.identity_pools[json.loads(result)["IdentityPoolId"]]
        # UpdateIdentityPool sends the whole pool: an absent flag means false, as on AWS.
        pool.allow_classic_flow = bool(response._get_param("AllowClassicFlow", False))
        return str(pool.to_json())

    def create_identity_pool(self: Any) -> str:
        return _store_flag(self, original_create(self))

    def update_identity_pool(self: Any) -> str:
        return _store_flag(self, original_update(self))

    patch(CognitoIdentityPool, "to_json", to_json)
    patch(CognitoIdentityResponse, "create_identity_pool", create_identity_pool)
    patch(CognitoIdentityResponse, "update_identity_pool", update_identity_pool)


# --- iam ----------------------------------------------------------------------------------


def _page_bounds(marker: str | None, size: int, total: int) -> tuple[int, int]:
    """Offsets of one page; markers are opaque to clients, an offset here."""
    start = int(marker) if marker and marker.isdigit() else 0
    return start, min(start + size, total)


def _install_gaad_paging() -> None:
    from moto.iam.models import Policy
    from moto.iam.responses import IamResponse

    # The serializer looks for policy_name/policy_id; moto's Policy calls them name/id.
    patch(Policy, "policy_name", property(lambda self: self.name))
    patch(Policy, "policy_id", property(lambda self: self.id))

    def get_account_authorization_details(self: Any) -> Any:
        from moto.core.responses import ActionResult

        details = self.backend.get_account_authorization_details(self._get_param("Filter", []))
        # One page counts entries across the four lists, in this order.
        items: list[tuple[str, Any]] = [
            *(("UserDetailList", u) for u in details["users"]),
            *(("GroupDetailList", g) for g in details["groups"]),
            *(("RoleDetailList", r) for r in details["roles"]),
            *(("Policies", p) for p in details["managed_policies"]),
        ]
        size = int(self._get_param("MaxItems") or _GAAD_DEFAULT_ITEMS)
        size = max(1, min(size, _GAAD_MAX_ITEMS))
        start, end = _page_bounds(self._get_param("Marker"), size, len(items))
        result: dict[str, Any] = {
            "UserDetailList": [],
            "GroupDetailList": [],
            "RoleDetailList": [],
            "Policies": [],
            "IsTruncated": end < len(items),
        }
        for key, item in items[start:end]:
            result[key].append(item)
        if end < len(items):
            result["Marker"] = str(end)
        return ActionResult(result)

    patch(IamResponse, "get_account_authorization_details", get_account_authorization_details)


# --- apigateway ---------------------------------------------------------------------------


def _install_get_resources_paging() -> None:
    from moto.apigateway.responses import APIGatewayResponse

    def get_resources(self: Any) -> str:
        api_id = self.path.replace("/restapis/", "", 1).split("/")[0]
        resources = list(self.backend.get_resources(api_id))
        query = self.querystring
        limit_text = (query.get("limit") or [""])[0]
        limit = int(limit_text) if limit_text.isdigit() else _RESOURCES_DEFAULT_LIMIT
        limit = max(1, min(limit, _RESOURCES_MAX_LIMIT))
        position = (query.get("position") or [None])[0]
        start, end = _page_bounds(position, limit, len(resources))
        embed_methods = "methods" in query.get("embed", [])
        items = []
        for resource in resources[start:end]:
            item = resource.to_dict()
            if not embed_methods and "resourceMethods" in item:
                # Without embed AWS names the methods but leaves their bodies empty.
                item["resourceMethods"] = {verb: {} for verb in item["resourceMethods"]}
            items.append(item)
        body: dict[str, Any] = {"item": items}
        if end < len(resources):
            body["position"] = str(end)
        return json.dumps(body)

    patch(APIGatewayResponse, "get_resources", get_resources)


def escape_policy(policy: str) -> str:
    """The policy text as AWS returns it inside the RestApi JSON: JSON-escaped once more."""
    return json.dumps(policy)[1:-1].replace("/", "\\/")


def _install_escaped_rest_policy() -> None:
    from moto.apigateway.models import RestAPI

    original_to_dict = RestAPI.to_dict

    def to_dict(self: Any) -> dict[str, Any]:
        body: dict[str, Any] = original_to_dict(self)
        if body.get("policy"):
            body["policy"] = escape_policy(body["policy"])
        return body

    patch(RestAPI, "to_dict", to_dict)
