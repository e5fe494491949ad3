"""route_verdict: the exact allowed / partial / denied answer for one route template."""

from __future__ import annotations

import functools
import itertools
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .automata import OTHER, OTHER_CANDIDATES, MultiNFA, pick_other
from .evaluate import CompiledSet, caller_context, compiled_for
from .glob import LIT
from .model import NamedPolicy, RouteVerdict, StatementRef, VerdictName
from .prefilter import Glob, LeadIndex, PrefixTable, after_prefix
from .principals import Caller, session_arn_for
from .templates import (
    VERBS,
    RequestClass,
    RoleAutomaton,
    RouteStmt,
    assemble,
    route_statements,
    template_nfa,
)

State = tuple[int, int]  # (template states, pattern states)
_NO_ALLOW = "no statement allows any request to this route"
_OTHER = frozenset((OTHER,))


@dataclass(slots=True, eq=False)  # hashed by identity: verdict shapes are cached per outcomes
class _Outcome:
    """What one verb's requests look like: a witness string for each kind found."""

    surely: list[str] | None = None  # surely allowed
    possibly: list[str] | None = None  # possibly allowed
    not_surely: list[str] | None = None  # not surely allowed
    not_possibly: list[str] | None = None  # surely not allowed
    matched: set[int] = field(default_factory=set)

    def complete(self) -> bool:
        return None not in (self.surely, self.possibly, self.not_surely, self.not_possibly)


def _path_to(state: State, parents: dict[State, tuple[State, str] | None]) -> list[str]:
    out: list[str] = []
    link = parents[state]
    while link is not None:
        state, char = link
        out.append(char)
        link = parents[state]
    out.reverse()
    return out


def explore(
    template: MultiNFA, role: RoleAutomaton, start_mask: int, same_account: bool
) -> _Outcome:
    """Visit every reachable (template, patterns) state pair; record witnesses per kind."""
    result = _Outcome()
    start: State = (template.initial, start_mask)
    parents: dict[State, tuple[State, str] | None] = {start: None}
    queue = deque([start])
    final = template.finals[0]
    t_step, p_step = template.step, role.nfa.step
    t_lits, p_lits = template.lits, role.nfa.lits
    t_memo, p_memo = template.memo, role.nfa.memo
    nodes = role.nodes[same_account]
    t_rows = template.rows
    forced = template.named
    while queue:
        state = queue.popleft()
        tmask, pmask = state
        node = nodes.get(pmask)
        if node is None:
            node = role.node(pmask, same_account)
        cls = node.settled
        settled = cls is not None  # every continuation fares alike: one witness suffices
        if cls is None and tmask & final:
            cls = node.classified
            if cls is None:
                cls = node.classified = role.classify(pmask, same_account)
        if cls is not None:
            result.matched.update(cls.matched)
            if _wanted(result, cls):
                tail = (template.completion(tmask) or []) if settled else []
                _record(result, cls, _path_to(state, parents) + tail)
                if result.complete():
                    break  # partial, with the best witnesses: nothing left to learn
            if settled:
                continue
        # The one character the template state requires, or the characters it names.
        named = forced.get(tmask)
        if named is None:
            only = template.forced(tmask)
            named = forced[tmask] = (only,) if only is not None else t_lits(tmask)
        if isinstance(named, tuple):
            chars: tuple[str, ...] = named
        else:
            # Sorted, so that witnesses do not depend on set order (hash seed) or on which
            # irrelevant statements the automaton holds.
            hit = node.alphabet.get(named)
            if hit is None:
                hit = node.alphabet[named] = tuple(sorted(named | p_lits(pmask) | _OTHER))
            chars = hit
        row = node.row
        trow = t_rows.get(tmask)
        if trow is None:
            trow = t_rows[tmask] = {}
        for char in chars:
            tnext = trow.get(char)
            if tnext is None:
                tnext = t_memo.get((tmask, char))
                if tnext is None:
                    tnext = t_step(tmask, char)
                trow[char] = tnext
            if not tnext:
                continue
            pnext = row.get(char)
            if pnext is None:
                pnext = p_memo.get((pmask, char))
                if pnext is None:
                    pnext = p_step(pmask, char)
                row[char] = pnext
            nxt = (tnext, pnext)
            if nxt not in parents:
                parents[nxt] = (state, char)
                queue.append(nxt)
    return result


def _wanted(result: _Outcome, cls: RequestClass) -> bool:
    return (
        (cls.surely and result.surely is None)
        or (cls.possibly and result.possibly is None)
        or (not cls.surely and result.not_surely is None)
        or (not cls.possibly and result.not_possibly is None)
    )


def _record(result: _Outcome, cls: RequestClass, word: list[str]) -> None:
    if cls.surely and result.surely is None:
        result.surely = word
    if cls.possibly and result.possibly is None:
        result.possibly = word
    if not cls.surely and result.not_surely is None:
        result.not_surely = word
    if not cls.possibly and result.not_possibly is None:
        result.not_possibly = word


@dataclass(slots=True, eq=False)  # hashed by identity, like _Outcome
class _Shared:
    """An automaton over some statements (their patterns after the account's prefix), with
    its states after each lead and its outcomes.

    Mostly built for just the statements relevant to a route (statements dead after the
    lead and head change no verdict or witness, see prefilter.py) and shared by every role
    whose relevant statements have the same content: roles share managed policies and
    grants, and most routes are settled by the prefilter without any automaton.
    """

    role: RoleAutomaton  # over copies whose `index` is their position among the copies
    starts: dict[str, int] = field(default_factory=dict)  # lead -> states after it
    outcomes: dict[tuple[str, int, bool], _Outcome] = field(default_factory=dict)
    routes: dict[tuple[str, str, bool], _Outcome] = field(default_factory=dict)

    def outcome(self, lead: str, path: str, route: _Path, same_account: bool) -> _Outcome:
        # Other roles sharing this automaton ask about the same routes: one lookup for them.
        hit = self.routes.get((lead, path, same_account))
        if hit is None:
            hit = self.routes[lead, path, same_account] = self._outcome(lead, route, same_account)
        return hit

    def _outcome(self, lead: str, route: _Path, same_account: bool) -> _Outcome:
        start = self.starts.get(lead)
        if start is None:
            start = self.starts[lead] = self.role.nfa.run(self.role.nfa.initial, lead)
        start = self.role.after(start, route.head)
        # Routes of other verbs, stages and APIs often reach the same state: reuse.
        key = (route.rest, start, same_account)
        hit = self.outcomes.get(key)
        if hit is None:
            hit = self.outcomes[key] = explore(route.template, self.role, start, same_account)
        return hit


_MAX_SHARED = 32_768  # bounded like cache.py: a rebuild is cheap compared to a leak
_MAX_OWN = 4  # see _RoleRoutes.sub
_shared: dict[tuple[Any, ...], _Shared] = {}
_signatures: dict[tuple[Any, ...], int] = {}
_next_signature = itertools.count()  # never reused, so clearing _signatures stays sound


def _signature(st: RouteStmt) -> int:
    """A small id for what the automaton sees of a statement (not its name or index)."""
    key = (st.deny, st.source, st.kind, st.certain, st.negated, st.cond_key, st.globs)
    hit = _signatures.get(key)
    if hit is None:
        if len(_signatures) >= 16 * _MAX_SHARED:
            _signatures.clear()
        hit = _signatures[key] = next(_next_signature)
    return hit


@dataclass(slots=True, eq=False)
class _Sub:
    """A role's view of a shared automaton: local statement positions -> its own indices."""

    shared: _Shared
    to_role: tuple[int, ...]


@dataclass(slots=True)
class _Lead:
    """The requests under one lead: `<api>/<stage>/<VERB>/` after the account's prefix."""

    text: str
    index: LeadIndex  # which statements may match them


@functools.lru_cache(maxsize=8192)
def _path(path: str) -> _Path:
    head, template = template_nfa(path)
    word = template.completion(template.initial) or []
    untouched = _Outcome(not_surely=word, not_possibly=word)
    chars = template.literals | frozenset(head)
    rest = path[len(head) + 1 :]
    return _Path(head, template, rest, chars, untouched, _pieces(word))


@dataclass(slots=True)
class _Path:
    head: str
    template: MultiNFA
    rest: str  # the path after its head, a key for reusing outcomes
    chars: frozenset[str]  # characters the template names
    untouched: _Outcome  # for a verb that no statement can match: every request denied
    untouched_pieces: tuple[str, ...]  # its witness, see _pieces


@functools.lru_cache(maxsize=65536)
def _literals(glob: Glob) -> frozenset[str]:
    return frozenset(str(arg) for kind, arg in glob if kind == LIT)


Part = tuple[str, _Sub | None, _Outcome]  # a verb, the automaton it was judged by, outcome


@dataclass(slots=True)
class _RoleRoutes:
    """A role's statements for one action, context and account: what their patterns leave
    after `arn:<partition>:execute-api:<region>:<account>:`, with route-level caches shared
    by every PreparedRole of them. Automata are built per lead and relevant statements."""

    stmts: list[RouteStmt]  # all of them
    kept: list[RouteStmt]  # those that can match, patterns after the account's prefix
    signatures: list[int]  # of kept
    prefixes: PrefixTable  # literal prefixes of the kept statements' globs
    has_boundary: bool
    has_resource_policy: bool
    literals: frozenset[str]  # characters the whole patterns name
    others: str  # candidates for OTHER among them, best first
    leads: dict[tuple[str, str, str], _Lead] = field(default_factory=dict)
    subs: dict[tuple[str, int], _Sub] = field(default_factory=dict)
    shapes: dict[tuple[Part, ...], _Shape] = field(default_factory=dict)
    full: _Sub | None = None  # over every kept statement, once built
    built: int = 0  # automata this role added to _shared

    @staticmethod
    def of(
        compiled: CompiledSet, action: str, ctx: Mapping[str, Any], arn_prefix: str
    ) -> _RoleRoutes:
        stmts = route_statements(compiled, action, ctx)
        # Every request ARN starts with arn_prefix: consume it once, so that automata hold
        # only what follows (a third of the positions) and statements that can match.
        kept: list[RouteStmt] = []
        prefixes: list[Sequence[str] | None] = []
        literals: set[str] = set()
        for st in stmts:
            rests: list[Glob] = []
            heads: list[str] = []
            for g in st.globs:
                literals |= _literals(g)
                globs, lits = after_prefix(g, arn_prefix)
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
            [_signature(st) for st in kept],
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

    def sub(self, lead: _Lead, bits: int) -> _Sub:
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
        shared = _shared.get(content)
        if shared is not None:
            hit = _Sub(shared, tuple(self.kept[i].index for i in picked))
        elif self.full is not None or self.built >= _MAX_OWN or 2 * len(picked) > len(self.kept):
            if self.full is None:
                self.full = self._sub(list(range(len(self.kept))))
            hit = self.full
        else:
            self.built += 1
            hit = self._sub(picked)
            if len(_shared) >= _MAX_SHARED:
                _shared.clear()
            _shared[content] = hit.shared
        self.subs[key] = hit
        return hit

    def _sub(self, picked: list[int]) -> _Sub:
        copies = [replace(self.kept[i], index=n) for n, i in enumerate(picked)]
        role = assemble(copies, self.has_boundary, self.has_resource_policy)
        return _Sub(_Shared(role), tuple(self.kept[i].index for i in picked))

    def other(self, route: _Path) -> str:
        """`pick_other` of the role's and the route's characters, cheaply: from all the
        role's literals, so that witnesses do not depend on the lead."""
        for char in self.others:
            if char not in route.chars:
                return char
        return pick_other(self.literals | route.chars)

    def shape(self, parts: tuple[Part, ...]) -> _Shape:
        hit = self.shapes.get(parts)
        if hit is None:
            matched: set[int] = set()
            for _, sub, out in parts:
                if sub is not None:
                    matched.update(sub.to_role[i] for i in out.matched)
            outcomes = {verb: out for verb, _, out in parts}
            hit = self.shapes[parts] = _shape(self.stmts, outcomes, matched)
        return hit


class PreparedRole:
    """One role (with boundary, resource policy, caller and context) ready for many routes.

    Everything that does not depend on the route is done once, in `prepare_role`.
    """

    __slots__ = ("_arn", "_routes", "_same_account")

    def __init__(self, routes: _RoleRoutes, arn_prefix: str, same_account: bool) -> None:
        self._routes = routes
        self._arn = arn_prefix  # arn:<partition>:execute-api:<region>:<account>:
        self._same_account = same_account

    def verdict(self, api_id: str, stage: str, method: str, path: str) -> RouteVerdict:
        """See `route_verdict`."""
        routes = self._routes
        route = _path(path)
        head = route.head
        verb = method.upper()
        if verb != "ANY":  # the common case, and mostly no statement is relevant: be quick
            lead = routes.leads.get((api_id, stage, verb)) or routes.lead(api_id, stage, verb)
            bits = lead.index.relevant(head)
            if not bits:
                return self._untouched(lead.text, path, route)
            sub = routes.sub(lead, bits)
            part = (verb, sub, sub.shared.outcome(lead.text, path, route, self._same_account))
            base = f"{self._arn}{api_id}/{stage}/"
            return routes.shape((part,)).render(base, head, routes.other(route))
        parts: list[Part] = []
        for v in VERBS:
            lead = routes.lead(api_id, stage, v)
            bits = lead.index.relevant(head)
            if bits:
                sub = routes.sub(lead, bits)
                out = sub.shared.outcome(lead.text, path, route, self._same_account)
                parts.append((v, sub, out))
            else:
                parts.append((v, None, route.untouched))
        if all(sub is None for _, sub, _ in parts):
            return self._untouched(routes.lead(api_id, stage, VERBS[0]).text, path, route)
        base = f"{self._arn}{api_id}/{stage}/"
        return routes.shape(tuple(parts)).render(base, head, routes.other(route))

    def _untouched(self, lead: str, path: str, route: _Path) -> RouteVerdict:
        """No statement can match any request of the route: denied, witness under `lead`.

        The verdict depends only on the key, so roles share one object (callers must not
        mutate a RouteVerdict; the audit copies what it keeps).
        """
        other = self._routes.other(route)
        key = (self._arn, lead, path, other)
        hit = _untouched.get(key)
        if hit is None:
            witness = f"{self._arn}{lead}{route.head}{other.join(route.untouched_pieces)}"
            hit = RouteVerdict("denied", reasons=[_NO_ALLOW], witness_denied=witness)
            if len(_untouched) >= _MAX_SHARED:
                _untouched.clear()
            _untouched[key] = hit
        return hit


_untouched: dict[tuple[str, str, str, str], RouteVerdict] = {}


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
    action: str = "execute-api:Invoke",
    principal_arn: str | None = None,
) -> PreparedRole:
    """Compile a role once for `PreparedRole.verdict` on many routes (see `route_verdict`).

    The policies are cached by object identity (see NamedPolicy), so preparing the same
    objects again is cheap and shares the route caches.
    """
    if principal_arn is None and role_arn is not None:
        principal_arn = session_arn_for(role_arn)
    caller = Caller.of(principal_arn, role_arn, boundary is not None)
    compiled = compiled_for(identity, boundary, resource_policy, caller)
    ctx = caller_context(context, caller)
    arn_prefix = f"arn:{partition}:execute-api:{region}:{account}:"
    context_key = tuple(sorted((k, repr(v)) for k, v in ctx.items()))
    key = ("routes", action.lower(), context_key, arn_prefix)
    routes = compiled.automata.get(key)
    if not isinstance(routes, _RoleRoutes):
        routes = _RoleRoutes.of(compiled, action.lower(), ctx, arn_prefix)
        compiled.automata[key] = routes
    same_account = caller.account is None or caller.account == account
    return PreparedRole(routes, arn_prefix, same_account)


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
    action: str = "execute-api:Invoke",
    principal_arn: str | None = None,
) -> RouteVerdict:
    """Whether every (allowed), no (denied) or some (partial) request to a route is allowed.

    `context` holds the keys whose values are known; every other key is unknown, and a
    verdict that hinges on one is `partial` with the reason. `allowing` / `denying` list
    the statements seen to match requests of the route; for `partial` the search stops
    once both witnesses are found, so those lists may then be incomplete, and of several
    interchangeable statements (same effect, source and condition, one pattern covering the
    other) the automata may keep only one (see automata.py). The caller is
    the role session; without `principal_arn` it is the identity-pool session of `role_arn`
    (`.../assumed-role/<name>/CognitoIdentityCredentials`).

    For many routes of one role, `prepare_role(...).verdict(...)` skips the per-call setup.
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
    )
    return prepared.verdict(api_id, stage, method, path)


def _pick(
    outcomes: dict[str, _Outcome], first: str, second: str
) -> tuple[str, tuple[str, ...]] | None:
    """The first witness of either kind, as its verb and the word's pieces between OTHERs."""
    for attr in (first, second):
        for verb, out in outcomes.items():
            word = getattr(out, attr)
            if word is not None:
                return verb, _pieces(word)
    return None


def _pieces(word: list[str]) -> tuple[str, ...]:
    """The word split at its OTHER characters: `other.join(pieces)` spells it out."""
    pieces = [""]
    for char in word:
        if char == OTHER:
            pieces.append("")
        else:
            pieces[-1] += char
    return tuple(pieces)


@dataclass(frozen=True, slots=True)
class _Shape:
    """A verdict apart from its witnesses, which also depend on the route's ARN."""

    verdict: VerdictName
    allowing: tuple[StatementRef, ...]
    denying: tuple[StatementRef, ...]
    reasons: tuple[str, ...]
    yes: tuple[str, tuple[str, ...]] | None  # verb and word pieces of the allowed witness
    no: tuple[str, tuple[str, ...]] | None

    def render(self, base: str, head: str, other: str) -> RouteVerdict:
        yes, no = self.yes, self.no
        return RouteVerdict(
            self.verdict,
            list(self.allowing),
            list(self.denying),
            list(self.reasons),
            f"{base}{yes[0]}/{head}{other.join(yes[1])}" if yes else None,
            f"{base}{no[0]}/{head}{other.join(no[1])}" if no else None,
        )


def _shape(
    all_stmts: list[RouteStmt], outcomes: dict[str, _Outcome], matched: Iterable[int] | None = None
) -> _Shape:
    """`matched`: the statements seen to match, if not the outcomes' own (by index)."""
    possibly = [v for v, o in outcomes.items() if o.possibly is not None]
    not_surely = [v for v, o in outcomes.items() if o.not_surely is not None]
    if matched is None:
        matched = set().union(*(o.matched for o in outcomes.values()))
    stmts = [all_stmts[i] for i in sorted(matched)]
    allowing = tuple(s.ref for s in stmts if not s.deny)
    denying = tuple(s.ref for s in stmts if s.deny)
    yes = _pick(outcomes, "surely", "possibly")
    no = _pick(outcomes, "not_possibly", "not_surely")
    reasons: list[str] = []
    if not possibly:
        if not allowing:
            reasons.append(_NO_ALLOW)
        elif denying:
            reasons.append(
                "explicit Deny covers every request to this route: " + ", ".join(map(str, denying))
            )
        else:
            reasons.append(
                "the statements that match are not enough on their own "
                "(permissions boundary or cross-account rule)"
            )
        return _Shape("denied", allowing, denying, tuple(reasons), None, no)
    if not not_surely:
        reasons.append("every request to this route is allowed")
        return _Shape("allowed", allowing, denying, tuple(reasons), yes, None)
    some_sure = any(o.surely is not None for o in outcomes.values())
    some_never = any(o.not_possibly is not None for o in outcomes.values())
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
    return _Shape("partial", allowing, denying, tuple(reasons), yes, no)
