"""PolicyCache: everything the engine memoises, in one object that its owner drops.

The engine answers many questions about few policies, so it keeps what it derives: compiled
policy sets, regexes, glob residuals, parsed route templates, route automata and the
verdicts they share. All of it lives in a PolicyCache passed explicitly to the functions
that need it, never in module state: `AccessEvaluator` makes one per audit, so a
long-running scheduler or a warm Lambda carries nothing from one audit to the next.
`decide`, `explain` and `route_verdict` fall back to `DEFAULT_CACHE` for ad-hoc callers.

Policies are keyed by their content, not by the objects that hold them (see `fingerprint`):
a caller that reads the same JSON again, or an audit whose roles share a managed policy,
hands over fresh dicts that find what equal ones compiled.

The cache's own tables are bounded and forget everything once full: simple, and a rebuild
is cheap compared to a leak. What one entry memoises (a compiled set's automata, a role's
leads and shapes, a state's outcomes) grows with the routes asked of it; the module default
lives as long as the process, so long-running callers pass their own cache. Emptying a table
never changes a verdict: the ids that entries are keyed by (statement signatures, template
rest keys, outcome serials) come from process-wide counters and are never reused.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import pickle
import re
import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from .budget import MAX_DOCUMENT_CHARS

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

    from .documents import ReadPolicy
    from .evaluate import CompiledSet
    from .glob import Token
    from .model import NamedPolicy, RouteVerdict
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


class _NotPlain(Exception):
    """A value other than the exact builtin types JSON and YAML parse into, or more of them
    than a document within the engine's budget holds."""


class _PlainPickler(pickle.Pickler):
    """Pickles plain data only: the C pickler writes exact builtin types (dict, list, tuple,
    str, bytes, numbers, bool, None, sets) itself and asks `reducer_override` about anything
    else, which refuses. So no subclass, and no object whose pickled state might not be all
    that the engine reads of it, ever shares a key."""

    def reducer_override(self, obj: Any) -> Any:
        raise _NotPlain


# Pickled, a document within the budget (budget.py: characters plus one per item) takes at
# most 4 bytes a character and 9 an item: this leaves a margin, and stops a document whose
# pickle would never end (one list shared at every level, `l = [l, l]` 60 times, is 2**60
# lists written out) after a millisecond or so.
_MAX_PICKLED_BYTES = 16 * MAX_DOCUMENT_CHARS


class _Capped(io.BytesIO):
    """A buffer that refuses to grow past _MAX_PICKLED_BYTES (the pickler writes to it a
    frame of 64 KiB at a time)."""

    def write(self, data: ReadableBuffer, /) -> int:
        if self.tell() + memoryview(data).nbytes > _MAX_PICKLED_BYTES:
            raise _NotPlain
        return super().write(data)


class _Pickling(threading.local):
    """One pickler per thread: making one costs as much as pickling a small policy."""

    def __init__(self) -> None:
        self.renew()

    def renew(self) -> None:
        self.buffer = _Capped()
        self.pickler = _PlainPickler(self.buffer, pickle.HIGHEST_PROTOCOL)
        # Without the memo an object met twice is written twice, so the key is the content
        # alone, however it is shared (the memo would write a reference, and a JSON round
        # trip, which shares nothing, would miss what the document built in code compiled).
        # A cycle then raises ValueError, and a document of many aliases meets the cap.
        self.pickler.fast = True


_pickling = _Pickling()
# A key this long or shorter is kept as is (most policies: IAM caps a managed policy at 6,144
# characters); a longer one as its digest, so that the tables' keys stay small.
_RAW_KEY_BYTES = 4_096
_serials = itertools.count()  # keys of objects that are not plain data: never reused


def content_key(document: object) -> Hashable | None:
    """A key equal for equal plain data (keys in the same order), different for any other;
    None when `document` holds anything but plain data, or more than a document within the
    engine's budget does.

    The C pickler is the cheapest faithful serialisation (json.dumps would merge a tuple and
    a list, repr escapes every character): a 2 KB policy in a few microseconds. A document
    so deep that pickling recurses too far, or with a cycle, is not plain enough either: the
    budget rejects it anyway (budget.check_document), reading it under a key of its own.
    """
    own = _pickling
    try:
        own.pickler.dump(document)
    except (_NotPlain, RecursionError, ValueError, TypeError, pickle.PicklingError):
        own.renew()  # a dump cut short may leave the pickler and its buffer mid-way
        return None
    data = own.buffer.getvalue()
    own.buffer.seek(0)
    own.buffer.truncate()
    if len(data) <= _RAW_KEY_BYTES:
        return data
    return ("blake2b", hashlib.blake2b(data, digest_size=32).digest())


class PolicyCache:
    """What the policy engine derives from policies and routes, for one owner.

    Entries hold only values derived from their keys. Policies are keyed by `fingerprint`,
    equal for documents of equal content. Interned template rests are named by keys unique
    in the whole process (templates.py), so a rest of one cache can never hit in the
    per-state memos of another cache's automata.
    """

    __slots__ = (
        "__weakref__",
        "action_matchers",
        "after_prefix",
        "arn_likes",
        "automata",
        "documents",
        "fingerprints",
        "literals",
        "matchers",
        "paths",
        "probes",
        "readings",
        "regexes",
        "residuals",
        "rests",
        "sets",
        "signatures",
        "splits",
        "text_tokens",
        "untouched",
    )

    def __init__(self) -> None:
        # Fingerprints of the documents seen last, by id(), each entry holding its document (an
        # id is not reused while the entry lives): a caller passing the same dicts again skips
        # the pickling. Few, since a caller that reads its documents afresh each time would
        # have them freed here, later, rather than when it drops them; NamedPolicy keeps its
        # own key (policy_key). The other tables hold no documents.
        self.fingerprints: Memo[int, tuple[object, Hashable]] = Memo(256)
        # Documents read statement by statement (documents.read_cached), by content and name.
        self.readings: Memo[tuple[Hashable, ...], ReadPolicy] = Memo(16_384)
        # Compiled policy sets (evaluate.py), by the content and names of their policies.
        self.sets: Memo[tuple[Any, ...], CompiledSet] = Memo(512)
        # For `held` (trust.py): values kept by the identity of the objects they derive from.
        self.documents: Memo[Hashable, tuple[tuple[Any, ...], Any]] = Memo(16_384)
        # Pure functions of text and tokens (glob.py, automata.py, prefilter.py); `splits`,
        # `matchers` and `arn_likes` by a pattern's parts as written, before any escaping.
        self.regexes: Memo[tuple[str, bool], re.Pattern[str]] = Memo(65_536)
        self.splits: Memo[Hashable, tuple[str, str]] = Memo(65_536)
        self.matchers: Memo[Hashable, re.Pattern[str]] = Memo(65_536)
        self.arn_likes: Memo[tuple[Any, ...], tuple[re.Pattern[str], ...]] = Memo(16_384)
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

    def fingerprint(self, document: object) -> Hashable:
        """A key for a policy document (a dict or JSON text): equal for documents of equal
        content (content_key); an object that is not plain data gets a key of its own, kept
        while this cache remembers the object, and a new one after.

        Treat a document as immutable once handed over: one changed in place keeps the key
        it was first given for as long as this cache remembers the object.
        """
        hit = self.fingerprints.get(id(document))
        if hit is not None and hit[0] is document:
            return hit[1]
        key = content_key(document)
        if key is None:
            key = ("object", next(_serials))
        self.fingerprints.keep(id(document), (document, key))
        return key

    def policy_key(self, policy: NamedPolicy) -> Hashable:
        """`fingerprint(policy.document)`, kept on the policy itself when it is plain data:
        an audit's policies are asked about again long after this cache's memo of objects
        has forgotten them."""
        key = policy.content
        if key is None:
            key = content_key(policy.document)
            if key is None:
                return self.fingerprint(policy.document)
            object.__setattr__(policy, "content", key)  # frozen: set once, derived
        return key

    def held(
        self,
        table: Memo[Hashable, tuple[tuple[Any, ...], Any]],
        key: Hashable,
        refs: tuple[Any, ...],
        build: Callable[[], T],
    ) -> T:
        """`build()` once per `key` and the objects `refs`, kept in `table`.

        For values that need the very objects (`fingerprint` is cheaper for documents):
        keys hold `id()`s and the entry holds `refs`, so an id cannot be reused while the
        entry lives, and a hit is confirmed with `is`.
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
