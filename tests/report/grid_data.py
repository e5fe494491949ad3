"""The HTML report's embedded matrix data, decoded the way its script reads it (grid.js)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auditor.model.personas import persona_label
from auditor.model.report import MatrixCell
from auditor.report.html import cell_classes

COLUMN_ROLE = -2
_DATA = re.compile(r'<script type="application/json" id="matrix-data">\n(.*?)\n</script>', re.S)


@dataclass(frozen=True)
class Shown:
    """What the page can tell about one cell: its classes and its details panel."""

    classes: str
    verdict: str
    role: str | None
    authorization: str | None
    expected: bool
    allowing: tuple[str, ...]
    denying: tuple[str, ...]
    reasons: tuple[str, ...]
    witness_allowed: str | None
    witness_denied: str | None


Key = tuple[str, str, str, str]  # api_id, stage, route, persona label


def embedded(html: str) -> dict[str, Any]:
    found = _DATA.search(html)
    assert found, "no matrix data in the page"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def _detail(data: dict[str, Any], column: int, row: int) -> list[Any]:
    """The column's usual detail unless a (row, detail) pair names this row."""
    pairs = data["cellDetails"][column]
    by_row = dict(zip(pairs[1::2], pairs[2::2], strict=True))
    detail: list[Any] = data["details"][by_row.get(row, pairs[0])]
    return detail


def decode(data: dict[str, Any]) -> dict[Key, Shown]:
    """Every evaluated cell of the page's data, keyed by route and persona column."""
    strings = data["strings"]

    def s(i: int) -> str | None:
        return None if i < 0 else strings[i]

    out: dict[Key, Shown] = {}
    for column, persona in enumerate(data["personas"]):
        for row, code in enumerate(data["codes"][column]):
            if code == "-":
                continue
            raw = _detail(data, column, row)
            api_id, stage, route = data["routes"][row]
            role = data["roles"][column] if raw[8] == COLUMN_ROLE else raw[8]
            out[(api_id, stage, route, persona)] = Shown(
                classes=data["classes"][code],
                verdict=raw[0],
                role=s(role),
                authorization=s(raw[1]),
                expected=raw[2] == 1,
                allowing=tuple(strings[i] for i in raw[3]),
                denying=tuple(strings[i] for i in raw[4]),
                reasons=tuple(strings[i] for i in raw[5]),
                witness_allowed=s(raw[6]),
                witness_denied=s(raw[7]),
            )
    return out


def expected(cells: Iterable[MatrixCell]) -> dict[Key, Shown]:
    """What the page must show for `cells` (test_html checks cell_classes on its own)."""
    out: dict[Key, Shown] = {}
    for c in cells:
        key = (c.api_id, c.stage, c.route, persona_label(c.persona, c.app_client))
        out[key] = Shown(
            classes=cell_classes(c),
            verdict=c.verdict,
            role=c.role_arn,
            authorization=c.authorization_type,
            expected=c.expected,
            allowing=tuple(c.allowing),
            denying=tuple(c.denying),
            reasons=tuple(c.reasons),
            witness_allowed=c.witness_allowed,
            witness_denied=c.witness_denied,
        )
    return out
