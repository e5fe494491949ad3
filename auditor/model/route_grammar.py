"""The grammar of API Gateway routes, written once: as regular expressions (the baseline
schema's `routePattern` is ROUTE_PATTERN_REGEX, pinned by a test) and as checks that say
which part of a text is wrong.

A path template (REST resource path, HTTP API route path) starts with '/'; its segments are
non-empty (no '//', no trailing '/', except the root '/'); a parameter is a whole segment
`{name}`, a greedy `{name+}` only the last one. A literal segment is made of the characters
RFC 3986 allows in a path segment (unreserved, sub-delims, ':', '@', '%' of a
percent-encoding) without '*': a superset of what AWS lets a REST path part hold
(`a-zA-Z0-9._-:`), and no whitespace, control character, '?', '#' or stray brace. The HTTP
API catch-all is `$default`. A baseline route pattern is `METHOD PATH`, or `$default`, where
METHOD is an HTTP verb, ANY or `*`, and PATH a template or a prefix ending in `/*`.

Every regex here means the same under ECMA-262 (JSON Schema validators in editors) and
Python's `re` (jsonschema): explicit ASCII classes instead of \\w or \\s, and `$(?!\\n)`
instead of `$`, which Python also matches before a final newline.
"""

from __future__ import annotations

import re

from auditor.model.http import DEFAULT_ROUTE, HTTP_METHODS

# The methods a live route has, and those a baseline pattern may name.
ROUTE_METHODS = (*HTTP_METHODS, "ANY")
PATTERN_METHODS = (*ROUTE_METHODS, "*")

# The end of the text, exactly, under both engines.
END = r"$(?!\n)"

_LITERAL_CHAR = r"[A-Za-z0-9._~!$&'()+,;=:@%-]"
_NAME_CHAR = r"[A-Za-z0-9._~!$&'(),;=:@%-]"  # a parameter's name: the same but '+'
_SEGMENT = rf"(?:{_LITERAL_CHAR}+|\{{{_NAME_CHAR}+\}})"
_GREEDY = rf"\{{{_NAME_CHAR}+\+\}}"
_TEMPLATE = rf"/|(?:/{_SEGMENT})*/(?:{_SEGMENT}|{_GREEDY})"
_BENEATH = rf"(?:/{_SEGMENT})*/\*"
_PATTERN_METHOD = "(?:" + "|".join(re.escape(m) for m in PATTERN_METHODS) + ")"

ROUTE_PATH_REGEX = rf"^(?:\$default|{_TEMPLATE}){END}"
ROUTE_PATTERN_REGEX = rf"^(?:\$default|{_PATTERN_METHOD} (?:{_TEMPLATE}|{_BENEATH})){END}"

# A stage name (API Gateway: letters, digits, '-' and '_', at most 128), or `$default`,
# the HTTP API stage served at the root of the URL.
STAGE_NAME_REGEX = rf"^(?:\$default|[A-Za-z0-9_-]{{1,128}}){END}"

# Length bounds, checked beside the grammar (the schema's maxLength, the snapshot's
# max_length): longer than any path AWS serves, short enough to refuse a megabyte at once.
MAX_PATH_LENGTH = 1024
MAX_PATTERN_LENGTH = len("OPTIONS ") + MAX_PATH_LENGTH

_TEMPLATE_RE = re.compile(_TEMPLATE)
_BENEATH_RE = re.compile(_BENEATH)
_LITERAL_RE = re.compile(rf"{_LITERAL_CHAR}+")
_NAME_RE = re.compile(rf"{_NAME_CHAR}+")
_STAGE_RE = re.compile(STAGE_NAME_REGEX)


def shown(value: str, limit: int = 60) -> str:
    """`value` quoted for a one-line message, cut short if long (a 1 MB name is not
    repeated back)."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value)} characters)"


def path_template_problem(path: str) -> str | None:
    """Why `path` is not an API Gateway path template, or None."""
    if _TEMPLATE_RE.fullmatch(path):
        return None
    return _path_problem(path, beneath=False)


def route_path_problem(path: str) -> str | None:
    """Why `path` is not a live route's path (a template, or `$default`), or None."""
    return None if path == DEFAULT_ROUTE else path_template_problem(path)


def route_pattern_problem(text: str) -> str | None:
    """Why `text` is not a baseline route pattern, or None: which part is wrong."""
    if text == DEFAULT_ROUTE:
        return None
    method, space, path = text.partition(" ")
    if not space or not method or not path or path.startswith(" "):
        return "expected 'METHOD PATH' separated by one space, or $default"
    if method not in PATTERN_METHODS:
        hint = " (methods are upper case)" if method.upper() in PATTERN_METHODS else ""
        known = ", ".join(PATTERN_METHODS)
        return f"unknown method {shown(method)}{hint}; expected one of {known}"
    if _TEMPLATE_RE.fullmatch(path) or _BENEATH_RE.fullmatch(path):
        return None
    return _path_problem(path, beneath=True)


def stage_name_problem(name: str) -> str | None:
    """Why `name` is not an API Gateway stage name, or None."""
    if _STAGE_RE.search(name):
        return None
    if not name:
        return "a stage name must not be empty"
    if len(name) > 128:
        return f"a stage name has at most 128 characters, not {len(name)}"
    return f"{shown(name)} is not a stage name (letters, digits, '-' and '_')"


def _path_problem(path: str, *, beneath: bool) -> str:
    """What is wrong with a path the regexes refused, segment by segment."""
    if not path.startswith("/"):
        return "a route path starts with '/'"
    star = beneath and path.endswith("/*")
    segments = (path[:-2] if star else path)[1:].split("/")
    if star and segments == [""]:
        segments = []  # '/*': everything beneath the root
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1 and not star  # '/*' follows the prefix's last
        problem = _segment_problem(segment, last=last, beneath=beneath)
        if problem is not None:
            return problem
    return f"{shown(path)} is not a path template"  # a safety net: each case is named above


def _segment_problem(segment: str, *, last: bool, beneath: bool) -> str | None:
    if not segment:
        return "a path must not end with '/'" if last else "a path has no empty segment ('//')"
    bad = next((c for c in segment if not _LITERAL_RE.fullmatch(c) and c not in "{}"), None)
    if bad is not None:
        return _character_problem(bad, beneath=beneath)
    if "{" not in segment and "}" not in segment:
        return None
    inner = segment[1:-1]
    if not (segment.startswith("{") and segment.endswith("}")) or "{" in inner or "}" in inner:
        return (
            f"segment {shown(segment)}: a parameter is a whole segment '{{name}}', "
            "without stray braces"
        )
    name = inner.removesuffix("+")
    if not name or not _NAME_RE.fullmatch(name):
        example = "as in '{id}' or '{proxy+}'"
        return f"segment {shown(segment)}: a parameter needs a name, {example}"
    if inner.endswith("+") and not last:
        return f"a greedy {segment} must be the last path segment"
    return None


def _character_problem(char: str, *, beneath: bool) -> str:
    if char == "*":
        return "'*' is only allowed as a final '/*'" if beneath else "a route path has no '*'"
    if char in "?#":
        return f"{char!r} is not allowed: a route path has no query string or fragment"
    if char.isspace():
        return f"the path must not contain whitespace ({char!r})"
    if not char.isprintable():
        return f"the path must not contain a control character (U+{ord(char):04X})"
    return f"{char!r} is not allowed in a path (see RFC 3986; percent-encode it)"
