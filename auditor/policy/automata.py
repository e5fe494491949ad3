"""Glob automata over bitmasks, for exact questions about *sets* of strings.

A glob is a token list (see glob.py); NFA position i means "before token i", position n
accepts, and a `*` token may be skipped (epsilon). Several globs share one bit space, so a
set of NFA states of all globs at once is a single int and one step is a few dict lookups
once memoised.

Exactness with an infinite alphabet: every token tests a character either against a
literal or against a class (any / not ':' / not '/'). Any character that is none of the
literals the current states mention and neither '/' nor ':' therefore behaves exactly like
any other such character, so exploring the mentioned literals, '/', ':' and one stand-in
OTHER covers every string.
"""

from __future__ import annotations

from collections.abc import Sequence

from .glob import ANY, LIT, NOCOLON, NOSLASH, ONE, STAR, Token

OTHER = ""  # stands for "a character no token names"; never a literal
SPECIAL = ("/", ":")


def _accepts(kind: int, arg: str | int, char: str) -> bool:
    if kind == LIT:
        return arg == char
    if arg == ANY:
        return True
    if arg == NOCOLON:
        return char != ":"
    if arg == NOSLASH:
        return char != "/"
    raise AssertionError(arg)


class MultiNFA:
    """The union of several globs, each keeping its own accepting bit."""

    __slots__ = ("_closure", "_lits", "_step", "finals", "initial", "kinds", "literals")

    def __init__(self, globs: Sequence[Sequence[Token]]) -> None:
        kinds: list[Token | None] = []
        starts: list[int] = []
        self.finals: list[int] = []  # accepting bit of each glob
        for tokens in globs:
            starts.append(len(kinds))
            kinds.extend(tokens)
            self.finals.append(1 << len(kinds))
            kinds.append(None)
        self.kinds = kinds
        closure = [0] * len(kinds)
        for pos in range(len(kinds) - 1, -1, -1):
            tok = kinds[pos]
            closure[pos] = (1 << pos) | (closure[pos + 1] if tok and tok[0] == STAR else 0)
        self._closure = closure
        self.initial = 0
        for start in starts:
            self.initial |= closure[start]
        self.literals = frozenset(
            t[1] for t in kinds if t is not None and t[0] == LIT and isinstance(t[1], str)
        )
        self._step: dict[tuple[int, str], int] = {}
        self._lits: dict[int, frozenset[str]] = {}

    def step(self, mask: int, char: str) -> int:
        key = (mask, char)
        hit = self._step.get(key)
        if hit is not None:
            return hit
        out = 0
        rest = mask
        kinds, closure = self.kinds, self._closure
        while rest:
            low = rest & -rest
            pos = low.bit_length() - 1
            rest ^= low
            tok = kinds[pos]
            if tok is None or not _accepts(tok[0], tok[1], char):
                continue
            out |= closure[pos] if tok[0] == STAR else closure[pos + 1]
        self._step[key] = out
        return out

    def run(self, mask: int, text: str) -> int:
        for char in text:
            if not mask:
                break
            mask = self.step(mask, char)
        return mask

    def lits(self, mask: int) -> frozenset[str]:
        """Literal characters the states in `mask` test for (the rest act alike)."""
        hit = self._lits.get(mask)
        if hit is None:
            found: set[str] = set()
            rest = mask
            while rest:
                low = rest & -rest
                rest ^= low
                tok = self.kinds[low.bit_length() - 1]
                if tok is not None and tok[0] == LIT:
                    assert isinstance(tok[1], str)
                    found.add(tok[1])
            hit = self._lits[mask] = frozenset(found)
        return hit

    def completion(self, mask: int) -> list[str] | None:
        """A shortest-effort string leading from `mask` to acceptance, OTHER for free chars."""
        best: list[str] | None = None
        rest = mask
        while rest:
            low = rest & -rest
            rest ^= low
            pos = low.bit_length() - 1
            out: list[str] = []
            while self.kinds[pos] is not None:
                tok = self.kinds[pos]
                assert tok is not None
                if tok[0] == LIT:
                    assert isinstance(tok[1], str)
                    out.append(tok[1])
                elif tok[0] == ONE:
                    out.append(OTHER)
                pos += 1
            if best is None or len(out) < len(best):
                best = out
        return best


def pick_other(used: frozenset[str] | set[str]) -> str:
    """A printable character no pattern or template names, to stand for OTHER in witnesses."""
    for char in "xyzqkjw0123456789XYZQKJWabcdefghilmnoprstuv":
        if char not in used:
            return char
    code = 0x100
    while chr(code) in used:
        code += 1
    return chr(code)
