"""Rules-mapping rules and what a token is known to carry (AWS-FACTS §2, §9).

A persona stands for a set of tokens: a member of exactly some groups, or a user whose token
satisfies one claim rule. Matching a rule against that set gives True (every such token
matches), False (none does) or None (it depends on a claim the persona does not pin down:
the tokens that match form another persona, the one of that rule).
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.model.snapshot import MappingRule

GROUPS_CLAIM = "cognito:groups"


@dataclass(frozen=True)
class Token:
    """What every token of a persona carries: its groups, and at most one claim rule that the
    token satisfies (claim personas)."""

    groups: tuple[str, ...] = ()
    claim: MappingRule | None = None


def claim_key(rule: MappingRule) -> str:
    """`custom:tier Equals gold`: the baseline's `claims:` key and the persona's name after
    `claim:`."""
    return f"{rule.claim} {rule.match_type} {rule.value}"


def is_claim_rule(rule: MappingRule) -> bool:
    return rule.claim != GROUPS_CLAIM


def rule_matches(rule: MappingRule, token: Token) -> bool | None:
    """Does `rule` match every token of the persona (True), none (False), or some (None)?"""
    if rule.claim == GROUPS_CLAIM:
        return _groups_match(rule, token.groups)
    if token.claim is None or token.claim.claim != rule.claim:
        return None  # a claim this persona says nothing about
    return _implies(token.claim, rule)


def _groups_match(rule: MappingRule, groups: tuple[str, ...]) -> bool:
    if not groups:  # a missing claim never matches; NotEqual is not evaluated on it
        return False
    if rule.match_type == "Equals":
        return any(g == rule.value for g in groups)
    if rule.match_type == "Contains":
        return any(rule.value in g for g in groups)
    if rule.match_type == "StartsWith":
        return any(g.startswith(rule.value) for g in groups)
    return all(g != rule.value for g in groups)  # NotEqual


def value_matches(rule: MappingRule, value: str) -> bool:
    """One concrete claim value against a rule on that claim."""
    if rule.match_type == "Equals":
        return value == rule.value
    if rule.match_type == "Contains":
        return rule.value in value
    if rule.match_type == "StartsWith":
        return value.startswith(rule.value)
    return value != rule.value


def _implies(known: MappingRule, rule: MappingRule) -> bool | None:
    """Every value satisfying `known` satisfies `rule` (True), none does (False), or it depends
    (None). Both rules are on the same claim, whose value is present (a rule never matches a
    missing claim)."""
    kind, v = known.match_type, known.value
    other, w = rule.match_type, rule.value
    if kind == "Equals":
        return value_matches(rule, v)
    if kind == "StartsWith":  # values v + anything
        if other == "StartsWith":
            return True if v.startswith(w) else (None if w.startswith(v) else False)
        if other == "Equals":
            return None if w.startswith(v) else False
        if other == "Contains":
            return True if w in v else None
        return True if not w.startswith(v) else None  # NotEqual
    if kind == "Contains":  # values with v inside
        if other == "Contains":
            return True if w in v else None
        if other == "Equals":
            return None if v in w else False
        if other == "NotEqual":
            return True if v not in w else None
        return None  # StartsWith
    # NotEqual: any present value but v
    if other == "NotEqual":
        return True if w == v else None
    if other == "Equals":
        return False if w == v else None
    return None


def together(rules: list[MappingRule], groups: list[str]) -> list[tuple[str, ...]]:
    """Sets of two or more groups whose members reach a rule that no single group reaches
    first: a `cognito:groups NotEqual v` rule is passed by every member of a group other than
    `v`, so only a member of `v` and of another group gets past it to the rules below. One set
    per (rule, group): the group, plus the value of every NotEqual rule above the rule.
    Whether the set really reaches the rule is for the resolution to say."""
    live = set(groups)
    found: dict[tuple[str, ...], None] = {}  # in order, without the list's quadratic lookups
    for index, rule in enumerate(rules):
        if rule.claim != GROUPS_CLAIM:
            continue
        above = [r for r in rules[:index] if r.claim == GROUPS_CLAIM]
        needed = {r.value for r in above if r.match_type == "NotEqual"}
        if not needed or not needed <= live:
            continue  # no NotEqual to get past, or one nobody can fail (no such group)
        for group in sorted(live - needed):
            found.setdefault(tuple(sorted(needed | {group})))
    return list(found)
