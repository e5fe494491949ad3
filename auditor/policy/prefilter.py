"""Which statements can matter for a route, and what is left of their patterns.

Every request of a route starts with its *lead* (`arn:...:<api>/<stage>/<VERB>/`) and then
its template's literal *head* (up to the first parameter). The lead is consumed once per
role: each pattern becomes the globs that match the rest of an ARN after the lead
(`residuals`), none if it cannot match anything under the lead. The head is then compared
by literal prefix: a residual glob matches only strings starting with its literal prefix
(the tokens before its first wildcard), and every request continues with the head, so
unless one of the two is a prefix of the other they differ at a position both fix and the
glob matches no request of the route. Leaving such statements out changes no verdict.
A NotResource statement matches where its patterns do *not*, so it always counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .automata import residuals
from .glob import LIT, Token

Glob = tuple[Token, ...]


def literal_prefix(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    for kind, arg in tokens:
        if kind != LIT:
            break
        assert isinstance(arg, str)
        out.append(arg)
    return "".join(out)


def after_lead(glob: Glob, prefix: str, lead: str) -> list[Glob]:
    """`residuals(glob, lead)`, without simulation when the literal prefix decides."""
    if prefix.startswith(lead):
        return [glob[len(lead) :]]
    if not lead.startswith(prefix):
        return []
    return residuals(glob[len(prefix) :], lead[len(prefix) :])


@dataclass(frozen=True, slots=True)
class LeadIndex:
    """Statement bits (1 << index in the role) that may match requests under one lead."""

    fixed: int  # whatever the head
    pending: tuple[tuple[str, int], ...]  # (literal prefix of a residual glob, its bit)

    @staticmethod
    def of(stmts: Sequence[tuple[int, bool, Sequence[Glob]]]) -> LeadIndex:
        """From (index, negated, residual globs) of each statement alive under the lead."""
        fixed = 0
        pending: dict[tuple[str, int], None] = {}
        for index, negated, globs in stmts:
            bit = 1 << index
            prefixes = [literal_prefix(g) for g in globs]
            if negated or "" in prefixes:
                fixed |= bit
            else:
                pending.update(((p, bit), None) for p in prefixes)
        return LeadIndex(fixed, tuple(pending))

    def relevant(self, head: str) -> int:
        bits = self.fixed
        for prefix, bit in self.pending:
            if head.startswith(prefix) or prefix.startswith(head):
                bits |= bit
        return bits
