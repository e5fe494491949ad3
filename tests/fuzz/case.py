"""One fuzz case: the files a command reads, its arguments, and what its exit may be."""

from __future__ import annotations

from dataclasses import dataclass, field

ANY_EXIT = frozenset({0, 1, 2, 3})
INPUT_ERROR = frozenset({2})
NOT_INPUT_ERROR = frozenset({0, 1, 3})  # valid input: audited, never rejected
INCOMPLETE = frozenset({3})  # a policy that cannot be judged: never "clean", never just drift
NOT_CLEAN = frozenset({1, 2, 3})
INPUT_OR_INCOMPLETE = frozenset({2, 3})  # the snapshot cannot be trusted as complete


@dataclass(frozen=True)
class Case:
    """`auditor *argv` run in a fresh folder holding `files` (relative names)."""

    family: str
    argv: tuple[str, ...]
    files: tuple[tuple[str, bytes], ...] = ()
    expect: frozenset[int] = ANY_EXIT
    # What an exit-2 message must name, any one of them (the file or option at fault).
    blame: tuple[str, ...] = ()
    # `validate` lists every problem, one line each; every other exit 2 is one line.
    one_line: bool = True
    # What was done to the valid input, in words: the case's name in reports.
    why: tuple[str, ...] = field(default=())

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}: {len(data)} B" for name, data in self.files)
        return (
            f"Case({self.family}: auditor {' '.join(map(_shell, self.argv))} "
            f"[{sizes}] why={list(self.why)} expect={sorted(self.expect)})"
        )


def _shell(arg: str) -> str:
    import shlex

    shown = arg if len(arg) <= 80 else arg[:60] + f"...({len(arg)} chars)"
    return shlex.quote(shown)
