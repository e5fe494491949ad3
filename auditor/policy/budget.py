"""How much work the engine spends on one policy, so that a hostile document (a Resource of a
million wildcards, a megabyte of `*?`, ten thousand statements) cannot exhaust memory or hang
the audit.

Two kinds of limit, each raising BudgetExceeded, a PolicyError, so that what exceeds one is
handled exactly like a document the engine cannot read (unreadable.py, the
`policy-unreadable` rule): never a verdict of `denied`, always a finding that says which limit.

- When a document is read (documents.py): its statements, the characters of its strings and
  the wildcards of each pattern. Over these, the statement (or the document) is set aside.
- When the route automata run (automata.py, role_automaton.py): the NFA positions of one
  automaton, its states, and the steps one question may take. Over these, the routes asked
  about are `unknown` and name the policies whose statements built the automaton.

Matching one string against one pattern needs no budget: every regex built from a pattern
runs in time linear in its input (glob.py), whatever the wildcards.

The limits let every document and role IAM accepts be judged (benchmarks/policy.py and
benchmarks/audit.py stay an order of magnitude below each), and stop what would cost more than
a second or so, or a few hundred megabytes.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from typing import Any

from .model import PolicyError

# IAM caps a managed policy at 6,144 characters and a role's inline policies at 10,240 in all
# (trust policies at 4,096, API Gateway resource policies are smaller still): no string or
# document that AWS accepted comes near these.
MAX_STRING_CHARS = 4_096  # per string (pattern, condition value, key); an ARN is <= 2,048
MAX_DOCUMENT_CHARS = 131_072  # per document, strings and keys together
# A minimal statement takes ~45 characters, so 10,240 characters hold ~230 of them.
MAX_STATEMENTS = 1_024

# Policies seen in the wild use a handful of wildcards per pattern; each one a route automaton
# can be in at once costs a bit per state and work per character, and `?`s after a `*` multiply
# the states (a `*a` followed by n `?` needs 2**n). 64 leaves a wide margin and keeps each
# pattern's own contribution small.
MAX_PATTERN_WILDCARDS = 64

# A route automaton holds one bit per pattern character after the account's ARN prefix, and its
# tables hold one mask per position: memory grows faster than the positions (measured: 44,000
# positions ~ 210 MiB, 88,000 ~ 650 MiB). The most IAM lets one role hold (20 managed policies
# of 6,144 characters and 10,240 inline, about 31 positions per route ARN of ~78 characters)
# is about 55,000 positions, so every role AWS accepts is judged; the benchmarks' largest
# automaton has ~1,100.
MAX_AUTOMATON_POSITIONS = 65_536
# States of one automaton, over every question asked of it: each holds a mask and its memos, up
# to a few KiB, so this bounds its memory. The benchmarks' largest automaton reaches ~3,100
# (2,000 routes asked of one role).
MAX_AUTOMATON_STATES = 50_000
# New states one question (one route, one verb) may add: each costs tens of microseconds, so
# this bounds the time of a question whose patterns multiply states. The benchmarks' costliest
# question adds ~490.
MAX_NEW_STATES_PER_QUESTION = 10_000
# Other work for one question: NFA positions moved per character read, plus the reductions of
# automata.py and a look at each statement per new state. The benchmarks' costliest question
# takes ~19,000; 1,000,000 is about half a second of CPU.
MAX_STEPS_PER_QUESTION = 1_000_000


class BudgetExceeded(PolicyError):
    """A policy needs more work than the engine allows (the message says which limit)."""


def brief(value: Any) -> str:
    """A short repr of a value of any size or shape, for messages (reprlib cuts long strings
    and deep containers; an int too long to print at all is named instead)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return "a number too large to use"
    try:
        return _BRIEF.repr(value)
    except ValueError:  # an int past Python's limit on digits, deep inside a container
        return f"a {type(value).__name__}"


_BRIEF = reprlib.Repr()
_BRIEF.maxstring = _BRIEF.maxother = 80
_BRIEF.maxlong = 40


def check_string(value: str, where: str) -> None:
    if len(value) > MAX_STRING_CHARS:
        raise BudgetExceeded(
            f"{where}: a string of {len(value):,} characters, over the engine's limit of "
            f"{MAX_STRING_CHARS:,}"
        )


def check_pattern(value: str, where: str) -> None:
    """A string whose `*` and `?` are wildcards (Action, Resource, StringLike, ArnLike)."""
    check_string(value, where)
    wildcards = value.count("*") + value.count("?")
    if wildcards > MAX_PATTERN_WILDCARDS:
        raise BudgetExceeded(
            f"{where}: a pattern with {wildcards:,} wildcards, over the engine's limit of "
            f"{MAX_PATTERN_WILDCARDS:,}"
        )


def check_document(name: str, document: Mapping[str, Any]) -> None:
    """The document's size as a whole: its statements and the characters of all its strings.

    Walks the document without recursion: a document nested a million levels deep is only
    counted, never a RecursionError.
    """
    statements = document.get("Statement")
    if isinstance(statements, list) and len(statements) > MAX_STATEMENTS:
        raise BudgetExceeded(
            f"policy {name!r}: {len(statements):,} statements, over the engine's limit of "
            f"{MAX_STATEMENTS:,}"
        )
    total = 0
    pending: list[Any] = [document]
    while pending:
        item = pending.pop()
        total += 1  # every item, so that a walk over shared empty lists ends too
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
        if total > MAX_DOCUMENT_CHARS:
            raise BudgetExceeded(
                f"policy {name!r}: over {MAX_DOCUMENT_CHARS:,} characters of text, the "
                "engine's limit for one document"
            )


class Steps:
    """What is left of one question's budget on an automaton (MAX_NEW_STATES_PER_QUESTION,
    MAX_STEPS_PER_QUESTION); its owner renews it per question."""

    __slots__ = ("left", "states_left")

    def __init__(self) -> None:
        self.renew()

    def renew(self) -> None:
        self.left = MAX_STEPS_PER_QUESTION
        self.states_left = MAX_NEW_STATES_PER_QUESTION

    def take(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise BudgetExceeded(
                f"a route search needs more than {MAX_STEPS_PER_QUESTION:,} steps, the "
                "engine's limit for one question"
            )

    def new_state(self) -> None:
        self.states_left -= 1
        if self.states_left < 0:
            raise BudgetExceeded(
                f"a route search needs more than {MAX_NEW_STATES_PER_QUESTION:,} new automaton "
                "states, the engine's limit for one question"
            )
