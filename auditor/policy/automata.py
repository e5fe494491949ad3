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

State sets are kept small by an exact reduction that stops the subset construction from
multiplying across many patterns. Globs are put in groups whose members only matter through
their union (e.g. "all certain identity Allows"). If a group's state set holds a position p
whose remaining tokens are `*`(ANY) followed by R, then any position q of the group whose
remaining tokens end with R accepts a subset of what p accepts (L(q) = L(W R), a subset of
(any string) . L(R) = L(p)), so q can be dropped without changing the group's answer for
any continuation. This covers "a later star of the same glob wins" and "a universal glob
(`.../*`) makes the rest of its group irrelevant".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .budget import Steps
from .glob import ANY, LIT, NOCOLON, NOSLASH, STAR, Token

if TYPE_CHECKING:
    from .cache import PolicyCache

OTHER = ""  # stands for "a character no token names"; never a literal


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

    __slots__ = (
        "_by_char",
        "_canon",
        "_closure",
        "_dominated",
        "_end",
        "_globs_of",
        "_group_bits",
        "_group_of",
        "_next",
        "_sid",
        "_star_any",
        "_takes",
        "finals",
        "glob_masks",
        "initial",
        "kinds",
        "memo",
        "steps",
        "universal",
    )

    def __init__(
        self, globs: Sequence[Sequence[Token]], groups: Sequence[int] | None = None
    ) -> None:
        self.steps = Steps()  # the owner renews it per question (budget.py)
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
        # For step(): the positions each character moves on, and where each one goes.
        self._by_char: dict[str, int] = {}
        self._takes = {ANY: 0, NOCOLON: 0, NOSLASH: 0}  # positions by character class
        self._next = [0] * len(kinds)
        for pos, tok in enumerate(kinds):
            if tok is None:
                continue
            if tok[0] == LIT:
                assert isinstance(tok[1], str)
                self._by_char[tok[1]] = self._by_char.get(tok[1], 0) | 1 << pos
            else:
                assert isinstance(tok[1], int)
                self._takes[tok[1]] |= 1 << pos
            self._next[pos] = closure[pos] if tok[0] == STAR else closure[pos + 1]
        self.glob_masks = []  # all bits of each glob
        self._star_any = 0  # positions holding an ANY-star
        self.universal = 0  # positions from which every continuation is accepted
        # Per position: its glob's final position, its group, and an id of its token suffix.
        self._end = [0] * len(kinds)
        self._group_of = [0] * len(kinds)
        self._sid = [0] * len(kinds)
        self._group_bits: dict[int, int] = {}
        self._globs_of: dict[int, list[tuple[int, int]]] = {}
        self._dominated: dict[int, int] = {}
        suffix_ids: dict[tuple[Token, int], int] = {}
        for index, (start, final) in enumerate(zip(starts, self.finals, strict=True)):
            end = final.bit_length() - 1
            group = groups[index] if groups is not None else index
            span = ((1 << (end + 1)) - 1) ^ ((1 << start) - 1)
            self.glob_masks.append(span)
            self._group_bits[group] = self._group_bits.get(group, 0) | span
            self._globs_of.setdefault(group, []).append((start, end))
            tail_all_star = True
            for pos in range(end, start - 1, -1):
                tok = kinds[pos]
                self._end[pos], self._group_of[pos] = end, group
                if tok is not None:
                    key = (tok, self._sid[pos + 1])
                    self._sid[pos] = suffix_ids.setdefault(key, len(suffix_ids) + 1)
                    tail_all_star = tail_all_star and tok == (STAR, ANY)
                    if tail_all_star:
                        self.universal |= 1 << pos
                    if tok == (STAR, ANY):
                        self._star_any |= 1 << pos
        self.initial = 0
        for start in starts:
            self.initial |= closure[start]
        self.initial = self._canonical(self.initial)
        self.memo: dict[tuple[int, str], int] = {}
        self._canon: dict[int, int] = {}  # _canonical, memoised by step()

    def _dominated_by(self, pos: int) -> int:
        """Positions of pos's group whose remaining tokens end with those after pos's star.

        Within one glob those are exactly its positions up to `end - len(rest)`, provided
        the suffix there is the same token sequence (compared by suffix id).
        """
        rest_len = self._end[pos] - pos - 1
        rest_id = self._sid[pos + 1]
        out = 0
        globs = self._globs_of[self._group_of[pos]]
        self.steps.take(len(globs))
        for start, end in globs:
            cut = end - rest_len
            if cut >= start and self._sid[cut] == rest_id:
                out |= ((1 << (cut + 1)) - 1) ^ ((1 << start) - 1)
        return out & ~(1 << pos)

    def step(self, mask: int, char: str) -> int:
        key = (mask, char)
        hit = self.memo.get(key)
        if hit is None:
            hit = self.memo[key] = self.successor(mask, char)
        return hit

    def successor(self, mask: int, char: str) -> int:
        """step() without its memo, for callers that keep their own per state."""
        takes = self._takes
        moving = mask & (
            self._by_char.get(char, 0)
            | takes[ANY]
            | (takes[NOCOLON] if char != ":" else 0)
            | (takes[NOSLASH] if char != "/" else 0)
        )
        self.steps.take(1 + moving.bit_count())
        out = 0
        nxt = self._next
        while moving:
            low = moving & -moving
            moving ^= low
            out |= nxt[low.bit_length() - 1]
        canon = self._canon.get(out)
        if canon is None:
            canon = self._canon[out] = self._canonical(out)
        return canon

    def _canonical(self, mask: int) -> int:
        """Drop positions dominated by an ANY-star position of the same group (module doc)."""
        stars = mask & self._star_any
        if not stars:
            return mask
        dropped = False
        while stars:
            low = stars & -stars
            stars ^= low
            if not mask & low:
                continue  # already dropped by an equivalent star
            pos = low.bit_length() - 1
            beaten = self._dominated.get(pos)
            if beaten is None:
                beaten = self._dominated[pos] = self._dominated_by(pos)
            if mask & beaten:
                mask &= ~beaten
                dropped = True
        if not dropped:
            return mask
        # State sets are closed under the epsilon moves of `*`: put back what a kept
        # position reaches for free (dropping it would lose that move).
        closed = 0
        rest = mask
        closure = self._closure
        while rest:
            low = rest & -rest
            rest ^= low
            closed |= closure[low.bit_length() - 1]
        return closed

    def run(self, mask: int, text: str) -> int:
        memo = self.memo  # looked up here first: a call per character costs more than a step
        for char in text:
            if not mask:
                break
            hit = memo.get((mask, char))
            mask = self.step(mask, char) if hit is None else hit
        return mask

    def lits(self, mask: int) -> frozenset[str]:
        """The characters the states in `mask` tell apart; all others act like OTHER.

        Literals, plus ':' for a not-colon class and '/' for a not-slash class. Not
        memoised: callers keep what they derive from it per state.
        """
        self.steps.take(len(self._by_char))
        found = {char for char, positions in self._by_char.items() if mask & positions}
        if mask & self._takes[NOCOLON]:
            found.add(":")
        if mask & self._takes[NOSLASH]:
            found.add("/")
        return frozenset(found)


def residuals(
    tokens: tuple[Token, ...], text: str, cache: PolicyCache
) -> tuple[tuple[Token, ...], ...]:
    """Globs whose union matches exactly the strings s with `text + s` matching `tokens`.

    One suffix of `tokens` per NFA position alive after reading `text` (none: the glob
    cannot match anything that starts with `text`). A position reachable from another
    kept one by skipping a `*` adds nothing and is left out. Kept in `cache`: roles often
    share patterns (managed policies).
    """
    hit = cache.residuals.get((tokens, text))
    if hit is None:
        hit = cache.residuals.keep((tokens, text), _residuals(tokens, text))
    return hit


def _residuals(tokens: tuple[Token, ...], text: str) -> tuple[tuple[Token, ...], ...]:
    states = _closure_of(tokens, 0)
    for char in text:
        nxt: set[int] = set()
        for pos in states:
            tok = tokens[pos] if pos < len(tokens) else None
            if tok is not None and _accepts(tok[0], tok[1], char):
                nxt |= _closure_of(tokens, pos if tok[0] == STAR else pos + 1)
        states = nxt
        if not states:
            return ()
    kept = (p for p in sorted(states) if not (p - 1 in states and tokens[p - 1][0] == STAR))
    return tuple(tokens[p:] for p in kept)


def _closure_of(tokens: Sequence[Token], pos: int) -> set[int]:
    out = {pos}
    while pos < len(tokens) and tokens[pos][0] == STAR:
        pos += 1
        out.add(pos)
    return out


OTHER_CANDIDATES = "xyzqkjw0123456789XYZQKJWabcdefghilmnoprstuv"


def pick_other(used: frozenset[str] | set[str]) -> str:
    """A printable character no pattern or template names, to stand for OTHER in witnesses."""
    for char in OTHER_CANDIDATES:
        if char not in used:
            return char
    code = 0x100
    while chr(code) in used:
        code += 1
    return chr(code)
