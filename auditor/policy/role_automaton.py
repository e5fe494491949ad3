"""One automaton over a role's statements (plus boundary and resource policy) for route
verdicts, and how a state of it judges the requests that reach it.

Unknowns (a condition key or policy variable absent from the context): each distinct
unknown Condition block is one true/false unknown, tried both ways; a Resource with an
unknown variable is widened (the variable may be anything) and its statement counts as
"uncertain". Per string we get two bounds: *surely allowed* (for every outcome, uncertain
Allows ignored, uncertain Denies applied) and *possibly allowed* (for some outcome, the
reverse). `allowed` needs every request surely allowed, `denied` needs none possibly
allowed, otherwise `partial`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import budget
from .automata import OTHER, MultiNFA
from .budget import BudgetExceeded
from .conditions import Tri, evaluate
from .evaluate import RESOURCE, CompiledSet, Rule, combine
from .glob import Token, arn_tokens
from .model import StatementRef
from .principals import ROLE, SESSION
from .variables import Part, Var, lookup_scalar

if TYPE_CHECKING:
    from .cache import PolicyCache

_MAX_CONDITIONS = 6


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
    matched: int  # the matching statements, as bits of their `index`


@dataclass(slots=True, eq=False)
class PatternNode:
    """One state of a role automaton (pattern states, for one same_account) with what the
    route search needs of it, memoised. Nodes link to their successors, so a search hashes
    characters and texts, not the (big) state masks."""

    role: RoleAutomaton
    mask: int
    same_account: bool
    settled: RequestClass | None  # see RoleAutomaton.settled
    row: dict[str, PatternNode] = field(default_factory=dict)  # text -> node after it
    outcomes: dict[int, Any] = field(default_factory=dict)  # TemplateRest.key -> outcome
    segment_reach: Reach | None = None  # see Reach
    greedy_reach: Reach | None = None
    segment_chars: tuple[str, ...] | None = None  # characters to try in a parameter
    greedy_chars: tuple[str, ...] | None = None

    def step(self, char: str) -> PatternNode:
        hit = self.row.get(char)
        if hit is None:
            role = self.role
            hit = self.row[char] = role.node(role.nfa.successor(self.mask, char), self.same_account)
        return hit

    def run(self, text: str) -> PatternNode:
        """The node after `text` (memoised: a lead and a head recur across stages, APIs,
        verbs and routes). `row` holds texts and characters alike, but OTHER is the empty
        string, so the empty text must not be looked up."""
        if not text:
            return self
        hit = self.row.get(text)
        if hit is None:
            hit = self
            for char in text:
                hit = hit.row.get(char) or hit.step(char)
            self.row[text] = hit
        return hit

    def classify(self) -> RequestClass:
        return self.role.classify(self.mask, self.same_account)

    def chars(self, greedy: bool) -> tuple[str, ...]:
        """The characters that can lead to different states, in order (OTHER first):
        those the states name and OTHER for all others (see automata.py); no '/' in a
        one-segment parameter."""
        hit = self.greedy_chars if greedy else self.segment_chars
        if hit is None:
            named = self.role.nfa.lits(self.mask) | _OTHER
            hit = tuple(sorted(named if greedy else named - _SLASH))
            if greedy:
                self.greedy_chars = hit
            else:
                self.segment_chars = hit
        return hit


_OTHER = frozenset((OTHER,))
_SLASH = frozenset("/")


@dataclass(slots=True, eq=False)
class Reach:
    """The pattern states a non-empty parameter value reaches from a node (any string for
    a greedy parameter, else one without '/'), found level by level as callers need them.

    Breadth first, characters in order (OTHER first), so `nodes` lists states in the
    shortlex order of their least words, `words` those words. Settled nodes are not
    searched past: what lies beyond fares alike and is longer.
    """

    greedy: bool
    nodes: list[PatternNode]
    words: list[tuple[str, ...]]
    frontier: list[tuple[PatternNode, tuple[str, ...]]]  # the last level's unsettled nodes
    seen: set[PatternNode]

    @staticmethod
    def start(node: PatternNode, greedy: bool) -> Reach:
        return Reach(greedy, [], [], [(node, ())], set())

    def extend(self) -> bool:
        """Search one level deeper; False once there is nothing left to find."""
        if not self.frontier:
            return False
        greedy, seen, nodes, words = self.greedy, self.seen, self.nodes, self.words
        deeper: list[tuple[PatternNode, tuple[str, ...]]] = []
        for node, word in self.frontier:
            row = node.row
            for char in node.chars(greedy):
                target = row.get(char) or node.step(char)
                if target in seen:
                    continue
                seen.add(target)
                longer = (*word, char)
                nodes.append(target)
                words.append(longer)
                if target.settled is None:
                    deeper.append((target, longer))
        self.frontier = deeper
        return True


_SLOTS = ("identity", "boundary", SESSION, ROLE)


@dataclass(slots=True)
class RoleAutomaton:
    """Statements of a role (plus boundary and resource policy) for one action and context,
    as one automaton (role_routes.py builds it from what the patterns leave after the account's
    ARN prefix).

    Sets of statements are ints with bit i for `stmts[i]` (whose `index` is i, see
    assemble), so judging a state is a few bit operations per condition outcome.
    """

    stmts: list[RouteStmt]
    nfa: MultiNFA
    has_boundary: bool
    has_resource_policy: bool
    conditions: int  # unknown Condition blocks, each tried true and false
    # see node(): by same_account, then mask
    nodes: tuple[dict[int, PatternNode], dict[int, PatternNode]] = field(
        default_factory=lambda: ({}, {})
    )
    # Per statement (bit, accepting bits, all bits) of its patterns; statement sets:
    patterns: list[tuple[int, int, int]] = field(init=False)
    deny: int = field(init=False)
    certain: int = field(init=False)
    negated: int = field(init=False)
    slots: tuple[int, int, int, int] = field(init=False)  # Allows by _SLOTS
    active: list[int] = field(init=False)  # by condition outcome: the statements in force
    judged: tuple[dict[int, RequestClass], dict[int, RequestClass]] = field(
        default_factory=lambda: ({}, {})
    )
    states: int = 0  # nodes over both tables, within MAX_AUTOMATON_STATES

    def __post_init__(self) -> None:
        self.patterns = []
        self.deny = self.certain = self.negated = 0
        slots = dict.fromkeys(_SLOTS, 0)
        by_condition = [0] * self.conditions
        everything = 0
        for position, st in enumerate(self.stmts):
            assert st.index == position, "statement sets are bits of `index`"
            bit = 1 << position
            everything |= bit
            self.patterns.append((bit, st.accept, st.span))
            if st.deny:
                self.deny |= bit
            else:
                slot = st.kind if st.source == RESOURCE else st.source
                assert slot is not None
                slots[slot] |= bit
            if st.certain:
                self.certain |= bit
            if st.negated:
                self.negated |= bit
            if st.cond is not None:
                by_condition[st.cond] |= bit
        self.slots = (slots["identity"], slots["boundary"], slots[SESSION], slots[ROLE])
        unconditional = everything
        for bits in by_condition:
            unconditional &= ~bits
        self.active = []
        for outcome in range(1 << self.conditions):
            active = unconditional
            for cond, bits in enumerate(by_condition):
                if outcome >> cond & 1:
                    active |= bits
            self.active.append(active)

    def node(self, mask: int, same_account: bool) -> PatternNode:
        nodes = self.nodes[same_account]
        hit = nodes.get(mask)
        if hit is None:
            self.states += 1
            if self.states > budget.MAX_AUTOMATON_STATES:
                raise BudgetExceeded(
                    f"a route automaton needs more than {budget.MAX_AUTOMATON_STATES:,} "
                    "states, the engine's limit for one automaton"
                )
            self.nfa.steps.new_state()
            self.nfa.steps.take(len(self.patterns))  # settled() looks at each
            settled = self.settled(mask, same_account)
            hit = nodes[mask] = PatternNode(self, mask, same_account, settled)
        return hit

    def classify(self, mask: int, same_account: bool) -> RequestClass:
        """How the request(s) in pattern state `mask` fare."""
        self.nfa.steps.take(len(self.patterns))
        matches = 0
        for bit, accept, _ in self.patterns:
            if mask & accept:
                matches |= bit
        return self._judge(matches ^ self.negated, same_account)

    def settled(self, mask: int, same_account: bool) -> RequestClass | None:
        """The class shared by *every* continuation from `mask`, or None if they can differ.

        A statement is settled when each of its patterns is dead (no states) or one is
        universal. Live statements are tried both ways: the class is monotone in each
        statement (an Allow can only help, a Deny only hurt), so if the most and the least
        favourable choices agree, all choices do.
        """
        universal = mask & self.nfa.universal
        matching = live = 0
        for bit, _, span in self.patterns:
            if mask & span:
                if universal & span:
                    matching |= bit
                else:
                    live |= bit
        fixed = (matching ^ self.negated) & ~live
        best = self._judge(fixed | (live & ~self.deny), same_account)
        if not live:
            return best
        worst = self._judge(fixed | (live & self.deny), same_account)
        if (worst.surely, worst.possibly) != (best.surely, best.possibly):
            return None
        both = best.matched & worst.matched  # report only what matches either way
        return best if both == best.matched else RequestClass(best.surely, best.possibly, both)

    def _judge(self, matches: int, same_account: bool) -> RequestClass:
        """Surely allowed = for every outcome of the unknown conditions; possibly = for one.
        Memoised by the statements that match: many states share them."""
        judged = self.judged[same_account]
        hit = judged.get(matches)
        if hit is None:
            surely, possibly = True, False
            for active in self.active:
                sure, maybe = self._judge_one(matches & active, same_account)
                surely, possibly = surely and sure, possibly or maybe
            hit = judged[matches] = RequestClass(surely, possibly, matches)
        return hit

    def _judge_one(self, matches: int, same_account: bool) -> tuple[bool, bool]:
        """(surely, possibly) allowed when exactly the statements in `matches` apply."""
        certain = matches & self.certain
        identity, boundary, session, role = self.slots
        has_boundary = self.has_boundary

        def adds_up(applying: int) -> bool:
            return combine(
                bool(applying & identity),
                bool(applying & boundary) or not has_boundary,
                bool(applying & session),
                bool(applying & role),
                resource_policy=self.has_resource_policy,
                same_account=same_account,
            )

        sure = not matches & self.deny and adds_up(certain)
        maybe = not certain & self.deny and adds_up(matches)
        return sure, maybe


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


def route_statements(
    compiled: CompiledSet, action: str, ctx: Mapping[str, Any], cache: PolicyCache
) -> list[RouteStmt]:
    """The statements that may apply to `action` in this context, patterns as globs."""
    rules = compiled.for_action(action)
    stmts = [st for rule in rules if (st := _route_stmt(rule, ctx, cache)) is not None]
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
    positions = sum(len(g) + 1 for st in stmts for g in st.globs)
    if positions > budget.MAX_AUTOMATON_POSITIONS:
        raise BudgetExceeded(
            f"a route automaton of {positions:,} pattern characters, over the engine's limit "
            f"of {budget.MAX_AUTOMATON_POSITIONS:,}"
        )
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


def _route_stmt(rule: Rule, ctx: Mapping[str, Any], cache: PolicyCache) -> RouteStmt | None:
    clauses = rule.stmt.clauses
    tri, unknowns = (Tri.TRUE, []) if not clauses else evaluate(clauses, ctx, cache, partial=True)
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
        globs.append(tuple(arn_tokens(resolved, cache)))
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
