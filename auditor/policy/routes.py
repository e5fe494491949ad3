"""route_verdict: the exact allowed / partial / denied answer for one route template."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, cast

from auditor.model.http import HTTP_METHODS

from .automata import OTHER, OTHER_CANDIDATES, pick_other
from .cache import DEFAULT_CACHE, PolicyCache
from .evaluate import CompiledSet, caller_context, compiled_for
from .glob import LIT
from .model import INVOKE, NamedPolicy, RouteVerdict, StatementRef, VerdictName
from .prefilter import Glob, LeadIndex, PrefixTable, after_prefix
from .principals import Caller, session_arn_for
from .templates import (
    PatternNode,
    Reach,
    RequestClass,
    RoleAutomaton,
    RouteStmt,
    TemplateRest,
    assemble,
    route_statements,
    route_template,
)

_NO_ALLOW = "no statement allows any request to this route"
_serials = itertools.count()  # ids for verdict-shape cache keys; never reused

Word = tuple[str, ...]  # the characters of a request path, OTHER standing for a free one


# What one verb's requests look like: for each kind (surely allowed, possibly allowed, not
# surely allowed, surely not allowed) the shortlex-least request path (after the template's
# head) of that kind or None, then the statements seen to match (bits of their `index` in
# the automaton), then a serial for the verdict-shape caches. A plain tuple of strings and
# ints, so that the collector stops tracking the many that caches hold.
_Outcome = tuple[Word | None, Word | None, Word | None, Word | None, int, int]
SURELY: Final = 0
POSSIBLY: Final = 1
NOT_SURELY: Final = 2
NOT_POSSIBLY: Final = 3
MATCHED: Final = 4
SERIAL: Final = 5


def _whole(cls: RequestClass, word: Word) -> _Outcome:
    """Every request fares as `cls`; `word` is the shortest one."""
    return (
        word if cls.surely else None,
        word if cls.possibly else None,
        None if cls.surely else word,
        None if cls.possibly else word,
        cls.matched,
        next(_serials),
    )


def explore(rest: TemplateRest | None, node: PatternNode) -> _Outcome:
    """The requests that continue from pattern state `node` as `rest` (the template after
    its head) allows, by kind: exact over all strings, memoised per (node, rest).

    A parameter is followed by '/' or the end, so each request splits uniquely into
    parameter values and literals, and the shortlex-least request of a kind is the best
    over the states the first parameter can reach of (least word to reach it) + (least
    request of that kind from there): a search over pattern states per parameter, shared
    by every route whose parameter starts in that state, instead of one over the product
    with each route's template. A state where every continuation fares alike (settled)
    ends the search with the template's shortest continuation.
    """
    key = -1 if rest is None else rest.key
    hit: _Outcome | None = node.outcomes.get(key)
    if hit is not None:
        return hit
    cls = node.settled
    if cls is None and rest is None:
        cls = node.classify()
    if cls is not None:
        hit = _whole(cls, () if rest is None else rest.shortest)
    else:
        assert rest is not None
        hit = _through(rest, node)
    node.outcomes[key] = hit
    return hit


def _through(rest: TemplateRest, node: PatternNode) -> _Outcome:
    """explore() for an unsettled node: over rest's first parameter, then the others.

    Stops once every kind has a witness that no state still to come can beat (its word is
    no shorter, and of equal length only if it sorts later): partial verdicts need not
    search on, and `matched` may then miss statements.
    """
    greedy = rest.greedy
    reach = node.greedy_reach if greedy else node.segment_reach
    if reach is None:
        reach = Reach.start(node, greedy)
        if greedy:
            node.greedy_reach = reach
        else:
            node.segment_reach = reach
    literal, after, lit = rest.literal, rest.after, rest.literal_word
    after_key = -1 if after is None else after.key
    least_tail = len(lit) + (0 if after is None else len(after.shortest))
    nodes, words = reach.nodes, reach.words
    best: list[Word | None] = [None, None, None, None]
    longest = -1  # of the best words, once every kind has one
    matched = 0
    # Outcomes already taken in: found later, a state leading to one of them has a word
    # that sorts later, so it cannot give a better witness.
    taken: set[int] = set()
    at = 0
    while at < len(nodes) or reach.extend():
        if at == len(nodes):
            continue  # that level found nothing new; the next may
        state, word = nodes[at], words[at]
        at += 1
        if longest >= 0 and len(word) + least_tail > longest:
            break
        # A settled state needs no literal run: explore() answers it from its class.
        if literal and state.settled is None:
            state = state.row.get(literal) or state.run(literal)
        out = state.outcomes.get(after_key) or explore(after, state)
        if out[SERIAL] in taken:
            continue
        taken.add(out[SERIAL])
        matched |= out[MATCHED]
        for kind, tail in enumerate(out[:4]):
            if tail is None:
                continue
            size = len(word) + len(lit) + len(tail)
            held = best[kind]
            if held is None or size < len(held):
                best[kind] = word + lit + tail
            elif size == len(held):
                candidate = word + lit + tail
                if candidate < held:
                    best[kind] = candidate
        if None not in best:
            longest = max(len(w) for w in best if w is not None)
    return (best[0], best[1], best[2], best[3], matched, next(_serials))


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

    role: RoleAutomaton  # over copies whose `index` is their position among the copies
    starts: dict[tuple[str, bool], PatternNode] = field(default_factory=dict)  # by lead

    def outcome(self, lead: str, route: RoutePath, same_account: bool) -> _Outcome:
        start = self.starts.get((lead, same_account))
        if start is None:
            role = self.role
            start = role.node(role.nfa.run(role.nfa.initial, lead), same_account)
            self.starts[lead, same_account] = start
        # Routes of other verbs, stages, APIs and roles often reach the same state, and
        # explore() memoises per state: its memo is the route cache.
        node = start.run(route.head)
        rest = route.rest
        hit: _Outcome | None = node.outcomes.get(-1 if rest is None else rest.key)
        return explore(rest, node) if hit is None else hit


_MAX_OWN = 4  # see _RoleRoutes.sub
_next_signature = itertools.count()  # never reused, so emptying a cache's table stays sound


def _signature(st: RouteStmt, cache: PolicyCache) -> int:
    """A small id for what the automaton sees of a statement (not its name or index)."""
    key = (st.deny, st.source, st.kind, st.certain, st.negated, st.cond_key, st.globs)
    hit = cache.signatures.get(key)
    if hit is None:
        hit = cache.signatures.keep(key, next(_next_signature))
    return hit


@dataclass(slots=True, eq=False)
class _Sub:
    """A role's view of a shared automaton: local statement positions -> its own indices."""

    shared: SharedAutomaton
    to_role: tuple[int, ...]
    serial: int = field(default_factory=lambda: next(_serials))
    bits: dict[int, int] = field(default_factory=dict)  # see role_bits

    def role_bits(self, local: int) -> int:
        """Statements as bits of the automaton's positions -> as bits of the role's."""
        hit = self.bits.get(local)
        if hit is None:
            hit = 0
            for i in _indices(local):
                hit |= 1 << self.to_role[i]
            self.bits[local] = hit
        return hit


@dataclass(slots=True)
class _Lead:
    """The requests under one lead: `<api>/<stage>/<VERB>/` after the account's prefix."""

    text: str
    index: LeadIndex  # which statements may match them
    subs: dict[str, _Sub] = field(default_factory=dict)  # by head, see _RoleRoutes.sub


def route_path(path: str, cache: PolicyCache) -> RoutePath:
    """A route's path template, parsed for verdicts (kept in `cache`)."""
    hit = cache.paths.get(path)
    if hit is None:
        head, rest = route_template(path, cache)
        word = () if rest is None else rest.shortest
        untouched: _Outcome = (None, None, word, word, 0, next(_serials))
        chars = set(head)
        piece = rest
        while piece is not None:
            chars.update(piece.literal)
            piece = piece.after
        hit = RoutePath(head, rest, frozenset(chars), untouched, _pieces(word))
        cache.paths.keep(path, hit)
    return hit


@dataclass(slots=True)
class RoutePath:
    head: str
    rest: TemplateRest | None  # the template after its head
    chars: frozenset[str]  # characters the template names
    untouched: _Outcome  # for a verb that no statement can match: every request denied
    untouched_pieces: tuple[str, ...]  # its witness, see _pieces


def _literals(glob: Glob, cache: PolicyCache) -> frozenset[str]:
    hit = cache.literals.get(glob)
    if hit is None:
        hit = cache.literals.keep(glob, frozenset(str(arg) for kind, arg in glob if kind == LIT))
    return hit


Part = tuple[str, _Sub | None, _Outcome]  # a verb, the automaton it was judged by, outcome


@dataclass(slots=True)
class _RoleRoutes:
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
    leads: dict[tuple[str, str, str], _Lead] = field(default_factory=dict)
    every_verb: dict[tuple[str, str], tuple[_Lead, ...]] = field(default_factory=dict)
    subs: dict[tuple[str, int], _Sub] = field(default_factory=dict)
    shapes: dict[Hashable, _Shape] = field(default_factory=dict)
    refs: dict[int, tuple[StatementRef, ...]] = field(default_factory=dict)  # statements()
    full: _Sub | None = None  # over every kept statement, once built
    built: int = 0  # automata this role added to the cache's shared ones

    @staticmethod
    def of(
        compiled: CompiledSet,
        action: str,
        ctx: Mapping[str, Any],
        arn_prefix: str,
        cache: PolicyCache,
    ) -> _RoleRoutes:
        stmts = route_statements(compiled, action, ctx, cache)
        # Every request ARN starts with arn_prefix: consume it once, so that automata hold
        # only what follows (a third of the positions) and statements that can match.
        kept: list[RouteStmt] = []
        prefixes: list[Sequence[str] | None] = []
        literals: set[str] = set()
        for st in stmts:
            rests: list[Glob] = []
            heads: list[str] = []
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
        return _RoleRoutes(
            stmts,
            kept,
            [_signature(st, cache) for st in kept],
            PrefixTable(prefixes),
            compiled.has_boundary,
            compiled.has_resource_policy,
            frozenset(literals),
            others,
        )

    def lead(self, api_id: str, stage: str, verb: str) -> _Lead:
        key = (api_id, stage, verb)
        hit = self.leads.get(key)
        if hit is None:
            text = f"{api_id}/{stage}/{verb}/"
            hit = self.leads[key] = _Lead(text, self.prefixes.lead(text))
        return hit

    def verb_leads(self, api_id: str, stage: str) -> tuple[_Lead, ...]:
        """The leads of every verb in HTTP_METHODS, for ANY."""
        hit = self.every_verb[api_id, stage] = tuple(
            self.lead(api_id, stage, verb) for verb in HTTP_METHODS
        )
        return hit

    def sub(self, lead: _Lead, head: str, cache: PolicyCache) -> _Sub | None:
        """The automaton for requests under `lead` and `head` (None: no statement can
        match them), memoised per head in the lead. Not None: with realistic policies
        most (role, route) pairs are such, and the audit asks each once."""
        bits = lead.index.relevant(head)
        if not bits:
            return None
        hit = lead.subs[head] = self._relevant(lead, bits, cache)
        return hit

    def _relevant(self, lead: _Lead, bits: int, cache: PolicyCache) -> _Sub:
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
        picked: list[int] = []
        while bits:
            low = bits & -bits
            bits ^= low
            picked.append(low.bit_length() - 1)
        content = (
            self.has_boundary,
            self.has_resource_policy,
            tuple(self.signatures[i] for i in picked),
        )
        shared = cache.automata.get(content)
        if shared is not None:
            hit = _Sub(shared, tuple(self.kept[i].index for i in picked))
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

    def _sub(self, picked: list[int]) -> _Sub:
        copies = [replace(self.kept[i], index=n) for n, i in enumerate(picked)]
        role = assemble(copies, self.has_boundary, self.has_resource_policy)
        return _Sub(SharedAutomaton(role), tuple(self.kept[i].index for i in picked))

    def other(self, route: RoutePath) -> str:
        """`pick_other` of the role's and the route's characters, cheaply: from all the
        role's literals, so that witnesses do not depend on the lead."""
        for char in self.others:
            if char not in route.chars:
                return char
        return pick_other(self.literals | route.chars)

    def shape(self, key: Hashable, parts: Sequence[Part]) -> _Shape:
        """The shape of `parts`, cached under `key`: their verbs and serials (ints and
        strings, so the collector stops tracking the keys)."""
        hit = self.shapes.get(key)
        if hit is None:
            matched = 0
            for _, sub, out in parts:
                if sub is not None:
                    matched |= sub.role_bits(out[MATCHED])
            outcomes = {verb: out for verb, _, out in parts}
            hit = self.shapes[key] = _shape(self.stmts, outcomes, matched)
        return hit

    def statements(self, bits: int) -> tuple[StatementRef, ...]:
        """The statements in `bits`, one tuple per set: verdicts share it."""
        hit = self.refs.get(bits)
        if hit is None:
            hit = self.refs[bits] = tuple(self.stmts[i].ref for i in _indices(bits))
        return hit


class PreparedRole:
    """One role (with boundary, resource policy, caller and context) ready for many routes.

    Everything that does not depend on the route is done once, in `prepare_role`; what
    depends on it is kept in the PolicyCache the role was prepared with.
    """

    __slots__ = ("_arn", "_cache", "_routes", "_same_account")

    def __init__(
        self, routes: _RoleRoutes, arn_prefix: str, same_account: bool, cache: PolicyCache
    ) -> None:
        self._routes = routes
        self._arn = arn_prefix  # arn:<partition>:execute-api:<region>:<account>:
        self._same_account = same_account
        self._cache = cache  # the one `routes` was compiled in: automata and rests agree

    def verdict(self, api_id: str, stage: str, method: str, path: str) -> RouteVerdict:
        """See `route_verdict`."""
        routes, cache = self._routes, self._cache
        route = cache.paths.get(path) or route_path(path, cache)
        head = route.head
        verb = method.upper()
        if verb != "ANY":  # the common case, and mostly no statement is relevant: be quick
            lead = routes.leads.get((api_id, stage, verb)) or routes.lead(api_id, stage, verb)
            sub = lead.subs.get(head) or routes.sub(lead, head, cache)
            if sub is None:
                return self._untouched(lead.text, path, route)
            out = sub.shared.outcome(lead.text, route, self._same_account)
            shape = routes.shape((verb, sub.serial, out[SERIAL]), ((verb, sub, out),))
            base = f"{self._arn}{api_id}/{stage}/"
            return _render(shape, routes.statements, base, head, routes.other(route))
        parts: list[Part] = []
        key: list[tuple[str, int, int]] = []
        touched = False
        leads = routes.every_verb.get((api_id, stage)) or routes.verb_leads(api_id, stage)
        for v, lead in zip(HTTP_METHODS, leads, strict=True):
            sub = lead.subs.get(head) or routes.sub(lead, head, cache)
            if sub is not None:
                out = sub.shared.outcome(lead.text, route, self._same_account)
                parts.append((v, sub, out))
                key.append((v, sub.serial, out[SERIAL]))
                touched = True
            else:
                parts.append((v, None, route.untouched))
                key.append((v, -1, route.untouched[SERIAL]))
        if not touched:
            return self._untouched(leads[0].text, path, route)
        shape = routes.shape(tuple(key), parts)
        base = f"{self._arn}{api_id}/{stage}/"
        return _render(shape, routes.statements, base, head, routes.other(route))

    def _untouched(self, lead: str, path: str, route: RoutePath) -> RouteVerdict:
        """No statement can match any request of the route: denied, witness under `lead`.

        The verdict depends only on the key, so roles share one (frozen) object.
        """
        other = self._routes.other(route)
        key = (self._arn, lead, path, other)
        untouched = self._cache.untouched
        hit = untouched.get(key)
        if hit is None:
            witness = f"{self._arn}{lead}{route.head}{other.join(route.untouched_pieces)}"
            hit = RouteVerdict("denied", reasons=(_NO_ALLOW,), witness_denied=witness)
            untouched.keep(key, hit)
        return hit


def prepare_role(
    identity: Sequence[NamedPolicy],
    *,
    boundary: Sequence[NamedPolicy] | None = None,
    resource_policy: NamedPolicy | None = None,
    role_arn: str | None = None,
    context: Mapping[str, Any] | None = None,
    partition: str,
    region: str,
    account: str,
    action: str = INVOKE,
    principal_arn: str | None = None,
    cache: PolicyCache,
) -> PreparedRole:
    """Compile a role once for `PreparedRole.verdict` on many routes (see `route_verdict`).

    `cache` keeps the compiled policies, by the identity of the NamedPolicy objects (see
    NamedPolicy), and everything derived from them and from the routes asked about:
    preparing the same objects again with the same cache is cheap and shares the route
    caches. Roles prepared with one cache share automata; drop the cache to free it all.
    """
    if principal_arn is None and role_arn is not None:
        principal_arn = session_arn_for(role_arn)
    caller = Caller.of(principal_arn, role_arn, boundary is not None)
    compiled = compiled_for(identity, boundary, resource_policy, caller, cache)
    ctx = caller_context(context, caller)
    arn_prefix = f"arn:{partition}:execute-api:{region}:{account}:"
    context_key = tuple(sorted((k, repr(v)) for k, v in ctx.items()))
    key = ("routes", action.lower(), context_key, arn_prefix)
    routes = compiled.automata.get(key)
    if not isinstance(routes, _RoleRoutes):
        routes = _RoleRoutes.of(compiled, action.lower(), ctx, arn_prefix, cache)
        compiled.automata[key] = routes
    same_account = caller.account is None or caller.account == account
    return PreparedRole(routes, arn_prefix, same_account, cache)


def route_verdict(
    identity: Sequence[NamedPolicy],
    *,
    boundary: Sequence[NamedPolicy] | None = None,
    resource_policy: NamedPolicy | None = None,
    role_arn: str | None = None,
    partition: str,
    region: str,
    account: str,
    api_id: str,
    stage: str,
    method: str,
    path: str,
    context: Mapping[str, Any] | None = None,
    action: str = INVOKE,
    principal_arn: str | None = None,
    cache: PolicyCache | None = None,
) -> RouteVerdict:
    """Whether every (allowed), no (denied) or some (partial) request to a route is allowed.

    `context` holds the keys whose values are known; every other key is unknown, and a
    verdict that hinges on one is `partial` with the reason. Each witness is the shortest
    request of its kind, the first in character order among equals (a free character is
    one that no pattern or template names). `allowing` / `denying` list the statements
    seen to match requests of the route; for `partial` the search stops once no witness
    can improve, so those lists may then be incomplete, and of several interchangeable
    statements (same effect, source and condition, one pattern covering the other) the
    automata may keep only one (see automata.py). The caller is
    the role session; without `principal_arn` it is the identity-pool session of `role_arn`
    (`.../assumed-role/<name>/CognitoIdentityCredentials`).

    For many routes of one role, `prepare_role(...).verdict(...)` skips the per-call setup.
    `cache` as for `prepare_role`; without one, a bounded module-level cache
    (`DEFAULT_CACHE`) serves every caller that passes none: fine for ad-hoc calls, while a
    long-lived program should pass its own (the audit does, see AccessEvaluator).
    """
    prepared = prepare_role(
        identity,
        boundary=boundary,
        resource_policy=resource_policy,
        role_arn=role_arn,
        context=context,
        partition=partition,
        region=region,
        account=account,
        action=action,
        principal_arn=principal_arn,
        cache=DEFAULT_CACHE if cache is None else cache,
    )
    return prepared.verdict(api_id, stage, method, path)


def _pick(
    outcomes: dict[str, _Outcome], first: int, second: int
) -> tuple[str, tuple[str, ...]] | None:
    """The first witness of either kind, as its verb and the word's pieces between OTHERs."""
    for kind in (first, second):
        for verb, out in outcomes.items():
            word = cast("Word | None", out[kind])
            if word is not None:
                return verb, _pieces(word)
    return None


def _indices(bits: int) -> Iterator[int]:
    while bits:
        low = bits & -bits
        bits ^= low
        yield low.bit_length() - 1


def _pieces(word: Word) -> tuple[str, ...]:
    """The word split at its OTHER characters: `other.join(pieces)` spells it out."""
    if OTHER not in word:
        return ("".join(word),)
    pieces = [""]
    for char in word:
        if char == OTHER:
            pieces.append("")
        else:
            pieces[-1] += char
    return tuple(pieces)


# A verdict apart from its witnesses, which also depend on the route's ARN: the verdict,
# the allowing and the denying statements (bits of their index in the role), the reasons,
# and the verb and word pieces (see _pieces) of the allowed and of the denied witness. A
# plain tuple of strings and ints, like _Outcome, since every role caches many.
_Shape = tuple[
    VerdictName,
    int,
    int,
    tuple[str, ...],
    tuple[str, tuple[str, ...]] | None,
    tuple[str, tuple[str, ...]] | None,
]


def _render(
    shape: _Shape,
    statements: Callable[[int], tuple[StatementRef, ...]],
    base: str,
    head: str,
    other: str,
) -> RouteVerdict:
    verdict, allowing, denying, reasons, yes, no = shape
    return RouteVerdict(
        verdict,
        statements(allowing),
        statements(denying),
        reasons,
        f"{base}{yes[0]}/{head}{other.join(yes[1])}" if yes else None,
        f"{base}{no[0]}/{head}{other.join(no[1])}" if no else None,
    )


def _shape(
    all_stmts: list[RouteStmt], outcomes: dict[str, _Outcome], matched: int | None = None
) -> _Shape:
    """`matched`: the statements seen to match (bits of their index), if not the outcomes'
    own."""
    possibly = [v for v, o in outcomes.items() if o[POSSIBLY] is not None]
    not_surely = [v for v, o in outcomes.items() if o[NOT_SURELY] is not None]
    if matched is None:
        matched = 0
        for out in outcomes.values():
            matched |= out[MATCHED]
    stmts = [all_stmts[i] for i in _indices(matched)]
    allowing = denying = 0
    for st in stmts:
        if st.deny:
            denying |= 1 << st.index
        else:
            allowing |= 1 << st.index
    yes = _pick(outcomes, SURELY, POSSIBLY)
    no = _pick(outcomes, NOT_POSSIBLY, NOT_SURELY)
    reasons: list[str] = []
    if not possibly:
        if not allowing:
            reasons.append(_NO_ALLOW)
        elif denying:
            refs = ", ".join(str(st.ref) for st in stmts if st.deny)
            reasons.append("explicit Deny covers every request to this route: " + refs)
        else:
            reasons.append(
                "the statements that match are not enough on their own "
                "(permissions boundary or cross-account rule)"
            )
        return ("denied", allowing, denying, tuple(reasons), None, no)
    if not not_surely:
        reasons.append("every request to this route is allowed")
        return ("allowed", allowing, denying, tuple(reasons), yes, None)
    some_sure = any(o[SURELY] is not None for o in outcomes.values())
    some_never = any(o[NOT_POSSIBLY] is not None for o in outcomes.values())
    if (some_sure and some_never) or not any(s.unknowns for s in stmts):
        if len(outcomes) > 1 and len(not_surely) < len(outcomes):
            reasons.append(
                "allowed for "
                + ", ".join(v for v in outcomes if v not in not_surely)
                + " but not for every request of "
                + ", ".join(not_surely)
            )
        else:
            reasons.append("only some requests to this route are allowed")
    for st in stmts:
        if st.unknowns:
            reasons.extend(f"{st.ref}: {why}" for why in st.unknowns)
    return ("partial", allowing, denying, tuple(reasons), yes, no)
