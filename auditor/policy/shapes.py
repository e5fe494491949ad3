"""From the outcomes of a route's verbs to its verdict: allowed, partial or denied, the
statements that decided it, the reasons, and the witnesses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import cast

from .automata import OTHER
from .model import RouteVerdict, StatementRef, VerdictName
from .role_automaton import RouteStmt
from .search import MATCHED, NOT_POSSIBLY, NOT_SURELY, POSSIBLY, SURELY, Outcome, Word

NO_ALLOW = "no statement allows any request to this route"


def _pick(
    outcomes: dict[str, Outcome], first: int, second: int
) -> tuple[str, tuple[str, ...]] | None:
    """The first witness of either kind, as its verb and the word's pieces between OTHERs."""
    for kind in (first, second):
        for verb, out in outcomes.items():
            word = cast("Word | None", out[kind])
            if word is not None:
                return verb, word_pieces(word)
    return None


def bit_indices(bits: int) -> Iterator[int]:
    while bits:
        low = bits & -bits
        bits ^= low
        yield low.bit_length() - 1


def word_pieces(word: Word) -> tuple[str, ...]:
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
# and the verb and word pieces (see word_pieces) of the allowed and of the denied witness. A
# plain tuple of strings and ints, like Outcome, since every role caches many.
Shape = tuple[
    VerdictName,
    int,
    int,
    tuple[str, ...],
    tuple[str, tuple[str, ...]] | None,
    tuple[str, tuple[str, ...]] | None,
]


def render_shape(
    shape: Shape,
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


def shape_of(
    all_stmts: list[RouteStmt], outcomes: dict[str, Outcome], matched: int | None = None
) -> Shape:
    """`matched`: the statements seen to match (bits of their index), if not the outcomes'
    own."""
    possibly = [v for v, o in outcomes.items() if o[POSSIBLY] is not None]
    not_surely = [v for v, o in outcomes.items() if o[NOT_SURELY] is not None]
    if matched is None:
        matched = 0
        for out in outcomes.values():
            matched |= out[MATCHED]
    stmts = [all_stmts[i] for i in bit_indices(matched)]
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
            reasons.append(NO_ALLOW)
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
