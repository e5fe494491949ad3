"""Route templates as regular languages: is every, no, or some concrete request allowed?

The requests of a route form a regular language: the fixed ARN prefix, then the path with
`{param}` = one or more characters other than '/', `{proxy+}` = one or more of anything.
Each Resource pattern is a regular language too (glob.py). search.explore searches every
state of all patterns at once that a parameter value can reach (breadth first, so the
first word to reach a state is its shortlex-least) and runs the literals in between, so
the verdict is a fact about all strings, not a sample; the shortlex-least request of each
kind is its witness. This module holds the template side; role_automaton.py the patterns'.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .automata import OTHER

if TYPE_CHECKING:
    from .cache import PolicyCache


@dataclass(frozen=True, slots=True)
class TemplateRest:
    """What a route template requires after one of its parameters starts: that parameter
    (a non-empty segment without '/', or for `greedy` {proxy+} any non-empty string), then
    `literal` (the text up to the next parameter, or to the end), then `after`.

    Interned per PolicyCache (see template_rest), so that `key` is one int per distinct
    language there: parameter names do not matter, and routes share the rests of one
    another. Automaton states memoise outcomes by `key`, so keys are never reused in the
    process: a rest from one cache (or one interned before its table was emptied) can only
    miss in another's memo, never hit a different language.
    """

    key: int
    greedy: bool
    literal: str
    after: TemplateRest | None
    shortest: tuple[str, ...]  # the shortlex-least word of this rest, OTHER for free characters
    literal_word: tuple[str, ...]  # tuple(literal)


_rest_keys = itertools.count()  # see TemplateRest


def template_rest(pieces: tuple[tuple[bool, str], ...], cache: PolicyCache) -> TemplateRest | None:
    """The rest for (greedy, literal) pieces, interned in `cache`; None for no pieces."""
    if not pieces:
        return None
    greedy, literal = pieces[0]
    after = template_rest(pieces[1:], cache)
    key = (greedy, literal, -1 if after is None else after.key)
    hit = cache.rests.get(key)
    if hit is None:
        shortest = (OTHER, *literal, *(after.shortest if after else ()))
        rest = TemplateRest(next(_rest_keys), greedy, literal, after, shortest, tuple(literal))
        hit = cache.rests.keep(key, rest)
    return hit


def route_template(path: str, cache: PolicyCache) -> tuple[str, TemplateRest | None]:
    """An API Gateway resource path template as (literal head, what follows the head).

    The request ARN holds the path without its leading '/'; `{param}` is one or more
    characters other than '/', `{proxy+}` one or more of anything. The literal head (up to
    the first parameter) is split off so that it can be run deterministically.
    """
    hit = cache.templates.get(path)
    if hit is None:
        hit = cache.templates.keep(path, _parse_template(path, cache))
    return hit


def _parse_template(path: str, cache: PolicyCache) -> tuple[str, TemplateRest | None]:
    if not path.startswith("/"):
        raise ValueError(f"a route path template starts with '/': {path!r}")
    segments = path[1:].split("/")
    texts = [""]  # literal text before the first parameter and after each one
    pieces: list[bool] = []  # per parameter: greedy?
    for i, seg in enumerate(segments):
        if i:
            texts[-1] += "/"
        if seg.startswith("{") and seg.endswith("+}") and len(seg) > 3:
            if i != len(segments) - 1:
                raise ValueError(f"a greedy {seg} must be the last path segment: {path!r}")
            pieces.append(True)
            texts.append("")
        elif seg.startswith("{") and seg.endswith("}") and len(seg) > 2:
            pieces.append(False)
            texts.append("")
        else:
            texts[-1] += seg
    return texts[0], template_rest(tuple(zip(pieces, texts[1:], strict=True)), cache)
