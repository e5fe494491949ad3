"""policy-unreadable: the policy documents the auditor cannot evaluate in full, and the routes
it cannot judge.

Verdicts never read what could not be read as a deny: the engine sets such statements aside
and reports the verdicts they may change as `unknown` (auditor/policy/unreadable.py). This
rule says which documents and why, and its findings make the run incomplete (`problems`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from auditor.audit.evaluator import Unjudged
from auditor.checks.context import AuditContext
from auditor.checks.trust import handed_out_roles
from auditor.model.findings import Finding, Issue
from auditor.model.http import route_key
from auditor.model.report import AUDITOR_SERVICE, ReportError
from auditor.policy import Unreadable, set_aside
from auditor.policy.trust import trust_unreadable


@dataclass
class UnreadableDocument:
    resource: str  # the managed policy's ARN, <role ARN>#<inline name>, the role or the API
    kind: str  # "identity policy", "permissions boundary", "trust policy", "resource policy"
    label: str  # which one, for messages: its name, or whose it is
    statements: tuple[Unreadable, ...]  # set aside (index None: the whole document)
    roles: list[str] = field(default_factory=list)  # the roles it belongs to


def unreadable_documents(ctx: AuditContext) -> list[UnreadableDocument]:
    """Every document of the roles the pool hands out (and of any role the audit read) and
    every resource policy of the audited APIs with statements set aside that may matter to
    the audit (their Action may match execute-api:Invoke, or for a trust policy
    sts:AssumeRoleWithWebIdentity), once each."""
    found: dict[str, UnreadableDocument] = {}
    arns = {handed.role_arn for handed in handed_out_roles(ctx)} | set(ctx.evaluator.roles_read())
    for arn in sorted(arns):
        for document in _of_role(ctx, arn):
            if document.statements:
                found.setdefault(document.resource, document).roles.append(arn)
    cache = ctx.evaluator.cache
    for api in ctx.snapshot.apis:
        named = ctx.evaluator.resource_policy(api)
        statements = set_aside(named, cache, resource_policy=True) if named else ()
        if statements:
            snapshot = ctx.snapshot
            resource = f"arn:{snapshot.partition}:apigateway:{snapshot.region}::/restapis/{api.id}"
            found[resource] = UnreadableDocument(
                resource, "resource policy", f"of API {api.id}", statements
            )
    return list(found.values())


def _of_role(ctx: AuditContext, arn: str) -> Iterator[UnreadableDocument]:
    role = ctx.snapshot.role(arn)
    if role is None:
        return
    cache = ctx.evaluator.cache
    for resource, named in ctx.evaluator.role_documents(arn):
        boundary = resource == role.permissions_boundary_arn
        kind = "permissions boundary" if boundary else "identity policy"
        yield UnreadableDocument(resource, kind, repr(named.name), set_aside(named, cache))
    trust = trust_unreadable(role.trust_policy, cache)
    yield UnreadableDocument(arn, "trust policy", f"of role {role.name}", trust)


# What a document that cannot be read leaves unknown. A trust policy governs no route: it
# decides who may assume the role (trust-not-cognito stays silent on it, the other trust
# rules judge the statements that were read).
_ROUTES_UNKNOWN = "the routes it governs are unknown, not denied"
_UNKNOWN = {
    "trust policy": "who may assume the role through Cognito is unknown, never taken as nobody"
}


def policy_unreadable(ctx: AuditContext) -> Iterator[Issue]:
    for document in unreadable_documents(ctx):
        first = document.statements[0].reason
        more = len(document.statements) - 1
        yield Issue(
            rule_id="policy-unreadable",
            resource=document.resource,
            message=f"the {document.kind} {document.label} cannot be evaluated in full: "
            f"{first}"
            + (f" (and {more} more statements)" if more else "")
            + f"; {_UNKNOWN.get(document.kind, _ROUTES_UNKNOWN)}",
            evidence={
                "kind": document.kind,
                "roles": document.roles,
                "set_aside": [_statement(u) for u in document.statements],
            },
        )
    for unjudged in ctx.evaluator.unjudged.values():
        yield Issue(
            rule_id="policy-unreadable",
            resource=_route_arn(ctx, unjudged),
            route=route_key(unjudged.method, unjudged.path),
            api_id=unjudged.api_id,
            message=f"{unjudged.method} {unjudged.path!r} on {unjudged.api_id}/{unjudged.stage} "
            f"cannot be judged: {unjudged.reason}; its verdicts are unknown, not denied",
            evidence={
                "stage": unjudged.stage,
                "reason": unjudged.reason,
                "roles": sorted(unjudged.roles),
            },
        )


def problems(findings: Iterable[Finding]) -> list[ReportError]:
    """What the auditor could not evaluate, as the report's errors: one per policy-unreadable
    finding (a document or a route), with service `auditor`, never an AWS service, so that
    no rule is skipped for it (Snapshot.failed_services reads only the snapshot's)."""
    return [
        ReportError(
            service=AUDITOR_SERVICE,
            operation="EvaluateRoute" if finding.route else "EvaluatePolicy",
            message=f"{finding.message} ({finding.resource})",
        )
        for finding in findings
        if finding.rule_id == "policy-unreadable"
    ]


def _statement(unreadable: Unreadable) -> dict[str, object]:
    return {
        "statement": unreadable.index,  # None: the whole document
        "sid": unreadable.sid,
        "effect": unreadable.effect or "unknown",
        "why": unreadable.reason,
    }


def _route_arn(ctx: AuditContext, unjudged: Unjudged) -> str:
    return ctx.snapshot.route_arn(unjudged.api_id, unjudged.method, unjudged.path, unjudged.stage)
