"""route_verdict: the exact allowed / partial / denied answer for one route template."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .automata import OTHER, MultiNFA, pick_other
from .evaluate import caller_context, compiled_for
from .model import NamedPolicy, RouteVerdict, StatementRef
from .principals import Caller, session_arn_for
from .templates import VERBS, RequestClass, RoleAutomaton, role_automaton, template_nfa

State = tuple[int, int]  # (template states, pattern states)
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
        chars = (only,) if only is not None else t_lits(tmask) | p_lits(pmask) | _OTHER
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
    """
    if principal_arn is None and role_arn is not None:
        principal_arn = session_arn_for(role_arn)
    caller = Caller.of(principal_arn, role_arn, boundary is not None)
    same_account = caller.account is None or caller.account == account
    compiled = compiled_for(identity, boundary, resource_policy, caller)
    role = role_automaton(compiled, action, caller_context(context, caller))
    head, template = template_nfa(path)
    verbs = VERBS if method.upper() == "ANY" else (method.upper(),)
    base = f"arn:{partition}:execute-api:{region}:{account}:{api_id}/{stage}/"
    other = pick_other(role.nfa.literals | template.literals | set(head))
    outcomes: dict[str, _Outcome] = {}
    for verb in verbs:
        start = role.after((base, f"{verb}/", head))
        # Verbs, stages and APIs often leave the patterns in the same state: reuse.
        key = (path[len(head) + 1 :], start, same_account)  # what is left after the head
        outcome = role.outcomes.get(key)
        if not isinstance(outcome, _Outcome):
            outcome = role.outcomes[key] = explore(template, role, start, same_account)
        outcomes[verb] = outcome
    return _verdict(role, outcomes, base, head, other)


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
            reasons.append("no statement allows any request to this route")
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
