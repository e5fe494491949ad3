"""Baseline YAML written line by line, so that the draft can carry comments beside values:
scalars quoted by PyYAML's own emitter, comments kept to one printable line."""

from __future__ import annotations

from collections.abc import Iterable

import yaml

_INDENT = "  "
_LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")  # YAML breaks a line at each


def scalar(value: str | int | bool | None) -> str:
    """One YAML scalar, quoted by PyYAML's own emitter where YAML needs it.

    Emitted inside a flow sequence, whose quoting rules are the strictest, so the result is
    safe as a block value and as a mapping key too.
    """
    text = _flowscalar(value, style=None)
    if any(brk in text for brk in _LINE_BREAKS):  # one line per entry: escape the breaks
        text = _flowscalar(value, style='"')
    return text


def _flowscalar(value: str | int | bool | None, style: str | None) -> str:
    text = yaml.safe_dump(
        [value], default_flow_style=True, default_style=style, width=2**31 - 1, allow_unicode=True
    )
    return text.strip()[1:-1]


def _comment_text(text: str) -> str:
    # Names and paths end up in comments: one line, printable, whatever they contain.
    return "".join(ch if ch.isprintable() else "?" for ch in text)


class YamlLines:
    def __init__(self) -> None:
        self._lines: list[str] = []

    def add(self, text: str, depth: int = 0, note: str | None = None) -> None:
        suffix = f"  # {_comment_text(note)}" if note else ""
        self._lines.append(f"{_INDENT * depth}{text}{suffix}")

    def comment(self, text: str, depth: int = 0) -> None:
        self._lines.append(f"{_INDENT * depth}# {_comment_text(text)}")

    def blank(self) -> None:
        self._lines.append("")

    def add_list(
        self,
        key: str,
        entries: list[tuple[str, str | None]],
        depth: int,
        note: str | None = None,
        trailing: Iterable[str] = (),
    ) -> None:
        """`key:` then one `- item  # note` per entry, then comment lines (`key: []` if empty)."""
        self.add(f"{key}:" if entries else f"{key}: []", depth=depth, note=note)
        for text, item_note in entries:
            self.add(f"- {scalar(text)}", depth=depth + 1, note=item_note)
        for line in trailing:
            self.comment(line, depth=depth + 1)

    def text(self) -> str:
        return "\n".join(self._lines) + "\n"
