"""Concrete decisions: one request (action, resource ARN, context) against a role's policies.

Evaluation logic: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
- default deny; any applicable explicit Deny (identity, boundary or resource policy) wins;
- identity side = identity policies AND permissions boundary (when the role has one);
- API Gateway resource policy (REST, AWS_IAM), same account: allowed when either side
  allows; cross-account: both must allow
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html);
- a same-account resource-policy grant to the role ARN is still limited by the boundary,
  one to the session (or to "*") is not (see principals.py for the citation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .cache import DEFAULT_CACHE, PolicyCache
from .conditions import Tri, evaluate, normalise_context
from .documents import Statement, anonymous, read_cached
from .glob import actions_matcher, arn_matcher, arn_split, merged_matcher
from .model import Decision, DecisionName, NamedPolicy, PolicyError, StatementRef, Unreadable
from .principals import ROLE, SESSION, Caller, grant_kind, principal_kind
from .variables import Part, Var, has_variables, lookup_scalar, parse_parts

IDENTITY, BOUNDARY, RESOURCE = "identity", "boundary", "resource"


@dataclass(slots=True)
class Rule:
    """A statement ready for concrete requests."""

    stmt: Statement
    source: str  # IDENTITY | BOUNDARY | RESOURCE
    kind: str | None  # SESSION | ROLE for resource-policy statements
    action_re: re.Pattern[str]
    parts: list[tuple[Part, ...]]  # each Resource / NotResource pattern
    actions_seen: dict[str, bool] = field(default_factory=dict)
    # Compiled on first use: route verdicts read only `parts`, and a regex per pattern
    # would be most of the cost of preparing a role.
    _patterns: list[tuple[re.Pattern[str] | None, tuple[Part, ...]]] | None = None

    @property
    def ref(self) -> StatementRef:
        return self.stmt.ref

    def patterns(self, cache: PolicyCache) -> list[tuple[re.Pattern[str] | None, tuple[Part, ...]]]:
        """(regex, parts) per pattern; the regex is None when variables need a context."""
        if self._patterns is None:
            self._patterns = [
                (None if has_variables(parts) else arn_matcher(parts, cache), parts)
                for parts in self.parts
            ]
        return self._patterns

    def action_ok(self, action: str) -> bool:
        hit = self.actions_seen.get(action)
        if hit is None:
            hit = (self.action_re.fullmatch(action) is not None) != self.stmt.not_action
            self.actions_seen[action] = hit
        return hit

    def resource_ok(self, resource: str, ctx: Mapping[str, Any], cache: PolicyCache) -> bool:
        hit = False
        for regex, parts in self.patterns(cache):
            if regex is None:
                regex = _substituted(parts, ctx, cache)
                if regex is None:
                    continue  # a variable without value matches nothing (IAM docs)
            if regex.fullmatch(resource) is not None:
                hit = True
                break
        return hit != self.stmt.not_resource

    def applies(
        self, action: str, resource: str, ctx: Mapping[str, Any], cache: PolicyCache
    ) -> bool:
        return (
            self.action_ok(action)
            and self.resource_ok(resource, ctx, cache)
            and (not self.stmt.clauses or evaluate(self.stmt.clauses, ctx, cache)[0] is Tri.TRUE)
        )


def _substituted(
    parts: tuple[Part, ...], ctx: Mapping[str, Any], cache: PolicyCache
) -> re.Pattern[str] | None:
    out: list[Part | str] = []
    for part in parts:
        if isinstance(part, Var):
            value = lookup_scalar(ctx, part.name)
            if value is None:
                value = part.default
            if value is None:
                return None
            out.append(value)
        else:
            out.append(part)
    return arn_matcher(out, cache)


def make_rule(stmt: Statement, source: str, kind: str | None, cache: PolicyCache) -> Rule:
    parts = [parse_parts(pattern, stmt.variables) for pattern in stmt.resources]
    return Rule(stmt, source, kind, actions_matcher(stmt.actions, cache), parts)


@dataclass(slots=True)
class CompiledSet:
    """A role's identity policies, boundary and an API's resource policy, parsed once."""

    rules: list[Rule]
    has_boundary: bool
    has_resource_policy: bool
    # Set aside (lenient compilation only): those of the resource policy only if they may
    # apply to the caller. Routes judge them in unreadable.py.
    unreadable: tuple[Unreadable, ...] = ()
    by_action: dict[str, list[Rule]] = field(default_factory=dict)
    automata: dict[Any, Any] = field(default_factory=dict)  # decide plans, route automata

    def for_action(self, action: str) -> list[Rule]:
        key = action.lower()
        rules = self.by_action.get(key)
        if rules is None:
            rules = [r for r in self.rules if r.action_ok(key)]
            # Deny first so that decide() can stop at the first applicable Deny.
            rules.sort(key=lambda r: r.stmt.effect != "Deny")
            self.by_action[key] = rules
        return rules


def compile_set(
    identity: Sequence[NamedPolicy],
    boundary: Sequence[NamedPolicy] | None,
    resource_policy: NamedPolicy | None,
    caller: Caller,
    cache: PolicyCache,
    *,
    strict: bool = True,
) -> CompiledSet:
    """The policies' statements as rules. Strict: the first statement that cannot be read
    raises PolicyError; otherwise it is set aside in `unreadable` and the rest is used."""
    rules: list[Rule] = []
    unreadable: list[Unreadable] = []
    sources = [(p, IDENTITY) for p in identity] + [(p, BOUNDARY) for p in boundary or ()]
    if resource_policy is not None:
        sources.append((resource_policy, RESOURCE))
    for policy, source in sources:
        read = read_cached(policy, cache, resource_policy=source == RESOURCE)
        if strict and read.unreadable:
            raise PolicyError(read.unreadable[0].reason)
        if source != RESOURCE:
            rules.extend(make_rule(s, source, None, cache) for s in read.statements)
            unreadable.extend(read.unreadable)
            continue
        for stmt in read.statements:
            kind = grant_kind(stmt, caller)
            if kind is not None:
                rules.append(make_rule(stmt, RESOURCE, kind, cache))
        unreadable.extend(u for u in read.unreadable if _may_name(u, caller))
    return CompiledSet(rules, boundary is not None, resource_policy is not None, tuple(unreadable))


def _may_name(unreadable: Unreadable, caller: Caller) -> bool:
    """Whether a resource-policy statement set aside may apply to the caller: unless its
    Principal was read and names someone else."""
    spec = unreadable.principals
    if spec is None:
        return True
    return principal_kind(spec, unreadable.not_principal, unreadable.effect, caller) is not None


def combine(
    identity: bool,
    boundary: bool,
    session: bool,
    role: bool,
    *,
    resource_policy: bool,
    same_account: bool,
) -> bool:
    """Whether the Allows add up to an allow (no explicit Deny is assumed)."""
    if resource_policy and not same_account:
        return (session or role) and identity and boundary
    return (identity and boundary) or session or (role and boundary)


_ANONYMOUS = Caller.of(None, None, False)


def _decide_documents(
    documents: Sequence[Mapping[str, Any] | str], cache: PolicyCache
) -> CompiledSet:
    """The documents compiled once per content (their names are their positions)."""
    key = ("decide", *map(cache.fingerprint, documents))
    hit = cache.sets.get(key)
    if hit is None:
        built = compile_set(anonymous(documents), None, None, _ANONYMOUS, cache)
        hit = cache.sets.keep(key, built)
    return hit


@dataclass(slots=True)
class _Plan:
    """decide()'s view of one action: plain statements merged into one regex per effect."""

    deny_fast: re.Pattern[str] | None
    deny_slow: list[Rule]
    allow_fast: re.Pattern[str] | None
    allow_slow: list[Rule]


def _plan(compiled: CompiledSet, action: str, cache: PolicyCache) -> _Plan:
    key = ("plan", action.lower())
    hit = compiled.automata.get(key)
    if isinstance(hit, _Plan):
        return hit
    splits: dict[str, list[tuple[str, str]]] = {"Deny": [], "Allow": []}
    slow: dict[str, list[Rule]] = {"Deny": [], "Allow": []}
    for rule in compiled.for_action(action):
        plain = (
            not rule.stmt.clauses
            and not rule.stmt.not_resource
            and not any(map(has_variables, rule.parts))
        )
        if plain:  # only the merged regex is compiled, not one per pattern as well
            splits[rule.stmt.effect].extend(arn_split(p, cache) for p in rule.parts)
        else:
            slow[rule.stmt.effect].append(rule)

    def merged(effect: str) -> re.Pattern[str] | None:
        return merged_matcher(splits[effect], cache) if splits[effect] else None

    plan = _Plan(merged("Deny"), slow["Deny"], merged("Allow"), slow["Allow"])
    compiled.automata[key] = plan
    return plan


def decide(
    documents: Sequence[Mapping[str, Any] | str],
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
    *,
    cache: PolicyCache | None = None,
) -> DecisionName:
    """One concrete request against identity-policy documents (CONTRACT.md section 3).

    Compiled documents are kept in `cache` by their content: documents equal to ones seen
    before (fresh dicts of a JSON read again) reuse what those compiled. Do not change a
    document once handed over. Without a cache, a bounded module-level one
    (`DEFAULT_CACHE`) serves every caller that passes none: fine for ad-hoc calls; a
    long-lived program should pass its own and drop it when done.
    """
    cache = DEFAULT_CACHE if cache is None else cache
    plan = _plan(_decide_documents(documents, cache), action, cache)
    if plan.deny_fast is not None and plan.deny_fast.fullmatch(resource):
        return "ExplicitlyDenied"
    key = action.lower()
    ctx = normalise_context(context) if context and (plan.deny_slow or plan.allow_slow) else {}
    for rule in plan.deny_slow:
        if rule.applies(key, resource, ctx, cache):
            return "ExplicitlyDenied"
    if plan.allow_fast is not None and plan.allow_fast.fullmatch(resource):
        return "Allowed"
    for rule in plan.allow_slow:
        if rule.applies(key, resource, ctx, cache):
            return "Allowed"
    return "ImplicitlyDenied"


def caller_context(context: Mapping[str, Any] | None, caller: Caller) -> dict[str, Any]:
    """The request context plus what the caller implies (aws:PrincipalArn, aws:PrincipalAccount)."""
    ctx = normalise_context(context)
    principal = caller.principal_arn_key()
    if principal and "aws:principalarn" not in ctx:
        ctx["aws:principalarn"] = principal
    if caller.account and "aws:principalaccount" not in ctx:
        ctx["aws:principalaccount"] = caller.account
    return ctx


def compiled_for(
    identity: Sequence[NamedPolicy],
    boundary: Sequence[NamedPolicy] | None,
    resource_policy: NamedPolicy | None,
    caller: Caller,
    cache: PolicyCache,
    *,
    strict: bool = True,
) -> CompiledSet:
    """The policies compiled once per cache, keyed by their names and content (see
    NamedPolicy); `strict` as for compile_set."""
    key = (
        "set",
        tuple(_policy_key(p, cache) for p in identity),
        None if boundary is None else tuple(_policy_key(p, cache) for p in boundary),
        None if resource_policy is None else _policy_key(resource_policy, cache),
        caller,
        strict,
    )
    hit = cache.sets.get(key)
    if hit is None:
        built = compile_set(identity, boundary, resource_policy, caller, cache, strict=strict)
        hit = cache.sets.keep(key, built)
    return hit


def _policy_key(policy: NamedPolicy, cache: PolicyCache) -> tuple[Any, ...]:
    return (policy.name, cache.policy_key(policy), policy.unavailable)


def explain(
    identity: Sequence[NamedPolicy],
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
    *,
    boundary: Sequence[NamedPolicy] | None = None,
    resource_policy: NamedPolicy | None = None,
    principal_arn: str | None = None,
    role_arn: str | None = None,
    same_account: bool = True,
    cache: PolicyCache | None = None,
) -> Decision:
    """The decision for one request, with the statements that allowed or denied it and why.

    `cache` as for `decide` (without one, the bounded module default).
    """
    cache = DEFAULT_CACHE if cache is None else cache
    caller = Caller.of(principal_arn, role_arn, boundary is not None)
    compiled = compiled_for(identity, boundary, resource_policy, caller, cache)
    ctx = caller_context(context, caller)
    key = action.lower()
    hits = [r for r in compiled.for_action(key) if r.applies(key, resource, ctx, cache)]
    denying = tuple(r.ref for r in hits if r.stmt.effect == "Deny")
    allows = [r for r in hits if r.stmt.effect == "Allow"]
    if denying:
        reasons = tuple(f"explicitly denied by {ref}" for ref in denying)
        return Decision("ExplicitlyDenied", tuple(r.ref for r in allows), denying, reasons)
    identity_ok = any(r.source == IDENTITY for r in allows)
    boundary_ok = boundary is None or any(r.source == BOUNDARY for r in allows)
    session = any(r.source == RESOURCE and r.kind == SESSION for r in allows)
    role = any(r.source == RESOURCE and r.kind == ROLE for r in allows)
    ok = combine(
        identity_ok,
        boundary_ok,
        session,
        role,
        resource_policy=resource_policy is not None,
        same_account=same_account,
    )
    reasons = _reasons(
        ok,
        allows,
        identity_ok,
        boundary,
        boundary_ok,
        session,
        role,
        resource_policy is not None,
        same_account,
    )
    if not ok:
        return Decision("ImplicitlyDenied", (), (), reasons)
    useful = tuple(
        r.ref
        for r in allows
        if (r.source == IDENTITY and boundary_ok)
        or r.source == BOUNDARY
        or (r.source == RESOURCE and (r.kind == SESSION or boundary_ok))
    )
    return Decision("Allowed", useful, (), reasons)


def _reasons(
    ok: bool,
    allows: list[Rule],
    identity: bool,
    boundary: Sequence[NamedPolicy] | None,
    boundary_ok: bool,
    session: bool,
    role: bool,
    has_rp: bool,
    same_account: bool,
) -> tuple[str, ...]:
    out = [f"allowed by {r.ref} ({r.source} policy)" for r in allows]
    if not allows:
        out.append("no statement allows this request (implicit deny)")
    elif boundary is not None and not boundary_ok:
        out.append("the permissions boundary does not allow this request (implicit deny)")
    if has_rp and not same_account and not ok:
        out.append("cross-account: both the resource policy and the identity side must allow")
    if ok and session and not identity:
        out.append("the resource policy grants the role session directly")
    elif ok and role and not identity:
        out.append("the resource policy grants the role; the boundary allows it")
    return tuple(out)
