"""Which statements can matter for a route, judged from literal prefixes alone.

A Resource pattern matches only strings that start with its literal prefix (the tokens
before its first wildcard or unknown variable), and every request of a route starts with
the route's literal prefix (`<api>/<stage>/<VERB>/` plus the template up to its first
parameter). Unless one prefix is a prefix of the other, the two differ at a position both
fix, so the pattern matches no request of the route; its automaton states are all dead once
that prefix is read. Dropping such statements therefore changes no verdict. NotResource
statements match where their patterns do *not*, so they always stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .glob import LIT, Token


def literal_prefix(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    for kind, arg in tokens:
        if kind != LIT:
            break
        assert isinstance(arg, str)
        out.append(arg)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _LeadIndex:
    """The statements' relevance for one ARN lead (`...:<api>/<stage>/<VERB>/`)."""

    fixed: int  # relevant to every route under this lead
    pending: tuple[tuple[str, int], ...]  # (rest of a prefix beyond the lead, statement bit)


class Prefilter:
    """Statement bits (1 << index) that may match some request of a route."""

    __slots__ = ("_leads", "_prefixes", "allows")

    def __init__(self, globs: Sequence[Sequence[Sequence[Token]] | None], allows: int) -> None:
        """`globs[i]`: statement i's patterns, or None when it always counts (NotResource)."""
        self._prefixes = [
            None if patterns is None else tuple(dict.fromkeys(map(literal_prefix, patterns)))
            for patterns in globs
        ]
        self.allows = allows  # bits of the Allow statements
        self._leads: dict[str, _LeadIndex] = {}

    def _lead(self, lead: str) -> _LeadIndex:
        fixed = 0
        pending: list[tuple[str, int]] = []
        for index, prefixes in enumerate(self._prefixes):
            bit = 1 << index
            if prefixes is None or any(lead.startswith(p) for p in prefixes):
                fixed |= bit
                continue
            pending += [(p[len(lead) :], bit) for p in prefixes if p.startswith(lead)]
        return _LeadIndex(fixed, tuple(pending))

    def relevant(self, lead: str, head: str) -> int:
        """Statements that may match a request starting with `lead + head` (the route's
        literal prefix); for a route without parameters that is its only request."""
        index = self._leads.get(lead)
        if index is None:
            index = self._leads[lead] = self._lead(lead)
        bits = index.fixed
        for rest, bit in index.pending:
            if head.startswith(rest) or rest.startswith(head):
                bits |= bit
        return bits
