"""Accepted risk (CONTRACT §6.2): which findings an `accepted:` entry matches, until when, and
how a bad entry is told (a typo in a rule id would otherwise silently accept nothing)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from auditor.audit.catalog import load_catalog
from auditor.model.accepted import (
    AcceptanceReview,
    AcceptedRisk,
    apply_acceptance,
    matched_entries,
)
from auditor.model.baseline_file import baseline_schema, check_baseline_file, load_baseline
from auditor.model.errors import InputError
from auditor.model.findings import Acceptance, Finding, Severity

ROLE = "arn:aws:iam::123456789012:role/legacy-app"
HEAD = """version: 1
user_pool: {id: us-east-1_AbCdEf012}
identity_pool: {id: "us-east-1:0d3a1c2b-7e4f-4a5b-9c8d-1e2f3a4b5c6d"}
"""


def _finding(
    rule: str = "excess-route",
    *,
    persona: str | None = "group:legacy",
    route: str | None = "GET /legacy/items",
    resource: str = ROLE,
) -> Finding:
    return Finding(
        rule_id=rule,
        severity=Severity.HIGH,
        title="t",
        message="m",
        resource=resource,
        persona=persona,
        route=route,
        remediation="r",
        fingerprint=f"{rule}|{persona}|{route}|{resource}",
    )


def _entry(**fields: str) -> AcceptedRisk:
    return AcceptedRisk.model_validate({"rule": "excess-route", "reason": "legacy", **fields})


@pytest.mark.parametrize(
    ("fields", "matches"),
    [
        ({}, True),  # the rule alone: every finding of it
        ({"rule": "missing-route"}, False),
        ({"persona": "group:legacy"}, True),
        ({"persona": "group:leg*"}, True),
        ({"persona": "group:Legacy"}, False),  # case-sensitive on every platform
        ({"persona": "group:other"}, False),
        ({"route": "GET /legacy/*"}, True),
        ({"route": "* /legacy/*"}, True),
        ({"route": "POST /legacy/*"}, False),
        ({"resource": "arn:aws:iam::*:role/legacy-*"}, True),
        ({"resource": "arn:aws:iam::*:role/other-*"}, False),
        ({"persona": "group:legacy", "route": "GET /other"}, False),  # every field narrows
        ({"persona": "group:legacy", "route": "GET /legacy/items", "resource": ROLE}, True),
        ({"route": "GET /legacy/item?"}, True),
    ],
)
def test_an_entry_matches_by_rule_and_patterns(fields: dict[str, str], matches: bool) -> None:
    assert _entry(**fields).matches(_finding()) is matches


def test_a_finding_without_the_field_an_entry_names_is_not_matched() -> None:
    route_finding = _finding("route-not-iam", persona=None)
    assert not _entry(rule="route-not-iam", persona="*").matches(route_finding)
    assert _entry(rule="route-not-iam", route="GET /legacy/*").matches(route_finding)


@pytest.mark.parametrize(
    ("today", "accepted"),
    [
        (date(2026, 1, 30), True),
        (date(2026, 1, 31), True),  # valid through its expiry day
        (date(2026, 2, 1), False),
        (date(2027, 1, 1), False),
    ],
)
def test_an_entry_accepts_through_its_expiry_day(today: date, accepted: bool) -> None:
    entry = _entry(expires="2026-01-31")
    [marked] = apply_acceptance([_finding()], [entry], today)
    expected = Acceptance(reason="legacy", expires="2026-01-31") if accepted else None
    assert marked.accepted == expected
    assert marked.counts is not accepted
    assert entry.expired(today) is not accepted


def test_the_first_matching_entry_gives_the_reason_and_others_are_untouched() -> None:
    entries = [
        _entry(persona="group:other", reason="not this"),
        _entry(persona="group:*", reason="first"),
        _entry(reason="second"),
    ]
    kept = _finding("missing-route")
    marked, untouched = apply_acceptance([_finding(), kept], entries, date(2026, 1, 1))
    assert marked.accepted == Acceptance(reason="first")
    assert untouched is kept
    # The shadowed entry still matches: it is not "unused".
    assert matched_entries([marked, untouched], entries) == {1, 2}


def test_an_expired_entry_gives_way_to_a_later_live_one() -> None:
    entries = [_entry(reason="old", expires="2025-12-31"), _entry(reason="renewed")]
    [marked] = apply_acceptance([_finding()], entries, date(2026, 1, 1))
    assert marked.accepted == Acceptance(reason="renewed")


def test_review_lists_expired_and_unused_entries_once_each_in_file_order() -> None:
    entries = [
        _entry(reason="used"),
        _entry(rule="ambiguous-precedence", persona="group:a*", expires="2025-06-30"),
        _entry(rule="trust-missing-aud"),
        _entry(rule="missing-route", expires="2025-01-01"),  # expired and unused: expired
    ]
    review = AcceptanceReview.of("b.yaml", entries, date(2026, 1, 1), [_finding()])
    assert review.lines() == [
        "b.yaml: accepted[1]: ambiguous-precedence, persona group:a* expired on 2025-06-30; "
        "it accepts nothing now",
        "b.yaml: accepted[2]: trust-missing-aud matches no finding; remove it or fix its patterns",
        "b.yaml: accepted[3]: missing-route expired on 2025-01-01; it accepts nothing now",
    ]
    # Without an audit no entry can be called unused.
    assert AcceptanceReview.of("b.yaml", entries, date(2026, 1, 1)).unused == ()


def test_the_schema_lists_exactly_the_catalogs_rules() -> None:
    rule = baseline_schema()["properties"]["accepted"]["items"]["properties"]["rule"]
    assert sorted(rule["enum"]) == sorted(load_catalog())


@pytest.mark.parametrize("written", ["2026-03-01", "'2026-03-01'", '"2026-03-01"'])
def test_an_expiry_reads_the_same_quoted_or_not(tmp_path: Path, written: str) -> None:
    file = tmp_path / "b.yaml"
    file.write_text(
        HEAD + f"accepted:\n  - {{rule: trust-missing-aud, reason: x, expires: {written}}}\n"
    )
    [entry] = load_baseline(file).accepted
    assert entry.expires == date(2026, 3, 1)


@pytest.mark.parametrize("written", ["null", "~"])
def test_a_null_expiry_is_no_expiry(tmp_path: Path, written: str) -> None:
    file = tmp_path / "b.yaml"
    file.write_text(
        HEAD + f"accepted:\n  - {{rule: trust-missing-aud, reason: x, expires: {written}}}\n"
    )
    problems, _ = check_baseline_file(file)
    assert problems == []
    [entry] = load_baseline(file).accepted
    assert entry.expires is None and not entry.expired(date(9999, 12, 31))


def test_a_json_baseline_takes_accepted_entries(tmp_path: Path) -> None:
    file = tmp_path / "b.json"
    file.write_text(
        '{"version": 1, "user_pool": {"id": "us-east-1_AbCdEf012"}, "identity_pool": '
        '{"id": "us-east-1:0d3a"}, "accepted": [{"rule": "excess-route", "route": "GET /x", '
        '"reason": "ok", "expires": "2030-01-01"}]}'
    )
    [entry] = load_baseline(file).accepted
    assert (entry.rule, entry.route, entry.expires) == ("excess-route", "GET /x", date(2030, 1, 1))


@pytest.mark.parametrize(
    ("entry", "path", "message"),
    [
        (
            "{rule: trust-missng-aud, reason: x}",
            "accepted[0].rule",
            "'trust-missng-aud' is not a rule id; did you mean 'trust-missing-aud'?",
        ),
        (
            "{rule: no-such-thing-at-all, reason: x}",
            "accepted[0].rule",
            "'no-such-thing-at-all' is not a rule id; `auditor rules` lists them",
        ),
        (
            "{rule: trust-missing-aud, reason: x, expires: 2026-02-30}",
            "accepted[0].expires",
            "'2026-02-30' is not a day of the calendar (YYYY-MM-DD)",
        ),
        (
            "{rule: trust-missing-aud, reason: x, expires: '2026-02-30'}",
            "accepted[0].expires",
            "'2026-02-30' is not a day of the calendar (YYYY-MM-DD)",
        ),
        (
            "{rule: trust-missing-aud, reason: x, expires: 31/12/2026}",
            "accepted[0].expires",
            "'31/12/2026' is not a date like 2026-12-31 (YYYY-MM-DD, quoted or not)",
        ),
        (
            "{rule: trust-missing-aud, reason: '  '}",
            "accepted[0].reason",
            "must say why the risk is accepted, not be blank",
        ),
        ("{rule: trust-missing-aud}", "accepted[0]", "'reason' is required"),
        (
            "{rule: trust-missing-aud, reason: x, persona: ''}",
            "accepted[0].persona",
            "must not be empty",
        ),
        (
            "{rule: trust-missing-aud, reason: x, reasons: y}",
            "accepted[0].reasons",
            "unknown key 'reasons'; did you mean 'reason'?",
        ),
    ],
)
def test_a_bad_entry_is_one_problem_naming_its_field(
    tmp_path: Path, entry: str, path: str, message: str
) -> None:
    file = tmp_path / "b.yaml"
    file.write_text(HEAD + f"accepted:\n  - {entry}\n")
    problems, baseline = check_baseline_file(file)
    assert baseline is None
    assert [(p.path, p.message) for p in problems] == [(path, message)]
    with pytest.raises(InputError) as caught:
        load_baseline(file)
    assert str(caught.value) == f"{file}: {path}: {message}"
