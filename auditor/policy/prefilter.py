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

import functools
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


def leftover(glob: Glob, prefix: str, text: str) -> tuple[Glob, ...]:
    """`residuals(glob, text)`, without simulation when the literal `prefix` decides."""
    if prefix.startswith(text):
        return (glob[len(text) :],)
    if not text.startswith(prefix):
        return ()
    return residuals(glob[len(prefix) :], text[len(prefix) :])


@functools.lru_cache(maxsize=65536)  # roles share patterns (managed policies, common grants)
def after_prefix(glob: Glob, text: str) -> tuple[tuple[Glob, ...], tuple[str, ...]]:
    """`leftover(glob, ..., text)` and the literal prefix of each glob it leaves."""
    rests = leftover(glob, literal_prefix(glob), text)
    return rests, tuple(literal_prefix(r) for r in rests)


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
        fixed = 0
        pending: dict[tuple[str, int], None] = {}
        for index, globs in enumerate(prefixes):
            bit = 1 << index
            if globs is None or any(lead.startswith(p) for p in globs):
                fixed |= bit
            else:
                pending.update(((p[len(lead) :], bit), None) for p in globs if p.startswith(lead))
        width = min((len(rest) for rest, _ in pending), default=0)
        buckets: dict[str, list[tuple[str, int]]] = {}
        for rest, bit in pending:
            buckets.setdefault(rest[:width], []).append((rest, bit))
        return LeadIndex(
            fixed, tuple(pending), width, {k: tuple(v) for k, v in buckets.items()}
        )

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
