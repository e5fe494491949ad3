"""The search behind a route verdict: which requests of a route template, continuing from
one pattern state, are (possibly, surely) allowed, and the shortest of each kind."""

from __future__ import annotations

import itertools
from typing import Final

from .role_automaton import PatternNode, Reach, RequestClass
from .templates import TemplateRest

serials = itertools.count()  # ids for verdict-shape cache keys; never reused

Word = tuple[str, ...]  # the characters of a request path, OTHER standing for a free one


# What one verb's requests look like: for each kind (surely allowed, possibly allowed, not
# surely allowed, surely not allowed) the shortlex-least request path (after the template's
# head) of that kind or None, then the statements seen to match (bits of their `index` in
# the automaton), then a serial for the verdict-shape caches. A plain tuple of strings and
# ints, so that the collector stops tracking the many that caches hold.
Outcome = tuple[Word | None, Word | None, Word | None, Word | None, int, int]
SURELY: Final = 0
POSSIBLY: Final = 1
NOT_SURELY: Final = 2
NOT_POSSIBLY: Final = 3
MATCHED: Final = 4
SERIAL: Final = 5


def _whole(cls: RequestClass, word: Word) -> Outcome:
    """Every request fares as `cls`; `word` is the shortest one."""
    return (
        word if cls.surely else None,
        word if cls.possibly else None,
        None if cls.surely else word,
        None if cls.possibly else word,
        cls.matched,
        next(serials),
    )


def explore(rest: TemplateRest | None, node: PatternNode) -> Outcome:
    """The requests that continue from pattern state `node` as `rest` (the template after
    its head) allows, by kind: exact over all strings, memoised per (node, rest).

    A parameter is followed by '/' or the end, so each request splits uniquely into
    parameter values and literals, and the shortlex-least request of a kind is the best
    over the states the first parameter can reach of (least word to reach it) + (least
    request of that kind from there): a search over pattern states per parameter, shared
    by every route whose parameter starts in that state, instead of one over the product
    with each route's template. A state where every continuation fares alike (settled)
    ends the search with the template's shortest continuation.
    """
    key = -1 if rest is None else rest.key
    hit: Outcome | None = node.outcomes.get(key)
    if hit is not None:
        return hit
    # The request that ends here is classified exactly: a settled class names only the
    # statements that match whatever follows, and a glob that ends here (an exact grant of
    # the root route) matches this request though no continuation of it.
    cls = node.classify() if rest is None else node.settled
    if cls is not None:
        hit = _whole(cls, () if rest is None else rest.shortest)
    else:
        assert rest is not None
        hit = _through(rest, node)
    node.outcomes[key] = hit
    return hit


def _through(rest: TemplateRest, node: PatternNode) -> Outcome:
    """explore() for an unsettled node: over rest's first parameter, then the others.

    Stops once every kind has a witness that no state still to come can beat (its word is
    no shorter, and of equal length only if it sorts later): partial verdicts need not
    search on, and `matched` may then miss statements.
    """
    greedy = rest.greedy
    reach = node.greedy_reach if greedy else node.segment_reach
    if reach is None:
        reach = Reach.start(node, greedy)
        if greedy:
            node.greedy_reach = reach
        else:
            node.segment_reach = reach
    literal, after, lit = rest.literal, rest.after, rest.literal_word
    after_key = -1 if after is None else after.key
    least_tail = len(lit) + (0 if after is None else len(after.shortest))
    nodes, words = reach.nodes, reach.words
    best: list[Word | None] = [None, None, None, None]
    longest = -1  # of the best words, once every kind has one
    matched = 0
    # Outcomes already taken in: found later, a state leading to one of them has a word
    # that sorts later, so it cannot give a better witness.
    taken: set[int] = set()
    at = 0
    while at < len(nodes) or reach.extend():
        if at == len(nodes):
            continue  # that level found nothing new; the next may
        state, word = nodes[at], words[at]
        at += 1
        if longest >= 0 and len(word) + least_tail > longest:
            break
        # A settled state needs no literal run: explore() answers it from its class.
        if literal and state.settled is None:
            state = state.row.get(literal) or state.run(literal)
        out = state.outcomes.get(after_key) or explore(after, state)
        if out[SERIAL] in taken:
            continue
        taken.add(out[SERIAL])
        matched |= out[MATCHED]
        for kind, tail in enumerate(out[:4]):
            if tail is None:
                continue
            size = len(word) + len(lit) + len(tail)
            held = best[kind]
            if held is None or size < len(held):
                best[kind] = word + lit + tail
            elif size == len(held):
                candidate = word + lit + tail
                if candidate < held:
                    best[kind] = candidate
        if None not in best:
            longest = max(len(w) for w in best if w is not None)
    return (best[0], best[1], best[2], best[3], matched, next(serials))
