"""The identities a template is resolved with: the account and region, and the physical id of
each resource, made up offline, adopted from the baseline where it names them, or matched
against the live account (template vs live).

Adoption rules (shared decisions of issue 15), each applied only where it is unambiguous:
- user pool, identity pool: the id the live snapshot read (template vs live), else the id the
  baseline names, for the template's only pool of that kind or the one whose name matches;
- APIs: the live API of the same Name; else the baseline's only API id for the template's
  only API, or the id of a baseline API named like the template's;
- app clients: the live client of the same ClientName; else the baseline's only app client
  for the template's only client;
- roles: the live or baseline role ARN whose name is the role's RoleName, or the name
  CloudFormation generates, `<stack>-<LogicalId>-<suffix>`. Against the live account that is
  all: a role is never matched by which group references it, which would hide a group whose
  role was changed in the console. Offline, a role without RoleName then adopts the baseline
  ARN of what references it (Fn::GetAtt Role.Arn as a baseline-declared group's RoleArn, the
  identity pool's authenticated or unauthenticated role, or a claim rule's RoleARN) when every
  such reference agrees on one ARN that no role adopted by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from auditor.model.baseline import Baseline
from auditor.model.snapshot import Snapshot
from auditor.template.intrinsics import Resolver
from auditor.template.model import (
    PLACEHOLDER_ACCOUNT,
    PLACEHOLDER_REGION,
    Application,
    Identities,
    Resource,
)

_ROLE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role(/(?:[^/]+/)*)([^/]+)$")
_SUFFIX = re.compile(r"^[A-Za-z0-9]+$")
_POOL_REGION = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d)[_:]")


def identities_for(
    app: Application,
    *,
    baseline: Baseline | None = None,
    account_id: str | None = None,
    region: str | None = None,
    live: Snapshot | None = None,
    stack_name: str | None = None,
) -> Identities:
    """Command line first, then the live snapshot, then the baseline, then placeholders
    (listed in Identities.assumed: no Condition is decided by one)."""
    arns = _baseline_role_arns(baseline) if baseline else {}
    parsed = [m for m in (_ROLE_ARN.match(a) for a in arns) if m]
    accounts = {m.group(2) for m in parsed}
    partitions = {m.group(1) for m in parsed}
    known_account = (
        account_id
        or (live.account_id if live else None)
        or (accounts.pop() if len(accounts) == 1 else None)
    )
    known_region = region or (live.region if live else None) or _baseline_region(baseline)
    # The stack id's UUID is made up even where the stack name is given.
    assumed = {"AWS::StackId"}
    for pseudo, known in (
        ("AWS::StackName", stack_name),
        ("AWS::AccountId", known_account),
        ("AWS::Region", known_region),
    ):
        if not known:
            assumed.add(pseudo)
    base = Identities(
        account_id=known_account or PLACEHOLDER_ACCOUNT,
        region=known_region or PLACEHOLDER_REGION,
        partition=(live.partition if live else None)
        or (partitions.pop() if len(partitions) == 1 else "aws"),
        stack_name=stack_name or "stack",
        assumed=frozenset(assumed),
    )
    adopter = _Adopter(app, base)
    if live is not None:
        adopter.from_live(live)
    elif baseline is not None:
        adopter.from_baseline(baseline, arns)
    return Identities(
        account_id=base.account_id,
        region=base.region,
        partition=base.partition,
        stack_name=base.stack_name,
        physical=adopter.physical,
        attributes=adopter.attributes,
        assumed=base.assumed,
    )


def _baseline_region(baseline: Baseline | None) -> str | None:
    if baseline is None:
        return None
    if baseline.region:
        return baseline.region
    for pool_id in (baseline.user_pool.id, baseline.identity_pool.id):
        found = _POOL_REGION.match(pool_id or "")
        if found:
            return found.group(1)
    return None


def _baseline_role_arns(baseline: Baseline) -> dict[str, list[str]]:
    """Every role ARN the baseline declares -> what declares it ("group admin", ...)."""
    declared: dict[str, list[str]] = {}
    pool = baseline.identity_pool
    for what, arn in (
        ("authenticated", pool.authenticated_role),
        ("unauthenticated", pool.unauthenticated_role),
        *((f"group {name}", group.role) for name, group in baseline.groups.items()),
        *((f"claim {key}", claim.role) for key, claim in baseline.claims.items()),
    ):
        if arn:
            declared.setdefault(arn, []).append(what)
    return declared


class _Adopter:
    """Works out Identities.physical/attributes for one application."""

    def __init__(self, app: Application, base: Identities) -> None:
        self.app = app
        self.resolver = Resolver(app, base)
        self.physical: dict[str, str] = {}
        self.attributes: dict[tuple[str, str], str] = {}

    def of_type(self, kind: str) -> list[Resource]:
        return [r for r in self.app.resources.values() if r.type == kind]

    def text(self, resource: Resource, prop: str) -> str | None:
        raw = resource.properties.get(prop)
        if raw is None:
            return None
        value = self.resolver.resolve(raw, resource, f"Properties.{prop}")
        return value if isinstance(value, str) else None

    def adopt_one(
        self, kind: str, name_prop: str, pool_id: str | None, name: str | None = None
    ) -> None:
        """`pool_id` for the only resource of `kind`, or the one whose `name_prop` is `name`."""
        if not pool_id:
            return
        resources = self.of_type(kind)
        named = [r for r in resources if name is not None and self.text(r, name_prop) == name]
        chosen = named if len(named) == 1 else resources
        if len(chosen) == 1:
            self.physical[chosen[0].logical_id] = pool_id

    def adopt_role(self, resource: Resource, arn: str) -> None:
        found = _ROLE_ARN.match(arn)
        if found:
            self.physical[resource.logical_id] = found.group(4)
            self.attributes[(resource.logical_id, "Arn")] = arn

    def roles_by_name(self, arns: Iterable[str]) -> set[str]:
        """Roles adopted by RoleName, or CloudFormation's generated name; the ARNs taken."""
        by_name: dict[str, list[str]] = {}
        # CloudFormation names a role `<stack>-<LogicalId>-<suffix>`: a logical id has no
        # hyphen, so it is the name's next-to-last part (the stack name may have hyphens).
        by_generated: dict[str, list[str]] = {}
        for arn in arns:
            found = _ROLE_ARN.match(arn)
            if found:
                name = found.group(4)
                by_name.setdefault(name, []).append(arn)
                parts = name.rsplit("-", 2)
                if len(parts) == 3 and all(parts) and _SUFFIX.match(parts[2]):
                    by_generated.setdefault(parts[1], []).append(arn)
        taken: set[str] = set()
        for role in self.of_type("AWS::IAM::Role"):
            name = self.text(role, "RoleName")
            if "RoleName" in role.properties:
                matches = by_name.get(name, []) if name is not None else []
            else:
                matches = by_generated.get(role.logical_id, [])
            if len(matches) == 1:
                self.adopt_role(role, matches[0])
                taken.add(matches[0])
        return taken

    def from_live(self, live: Snapshot) -> None:
        if live.user_pool:
            self.adopt_one(
                "AWS::Cognito::UserPool", "UserPoolName", live.user_pool.id, live.user_pool.name
            )
            clients = {c.name: c.id for c in live.user_pool.clients or [] if c.name}
            for client in self.of_type("AWS::Cognito::UserPoolClient"):
                name = self.text(client, "ClientName")
                if name in clients:
                    self.physical[client.logical_id] = clients[name]
        if live.identity_pool:
            self.adopt_one(
                "AWS::Cognito::IdentityPool",
                "IdentityPoolName",
                live.identity_pool.id,
                live.identity_pool.name,
            )
        apis = {api.name: api.id for api in live.apis}
        for kind in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
            for api in self.of_type(kind):
                name = self.text(api, "Name")
                if name in apis:
                    self.physical[api.logical_id] = apis[name]
        self.roles_by_name(live.roles)

    def from_baseline(self, baseline: Baseline, arns: Mapping[str, list[str]]) -> None:
        self.adopt_one(
            "AWS::Cognito::UserPool", "UserPoolName", baseline.user_pool.id, baseline.user_pool.name
        )
        self.adopt_one(
            "AWS::Cognito::IdentityPool",
            "IdentityPoolName",
            baseline.identity_pool.id,
            baseline.identity_pool.name,
        )
        clients = baseline.identity_pool.app_clients or []
        if len(set(clients)) == 1:
            self.adopt_one("AWS::Cognito::UserPoolClient", "ClientName", clients[0])
        self._apis(baseline)
        taken = self.roles_by_name(arns)
        self._roles_by_reference(baseline, taken)

    def _apis(self, baseline: Baseline) -> None:
        templates = [
            *self.of_type("AWS::ApiGateway::RestApi"),
            *self.of_type("AWS::ApiGatewayV2::Api"),
        ]
        ids = {ref.id for ref in baseline.apis if ref.id}
        for ref in baseline.apis:
            named = [a for a in templates if ref.name and self.text(a, "Name") == ref.name]
            if ref.id and len(named) == 1:
                self.physical[named[0].logical_id] = ref.id
        if len(ids) == 1 and len(templates) == 1 and templates[0].logical_id not in self.physical:
            self.physical[templates[0].logical_id] = ids.pop()

    def _roles_by_reference(self, baseline: Baseline, taken: set[str]) -> None:
        """A role without RoleName adopts the one baseline ARN its references agree on."""
        claimed: dict[str, set[str]] = {}  # role logical id -> baseline ARNs of its references
        for group in self.of_type("AWS::Cognito::UserPoolGroup"):
            name = self.text(group, "GroupName") or group.logical_id
            declared = baseline.groups.get(name)
            role = _get_att_arn(group.properties.get("RoleArn"))
            if role:
                claimed.setdefault(role, set()).add(declared.role or "" if declared else "")
        pool = baseline.identity_pool
        for attachment in self.of_type("AWS::Cognito::IdentityPoolRoleAttachment"):
            roles = attachment.properties.get("Roles")
            if isinstance(roles, Mapping):
                for key, arn in (
                    ("authenticated", pool.authenticated_role),
                    ("unauthenticated", pool.unauthenticated_role),
                ):
                    role = _get_att_arn(roles.get(key))
                    if role:
                        claimed.setdefault(role, set()).add(arn or "")
            for rule in _rules(attachment.properties.get("RoleMappings")):
                role = _get_att_arn(rule.get("RoleARN"))
                claim = baseline.claims.get(
                    f"{rule.get('Claim')} {rule.get('MatchType')} {rule.get('Value')}"
                )
                if role and rule.get("Claim") != "cognito:groups":
                    claimed.setdefault(role, set()).add(claim.role or "" if claim else "")
        for logical_id, arns in claimed.items():
            resource = self.app.resources.get(logical_id)
            if resource is None or resource.type != "AWS::IAM::Role" or logical_id in self.physical:
                continue
            if "RoleName" in resource.properties or len(arns) != 1:
                continue
            (arn,) = arns
            if arn and arn not in taken:
                self.adopt_role(resource, arn)
                taken.add(arn)


def _get_att_arn(value: Any) -> str | None:
    """The logical id X of `Fn::GetAtt X.Arn` (either form), else None."""
    if not isinstance(value, Mapping) or set(value) != {"Fn::GetAtt"}:
        return None
    target = value["Fn::GetAtt"]
    if isinstance(target, str):
        target = target.split(".", 1)
    if isinstance(target, list) and len(target) == 2 and target[1] == "Arn":
        return str(target[0])
    return None


def _rules(mappings: Any) -> list[Mapping[str, Any]]:
    if not isinstance(mappings, Mapping):
        return []
    found: list[Mapping[str, Any]] = []
    for mapping in mappings.values():
        config = mapping.get("RulesConfiguration") if isinstance(mapping, Mapping) else None
        rules = config.get("Rules") if isinstance(config, Mapping) else None
        found.extend(r for r in rules or [] if isinstance(r, Mapping))
    return found
