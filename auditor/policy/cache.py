"""A small cache of compiled policies keyed by the identity of the inputs.

Documents are dicts (unhashable) and hashing their JSON on every call would cost more than
evaluating them, so entries are keyed by `id()` and hold a reference to the inputs: an id
cannot be reused while the entry lives, and a hit is confirmed with `is`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

_MAX_ENTRIES = 512
_entries: dict[Hashable, tuple[tuple[Any, ...], Any]] = {}


def cached(key: Hashable, refs: tuple[Any, ...], build: Callable[[], T]) -> T:
    hit = _entries.get(key)
    if hit is not None:
        held, value = hit
        if len(held) == len(refs) and all(a is b for a, b in zip(held, refs, strict=True)):
            return value  # type: ignore[no-any-return]
    value = build()
    if len(_entries) >= _MAX_ENTRIES:
        _entries.clear()  # simple and bounded; a re-compile is cheap compared to a leak
    _entries[key] = (refs, value)
    return value


def clear() -> None:
    _entries.clear()
