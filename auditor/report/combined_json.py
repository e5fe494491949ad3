"""A combined report (CONTRACT §6.4) as JSON, written in pieces like a single report.

The top level is pydantic's own text; each target entry is that target's own `json_chunks`
(model/report_json.py) with `"name"` put first and the text indented one level more, so a
run of 400 targets with large matrices is never one string and each entry reads exactly as
that target's report would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from auditor.model.combined_report import CombinedReport, TargetReport
from auditor.model.report_json import json_chunks

_ENTRY_INDENT = "\n    "  # an entry sits at depth 2: inside the report, inside "targets"


def combined_json_chunks(report: CombinedReport) -> Iterator[str]:
    """The combined report's JSON text, in order, ending with a newline."""
    head = report.model_dump_json(indent=2, exclude={"targets"})
    # `head` ends with "\n}": the targets go before that closing brace.
    yield head[: head.rindex("}")].rstrip() + ',\n  "targets": ['
    for index, entry in enumerate(report.targets):
        yield ("\n    " if index == 0 else ",\n    ")
        yield from _entry_chunks(entry)
    yield ("\n  ]" if report.targets else "]") + "\n}\n"


def _entry_chunks(entry: TargetReport) -> Iterator[str]:
    """One target's report text with its name first, indented to sit in `targets`."""
    name = f'{{\n  "name": {json.dumps(entry.name, ensure_ascii=False)},'
    first = True
    pending = ""
    for chunk in json_chunks(entry.report):
        if first:
            chunk = name + chunk[1:]  # the report's own "{" replaced by the one naming it
            first = False
        # The last chunk ends with the report's final newline, which the entry does not keep.
        if pending:
            yield pending.replace("\n", _ENTRY_INDENT)
        pending = chunk
    yield pending.rstrip("\n").replace("\n", _ENTRY_INDENT)


def combined_json_data(report: CombinedReport) -> dict[str, Any]:
    """The same document as one object (not streamed): what a reader gets from json.loads."""
    data = report.model_dump(mode="json", exclude={"targets"})
    data["targets"] = [entry.to_json_data() for entry in report.targets]
    return data
