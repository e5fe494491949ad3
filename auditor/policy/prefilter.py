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
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .automata import residuals
from .glob import LIT, Token

if TYPE_CHECKING:
    from .cache import PolicyCache

Glob = tuple[Token, ...]


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
) -> tuple[tuple[Glob, ...], tuple[str, ...]]:
    """`leftover(glob, ..., text)` and the literal prefix of each glob it leaves, kept in
    `cache`: roles share patterns (managed policies, common grants)."""
    hit = cache.after_prefix.get((glob, text))
    if hit is None:
        rests = leftover(glob, literal_prefix(glob), text, cache)
        hit = cache.after_prefix.keep(
            (glob, text), (rests, tuple(literal_prefix(r) for r in rests))
        )
    return hit


@dataclass(frozen=True, slots=True)
class LeadIndex:
    """Statements (bit 1 << position in the list) that may match requests under a lead."""

    fixed: int  # whatever the head
    pending: tuple[tuple[str, int], ...]  # (rest of a literal prefix beyond the lead, bit)
    # `pending` by its first `width` characters (width: the shortest rest). A rest and a
    # head at least that long can only be prefix-related if they agree there, so a route
    # scans only its bucket, not every grant of the lead.
    width: int
    buckets: dict[str, tuple[tuple[str, int], ...]]

    @staticmethod
    def of(prefixes: Sequence[Sequence[str] | None], lead: str) -> LeadIndex:
        """From the literal prefixes of each statement's globs (None: NotResource)."""
        return PrefixTable(prefixes).lead(lead)

    def touched(self, heads: Heads) -> Collection[str]:
        """The heads (of routes under the lead) for which `relevant` is not 0, found from the
        statements' side: a run of the sorted heads per literal rest, and the rest's own
        prefixes. A role names a handful of routes among hundreds; this costs what it names."""
        if self.fixed:
            return heads.known
        found: set[str] = set()
        ordered, known = heads.ordered, heads.known
        for rest, _ in self.pending:
            at = bisect.bisect_left(ordered, rest)
            while at < len(ordered) and ordered[at].startswith(rest):
                found.add(ordered[at])
                at += 1
            for end in range(len(rest)):  # heads that the rest starts with
                if rest[:end] in known:
                    found.add(rest[:end])
        return found

    def relevant(self, head: str) -> int:
        """The statements that may match a request starting with the lead and `head`."""
        bits = self.fixed
        if len(head) < self.width:
            candidates = self.pending
        else:
            candidates = self.buckets.get(head[: self.width], ())
        for rest, bit in candidates:
            if head.startswith(rest) or rest.startswith(head):
                bits |= bit
        return bits


@dataclass(frozen=True, slots=True)
class Heads:
    """The literal heads of some routes under one lead, for LeadIndex.touched."""

    ordered: tuple[str, ...]  # sorted, each once
    known: frozenset[str]

    @staticmethod
    def of(heads: Collection[str]) -> Heads:
        return Heads(tuple(sorted(set(heads))), frozenset(heads))


class PrefixTable:
    """A role's literal prefixes, sorted, so that a lead's index costs lookups, not a scan
    of every statement: the prefixes the lead starts with are among its own prefixes, and
    those that start with the lead are a run of the sorted list."""

    __slots__ = ("_bits", "_exact", "_negated", "_sorted")

    def __init__(self, prefixes: Sequence[Sequence[str] | None]) -> None:
        self._negated = 0
        self._exact: dict[str, int] = {}  # prefix -> statements with a glob of that prefix
        for index, globs in enumerate(prefixes):
            if globs is None:
                self._negated |= 1 << index
                continue
            for p in globs:
                self._exact[p] = self._exact.get(p, 0) | 1 << index
        self._sorted = sorted(self._exact)
        self._bits = [self._exact[p] for p in self._sorted]

    def lead(self, lead: str) -> LeadIndex:
        exact = self._exact
        fixed = self._negated
        for end in range(len(lead) + 1):
            fixed |= exact.get(lead[:end], 0)
        pending: list[tuple[str, int]] = []
        at = bisect.bisect_right(self._sorted, lead)  # lead itself, if present, is fixed
        while at < len(self._sorted) and self._sorted[at].startswith(lead):
            bits = self._bits[at] & ~fixed
            if bits:
                pending.append((self._sorted[at][len(lead) :], bits))
            at += 1
        width = min((len(rest) for rest, _ in pending), default=0)
        buckets: dict[str, list[tuple[str, int]]] = {}
        for rest, bits in pending:
            buckets.setdefault(rest[:width], []).append((rest, bits))
        return LeadIndex(fixed, tuple(pending), width, {k: tuple(v) for k, v in buckets.items()})
