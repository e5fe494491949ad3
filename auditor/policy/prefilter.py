"""Which statements can matter for a route, judged from what their patterns leave.

Every request ARN starts with `arn:<partition>:execute-api:<region>:<account>:`, consumed
once per role (`leftover`: the globs matching the rest, none if the pattern cannot match
such an ARN), then `<api>/<stage>/<VERB>/` (the *lead*) and the template's literal *head*
(up to its first parameter). A glob matches only strings that start with its literal
prefix (the tokens before its first wildcard), and every request under the lead continues
with lead + head, so unless one of the two is a prefix of the other they differ at a
position both fix and the glob matches no request of the route: the statement cannot
affect it. A NotResource statement matches where its patterns do *not*, so it always
counts.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .automata import residuals
from .glob import LIT, Token

if TYPE_CHECKING:
    from .cache import PolicyCache

Glob = tuple[Token, ...]
# A glob's literal prefix, and whether that prefix is the whole glob (no wildcard at all).
Prefix = tuple[str, bool]
# Beyond a lead: the rest of a literal prefix, the statements whose glob goes on with a
# wildcard after it (`open`), and those whose glob is exactly it (`whole`).
Pending = tuple[str, int, int]


def literal_prefix(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    for kind, arg in tokens:
        if kind != LIT:
            break
        assert isinstance(arg, str)
        out.append(arg)
    return "".join(out)


def leftover(glob: Glob, prefix: str, text: str, cache: PolicyCache) -> tuple[Glob, ...]:
    """`residuals(glob, text)`, without simulation when the literal `prefix` decides."""
    if prefix.startswith(text):
        return (glob[len(text) :],)
    if not text.startswith(prefix):
        return ()
    return residuals(glob[len(prefix) :], text[len(prefix) :], cache)


def after_prefix(
    glob: Glob, text: str, cache: PolicyCache
) -> tuple[tuple[Glob, ...], tuple[Prefix, ...]]:
    """`leftover(glob, ..., text)` and the literal prefix of each glob it leaves (with
    whether it is the whole glob), kept in `cache`: roles share patterns (managed
    policies, common grants)."""
    hit = cache.after_prefix.get((glob, text))
    if hit is None:
        rests = leftover(glob, literal_prefix(glob), text, cache)
        prefixes = tuple((literal_prefix(r), all(kind == LIT for kind, _ in r)) for r in rests)
        hit = cache.after_prefix.keep((glob, text), (rests, prefixes))
    return hit


@dataclass(frozen=True, slots=True)
class LeadIndex:
    """Statements (bit 1 << position in the list) that may match requests under a lead.

    A route without parameters has one request, its head: a glob may match it only if the
    glob's literal prefix starts it, and a glob without a wildcard (an exact route, the
    commonest grant) only if it is that string. A route with parameters has requests that
    go on beyond its head: a glob may match one if the head and the literal prefix are
    prefix-related (a glob without a wildcard: if the head starts it).
    """

    fixed: int  # whatever the head
    pending: tuple[Pending, ...]
    # `pending` by its first `width` characters (width: the shortest rest). A rest and a
    # head at least that long can only be prefix-related if they agree there, so a route
    # scans only its bucket, not every grant of the lead.
    width: int
    buckets: dict[str, tuple[Pending, ...]]

    @staticmethod
    def of(prefixes: Sequence[Sequence[Prefix] | None], lead: str) -> LeadIndex:
        """From the literal prefixes of each statement's globs (None: NotResource)."""
        return PrefixTable(prefixes).lead(lead)

    def touched(self, heads: Heads) -> Collection[str]:
        """The heads (of routes under the lead) for which `relevant` may not be 0, found from
        the statements' side: a run of the sorted heads per literal rest, and the rest's own
        prefixes. A role names a handful of routes among hundreds; this costs what it names."""
        if self.fixed:
            return heads.known
        found: set[str] = set()
        ordered, known, literal = heads.ordered, heads.known, heads.literal
        for rest, open_bits, _ in self.pending:
            if rest in known:
                found.add(rest)
            if open_bits:
                at = bisect.bisect_left(ordered, rest)
                while at < len(ordered) and ordered[at].startswith(rest):
                    found.add(ordered[at])
                    at += 1
            for end in range(len(rest)):  # heads that the rest starts with, of routes
                head = rest[:end]  # with parameters (requests go on beyond the head)
                if head in known and head not in literal:
                    found.add(head)
        return found

    def relevant(self, head: str, literal: bool) -> int:
        """The statements that may match a request of a route under the lead with this
        head; `literal`: the route has no parameter (its only request is the head)."""
        bits = self.fixed
        if len(head) < self.width:
            candidates = self.pending
        else:
            candidates = self.buckets.get(head[: self.width], ())
        for rest, open_bits, whole_bits in candidates:
            if head.startswith(rest):
                bits |= open_bits
                if head == rest:
                    bits |= whole_bits
            elif not literal and rest.startswith(head):
                bits |= open_bits | whole_bits
        return bits


@dataclass(frozen=True, slots=True)
class Heads:
    """The literal heads of some routes under one lead, for LeadIndex.touched."""

    ordered: tuple[str, ...]  # sorted, each once
    known: frozenset[str]
    literal: frozenset[str]  # heads whose every route has no parameter

    @staticmethod
    def of(heads: Mapping[str, bool]) -> Heads:
        """From each head, and whether every route with it has no parameter."""
        literal = frozenset(head for head, whole in heads.items() if whole)
        return Heads(tuple(sorted(heads)), frozenset(heads), literal)


class PrefixTable:
    """A role's literal prefixes, sorted, so that a lead's index costs lookups, not a scan
    of every statement: the prefixes the lead starts with are among its own prefixes, and
    those that start with the lead are a run of the sorted list."""

    __slots__ = ("_bits", "_negated", "_open", "_sorted", "_whole")

    def __init__(self, prefixes: Sequence[Sequence[Prefix] | None]) -> None:
        self._negated = 0
        self._open: dict[str, int] = {}  # prefix -> statements with a glob going on after it
        self._whole: dict[str, int] = {}  # prefix -> statements with a glob that is just it
        for index, globs in enumerate(prefixes):
            if globs is None:
                self._negated |= 1 << index
                continue
            for prefix, whole in globs:
                table = self._whole if whole else self._open
                table[prefix] = table.get(prefix, 0) | 1 << index
        self._sorted = sorted(self._open.keys() | self._whole.keys())
        self._bits = [(self._open.get(p, 0), self._whole.get(p, 0)) for p in self._sorted]

    def lead(self, lead: str) -> LeadIndex:
        fixed = self._negated
        for end in range(len(lead) + 1):
            # A whole glob that ends within the lead matches at most a request with an empty
            # path: counted like the rest, which asks the automaton (it is rare).
            fixed |= self._open.get(lead[:end], 0) | self._whole.get(lead[:end], 0)
        pending: list[Pending] = []
        at = bisect.bisect_right(self._sorted, lead)  # lead itself, if present, is fixed
        while at < len(self._sorted) and self._sorted[at].startswith(lead):
            open_bits, whole_bits = self._bits[at]
            open_bits &= ~fixed
            whole_bits &= ~fixed
            if open_bits or whole_bits:
                pending.append((self._sorted[at][len(lead) :], open_bits, whole_bits))
            at += 1
        width = min((len(rest) for rest, _, _ in pending), default=0)
        buckets: dict[str, list[Pending]] = {}
        for entry in pending:
            buckets.setdefault(entry[0][:width], []).append(entry)
        return LeadIndex(fixed, tuple(pending), width, {k: tuple(v) for k, v in buckets.items()})
