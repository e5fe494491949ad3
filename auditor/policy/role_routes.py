"""A role's statements for the route verdicts of one action, context and account: the
automata over them, shared through the PolicyCache, and what each route of the role needs."""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from auditor.model.http import HTTP_METHODS

from .automata import OTHER_CANDIDATES, pick_other
from .budget import BudgetExceeded
from .cache import PolicyCache
from .evaluate import CompiledSet
from .glob import LIT
from .model import StatementRef
from .prefilter import Glob, LeadIndex, Prefix, PrefixTable, after_prefix
from .role_automaton import PatternNode, RoleAutomaton, RouteStmt, assemble, route_statements
from .search import MATCHED, Outcome, explore, serials
from .shapes import Shape, bit_indices, shape_of, word_pieces
from .templates import TemplateRest, route_template


@dataclass(slots=True, eq=False)  # hashed by identity
class SharedAutomaton:
    """An automaton over some statements (their patterns after the account's prefix), with
    its states after each lead and its outcomes.

    Mostly built for just the statements relevant to a route (statements dead after the
    lead and head change no verdict or witness, see prefilter.py) and shared, through the
    PolicyCache, by every role whose relevant statements have the same content: roles
    share managed policies and grants, and most routes are settled by the prefilter
    without any automaton.
    """

    role: RoleAutomaton | None  # over copies whose `index` is their position among them
    policies: str  # the policies whose statements it holds, for messages
    starts: dict[tuple[str, bool], PatternNode] = field(default_factory=dict)  # by lead
    # Why it answers no question: a limit of budget.py was reached, building it or in a
    # question, whose memos may then be half-built. Every question raises it again.
    spent: str | None = None

    def outcome(self, lead: str, route: RoutePath, same_account: bool) -> Outcome:
        role = self.role
        if role is None or self.spent is not None:
            raise BudgetExceeded(self.spent or "no automaton")
        role.nfa.steps.renew()
        try:
            start = self.starts.get((lead, same_account))
            if start is None:
                start = role.node(role.nfa.run(role.nfa.initial, lead), same_account)
                self.starts[lead, same_account] = start
            # Routes of other verbs, stages, APIs and roles often reach the same state, and
            # explore() memoises per state: its memo is the route cache.
            node = start.run(route.head)
            rest = route.rest
            hit: Outcome | None = node.outcomes.get(-1 if rest is None else rest.key)
            return explore(rest, node) if hit is None else hit
        except BudgetExceeded as exc:
            self.spent = f"{exc} (statements of {self.policies})"
            self.role = None  # what it built is of no further use: free it
            raise BudgetExceeded(self.spent) from None


_MAX_OWN = 4  # see RoleRoutes.sub
_next_signature = itertools.count()  # never reused, so emptying a cache's table stays sound


def _signature(st: RouteStmt, cache: PolicyCache) -> int:
    """A small id for what the automaton sees of a statement (not its name or index)."""
    key = (st.deny, st.source, st.kind, st.certain, st.negated, st.cond_key, st.globs)
    hit = cache.signatures.get(key)
    if hit is None:
        hit = cache.signatures.keep(key, next(_next_signature))
    return hit


@dataclass(slots=True, eq=False)
class RoleSub:
    """A role's view of a shared automaton: local statement positions -> its own indices."""

    shared: SharedAutomaton
    to_role: tuple[int, ...]
    serial: int = field(default_factory=lambda: next(serials))
    bits: dict[int, int] = field(default_factory=dict)  # see role_bits

    def role_bits(self, local: int) -> int:
        """Statements as bits of the automaton's positions -> as bits of the role's."""
        hit = self.bits.get(local)
        if hit is None:
            hit = 0
            for i in bit_indices(local):
                hit |= 1 << self.to_role[i]
            self.bits[local] = hit
        return hit


@dataclass(slots=True)
class Lead:
    """The requests under one lead: `<api>/<stage>/<VERB>/` after the account's prefix."""

    text: str
    index: LeadIndex  # which statements may match them
    # by head and whether the route has no parameter, see RoleRoutes.sub
    subs: dict[tuple[str, bool], RoleSub] = field(default_factory=dict)


def route_path(path: str, cache: PolicyCache) -> RoutePath:
    """A route's path template, parsed for verdicts (kept in `cache`)."""
    hit = cache.paths.get(path)
    if hit is None:
        head, rest = route_template(path, cache)
        word = () if rest is None else rest.shortest
        untouched: Outcome = (None, None, word, word, 0, next(serials))
        chars = set(head)
        piece = rest
        while piece is not None:
            chars.update(piece.literal)
            piece = piece.after
        hit = RoutePath(head, rest, frozenset(chars), untouched, word_pieces(word))
        cache.paths.keep(path, hit)
    return hit


@dataclass(slots=True)
class RoutePath:
    head: str
    rest: TemplateRest | None  # the template after its head
    chars: frozenset[str]  # characters the template names
    untouched: Outcome  # for a verb that no statement can match: every request denied
    untouched_pieces: tuple[str, ...]  # its witness, see word_pieces


def _literals(glob: Glob, cache: PolicyCache) -> frozenset[str]:
    hit = cache.literals.get(glob)
    if hit is None:
        hit = cache.literals.keep(glob, frozenset(str(arg) for kind, arg in glob if kind == LIT))
    return hit


VerbPart = tuple[str, RoleSub | None, Outcome]  # a verb, the automaton it was judged by, outcome


@dataclass(slots=True)
class RoleRoutes:
    """A role's statements for one action, context and account: what their patterns leave
    after `arn:<partition>:execute-api:<region>:<account>:`, with route-level caches shared
    by every PreparedRole of them. Automata are built per lead and relevant statements.

    Kept in its CompiledSet, so in one PolicyCache: the cache passed to its methods must be
    that one (PreparedRole holds it).
    """

    stmts: list[RouteStmt]  # all of them
    kept: list[RouteStmt]  # those that can match, patterns after the account's prefix
    signatures: list[int]  # of kept
    prefixes: PrefixTable  # literal prefixes of the kept statements' globs
    has_boundary: bool
    has_resource_policy: bool
    literals: frozenset[str]  # characters the whole patterns name
    others: str  # candidates for OTHER among them, best first
    leads: dict[tuple[str, str, str], Lead] = field(default_factory=dict)
    every_verb: dict[tuple[str, str], tuple[Lead, ...]] = field(default_factory=dict)
    subs: dict[tuple[str, int], RoleSub] = field(default_factory=dict)
    shapes: dict[Hashable, Shape] = field(default_factory=dict)
    refs: dict[int, tuple[StatementRef, ...]] = field(default_factory=dict)  # statements()
    full: RoleSub | None = None  # over every kept statement, once built
    built: int = 0  # automata this role added to the cache's shared ones

    @staticmethod
    def of(
        compiled: CompiledSet,
        action: str,
        ctx: Mapping[str, Any],
        arn_prefix: str,
        cache: PolicyCache,
    ) -> RoleRoutes:
        stmts = route_statements(compiled, action, ctx, cache)
        # Every request ARN starts with arn_prefix: consume it once, so that automata hold
        # only what follows (a third of the positions) and statements that can match.
        kept: list[RouteStmt] = []
        prefixes: list[Sequence[Prefix] | None] = []
        literals: set[str] = set()
        for st in stmts:
            rests: list[Glob] = []
            heads: list[Prefix] = []
            for g in st.globs:
                literals |= _literals(g, cache)
                globs, lits = after_prefix(g, arn_prefix, cache)
                rests += globs
                heads += lits
            if rests or st.negated:
                kept.append(replace(st, globs=tuple(rests)))
                prefixes.append(None if st.negated else heads)
        # Witnesses use a character none of the role's patterns names (see other()).
        others = "".join(c for c in OTHER_CANDIDATES if c not in literals)
        return RoleRoutes(
            stmts,
            kept,
            [_signature(st, cache) for st in kept],
            PrefixTable(prefixes),
            compiled.has_boundary,
            compiled.has_resource_policy,
            frozenset(literals),
            others,
        )

    def lead(self, api_id: str, stage: str, verb: str) -> Lead:
        key = (api_id, stage, verb)
        hit = self.leads.get(key)
        if hit is None:
            text = f"{api_id}/{stage}/{verb}/"
            hit = self.leads[key] = Lead(text, self.prefixes.lead(text))
        return hit

    def verb_leads(self, api_id: str, stage: str) -> tuple[Lead, ...]:
        """The leads of every verb in HTTP_METHODS, for ANY."""
        hit = self.every_verb[api_id, stage] = tuple(
            self.lead(api_id, stage, verb) for verb in HTTP_METHODS
        )
        return hit

    def sub(self, lead: Lead, head: str, literal: bool, cache: PolicyCache) -> RoleSub | None:
        """The automaton for requests under `lead` of a route with this head (None: no
        statement can match them), memoised in the lead; `literal`: the route has no
        parameter. Not None: with realistic policies most (role, route) pairs are such,
        and the audit asks each once."""
        bits = lead.index.relevant(head, literal)
        if not bits:
            return None
        hit = lead.subs[head, literal] = self._relevant(lead, bits, cache)
        return hit

    def _relevant(self, lead: Lead, bits: int, cache: PolicyCache) -> RoleSub:
        """An automaton for the statements in `bits` (at least), shared across roles.

        A role with broad patterns has many relevant sets that no other role shares: past
        _MAX_OWN new automata, or for a set of most of its statements, it takes one
        automaton over all its statements instead (the same
        verdicts, since the others are dead after the lead and head), which shares
        outcomes across leads.
        """
        key = (lead.text, bits)
        hit = self.subs.get(key)
        if hit is not None:
            return hit
        picked = list(bit_indices(bits))
        content = (
            self.has_boundary,
            self.has_resource_policy,
            tuple(self.signatures[i] for i in picked),
        )
        shared = cache.automata.get(content)
        if shared is not None:
            hit = RoleSub(shared, tuple(self.kept[i].index for i in picked))
        elif self.full is not None or self.built >= _MAX_OWN or 2 * len(picked) > len(self.kept):
            if self.full is None:
                self.full = self._sub(list(range(len(self.kept))))
            hit = self.full
        else:
            self.built += 1
            hit = self._sub(picked)
            cache.automata.keep(content, hit.shared)
        self.subs[key] = hit
        return hit

    def _sub(self, picked: list[int]) -> RoleSub:
        copies = [replace(self.kept[i], index=n) for n, i in enumerate(picked)]
        names = sorted({repr(st.ref.policy) for st in copies})
        policies = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        try:
            shared = SharedAutomaton(
                assemble(copies, self.has_boundary, self.has_resource_policy), policies
            )
        except BudgetExceeded as exc:  # kept as such: the routes that need it do not retry
            shared = SharedAutomaton(None, policies, spent=f"{exc} (statements of {policies})")
        return RoleSub(shared, tuple(self.kept[i].index for i in picked))

    def other(self, route: RoutePath) -> str:
        """`pick_other` of the role's and the route's characters, cheaply: from all the
        role's literals, so that witnesses do not depend on the lead."""
        for char in self.others:
            if char not in route.chars:
                return char
        return pick_other(self.literals | route.chars)

    def shape(self, key: Hashable, parts: Sequence[VerbPart]) -> Shape:
        """The shape of `parts`, cached under `key`: their verbs and serials (ints and
        strings, so the collector stops tracking the keys)."""
        hit = self.shapes.get(key)
        if hit is None:
            matched = 0
            for _, sub, out in parts:
                if sub is not None:
                    matched |= sub.role_bits(out[MATCHED])
            outcomes = {verb: out for verb, _, out in parts}
            hit = self.shapes[key] = shape_of(self.stmts, outcomes, matched)
        return hit

    def statements(self, bits: int) -> tuple[StatementRef, ...]:
        """The statements in `bits`, one tuple per set: verdicts share it."""
        hit = self.refs.get(bits)
        if hit is None:
            hit = self.refs[bits] = tuple(self.stmts[i].ref for i in bit_indices(bits))
        return hit
