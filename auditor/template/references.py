"""What a value refers to: the logical ids (or parameters) its intrinsics name. The emulator's
deployer orders resources by it; the builder finds what a nested stack or a custom resource is
handed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def references(value: Any) -> Iterator[str]:
    """The logical ids (or parameters) `value` refers to: Ref, Fn::GetAtt, Fn::Sub."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, inner),) = value.items()
            if key == "Ref" and isinstance(inner, str):
                yield inner
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) and inner else inner
                if isinstance(target, str):
                    yield target.split(".", 1)[0]
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) and inner else inner
                if isinstance(text, str):
                    yield from _SUB_REFERENCE.findall(text)
        for inner in value.values():
            yield from references(inner)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)
