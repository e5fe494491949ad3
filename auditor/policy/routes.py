"""route_verdict: the exact allowed / partial / denied answer for one route template."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .automata import OTHER, MultiNFA, pick_other
from .evaluate import caller_context, compiled_for
from .model import NamedPolicy, RouteVerdict, StatementRef
from .prefilter import Prefilter
from .principals import Caller, session_arn_for
from .templates import VERBS, RequestClass, RoleAutomaton, role_automaton, template_nfa

State = tuple[int, int]  # (template states, pattern states)
_NO_ALLOW = "no statement allows any request to this route"
_OTHER = frozenset((OTHER,))


@dataclass(slots=True)
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
    p_memo = role.nfa.memo
    forced: dict[int, str | None] = {}
    while queue:
        state = queue.popleft()
        tmask, pmask = state
        cls = role.settled(pmask, same_account)
        settled = cls is not None  # every continuation fares alike: one witness suffices
        tail: list[str] = []
        if cls is not None:
            tail = template.completion(tmask) or []
        elif tmask & final:
            cls = role.classify(pmask, same_account)
        if cls is not None:
            result.matched.update(cls.matched)
            if _wanted(result, cls):
                _record(result, cls, _path_to(state, parents) + tail)
                if result.complete():
                    break  # partial, with the best witnesses: nothing left to learn
            if settled:
                continue
        if tmask not in forced:
            forced[tmask] = template.forced(tmask)
        only = forced[tmask]
        # Sorted, so that witnesses do not depend on set order (hash seed) or on which
        # irrelevant statements the automaton holds.
        chars = (only,) if only is not None else sorted(t_lits(tmask) | p_lits(pmask) | _OTHER)
        for char in chars:
            tnext = t_step(tmask, char)
            if not tnext:
                continue
            pnext = p_memo.get((pmask, char))
            if pnext is None:
                pnext = p_step(pmask, char)
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


@dataclass(slots=True)
class _RoleRoutes:
    """Route-level caches of one role automaton, shared by every PreparedRole of it."""

    role: RoleAutomaton
    prefilter: Prefilter
    subsets: dict[int, RoleAutomaton] = field(default_factory=dict)
    others: dict[str, str] = field(default_factory=dict)  # path -> stand-in for OTHER

    @staticmethod
    def of(role: RoleAutomaton) -> _RoleRoutes:
        globs = [None if st.negated else st.globs for st in role.stmts]
        allows = sum(1 << i for i, st in enumerate(role.stmts) if not st.deny)
        return _RoleRoutes(role, Prefilter(globs, allows))

    def automaton(self, relevant: int) -> RoleAutomaton:
        """The automaton of the relevant statements only: smaller state sets, and routes
        that leave the same few statements relevant share its outcome memo."""
        if relevant == (1 << len(self.role.stmts)) - 1:
            return self.role
        hit = self.subsets.get(relevant)
        if hit is None:
            hit = self.subsets[relevant] = self.role.restricted(relevant)
        return hit

    def other(self, path: str, head: str, template: MultiNFA) -> str:
        # From the whole role's literals, so witnesses do not depend on the prefilter.
        hit = self.others.get(path)
        if hit is None:
            used = self.role.nfa.literals | template.literals | set(head)
            hit = self.others[path] = pick_other(used)
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
        head, template = template_nfa(path)
        verb = method.upper()
        verbs = VERBS if verb == "ANY" else (verb,)
        base = f"{self._arn}{api_id}/{stage}/"
        leads = [f"{base}{v}/" for v in verbs]
        relevant = 0
        for lead in leads:
            relevant |= routes.prefilter.relevant(lead, head)
        other = routes.other(path, head, template)
        if not relevant:
            return _nothing_applies(base, verbs[0], head, template, other)
        role = routes.automaton(relevant)
        rest = path[len(head) + 1 :]  # what is left after the head
        outcomes: dict[str, _Outcome] = {}
        for v, lead in zip(verbs, leads, strict=True):
            start = role.start(lead, head)
            # Verbs, stages and APIs often leave the patterns in the same state: reuse.
            key = (rest, start, self._same_account)
            outcome = role.outcomes.get(key)
            if not isinstance(outcome, _Outcome):
                outcome = role.outcomes[key] = explore(template, role, start, self._same_account)
            outcomes[v] = outcome
        return _verdict(role, outcomes, base, head, other)


def _nothing_applies(
    base: str, verb: str, head: str, template: MultiNFA, other: str
) -> RouteVerdict:
    """No statement can match any request of the route: denied, any request as witness."""
    word = template.completion(template.initial) or []
    return RouteVerdict(
        "denied",
        reasons=[_NO_ALLOW],
        witness_denied=_arn(base, verb, head, word, other),
    )


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
    key = ("routes", action.lower(), tuple(sorted((k, repr(v)) for k, v in ctx.items())))
    routes = compiled.automata.get(key)
    if not isinstance(routes, _RoleRoutes):
        routes = compiled.automata[key] = _RoleRoutes.of(role_automaton(compiled, action, ctx))
    same_account = caller.account is None or caller.account == account
    return PreparedRole(routes, f"arn:{partition}:execute-api:{region}:{account}:", same_account)


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
    once both witnesses are found, so those lists may then be incomplete. The caller is
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


def _arn(base: str, verb: str, head: str, word: list[str], other: str) -> str:
    return f"{base}{verb}/{head}" + "".join(other if c == OTHER else c for c in word)


def _pick(outcomes: dict[str, _Outcome], first: str, second: str) -> tuple[str, list[str]] | None:
    for attr in (first, second):
        for verb, out in outcomes.items():
            word = getattr(out, attr)
            if word is not None:
                return verb, word
    return None


def _verdict(
    role: RoleAutomaton, outcomes: dict[str, _Outcome], base: str, head: str, other: str
) -> RouteVerdict:
    possibly = [v for v, o in outcomes.items() if o.possibly is not None]
    not_surely = [v for v, o in outcomes.items() if o.not_surely is not None]
    matched = sorted(set().union(*(o.matched for o in outcomes.values())))
    stmts = [role.stmts[i] for i in matched]
    allowing: list[StatementRef] = [s.ref for s in stmts if not s.deny]
    denying: list[StatementRef] = [s.ref for s in stmts if s.deny]
    yes = _pick(outcomes, "surely", "possibly")
    no = _pick(outcomes, "not_possibly", "not_surely")
    witness_yes = _arn(base, yes[0], head, yes[1], other) if yes else None
    witness_no = _arn(base, no[0], head, no[1], other) if no else None
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
        return RouteVerdict("denied", allowing, denying, reasons, None, witness_no)
    if not not_surely:
        reasons.append("every request to this route is allowed")
        return RouteVerdict("allowed", allowing, denying, reasons, witness_yes, None)
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
    return RouteVerdict("partial", allowing, denying, reasons, witness_yes, witness_no)
