"""Environment variables set for the length of a block, then restored exactly."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def scoped_environ(values: Mapping[str, str], *, unset: Iterable[str] = ()) -> Iterator[None]:
    """Set `values` and remove `unset` inside the block; restore every touched name after."""
    removed = list(unset)
    saved = {name: os.environ.get(name) for name in [*values, *removed]}
    for name in removed:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
