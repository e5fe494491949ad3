"""PolicyCache: everything the engine memoises, in one object that its owner drops.

The engine answers many questions about few policies, so it keeps what it derives: compiled
policy sets, regexes, glob residuals, parsed route templates, route automata and the
verdicts they share. All of it lives in a PolicyCache passed explicitly to the functions
that need it, never in module state: `AccessEvaluator` makes one per audit, so a
long-running scheduler or a warm Lambda carries nothing from one audit to the next.
`decide`, `explain` and `route_verdict` fall back to `DEFAULT_CACHE` for ad-hoc callers.

The cache's own tables are bounded and forget everything once full: simple, and a rebuild
is cheap compared to a leak. What one entry memoises (a compiled set's automata, a role's
leads and shapes, a state's outcomes) grows with the routes asked of it; the module default
lives as long as the process, so long-running callers pass their own cache. Emptying a table
never changes a verdict: the ids that entries are keyed by (statement signatures, template
rest keys, outcome serials) come from process-wide counters and are never reused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .glob import Token
    from .model import RouteVerdict
    from .prefilter import Glob
    from .role_routes import RoutePath, SharedAutomaton
    from .templates import TemplateRest
    from .unreadable import Probe

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


class Memo(dict[K, V]):
    """A dict that is emptied when it reaches `bound` entries. Lookups are plain dict
    lookups (the hot paths call `.get` directly); store with `keep`."""

    __slots__ = ("bound",)

    def __init__(self, bound: int) -> None:
        super().__init__()
        self.bound = bound

    def keep(self, key: K, value: V) -> V:
        if len(self) >= self.bound:
            self.clear()
        self[key] = value
        return value


class PolicyCache:
    """What the policy engine derives from policies and routes, for one owner.

    Entries hold only values derived from their keys, except `compiled`, which is keyed by
    the identity of the caller's objects (see there). Interned template rests are named by
    keys unique in the whole process (templates.py), so a rest of one cache can never hit
    in the per-state memos of another cache's automata.
    """

    __slots__ = (
        "__weakref__",
        "_compiled",
        "action_matchers",
        "after_prefix",
        "automata",
        "documents",
        "literals",
        "paths",
        "probes",
        "regexes",
        "residuals",
        "rests",
        "signatures",
        "text_tokens",
        "untouched",
    )

    def __init__(self) -> None:
        self._compiled: Memo[Hashable, tuple[tuple[Any, ...], Any]] = Memo(512)
        # Documents read statement by statement (documents.read_cached), by the document's id.
        self.documents: Memo[Hashable, tuple[tuple[Any, ...], Any]] = Memo(16_384)
        # Pure functions of text and tokens (glob.py, automata.py, prefilter.py).
        self.regexes: Memo[tuple[str, bool], re.Pattern[str]] = Memo(65_536)
        self.text_tokens: Memo[str, tuple[Token, ...]] = Memo(16_384)
        self.action_matchers: Memo[tuple[str, ...], re.Pattern[str]] = Memo(16_384)
        self.residuals: Memo[tuple[Glob, str], tuple[Glob, ...]] = Memo(65_536)
        self.after_prefix: Memo[
            tuple[Glob, str], tuple[tuple[Glob, ...], tuple[tuple[str, bool], ...]]
        ] = Memo(65_536)
        # Route templates (templates.py): the intern table of their rests.
        self.rests: Memo[tuple[bool, str, int], TemplateRest] = Memo(65_536)
        # Route verdicts (role_routes.py): automata shared by roles whose relevant statements
        # have the same content, the statements' content ids, and verdicts of untouched
        # routes, shared by every role (RouteVerdict is frozen).
        self.paths: Memo[str, RoutePath] = Memo(8_192)
        self.literals: Memo[Glob, frozenset[str]] = Memo(65_536)
        self.automata: Memo[tuple[Any, ...], SharedAutomaton] = Memo(32_768)
        self.signatures: Memo[tuple[Any, ...], int] = Memo(16 * 32_768)
        self.untouched: Memo[tuple[str, str, str, str], RouteVerdict] = Memo(32_768)
        # Probes of statements set aside (unreadable.py), shared by the roles that have one
        # reading alike: a managed policy attached to every role is probed once.
        self.probes: Memo[Hashable, Probe] = Memo(4_096)

    def compiled(self, key: Hashable, refs: tuple[Any, ...], build: Callable[[], T]) -> T:
        """`build()` once per `key` and the objects `refs` (see `held`)."""
        return self.held(self._compiled, key, refs, build)

    def held(
        self,
        table: Memo[Hashable, tuple[tuple[Any, ...], Any]],
        key: Hashable,
        refs: tuple[Any, ...],
        build: Callable[[], T],
    ) -> T:
        """`build()` once per `key` and the objects `refs`, kept in `table`.

        Documents are dicts (unhashable) and hashing their JSON on every call would cost
        more than evaluating them, so keys hold `id()`s and the entry holds `refs`: an id
        cannot be reused while the entry lives, and a hit is confirmed with `is`.
        """
        hit = table.get(key)
        if hit is not None:
            held, value = hit
            if len(held) == len(refs) and all(a is b for a, b in zip(held, refs, strict=True)):
                return value  # type: ignore[no-any-return]
        value = build()
        table.keep(key, (refs, value))
        return value

    def _tables(self) -> tuple[dict[Any, Any], ...]:
        return tuple(getattr(self, name) for name in self.__slots__ if name != "__weakref__")

    def __len__(self) -> int:
        """Entries over all tables."""
        return sum(len(table) for table in self._tables())

    def clear(self) -> None:
        for table in self._tables():
            table.clear()


# For callers that pass no cache (tests, scripts, the REPL); the audit never uses it.
DEFAULT_CACHE = PolicyCache()
