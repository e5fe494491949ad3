"""How stdout may be drawn: its width and whether in colour (the table, the matrix, rules)."""

from __future__ import annotations

import os
import shutil

DEFAULT_WIDTH = 80  # a file, a pipe, or a terminal that does not say
MIN_WIDTH = 40  # rich cannot lay a table out in less


def use_color(terminal: bool) -> bool:
    """Colour on a terminal unless NO_COLOR is set to anything but "" (no-color.org)."""
    return terminal and not os.environ.get("NO_COLOR")


def terminal_width(terminal: bool) -> int:
    """COLUMNS when set, else the terminal's width, else DEFAULT_WIDTH (a file or a pipe)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    if terminal:
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
        return max(MIN_WIDTH, width or DEFAULT_WIDTH)
    return DEFAULT_WIDTH
