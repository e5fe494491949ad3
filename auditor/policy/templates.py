"""Exact verdicts for route templates: is every, no, or some concrete request allowed?

The requests of a route form a regular language: the fixed ARN prefix, then the path with
`{param}` = one or more characters other than '/', `{proxy+}` = one or more of anything.
Each Resource pattern is a regular language too (glob.py). A breadth-first walk of the
product automaton (template x all patterns) visits every reachable combination of states,
so the verdict is a fact about all strings, not a sample; the path that reached a state is
a witness.

Unknowns (a condition key or policy variable absent from the context): each distinct
unknown Condition block is one true/false unknown, tried both ways; a Resource with an
unknown variable is widened (the variable may be anything) and its statement counts as
"uncertain". Per string we get two bounds: *surely allowed* (for every outcome, uncertain
Allows ignored, uncertain Denies applied) and *possibly allowed* (for some outcome, the
reverse). `allowed` needs every request surely allowed, `denied` needs none possibly
allowed, otherwise `partial`.
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

_MAX_CONDITIONS = 6
VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@functools.lru_cache(maxsize=8192)
def template_nfa(path: str) -> tuple[str, MultiNFA]:
    """An API Gateway resource path template as (literal head, automaton for the rest).

    The request ARN holds the path without its leading '/'; `{param}` is one or more
    characters other than '/', `{proxy+}` one or more of anything. The literal head (up to
    the first parameter) is split off so that it can be run deterministically.
    """
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
    cut = next((i for i, t in enumerate(tokens) if t[0] != LIT), len(tokens))
    head = "".join(str(t[1]) for t in tokens[:cut])
    return head, MultiNFA([tokens[cut:]])


@dataclass(slots=True)
class RouteStmt:
    index: int  # position in the role's statement list; automata hold copies of some
    ref: StatementRef
    deny: bool
    source: str
    kind: str | None
    certain: bool  # False when a Resource variable is unknown (its pattern is widened)
    negated: bool
    globs: tuple[tuple[Token, ...], ...]  # its patterns, known variables substituted
    unknowns: list[str]
    cond_key: str | None = None  # the unknown Condition block, if any
    # Set when an automaton is assembled from the statement (see assemble):
    accept: int = 0  # accepting bits of this statement's patterns
    span: int = 0  # every bit of this statement's patterns
    cond: int | None = None  # its index among the automaton's unknown conditions


@dataclass(slots=True)
class RequestClass:
    surely: bool
    possibly: bool
    matched: tuple[int, ...]  # the matching statements' indices in the role


@dataclass(slots=True, eq=False)
class PatternNode:
    """What routes.explore needs of one pattern state (and same_account), memoised."""

    settled: RequestClass | None
    classified: RequestClass | None = None  # classify(), once asked
    row: dict[str, int] = field(default_factory=dict)  # char -> next pattern state
    # template lits -> sorted(those | this state's lits | OTHER)
    alphabet: dict[frozenset[str], tuple[str, ...]] = field(default_factory=dict)


@dataclass(slots=True)
class RoleAutomaton:
    """Statements of a role (plus boundary and resource policy) for one action and context,
    as one automaton (routes.py builds it from what the patterns leave after the account's
    ARN prefix)."""

    stmts: list[RouteStmt]
    nfa: MultiNFA
    has_boundary: bool
    has_resource_policy: bool
    conditions: int  # unknown Condition blocks, each tried true and false
    heads: dict[tuple[int, str], int] = field(default_factory=dict)
    classes: dict[tuple[int, bool], RequestClass] = field(default_factory=dict)
    settled_memo: dict[tuple[int, bool], RequestClass | None] = field(default_factory=dict)
    # see node(): by same_account, then mask
    nodes: tuple[dict[int, PatternNode], dict[int, PatternNode]] = field(
        default_factory=lambda: ({}, {})
    )

    def node(self, mask: int, same_account: bool) -> PatternNode:
        """Per-state memos for routes.explore, reached with one hash of the (big) mask."""
        nodes = self.nodes[same_account]
        hit = nodes.get(mask)
        if hit is None:
            hit = nodes[mask] = PatternNode(self.settled(mask, same_account))
        return hit

    def after(self, mask: int, head: str) -> int:
        """Pattern states after reading `head` from `mask` (memoised: a lead's state and a
        head recur across stages, APIs and verbs)."""
        key = (mask, head)
        hit = self.heads.get(key)
        if hit is None:
            hit = self.heads[key] = self.nfa.run(mask, head)
        return hit

    def classify(self, mask: int, same_account: bool) -> RequestClass:
        """How the request(s) in pattern state `mask` fare (memoised)."""
        key = (mask, same_account)
        hit = self.classes.get(key)
        if hit is None:
            matches = [bool(mask & st.accept) != st.negated for st in self.stmts]
            hit = self.classes[key] = self._judge(matches, same_account)
        return hit

    def settled(self, mask: int, same_account: bool) -> RequestClass | None:
        """The class shared by *every* continuation from `mask`, or None if they can differ.

        A statement is settled when each of its patterns is dead (no states) or one is
        universal. Live statements are tried both ways: the class is monotone in each
        statement (an Allow can only help, a Deny only hurt), so if the most and the least
        favourable choices agree, all choices do.
        """
        key = (mask, same_account)
        if key in self.settled_memo:
            return self.settled_memo[key]
        best: list[bool] = []
        worst: list[bool] = []
        live = False
        for st in self.stmts:
            if mask & st.span & self.nfa.universal:
                now: bool | None = True
            elif not mask & st.span:
                now = False
            else:
                now = None
            if now is None:
                live = True
                best.append(not st.deny)
                worst.append(st.deny)
            else:
                best.append(now != st.negated)
                worst.append(now != st.negated)
        result: RequestClass | None = self._judge(best, same_account)
        if live:
            other = self._judge(worst, same_account)
            assert result is not None
            if (other.surely, other.possibly) != (result.surely, result.possibly):
                result = None
            else:  # report only the statements that match either way
                both = set(result.matched) & set(other.matched)
                result = RequestClass(result.surely, result.possibly, tuple(sorted(both)))
        self.settled_memo[key] = result
        return result

    def _judge(self, matches: list[bool], same_account: bool) -> RequestClass:
        """Surely allowed = for every outcome of the unknown conditions; possibly = for one."""
        surely, possibly = True, False
        for outcome in range(1 << self.conditions):
            sure, maybe = self._judge_one(matches, outcome, same_account)
            surely, possibly = surely and sure, possibly or maybe
        matched = tuple(st.index for st, hit in zip(self.stmts, matches, strict=True) if hit)
        return RequestClass(surely, possibly, matched)

    def _judge_one(
        self, matches: list[bool], outcome: int, same_account: bool
    ) -> tuple[bool, bool]:
        sure = {"identity": False, "boundary": False, SESSION: False, ROLE: False}
        maybe = dict(sure)
        sure_deny = maybe_deny = False
        for i, st in enumerate(self.stmts):
            if not matches[i] or (st.cond is not None and not outcome >> st.cond & 1):
                continue
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

        return not maybe_deny and adds_up(sure), not sure_deny and adds_up(maybe)


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


def route_statements(compiled: CompiledSet, action: str, ctx: Mapping[str, Any]) -> list[RouteStmt]:
    """The statements that may apply to `action` in this context, patterns as globs."""
    rules = compiled.for_action(action)
    stmts = [st for rule in rules if (st := _route_stmt(rule, ctx)) is not None]
    for index, st in enumerate(stmts):
        st.index = index
    # Statements with the same unknown Condition block share one true/false unknown (so an
    # Allow and a Deny under the same condition are never both assumed); different blocks
    # are taken as independent. Past a few blocks, fall back to widening each statement.
    if len({st.cond_key for st in stmts if st.cond_key is not None}) > _MAX_CONDITIONS:
        for st in stmts:
            if st.cond_key is not None:
                st.cond_key, st.certain = None, False
    return stmts


def assemble(stmts: list[RouteStmt], has_boundary: bool, has_rp: bool) -> RoleAutomaton:
    """One automaton over the statements' patterns; sets their accept, span and cond, so
    pass statements of no other automaton."""
    cond_ids: dict[str, int] = {}
    for st in stmts:
        st.cond = None if st.cond_key is None else cond_ids.setdefault(st.cond_key, len(cond_ids))
    # Globs only matter through the union of their group (see automata.py): statements of
    # the same effect, source and certainty are interchangeable; a NotResource statement
    # needs its own patterns' answer, so it is a group of its own.
    group_ids: dict[Any, int] = {}
    globs: list[tuple[Token, ...]] = []
    groups: list[int] = []
    owners: list[int] = []
    for index, st in enumerate(stmts):
        slot = st.kind if st.source == RESOURCE else st.source
        key = ("not", index) if st.negated else (st.deny, slot, st.certain, st.cond)
        gid = group_ids.setdefault(key, len(group_ids))
        globs += st.globs
        groups += [gid] * len(st.globs)
        owners += [index] * len(st.globs)
    nfa = MultiNFA(globs, groups)
    for st in stmts:
        st.accept = st.span = 0
    for g, index in enumerate(owners):
        stmts[index].accept |= nfa.finals[g]
        stmts[index].span |= nfa.glob_masks[g]
    return RoleAutomaton(stmts, nfa, has_boundary, has_rp, len(cond_ids))


def _route_stmt(rule: Rule, ctx: Mapping[str, Any]) -> RouteStmt | None:
    tri, unknowns = (
        (Tri.TRUE, []) if not rule.stmt.clauses else evaluate(rule.stmt.clauses, ctx, partial=True)
    )
    if tri is Tri.FALSE:
        return None  # this statement cannot apply in this context
    cond_key = repr(rule.stmt.clauses) if tri is Tri.UNKNOWN else None
    var_reasons: list[str] = []
    globs: list[tuple[Token, ...]] = []
    for parts in rule.parts:
        resolved, var_unknowns = _parts_for_route(parts, ctx)
        if not resolved and parts:
            continue
        if var_unknowns and rule.stmt.not_resource:
            # Over-approximate where the statement may apply: an unknown NotResource
            # pattern is taken to exclude nothing.
            var_reasons += var_unknowns
            continue
        var_reasons += var_unknowns
        globs.append(tuple(arn_tokens(resolved)))
    return RouteStmt(
        index=0,  # set by route_statements
        ref=rule.ref,
        deny=rule.stmt.effect == "Deny",
        source=rule.source,
        kind=rule.kind,
        certain=not var_reasons,
        negated=rule.stmt.not_resource,
        globs=tuple(globs),
        unknowns=[*unknowns, *var_reasons],
        cond_key=cond_key,
    )
