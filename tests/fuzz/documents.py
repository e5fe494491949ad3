"""Strategies that damage a valid document the way people and pipelines do: a value of the
wrong type, a key dropped or misspelt, a list grown huge, a string padded; and the file's
bytes: empty, binary, another encoding, nested 10,000 deep, a YAML bomb, a key twice.

A document is JSON-like data (dicts, lists, scalars). A mutation is drawn from the paths that
exist in the document at that moment, so every mutation lands somewhere real.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any, Literal

import yaml
from hypothesis import strategies as st

Path = tuple[str | int, ...]
Syntax = Literal["yaml", "json"]

# Values no serializer can write are written as these markers and swapped in the text.
HUGE_INT = "FUZZ-HUGE-INT-MARKER"
LONE_SURROGATE = "FUZZ-LONE-SURROGATE-MARKER"
DEEP = "FUZZ-DEEP-NESTING-MARKER"
HUGE_DIGITS = "9" * 5000
DEEP_LEVELS = 10_000

ODD_STRINGS = (
    "",
    " ",
    "\n",
    "\t",
    "*",
    "null",
    "~",
    "0",
    "-1",
    "true",
    "no",
    "NaN",
    "0x1F",
    "1e400",
    "group:admin",
    "\u202eadmin",  # right-to-left override
    "admin\u200b",  # zero-width space
    "a\u0301dmin",  # combining accent
    "\U0001f600",
    "\x00",
    "\x1b[31mred",
    "\\",
    '"',
    "'",
    "a: b",
    "- x",
    "{x}",
    "${aws:username}",
    "é",
    "管理者",
)

hostile_scalars: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(ODD_STRINGS),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and infinities included: JSON writes them as bare tokens
    st.text(max_size=12),
    st.just(HUGE_INT),
    st.just(LONE_SURROGATE),
)
hostile_values: st.SearchStrategy[Any] = st.one_of(
    hostile_scalars,
    st.just([]),
    st.just({}),
    st.lists(hostile_scalars, max_size=3),
    st.dictionaries(st.sampled_from(ODD_STRINGS[:12]), hostile_scalars, max_size=2),
    st.just(DEEP),
)
GROWN_SIZES = (2, 300, 10_000)
GROWN_BYTES = 2_000_000


def paths(node: Any, here: Path = ()) -> Iterator[Path]:
    """Every path below the root, parents before children."""
    items: Any = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in items:
        yield (*here, key)
        yield from paths(child, (*here, key))


def get(node: Any, path: Path) -> Any:
    for part in path:
        node = node[part]
    return node


def put(node: Any, path: Path, value: Any) -> None:
    get(node, path[:-1])[path[-1]] = value


def delete(node: Any, path: Path) -> None:
    del get(node, path[:-1])[path[-1]]


@st.composite
def tree_mutation(draw: st.DrawFn, doc: Any) -> str:
    """Change `doc` in place somewhere; return what was done, in words."""
    where = list(paths(doc))
    if not where:
        return "nothing to mutate"
    path = draw(st.sampled_from(where))
    value = get(doc, path)
    shown = dotted(path)
    op = draw(st.sampled_from(("replace", "delete", "add-key", "wrap", "text", "grow")))
    if op == "replace":
        new = draw(hostile_values)
        put(doc, path, new)
        return f"{shown} = {_brief(new)}"
    if op == "delete":
        delete(doc, path)
        return f"delete {shown}"
    if op == "add-key" and isinstance(value, dict):
        key = draw(st.one_of(st.sampled_from(ODD_STRINGS), st.text(min_size=1, max_size=10)))
        new = draw(hostile_values)
        value[key] = new
        return f"{shown}[{key!r}] = {_brief(new)}"
    if op == "wrap":
        new = [value] if draw(st.booleans()) else {"value": value}
        put(doc, path, new)
        return f"{shown} wrapped in a {type(new).__name__}"
    if op == "text" and isinstance(value, str):
        new = draw(
            st.sampled_from(
                (value.lower(), value.upper(), f" {value}", f"{value}\n", value * 2, value[:-1])
            )
        )
        put(doc, path, new)
        return f"{shown} = {new!r}"
    if op == "grow" and isinstance(value, list | str) and value:
        # Huge, but not so huge that writing the file is the test: at most ~2 MB grown.
        size = len(json.dumps(value, default=str))
        times = min(draw(st.sampled_from(GROWN_SIZES)), max(2, GROWN_BYTES // size))
        put(doc, path, value * times)
        return f"{shown} repeated {times} times"
    new = draw(hostile_scalars)  # the op does not fit this value: replace it instead
    put(doc, path, new)
    return f"{shown} = {_brief(new)}"


@st.composite
def mutated(draw: st.DrawFn, doc: Any, max_mutations: int = 3) -> tuple[Any, tuple[str, ...]]:
    """A damaged deep copy of `doc` and what was done to it."""
    copied = copy.deepcopy(doc)
    count = draw(st.integers(min_value=1, max_value=max_mutations))
    return copied, tuple(draw(tree_mutation(copied)) for _ in range(count))


def serialize(doc: Any, syntax: Syntax, *, unicode: bool = True) -> bytes:
    """`doc` as YAML or JSON text, markers swapped for what no serializer writes."""
    if syntax == "json":
        text = json.dumps(doc, indent=1, ensure_ascii=not unicode)
        text = text.replace(f'"{HUGE_INT}"', HUGE_DIGITS)
        text = text.replace(LONE_SURROGATE, "\\ud800")
        text = text.replace(f'"{DEEP}"', "[" * DEEP_LEVELS + "]" * DEEP_LEVELS)
    else:
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=unicode, width=10**9)
        text = text.replace(HUGE_INT, HUGE_DIGITS)
        text = text.replace(LONE_SURROGATE, '"\\ud800"')
        text = text.replace(DEEP, "[" * DEEP_LEVELS + "]" * DEEP_LEVELS)
    return text.encode("utf-8", errors="surrogatepass")


def dotted(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _brief(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:50] + f"...({len(shown)} chars)"


# --- whole files -------------------------------------------------------------------------

BILLION_LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)),
        "version: 1",
        "user_pool: {id: us-east-1_x}",
        "identity_pool: {id: 'us-east-1:x'}",
        "public_routes: *i",
        "",
    ]
)

# Whole-file damage that no reader can accept: (name, bytes from the valid text).
UNREADABLE_FILES: tuple[tuple[str, Any], ...] = (
    ("empty file", lambda text: b""),
    ("only whitespace", lambda text: b" \n\t\n"),
    ("NUL bytes", lambda text: b"\x00" * 64),
    ("binary", lambda text: bytes(range(256)) * 4),
    ("JSON nested 10,000 deep", lambda text: b"[" * DEEP_LEVELS + b"]" * DEEP_LEVELS),
    (
        "JSON objects nested 10,000 deep",
        lambda text: b'{"a":' * DEEP_LEVELS + b"1" + b"}" * DEEP_LEVELS,
    ),
    ("YAML flow nested 100,000 deep", lambda text: b"[" * 100_000 + b"]" * 100_000),
    (
        "YAML block mappings nested 3,000 deep",
        lambda text: "".join(f"{' ' * i}a:\n" for i in range(3000)).encode(),
    ),
    ("a JSON list", lambda text: b"[1, 2, 3]"),
    ("a scalar", lambda text: b"42\n"),
    ("null", lambda text: b"null\n"),
    (
        "Latin-1 bytes",
        lambda text: text.encode("utf-8") + "# caf\u00e9 \u00e9t\u00e9\n".encode("latin-1"),
    ),
    ("cut in half", lambda text: text.encode()[: len(text) // 2] + b"\xe2"),
    ("a Python object tag", lambda text: b'!!python/object/apply:os.system ["echo pwned"]\n'),
)
# Whole-file variants a reader may accept or refuse (never crash on).
ODD_FILES: tuple[tuple[str, Any], ...] = (
    ("UTF-16 with BOM", lambda text: text.encode("utf-16")),
    ("UTF-16-LE without BOM", lambda text: text.encode("utf-16-le")),
    ("UTF-8 BOM", lambda text: b"\xef\xbb\xbf" + text.encode()),
    ("CRLF line ends", lambda text: text.replace("\n", "\r\n").encode()),
    ("trailing NUL", lambda text: text.encode() + b"\x00"),
    ("YAML document end and a second document", lambda text: text.encode() + b"\n---\nx: 1\n"),
    ("tabs for indentation", lambda text: text.replace("  ", "\t").encode()),
    (
        "a lone surrogate escaped",
        lambda text: text.replace('"Allow"', '"\\udc80Allow"', 1).encode(),
    ),
)


@st.composite
def duplicate_key(draw: st.DrawFn, doc: dict[str, Any], syntax: Syntax) -> tuple[bytes, str]:
    """`doc` with one of its top-level keys written a second time."""
    key = draw(st.sampled_from(sorted(doc)))
    text = serialize(doc, syntax).decode("utf-8", errors="surrogatepass")
    again = {key: doc[key]}
    if syntax == "json":
        extra = json.dumps(again)[1:-1]
        text = text.rstrip()[:-1] + f", {extra}}}\n"
    else:
        text += yaml.safe_dump(again, sort_keys=False)
    return text.encode("utf-8", errors="surrogatepass"), f"top-level key {key!r} written twice"
