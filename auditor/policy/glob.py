"""Wildcard matching for ARNs, actions and StringLike values.

ARN patterns (IAM Resource element,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html):
`*` matches any run of characters and `?` exactly one, within each colon-separated segment;
a `*` that ends a segment may run on past the colon. The sixth segment (the resource part)
is the rest of the ARN, colons and slashes included, so a `*` there matches anything.
Every other character is literal: patterns become token lists, never regex source.

Regexes are built so that a match takes time linear in the input, whatever the wildcards
(`.*a.*a.*a...c` would backtrack exponentially): between two stars, the fixed-width chunk is
matched at its leftmost place and kept (an atomic group), and only the last star backtracks.
Leftmost is enough: a later place of the chunk leaves the next star less to take, never more
(see tokens_regex).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING

from .variables import Literal, Part, Text, Var

if TYPE_CHECKING:
    from .cache import PolicyCache

# Token kinds and character classes, shared with the automata (automata.py, role_automaton.py).
LIT, ONE, STAR = 0, 1, 2
ANY, NOCOLON, NOSLASH = 0, 1, 2
Token = tuple[int, str | int]

_RESOURCE_SEGMENT = 5  # segments 0..4 are arn, partition, service, region, account
_UNKNOWN = object()  # stands for a variable whose value is unknown


def arn_tokens(parts: Sequence[Part | str | None], cache: PolicyCache) -> list[Token]:
    """Tokens of an ARN pattern.

    `parts` holds Text (wildcards active), Literal or plain str (substituted values, literal),
    and None for a variable whose value is unknown: it may be any string, so it becomes `*`.
    """
    if len(parts) == 1 and isinstance(parts[0], Text):
        text = parts[0].value  # the common case, cached
        hit = cache.text_tokens.get(text)
        if hit is None:
            hit = cache.text_tokens.keep(text, _text_tokens(text))
        return list(hit)
    chars: list[tuple[str, bool] | object] = []  # (char, wildcard-capable) or _UNKNOWN
    for part in parts:
        if part is None or isinstance(part, Var):
            chars.append(_UNKNOWN)
        elif isinstance(part, Text):
            chars.extend((c, True) for c in part.value)
        else:
            value = part.value if isinstance(part, Literal) else part
            chars.extend((c, False) for c in value)
    tokens: list[Token] = []
    segment = 0
    for i, item in enumerate(chars):
        if item is _UNKNOWN:
            tokens.append((STAR, ANY))
            continue
        assert isinstance(item, tuple)
        char, wild = item
        in_resource = segment >= _RESOURCE_SEGMENT
        if wild and char == "*":
            nxt = chars[i + 1] if i + 1 < len(chars) else None
            ends_segment = nxt is None or (isinstance(nxt, tuple) and nxt[0] == ":")
            tokens.append((STAR, ANY if in_resource or ends_segment else NOCOLON))
        elif wild and char == "?":
            tokens.append((ONE, ANY if in_resource else NOCOLON))
        else:
            tokens.append((LIT, char))
            if char == ":":
                segment += 1
    return tokens


def _text_tokens(text: str, segment: int = 0) -> tuple[Token, ...]:
    """arn_tokens of one Text part (same rules, without the general bookkeeping), or of the
    end of one, after `segment` colons. Literal runs are taken whole: patterns are mostly
    literal, and this is what a role's first route question spends on each."""
    tokens: list[Token] = []
    last = len(text) - 1
    start = 0
    for found in _WILDCARD.finditer(text):
        i = found.start()
        run = text[start:i]
        tokens += zip(itertools.repeat(LIT), run)
        segment += run.count(":")
        if text[i] == "*":
            ends_segment = i == last or text[i + 1] == ":"
            wide = segment >= _RESOURCE_SEGMENT or ends_segment
            tokens.append((STAR, ANY if wide else NOCOLON))
        else:
            tokens.append((ONE, ANY if segment >= _RESOURCE_SEGMENT else NOCOLON))
        start = i + 1
    tokens += zip(itertools.repeat(LIT), text[start:])
    return tuple(tokens)


_WILDCARD = re.compile(r"[*?]")


_CLASS_RE = {ANY: ".", NOCOLON: "[^:]", NOSLASH: "[^/]"}


def tokens_regex(tokens: Sequence[Token]) -> str:
    """A regex for fullmatch, linear in its input (module doc): `C0 (?>S1*?C1) ... Sn*Cn`
    (with two stars or fewer, plain `C0 S1*C1 S2*C2`: quadratic at worst).

    Chunks C are the fixed-width runs between stars, S the star classes (a run of stars is
    one star, of class ANY if any is). Committing to the leftmost place of a middle chunk
    loses no match: if the pattern matches with the chunk at a later place j', then from the
    leftmost place j the next star can also take what lies up to j' (for ANY, anything; for a
    not-colon star, the characters up to j' had no colon for the star before the chunk, and a
    chunk holding a colon has one place only, the one that puts it on the first colon).
    Classes other than ANY and not-colon never share a run (arn_tokens makes neither).
    """
    chunks: list[str] = []  # chunks[0] before the first star, chunks[i] after star i
    colons: list[bool] = []  # whether chunks[i] can match a colon
    stars: list[int] = []  # the class of each run of stars
    current: list[str] = []
    literal: list[str] = []  # literal characters not yet escaped: one re.escape per run
    colon = False
    after_star = False
    for kind, arg in tokens:
        if kind == LIT:
            assert isinstance(arg, str)
            literal.append(arg)
            colon = colon or arg == ":"
            after_star = False
            continue
        if literal:
            current.append(re.escape("".join(literal)))
            literal = []
        if kind == STAR:
            assert isinstance(arg, int)
            if after_star:  # one run of stars
                assert ANY in (stars[-1], arg) or stars[-1] == arg
                stars[-1] = ANY if ANY in (stars[-1], arg) else arg
                continue
            chunks.append("".join(current))
            colons.append(colon)
            current, colon = [], False
            stars.append(arg)
            after_star = True
            continue
        after_star = False
        assert isinstance(arg, int)
        current.append(_CLASS_RE[arg])
        colon = colon or arg == ANY
    if literal:
        current.append(re.escape("".join(literal)))
    chunks.append("".join(current))
    colons.append(colon)
    if not stars:
        return chunks[0]
    # Two stars backtrack at most quadratically, and re's own search is faster then.
    atomic = len(stars) > 2
    out = [chunks[0]]
    middles = zip(stars[:-1], chunks[1:-1], colons[1:-1], stars[1:], strict=True)
    for cls, chunk, chunk_colon, following in middles:
        # Before a not-colon star the exchange needs the text between the two places of the
        # chunk, and the chunk's own text, to be colon-free: so the star before must stop at
        # colons and the chunk must not match one. Other chunks backtrack; not-colon stars
        # only occur in an ARN's region and account, so there are few of them.
        commit = atomic and (following == ANY or (cls == NOCOLON and not chunk_colon))
        template = "(?>{}*?{})" if commit else "{}*{}"
        out.append(template.format(_CLASS_RE[cls], chunk))
    out.append(f"{_CLASS_RE[stars[-1]]}*{chunks[-1]}")
    return "".join(out)


def compile_regex(source: str, cache: PolicyCache, ignore_case: bool = False) -> re.Pattern[str]:
    hit = cache.regexes.get((source, ignore_case))
    if hit is None:
        flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
        hit = cache.regexes.keep((source, ignore_case), re.compile(source, flags))
    return hit


def _arn_key(parts: Sequence[Part | str | None]) -> Hashable:
    """An ARN pattern's parts as written: the text of a lone Text part, else their tuple."""
    return parts[0].value if len(parts) == 1 and isinstance(parts[0], Text) else ("arn", *parts)


def arn_split(parts: Sequence[Part | str | None], cache: PolicyCache) -> tuple[str, str]:
    """An ARN pattern as its literal lead (up to its first wildcard, unescaped) and the regex
    source of the rest: `re.escape(lead) + rest` is its tokens_regex. Kept by its parts as
    written, since tokens and escaping cost more than a match."""
    key = _arn_key(parts)
    hit = cache.splits.get(key)
    if hit is None:
        if isinstance(key, str):  # one Text part: only what follows the lead is tokenised
            cut = min((i for i in (key.find("*"), key.find("?")) if i >= 0), default=len(key))
            lead, rest = key[:cut], _text_tokens(key[cut:], key.count(":", 0, cut))
        else:
            tokens = arn_tokens(parts, cache)
            n = 0
            while n < len(tokens) and tokens[n][0] == LIT:
                n += 1
            lead, rest = "".join(str(arg) for _, arg in tokens[:n]), tuple(tokens[n:])
        hit = cache.splits.keep(key, (lead, tokens_regex(rest)))
    return hit


def arn_matcher(parts: Sequence[Part | str | None], cache: PolicyCache) -> re.Pattern[str]:
    """The regex of an ARN pattern, kept by its parts as written (see arn_split)."""
    key = _arn_key(parts)
    hit = cache.matchers.get(key)
    if hit is None:
        lead, rest = arn_split(parts, cache)
        hit = cache.matchers.keep(key, compile_regex(re.escape(lead) + rest, cache))
    return hit


# Past this many nested groups a merged regex lists its alternatives flat: re's parser
# recurses per group, and a chain of leads each extending the last would nest one per pattern.
_MAX_TRIE_DEPTH = 32


def merged_matcher(splits: Iterable[tuple[str, str]], cache: PolicyCache) -> re.Pattern[str]:
    """One regex that fully matches what any of the patterns (arn_split pairs) does.

    Their literal leads are merged into a trie, so that the ARN prefix most patterns share
    is parsed once when compiling and read once when matching: compiling the regex is
    most of what a role costs the first time it is asked about.
    """
    return compile_regex(_trie(sorted(set(splits)), 0), cache)


def _shared_start(a: str, b: str) -> int:
    """How many characters `a` and `b` share at their start (a binary search of slices)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _trie(splits: list[tuple[str, str]], depth: int) -> str:
    """The alternation of sorted, distinct (lead, rest) pairs, common lead prefixes once."""
    if len(splits) == 1:
        lead, rest = splits[0]
        return re.escape(lead) + rest
    if depth >= _MAX_TRIE_DEPTH:
        return "(?:" + "|".join(re.escape(lead) + rest for lead, rest in splits) + ")"
    # Of sorted leads, the first and last share the prefix common to all.
    common = _shared_start(splits[0][0], splits[-1][0])
    branches = [rest for lead, rest in splits if len(lead) == common]  # sorted first
    if ".*" in branches:  # the common prefix, then anything: covers every other branch
        return re.escape(splits[0][0][:common]) + ".*"
    longer = [(lead[common:], rest) for lead, rest in splits[len(branches) :]]
    for _, group in itertools.groupby(longer, key=lambda split: split[0][0]):
        branches.append(_trie(list(group), depth + 1))
    return re.escape(splits[0][0][:common]) + "(?:" + "|".join(branches) + ")"


def _simple_tokens(pattern: str) -> list[Token]:
    return [
        (STAR, ANY) if char == "*" else (ONE, ANY) if char == "?" else (LIT, char)
        for char in pattern
    ]


def simple_glob_regex(pattern: str) -> str:
    """`*` = any run, `?` = one character, everything else literal (StringLike, actions)."""
    return tokens_regex(_simple_tokens(pattern))


def actions_matcher(patterns: Sequence[str], cache: PolicyCache) -> re.Pattern[str]:
    """One case-insensitive matcher for a statement's Action list (action names ignore case)."""
    key = tuple(patterns)
    hit = cache.action_matchers.get(key)  # every role repeats the same few Action lists
    if hit is None:
        hit = cache.action_matchers.keep(key, compile_regex(_actions_source(key), cache, True))
    return hit


def names_action(patterns: Sequence[str], action: str) -> bool:
    """Whether an Action list names `action`, without a cache: for one-pass questions about
    a policy (risks, trust) rather than evaluations."""
    return re.fullmatch(_actions_source(patterns), action, re.DOTALL | re.IGNORECASE) is not None


def _actions_source(patterns: Sequence[str]) -> str:
    return "|".join(f"(?:{simple_glob_regex(p)})" for p in patterns)


def string_like(pattern_parts: Sequence[Part | str], value: str, cache: PolicyCache) -> bool:
    """StringLike with a pattern whose variables are already substituted."""
    key = ("like", *pattern_parts)
    regex = cache.matchers.get(key)
    if regex is None:
        tokens: list[Token] = []
        for part in pattern_parts:
            if isinstance(part, Text):
                tokens += _simple_tokens(part.value)
            else:
                assert not isinstance(part, Var)
                tokens += ((LIT, c) for c in (part.value if isinstance(part, Literal) else part))
        regex = cache.matchers.keep(key, compile_regex(tokens_regex(tokens), cache))
    return regex.fullmatch(value) is not None


def arn_like(pattern_parts: Sequence[Part | str], value: str, cache: PolicyCache) -> bool:
    """ArnLike / ArnEquals: the six colon-delimited parts are matched one by one.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
    """
    key = tuple(pattern_parts)
    regexes = cache.arn_likes.get(key)
    if regexes is None:
        regexes = cache.arn_likes.keep(key, _arn_like_segments(pattern_parts, cache))
    have = value.split(":", 5)
    if len(have) != len(regexes):
        return False
    return all(regex.fullmatch(got) is not None for got, regex in zip(have, regexes, strict=True))


def _arn_like_segments(
    pattern_parts: Sequence[Part | str], cache: PolicyCache
) -> tuple[re.Pattern[str], ...]:
    """One regex per colon-delimited part of an ArnLike pattern (six at most)."""
    chars: list[tuple[str, bool]] = []  # (char, wildcard-capable)
    for part in pattern_parts:
        if isinstance(part, Text):
            chars.extend((c, True) for c in part.value)
        elif not isinstance(part, Var):
            chars.extend((c, False) for c in (part.value if isinstance(part, Literal) else part))
    segments: list[list[Token]] = [[]]
    for char, wild in chars:
        if char == ":" and len(segments) < 6:
            segments.append([])
        elif wild and char in "*?":
            segments[-1].append((STAR, ANY) if char == "*" else (ONE, ANY))
        else:
            segments[-1].append((LIT, char))
    return tuple(compile_regex(tokens_regex(seg), cache) for seg in segments)
