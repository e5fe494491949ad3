"""Live routes and the baseline patterns that name them: which (API, stage) pairs are audited,
and an index that finds a pattern's routes without scanning every route."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from auditor.model.baseline import Baseline, RoutePattern
from auditor.model.http import DEFAULT_ROUTE
from auditor.model.snapshot import Api, ApiRef, Route, Snapshot, stages_named

_PARAM = re.compile(r"\{[^/{}]+?(\+?)\}")


@lru_cache(maxsize=65_536)
def normalise_template(path: str) -> str:
    """`/items/{itemId}` and `/items/{id}` name the same route: compare without param names."""
    return _PARAM.sub(lambda m: "{+}" if m.group(1) else "{}", path)


def pattern_covers(pattern: RoutePattern, method: str, path: str) -> bool:
    """Does a baseline pattern name the live route (a template, not a request)?"""
    if pattern.path == DEFAULT_ROUTE or path == DEFAULT_ROUTE:
        return pattern.path == path and pattern.method in ("*", "ANY", method)
    if pattern.method not in ("*", method):
        return False
    live = normalise_template(path)
    if pattern.beneath:
        return live.startswith(normalise_template(pattern.path))
    return live == normalise_template(pattern.path)


def declares(patterns: list[RoutePattern], route: Route) -> bool:
    return any(pattern_covers(p, route.method, route.path) for p in patterns)


def is_exact(pattern: RoutePattern) -> bool:
    """Names one method and one template: found by lookup, no scan needed."""
    return not pattern.beneath and pattern.method != "*" and pattern.path != DEFAULT_ROUTE


T = TypeVar("T")


class RouteIndex(Generic[T]):
    """Items keyed by their route's (method, normalised template).

    With thousands of personas and patterns, scanning every route for every pattern is the
    audit's hot spot; exact patterns (the common case) become dictionary lookups.
    """

    def __init__(self, items: Iterable[tuple[Route, T]]) -> None:
        self._items = list(items)
        self._by_key: dict[tuple[str, str], list[T]] = {}
        for route, item in self._items:
            key = (route.method, normalise_template(route.path))
            self._by_key.setdefault(key, []).append(item)
        # Sorted by normalised path, so a `/prefix/*` pattern is a bisect, not a scan.
        self._by_path = sorted(
            (
                (normalise_template(route.path), index)
                for index, (route, _) in enumerate(self._items)
            )
        )
        self._paths = [path for path, _ in self._by_path]

    def named_by(self, pattern: RoutePattern) -> list[T]:
        """The items whose route the pattern names (pattern_covers, without scanning)."""
        if is_exact(pattern):
            return self._by_key.get((pattern.method, normalise_template(pattern.path)), [])
        candidates: Iterable[tuple[Route, T]] = self._items
        if pattern.beneath and pattern.path != "/":
            prefix = normalise_template(pattern.path)
            start = bisect_left(self._paths, prefix)
            end = bisect_left(self._paths, prefix + "\U0010ffff", lo=start)
            candidates = (
                self._items[index] for index in sorted(i for _, i in self._by_path[start:end])
            )
        return [
            item for route, item in candidates if pattern_covers(pattern, route.method, route.path)
        ]

    def any_verb_of(self, pattern: RoutePattern) -> list[T]:
        """Live `ANY` routes at an exact pattern's path: a declared `GET /x` on `ANY /x`."""
        if not is_exact(pattern) or pattern.method == "ANY":
            return []
        return self._by_key.get(("ANY", normalise_template(pattern.path)), [])

    def covered(self, patterns: Iterable[RoutePattern]) -> set[int]:
        """ids of the items any pattern names."""
        return {id(item) for pattern in patterns for item in self.named_by(pattern)}


@dataclass(frozen=True)
class ApiStage:
    api: Api
    stage: str  # `*` when the API's stages could not be listed and the baseline names none
    # Why what the stage serves is unknown (its deployment could not be read, ...): then
    # every verdict on it is `unknown`. None: the snapshot says what it serves.
    unread: str | None = None


EVERY_STAGE = "*"


def refs_of(api: Api, refs: list[ApiRef]) -> list[ApiRef]:
    """The baseline's references to this API (by id, or by name)."""
    return [r for r in refs if r.id == api.id or (r.id is None and r.name == api.name)]


def audited_stages(snapshot: Snapshot, refs: list[ApiRef]) -> list[ApiStage]:
    """The (API, stage) pairs the baseline asks for: the union of the stages of every ref to
    the API, every stage if one of them names none (or none names the API)."""
    result: list[ApiStage] = []
    for api in snapshot.apis:
        named = stages_named(refs_of(api, refs))
        if named is not None:
            stages = sorted(named)
        else:
            stages = api.stages if api.stages_listed else [EVERY_STAGE]
        result.extend(ApiStage(api, stage, api.unread_reason(stage)) for stage in stages)
    return result


def iter_routes(snapshot: Snapshot, baseline: Baseline) -> Iterator[tuple[ApiStage, Route]]:
    """Each audited stage's routes as it serves them (its deployment, not the definition):
    every verdict judges what a caller can really reach."""
    for api_stage in audited_stages(snapshot, baseline.apis):
        for route in api_stage.api.served_routes(api_stage.stage):
            yield api_stage, route
