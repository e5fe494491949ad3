"""The access evaluator: asks the policy engine what one persona's role may do on one route,
with the role's policies, its boundary and the API's resource policy, compiled once into
the evaluator's own PolicyCache. A route it cannot judge (a document the engine cannot
evaluate, a path that is no template) is `unknown`, recorded, never an exception that ends
the audit; any other exception is a bug and ends it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from auditor.audit.resolve import Resolution
from auditor.model.http import served_path
from auditor.model.personas import UNAUTHENTICATED
from auditor.model.snapshot import Api, Role, Snapshot
from auditor.policy import (
    NamedPolicy,
    PolicyCache,
    PolicyError,
    PreparedRole,
    RouteVerdict,
    prepare_role,
)

SHORTHAND = "execute-api:/"  # resource policies may say `execute-api:/prod/GET/x`


@dataclass
class Unjudged:
    """A route the engine could not judge (a hand-edited snapshot's path such as `x`): its
    cells are `unknown`."""

    api_id: str
    stage: str
    method: str
    path: str
    reason: str
    verdict: RouteVerdict  # the unknown verdict its cells share
    roles: set[str] = field(default_factory=set)  # the roles asked about it


def expand_shorthand(document: dict[str, Any], prefix: str) -> dict[str, Any]:
    """`execute-api:/stage/VERB/path` as the full ARN of this API, as API Gateway expands it
    when it saves a resource policy. Emulators (moto, LocalStack) store the shorthand as
    written; left as is it would match no request and hide what the policy grants."""

    def expand(value: Any) -> Any:
        if isinstance(value, str) and value.startswith(SHORTHAND):
            return prefix + value.removeprefix(SHORTHAND)
        if isinstance(value, list):
            return [expand(v) for v in value]
        return value

    statements = document.get("Statement")
    if not isinstance(statements, (list, dict)):
        return document
    expanded = [
        {k: expand(v) if k in ("Resource", "NotResource") else v for k, v in s.items()}
        if isinstance(s, dict)
        else s
        for s in (statements if isinstance(statements, list) else [statements])
    ]
    return {**document, "Statement": expanded if isinstance(statements, list) else expanded[0]}


class _RoleDocuments(NamedTuple):
    """A role's policy documents, each with the resource that names it in findings: the one
    place that holds them (role_policies and role_documents are views of it)."""

    identity: list[tuple[str, NamedPolicy]]  # inline policies, then attached managed ones
    boundary: tuple[str, NamedPolicy] | None


class AccessEvaluator:
    """Asks the policy engine about one role and one route, reusing compiled policies.

    Everything the engine derives (compiled policies, automata, shared verdicts) goes into
    `cache`, owned by this evaluator and dropped with it: one audit's policies never
    outlive it. The cache keys compiled policies by name and content; each role's
    NamedPolicy objects are built once here all the same, and keep their content key.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.cache = PolicyCache()
        self._roles: dict[str, _RoleDocuments] = {}  # by role ARN, see _documents
        self._missing: dict[str, NamedPolicy] = {}  # managed policies the snapshot lacks
        self.unjudged: dict[tuple[str, str, str, str], Unjudged] = {}
        self._resource_policies: dict[str, NamedPolicy | None] = {}
        self._prepared: dict[tuple[str, str, str], PreparedRole] = {}
        self._context_keys: dict[int, tuple[dict[str, Any], str]] = {}
        self._contexts: dict[tuple[str, str | None], dict[str, Any]] = {}
        self._last: tuple[tuple[str, str, str], PreparedRole] | None = None

    def context_for(self, resolution: Resolution) -> dict[str, Any]:
        """persona_context, one dict per persona: verdicts are keyed by the dict's identity,
        so a new dict per question would be keyed (and kept) anew every time."""
        key = (resolution.persona, resolution.role_arn)
        held = self._contexts.get(key)
        if held is None:
            held = self._contexts[key] = persona_context(self.snapshot, resolution)
        return held

    def role_policies(self, role_arn: str) -> tuple[list[NamedPolicy], list[NamedPolicy] | None]:
        """(identity policies, permissions boundary or None)."""
        read = self._documents(role_arn)
        boundary = None if read.boundary is None else [read.boundary[1]]
        return [named for _, named in read.identity], boundary

    def role_documents(self, role_arn: str) -> list[tuple[str, NamedPolicy]]:
        """Every policy document of role_policies, with the resource that names it in findings:
        `<role ARN>#<inline name>`, or the managed policy's ARN (also for the boundary)."""
        read = self._documents(role_arn)
        return read.identity if read.boundary is None else [*read.identity, read.boundary]

    def roles_read(self) -> list[str]:
        """The roles whose policies this evaluator has read so far."""
        return list(self._roles)

    def _documents(self, role_arn: str) -> _RoleDocuments:
        held = self._roles.get(role_arn)
        if held is None:
            held = self._roles[role_arn] = self._build(self.snapshot.role(role_arn))
        return held

    def _build(self, role: Role | None) -> _RoleDocuments:
        if role is None:
            return _RoleDocuments([], None)  # unknown role: it grants nothing we can see
        identity = [
            (
                f"{role.arn}#{inline.name}",
                NamedPolicy(f"{role.name}/{inline.name}", inline.document),
            )
            for inline in role.inline_policies
        ]
        identity += [(arn, self._managed(arn)) for arn in role.attached_policy_arns]
        arn = role.permissions_boundary_arn
        return _RoleDocuments(identity, (arn, self._managed(arn)) if arn else None)

    def _managed(self, arn: str) -> NamedPolicy:
        """A managed policy by ARN. One the snapshot lacks (a hand-edited or partial snapshot,
        a read that failed) is a document that cannot be read, never one that grants nothing:
        its verdicts are `unknown`, policy-unreadable names it, and the run is incomplete. As a
        boundary it would otherwise deny every route, as an identity policy drop its grants."""
        policy = self.snapshot.managed_policies.get(arn)
        if policy is not None:
            return NamedPolicy(policy.name, policy.document)
        held = self._missing.get(arn)
        if held is None:  # one per ARN: the roles it is attached to share its reading
            name = arn.rsplit("/", 1)[-1]
            held = self._missing[arn] = NamedPolicy(name, {}, f"{arn} is not in the snapshot")
        return held

    def resource_policy(self, api: Api) -> NamedPolicy | None:
        if api.id not in self._resource_policies:
            snapshot = self.snapshot
            prefix = (
                f"arn:{snapshot.partition}:execute-api:{snapshot.region}:"
                f"{snapshot.account_id or '*'}:{api.id}/"
            )
            self._resource_policies[api.id] = (
                NamedPolicy(
                    f"{api.name} resource policy", expand_shorthand(api.resource_policy, prefix)
                )
                if api.resource_policy
                else None
            )
        return self._resource_policies[api.id]

    def verdict(
        self, role_arn: str, api: Api, stage: str, method: str, path: str, context: dict[str, Any]
    ) -> RouteVerdict:
        # Personas sharing a role share verdicts only when their request context is the same
        # (a guest and a signed-in user differ in amr).
        # No cache of verdicts here: half a million of them would dominate memory, and the
        # engine already shares automata and outcomes between roles and repeated questions.
        # The route's template is judged before (verdicts.verdict_for): what is left to fail
        # here is a document the engine cannot evaluate. Any other error is a bug, and must
        # end the run as one rather than pass for a verdict that "cannot be judged".
        try:
            prepared = self._prepare(role_arn, api, context, self._context_key(context))
            return prepared.verdict(api.id, stage, method, served_path(path))
        except PolicyError as exc:  # one route must not end the audit
            return self.unjudged_route(role_arn, api.id, stage, method, path, str(exc))

    def unjudged_route(
        self, role_arn: str, api_id: str, stage: str, method: str, path: str, reason: str
    ) -> RouteVerdict:
        """The `unknown` verdict of a route the engine cannot judge for `role_arn`, recorded
        (policy-unreadable reports it with every role asked); its cells share it."""
        key = (api_id, stage, method, path)
        held = self.unjudged.get(key)
        if held is None:
            verdict = RouteVerdict("unknown", reasons=(f"cannot be judged: {reason}",))
            held = self.unjudged[key] = Unjudged(api_id, stage, method, path, reason, verdict)
        held.roles.add(role_arn)
        return held.verdict

    def prepared(self, role_arn: str, api: Api, context: dict[str, Any]) -> PreparedRole | None:
        """The role compiled for routes of `api` (see `_prepare`); None if a document cannot
        be evaluated at all, which `verdict` then reports route by route."""
        try:
            return self._prepare(role_arn, api, context, self._context_key(context))
        except PolicyError:
            return None

    def _context_key(self, context: dict[str, Any]) -> str:
        """A persona's context is one dict reused for all its routes: key it once."""
        held = self._context_keys.get(id(context))
        if held is None or held[0] is not context:
            held = self._context_keys[id(context)] = (context, repr(sorted(context.items())))
        return held[1]

    def _prepare(
        self, role_arn: str, api: Api, context: dict[str, Any], context_key: str
    ) -> PreparedRole:
        """The role compiled once per resource policy: APIs without one share it."""
        last = (role_arn, context_key, api.id)
        if self._last is not None and self._last[0] == last:
            return self._last[1]  # the matrix asks persona by persona, route after route
        resource_policy = self.resource_policy(api)
        key = (role_arn, context_key, api.id if resource_policy else "")
        if key not in self._prepared:
            identity, boundary = self.role_policies(role_arn)
            snapshot = self.snapshot
            self._prepared[key] = prepare_role(
                identity,
                boundary=boundary,
                resource_policy=resource_policy,
                role_arn=role_arn,
                context=context,
                partition=snapshot.partition,
                region=snapshot.region,
                account=snapshot.account_id or "*",
                cache=self.cache,
            )
        self._last = (last, self._prepared[key])
        return self._prepared[key]


def persona_context(snapshot: Snapshot, resolution: Resolution) -> dict[str, Any]:
    """The request context keys whose values are the same for every member of the persona."""
    pool = snapshot.identity_pool
    context: dict[str, Any] = {
        "aws:PrincipalType": "AssumedRole",
        "aws:FederatedProvider": "cognito-identity.amazonaws.com",
        "aws:SecureTransport": "true",  # API Gateway endpoints are HTTPS only
    }
    if snapshot.account_id:
        context["aws:PrincipalAccount"] = snapshot.account_id
    if resolution.role_arn:
        context["aws:PrincipalArn"] = resolution.role_arn
    if pool is not None:
        context["cognito-identity.amazonaws.com:aud"] = pool.id
        guest = resolution.persona == UNAUTHENTICATED
        context["cognito-identity.amazonaws.com:amr"] = (
            ["unauthenticated"] if guest else ["authenticated"]
        )
    return context
