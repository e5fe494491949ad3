"""Claim rules against what a persona's tokens are known to carry (auditor/audit/claims.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from auditor.audit.claims import Token, rule_matches, value_matches
from auditor.model.snapshot import MappingRule

# A tiny alphabet, so that prefixes, substrings and equal values come up often.
VALUES = st.text(alphabet="ab", min_size=1, max_size=4)
MATCH_TYPES = st.sampled_from(["Equals", "Contains", "StartsWith", "NotEqual"])


def rule(match_type: str, value: str) -> MappingRule:
    return MappingRule(
        claim="custom:tier",
        match_type=match_type,  # type: ignore[arg-type]
        value=value,
        role_arn="arn:aws:iam::123456789012:role/r",
    )


@given(MATCH_TYPES, VALUES, MATCH_TYPES, VALUES, st.lists(VALUES, min_size=1, max_size=30))
def test_what_a_claim_persona_matches_holds_for_every_token(
    known_type: str, known: str, other_type: str, other: str, samples: list[str]
) -> None:
    """True: every value satisfying the persona's rule satisfies the other; False: none does.
    None promises nothing (and is the safe answer: that rule is its own persona)."""
    persona, candidate = rule(known_type, known), rule(other_type, other)
    answer = rule_matches(candidate, Token(claim=persona))
    for value in [*samples, known, known + other, other + known, other]:
        if value_matches(persona, value) and answer is not None:
            assert value_matches(candidate, value) is answer, value


def test_the_answer_is_not_always_unknown() -> None:
    gold = Token(claim=rule("Equals", "gold"))
    assert rule_matches(rule("StartsWith", "go"), gold) is True
    assert rule_matches(rule("Equals", "silver"), gold) is False
    prefix = Token(claim=rule("StartsWith", "go"))
    assert rule_matches(rule("StartsWith", "g"), prefix) is True
    assert rule_matches(rule("Equals", "silver"), prefix) is False
    assert rule_matches(rule("Contains", "ol"), prefix) is None


def test_rules_on_other_claims_are_another_personas() -> None:
    other = MappingRule(claim="email", match_type="Equals", value="x", role_arn="r" * 20)
    assert rule_matches(other, Token(claim=rule("Equals", "gold"))) is None
    assert rule_matches(other, Token(groups=("admin",))) is None
