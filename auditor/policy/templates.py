"""Exact verdicts for route templates: is every, no, or some concrete request allowed?

The requests of a route form a regular language: the fixed ARN prefix, then the path with
`{param}` = one or more characters other than '/', `{proxy+}` = one or more of anything.
Each Resource pattern is a regular language too (glob.py). A breadth-first walk of the
product automaton (template x all patterns) visits every reachable combination of states,
so the verdict is a fact about all strings, not a sample; the path that reached a state is
a witness.

Unknowns (a condition key or policy variable absent from the context) make a statement
"uncertain". We evaluate two bounds per string: *surely allowed* (uncertain Allows ignored,
uncertain Denies assumed to apply) and *possibly allowed* (the reverse). `allowed` needs
every request surely allowed, `denied` needs none possibly allowed, otherwise `partial`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .automata import MultiNFA
from .conditions import Tri, evaluate
from .evaluate import RESOURCE, CompiledSet, Rule, combine
from .glob import ANY, LIT, NOSLASH, ONE, STAR, Token, arn_tokens
from .model import StatementRef
from .principals import ROLE, SESSION
from .variables import Part, Var, lookup_scalar

VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@functools.lru_cache(maxsize=8192)
def template_nfa(path: str) -> MultiNFA:
    """The path language of an API Gateway resource path template (without leading '/')."""
    if not path.startswith("/"):
        raise ValueError(f"a route path template starts with '/': {path!r}")
    tokens: list[Token] = []
    segments = path[1:].split("/")
    for i, seg in enumerate(segments):
        if i:
            tokens.append((LIT, "/"))
        if seg.startswith("{") and seg.endswith("+}") and len(seg) > 3:
            if i != len(segments) - 1:
                raise ValueError(f"a greedy {seg} must be the last path segment: {path!r}")
            tokens += [(ONE, ANY), (STAR, ANY)]
        elif seg.startswith("{") and seg.endswith("}") and len(seg) > 2:
            tokens += [(ONE, NOSLASH), (STAR, NOSLASH)]
        else:
            tokens += [(LIT, c) for c in seg]
    return MultiNFA([tokens])


@dataclass(slots=True)
class _RouteStmt:
    ref: StatementRef
    deny: bool
    source: str
    kind: str | None
    certain: bool
    negated: bool
    accept: int  # accepting bits of this statement's patterns
    unknowns: list[str]


@dataclass(slots=True)
class _Class:
    surely: bool
    possibly: bool
    matched: tuple[int, ...]


@dataclass(slots=True)
class RoleAutomaton:
    """A role (plus boundary and resource policy) compiled for one action and context."""

    stmts: list[_RouteStmt]
    nfa: MultiNFA
    has_boundary: bool
    has_resource_policy: bool
    prefixes: dict[str, int] = field(default_factory=dict)
    classes: dict[int, _Class] = field(default_factory=dict)

    def after(self, prefix: str) -> int:
        mask = self.prefixes.get(prefix)
        if mask is None:
            mask = self.prefixes[prefix] = self.nfa.run(self.nfa.initial, prefix)
        return mask

    def classify(self, mask: int, same_account: bool) -> _Class:
        hit = self.classes.get(mask)
        if hit is not None:
            return hit
        sure = {"identity": False, "boundary": False, SESSION: False, ROLE: False}
        maybe = dict(sure)
        sure_deny = maybe_deny = False
        matched: list[int] = []
        for i, st in enumerate(self.stmts):
            if bool(mask & st.accept) == st.negated:
                continue
            matched.append(i)
            if st.deny:
                maybe_deny = True
                sure_deny = sure_deny or st.certain
                continue
            slot = st.kind if st.source == RESOURCE else st.source
            assert slot is not None
            maybe[slot] = True
            sure[slot] = sure[slot] or st.certain

        def adds_up(flags: dict[str, bool]) -> bool:
            return combine(
                flags["identity"],
                flags["boundary"] or not self.has_boundary,
                flags[SESSION],
                flags[ROLE],
                resource_policy=self.has_resource_policy,
                same_account=same_account,
            )

        hit = _Class(
            surely=not maybe_deny and adds_up(sure),
            possibly=not sure_deny and adds_up(maybe),
            matched=tuple(matched),
        )
        self.classes[mask] = hit
        return hit


def _parts_for_route(
    parts: tuple[Part, ...], ctx: Mapping[str, Any]
) -> tuple[list[Part | str | None], list[str]]:
    """Substitute known variables; unknown ones become None (any string) with a reason."""
    out: list[Part | str | None] = []
    unknown: list[str] = []
    for part in parts:
        if not isinstance(part, Var):
            out.append(part)
            continue
        if part.name in ctx:
            value = lookup_scalar(ctx, part.name)
            value = part.default if value is None else value
            if value is None:
                return [], []  # known to have no value: the pattern matches nothing
            out.append(value)
        else:
            out.append(None)
            unknown.append(f"policy variable {part.text} is unknown")
    return out, unknown


def build_role_automaton(
    compiled: CompiledSet, action: str, ctx: Mapping[str, Any]
) -> RoleAutomaton:
    globs: list[list[Token]] = []
    stmts: list[_RouteStmt] = []
    for rule in compiled.for_action(action):
        stmt = _route_stmt(rule, ctx, globs)
        if stmt is not None:
            stmts.append(stmt)
    nfa = MultiNFA(globs)
    for st in stmts:  # accept masks were recorded as glob indices; turn them into bits
        bits = 0
        for index in range(st.accept.bit_length()):
            if st.accept >> index & 1:
                bits |= nfa.finals[index]
        st.accept = bits
    return RoleAutomaton(stmts, nfa, compiled.has_boundary, compiled.has_resource_policy)


def _route_stmt(rule: Rule, ctx: Mapping[str, Any], globs: list[list[Token]]) -> _RouteStmt | None:
    tri, unknowns = (
        (Tri.TRUE, []) if not rule.stmt.clauses else evaluate(rule.stmt.clauses, ctx, partial=True)
    )
    if tri is Tri.FALSE:
        return None  # this statement cannot apply in this context
    accept_globs = 0
    for _, parts in rule.patterns:
        resolved, var_unknowns = _parts_for_route(parts, ctx)
        if not resolved and parts:
            continue
        if var_unknowns and rule.stmt.not_resource:
            # Over-approximate where the statement may apply: an unknown NotResource
            # pattern is taken to exclude nothing.
            unknowns = [*unknowns, *var_unknowns]
            continue
        unknowns = [*unknowns, *var_unknowns]
        accept_globs |= 1 << len(globs)
        globs.append(arn_tokens(resolved))
    return _RouteStmt(
        ref=rule.ref,
        deny=rule.stmt.effect == "Deny",
        source=rule.source,
        kind=rule.kind,
        certain=not unknowns,
        negated=rule.stmt.not_resource,
        accept=accept_globs,
        unknowns=unknowns,
    )


def role_automaton(compiled: CompiledSet, action: str, ctx: dict[str, Any]) -> RoleAutomaton:
    """Cached on the compiled set: many routes of the same role reuse one automaton."""
    key = (action.lower(), tuple(sorted((k, repr(v)) for k, v in ctx.items())))
    hit = compiled.automata.get(key)
    if not isinstance(hit, RoleAutomaton):
        hit = build_role_automaton(compiled, action.lower(), ctx)
        compiled.automata[key] = hit
    return hit
