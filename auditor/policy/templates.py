"""Route templates as regular languages: a literal head, then parameters and literals.

`{param}` is one or more characters other than '/', `{proxy+}` one or more of anything, so
the requests of a route form a regular language, as each Resource pattern does (glob.py);
search.py explores both at once for an exact verdict, role_automaton.py holds the patterns'
side.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.model.route_grammar import path_template_problem

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
    the first parameter) is split off so that it can be run deterministically. Not memoised
    here: its one caller (role_routes.route_path) keeps the parsed path, and equal rests are
    interned in `cache.rests`. ValueError for a path that is no template (the route grammar's
    path_template_problem says why).
    """
    problem = path_template_problem(path)
    if problem is not None:
        raise ValueError(problem)
    texts, pieces = _split(path)
    return texts[0], template_rest(tuple(zip(pieces, texts[1:], strict=True)), cache)


def _split(path: str) -> tuple[list[str], list[bool]]:
    """The literal texts (before the first parameter, after each) and, per parameter, whether
    it is greedy, of a path the grammar accepts: a parameter is a whole segment, a greedy one
    the last."""
    texts = [""]  # literal text before the first parameter and after each one
    pieces: list[bool] = []  # per parameter: greedy?
    for i, seg in enumerate(path[1:].split("/")):
        if i:
            texts[-1] += "/"
        if seg.startswith("{"):
            pieces.append(seg.endswith("+}"))
            texts.append("")
        else:
            texts[-1] += seg
    return texts, pieces
