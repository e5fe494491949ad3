"""SARIF, JUnit and OCSF: each valid against its published schema (tests/schemas), and saying
what the report says: accepted findings suppressed / skipped, an incomplete run never clean."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema

from auditor.audit.catalog import get_rule, load_catalog
from auditor.model.findings import Acceptance, Finding, Severity
from auditor.model.report import (
    AUDITOR_SERVICE,
    SECURITY_HUB_SERVICE,
    SLACK_SERVICE,
    UNREAD_STAGE,
    Report,
    ReportError,
    Summary,
)
from auditor.report.render import render
from tests.support.ocsf_schema import SOURCES, class_schema
from tests.support.reports import (
    HOSTILE_GROUP,
    build_report,
    role_arn,
    sample_report,
    scaled_report,
)
from tests.support.reports import finding as a_finding

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


@cache
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


@cache
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "junit-windyroad.xsd"))


@cache
def ocsf_validator() -> jsonschema.Draft202012Validator:
    schema = class_schema("detection_finding", profiles=("cloud",))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def errors_of(validator: Any, document: Any) -> list[str]:
    return [f"{e.json_path}: {e.message[:200]}" for e in validator.iter_errors(document)]


def with_accepted(report: Report, index: int = 0) -> tuple[Report, Finding]:
    """`report` with its `index`-th finding accepted (as the baseline's `accepted:` would)."""
    accepted = report.findings[index].model_copy(
        update={
            "accepted": Acceptance(reason="legacy role, ticket SEC-12", expires="2030-01-01"),
            "first_seen": "2024-04-01T08:00:00+00:00",
            "last_seen": "2024-05-01T12:00:00+00:00",
        }
    )
    findings = [accepted if i == index else f for i, f in enumerate(report.findings)]
    return report.model_copy(
        update={"findings": findings, "summary": Summary.of(findings)}
    ), accepted


def hostile(report: Report) -> Report:
    """Names and messages no format may choke on: markup, control characters, a NUL."""
    first = report.findings[0].model_copy(
        update={"persona": f"group:{HOSTILE_GROUP}", "message": "bad\x00 \x1b[31m </x> & ]]>"}
    )
    return report.model_copy(update={"findings": [first, *report.findings[1:]]})


def open_routes() -> Report:
    """route-not-iam (high in the catalog) found critical (authorization NONE) and high."""
    return build_report(
        [
            a_finding("route-not-iam", route="GET /items", resource="a1b2c3d4e5/GET /items"),
            a_finding(
                "route-not-iam",
                route="DELETE /items/{id}",
                resource="a1b2c3d4e5/DELETE /items/{id}",
                severity=Severity.HIGH,
            ),
        ]
    )


AUDITOR_ERROR = ReportError(service=AUDITOR_SERVICE, operation=UNREAD_STAGE, message="prod")
UNDELIVERED = [
    ReportError(service=SLACK_SERVICE, operation="chat.postMessage", message="channel_not_found"),
    ReportError(service=SECURITY_HUB_SERVICE, operation="BatchImportFindings", message="denied"),
]


def undelivered(report: Report) -> Report:
    """`report` whose Slack alert and Security Hub import failed (its status unchanged)."""
    return report.model_copy(update={"errors": [*report.errors, *UNDELIVERED]})


REPORTS = {
    "sample": lambda: sample_report(),
    "incomplete": lambda: sample_report(incomplete=True),
    "accepted": lambda: with_accepted(sample_report())[0],
    "hostile": lambda: hostile(sample_report()),
    "empty": lambda: sample_report().model_copy(update={"findings": [], "summary": Summary.of([])}),
    "open-routes": open_routes,
    "undelivered": lambda: undelivered(sample_report()),
}


# --- SARIF -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPORTS)
def test_sarif_is_valid_sarif_2_1_0(name: str) -> None:
    document = json.loads(render(REPORTS[name](), "sarif", baseline=Path("baseline.yaml")))
    assert errors_of(sarif_validator(), document) == []


def test_sarif_has_a_rule_per_rule_used_and_a_result_per_finding() -> None:
    report = sample_report()
    run = json.loads(render(report, "sarif", baseline=Path("baseline.yaml")))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(dict.fromkeys(f.rule_id for f in report.findings))
    assert all(float(r["properties"]["security-severity"]) > 0 for r in rules)
    assert all(r["helpUri"].startswith("https://") for r in rules)
    results = run["results"]
    assert len(results) == len(report.findings)
    for result, finding in zip(results, report.findings, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding.rule_id
        assert result["partialFingerprints"] == {"auditorFingerprint/v1": finding.fingerprint}
        location = result["locations"][0]
        assert location["logicalLocations"][0]["name"] == finding.resource
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "baseline.yaml"
        assert "suppressions" not in result
    assert run["invocations"][0]["executionSuccessful"] is True


BANDS = {"critical": (9.0, 10.0), "high": (7.0, 8.9), "medium": (4.0, 6.9)}


def test_sarif_severity_follows_github_bands() -> None:
    # A rule ranks as its most severe finding (sample: a critical excess-route, high in the
    # catalog); each result as its own finding.
    report = sample_report()
    run = json.loads(render(report, "sarif"))["runs"][0]
    by_id = {
        r["id"]: float(r["properties"]["security-severity"]) for r in run["tool"]["driver"]["rules"]
    }
    worst = {
        rule_id: max(
            (f.severity for f in report.findings if f.rule_id == rule_id), key=lambda s: s.rank
        )
        for rule_id in by_id
    }
    assert worst["excess-route"] is Severity.CRITICAL
    for rule_id, score in by_id.items():
        low, high = BANDS.get(worst[rule_id].value, (0.1, 3.9))
        assert low <= score <= high, (rule_id, score)
    for result, found in zip(run["results"], report.findings, strict=True):
        low, high = BANDS.get(found.severity.value, (0.1, 3.9))
        assert low <= float(result["properties"]["security-severity"]) <= high, found.rule_id


def test_sarif_ranks_a_rule_by_its_most_severe_finding_not_the_catalog() -> None:
    report = open_routes()
    assert get_rule("route-not-iam").severity is Severity.HIGH  # else this proves nothing
    document = json.loads(render(report, "sarif"))
    assert errors_of(sarif_validator(), document) == []
    run = document["runs"][0]
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["properties"]["security-severity"] == "9.5"
    assert rule["defaultConfiguration"]["level"] == "error"
    scores = [r["properties"]["security-severity"] for r in run["results"]]
    assert scores == ["9.5", "8.0"]


def test_sarif_marks_an_accepted_finding_suppressed_with_its_reason() -> None:
    report, accepted = with_accepted(sample_report(), 2)
    results = json.loads(render(report, "sarif"))["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert len(suppressed) == 1
    assert suppressed[0]["partialFingerprints"]["auditorFingerprint/v1"] == accepted.fingerprint
    assert suppressed[0]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "legacy role, ticket SEC-12",
            "properties": {"expires": "2030-01-01"},
        }
    ]


def test_sarif_says_an_incomplete_run_did_not_succeed() -> None:
    report = sample_report(incomplete=True)
    invocation = json.loads(render(report, "sarif"))["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert len(texts) == len(report.errors) > 0
    assert all(
        f"{e.service} {e.operation} failed" in t for e, t in zip(report.errors, texts, strict=True)
    )


@pytest.mark.parametrize("marked_only", [False, True])
def test_sarif_of_an_incomplete_run_keeps_an_alert_open(marked_only: bool) -> None:
    """Code scanning closes an alert whose result is missing from an upload: an incomplete
    run, even with no finding left, carries one constant audit-incomplete result, and says
    why also when the snapshot is marked incomplete without naming a failed read."""
    if marked_only:
        report = sample_report().model_copy(update={"status": "incomplete", "findings": []})
    else:
        report = sample_report(incomplete=True).model_copy(update={"findings": []})
    log = json.loads(render(report, "sarif"))
    assert errors_of(sarif_validator(), log) == []
    run = log["runs"][0]
    [result] = run["results"]
    assert result["ruleId"] == "audit-incomplete" and result["level"] == "error"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "audit-incomplete"
    assert result["partialFingerprints"] == {"auditorFingerprint/v1": "audit-incomplete"}
    texts = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any(report.incomplete_because() in t for t in [*texts, result["message"]["text"]])
    if marked_only:
        assert report.incomplete_because() in texts


def test_the_incomplete_result_sits_on_the_baseline_like_findings_without_a_line() -> None:
    """Code scanning shows results anchored to a file."""
    report = sample_report(incomplete=True)
    run = json.loads(render(report, "sarif", baseline=Path("baseline.yaml")))["runs"][0]
    incomplete = next(r for r in run["results"] if r["ruleId"] == "audit-incomplete")
    others = [r for r in run["results"] if r["ruleId"] != "audit-incomplete"]
    expected = others[0]["locations"][0]["physicalLocation"]
    assert [loc["physicalLocation"] for loc in incomplete["locations"]] == [expected]
    assert expected["artifactLocation"]["uri"].endswith("baseline.yaml")


def test_sarif_of_a_complete_run_has_no_incomplete_result() -> None:
    results = json.loads(render(sample_report(), "sarif"))["runs"][0]["results"]
    assert results and all(r["ruleId"] != "audit-incomplete" for r in results)


# --- JUnit -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPORTS)
def test_junit_is_valid_against_the_ant_junit_schema(name: str) -> None:
    junit_schema().validate(render(REPORTS[name](), "junit"))


def _cases(text: str) -> list[dict[str, Any]]:
    document = junit_schema().to_dict(text)
    return [
        {**case, "suite": suite["@name"]}
        for suite in document["testsuite"]
        for case in suite.get("testcase", [])
    ]


def test_junit_fails_a_case_per_counting_finding_and_skips_accepted_ones() -> None:
    report, accepted = with_accepted(sample_report(), 1)
    cases = _cases(render(report, "junit"))
    failed = [c for c in cases if "failure" in c]
    skipped = [c for c in cases if "skipped" in c]
    assert len(failed) == len(report.findings) - 1
    assert len(skipped) == 1 and skipped[0]["suite"] == accepted.rule_id
    assert "legacy role, ticket SEC-12" in skipped[0]["skipped"]["@message"]
    # Every other rule of the catalog is a passing case: a clean rule is a visible pass.
    fired = {f.rule_id for f in report.findings}
    passing = {c["suite"] for c in cases if not ({"failure", "skipped", "error"} & set(c))}
    assert passing == set(load_catalog()) - fired


def test_junit_reports_an_incomplete_run_as_errors_not_passes() -> None:
    report = sample_report(incomplete=True)
    errored = [c for c in _cases(render(report, "junit")) if "error" in c]
    assert len(errored) == len(report.errors) > 0
    assert {c["suite"] for c in errored} == {"collection"}


def _suites(text: str) -> dict[str, dict[str, Any]]:
    return {suite["@name"]: suite for suite in junit_schema().to_dict(text)["testsuite"]}


def test_junit_passes_no_rule_of_an_incomplete_run() -> None:
    # A failed read may hide any rule's findings: "no finding" is not judged, never a pass.
    report = sample_report(incomplete=True)
    text = render(report, "junit")
    cases = _cases(text)
    assert [c for c in cases if not ({"failure", "skipped", "error"} & set(c))] == []
    fired = {f.rule_id for f in report.findings}
    unjudged = [c for c in cases if c["suite"] not in fired and c["suite"] != "collection"]
    assert {c["suite"] for c in unjudged} == set(load_catalog()) - fired
    message = "not judged: the collection is incomplete (1 AWS read(s) failed)"
    assert all(c["skipped"]["@message"] == message for c in unjudged)
    for name, suite in _suites(text).items():
        skipped = sum(1 for c in suite.get("testcase", []) if "skipped" in c)
        assert (suite["@tests"], suite["@skipped"]) == (len(suite["testcase"]), skipped), name


def test_junit_puts_failed_deliveries_in_their_own_suite() -> None:
    # A complete run whose alert and import failed: every rule was judged (clean ones pass),
    # and the failures are "delivery" errors, not a collection that failed.
    report = undelivered(sample_report())
    assert report.status == "complete"
    text = render(report, "junit")
    junit_schema().validate(text)
    suites = _suites(text)
    assert "collection" not in suites
    delivery = suites["delivery"]
    assert [c["@name"] for c in delivery["testcase"]] == [
        "slack chat.postMessage",
        "securityhub BatchImportFindings",
    ]
    assert all("error" in c for c in delivery["testcase"]) and delivery["@errors"] == 2
    assert not [c for c in _cases(text) if "skipped" in c]


def test_junit_collection_lists_failed_reads_and_unevaluated_only() -> None:
    base = sample_report(incomplete=True)
    report = undelivered(base.model_copy(update={"errors": [*base.errors, AUDITOR_ERROR]}))
    suites = _suites(render(report, "junit"))
    names = [c["@name"] for c in suites["collection"]["testcase"]]
    assert names == ["iam GetRolePolicy", f"auditor {UNREAD_STAGE}"]
    assert suites["collection"]["@errors"] == 2
    assert len(suites["delivery"]["testcase"]) == 2


def test_junit_never_shows_an_incomplete_run_without_errors_as_clean() -> None:
    # A snapshot marked incomplete names no failed read: the run still errs, not passes.
    report = sample_report().model_copy(update={"status": "incomplete"})
    text = render(report, "junit")
    junit_schema().validate(text)
    (case,) = _suites(text)["collection"]["testcase"]
    assert case["error"]["@message"] == "the collection is incomplete"


def test_junit_carries_hostile_text_as_text() -> None:
    text = render(hostile(sample_report()), "junit")
    junit_schema().validate(text)  # a NUL or ESC would make the XML unreadable
    assert "</x> &" not in text and "&lt;/x&gt; &amp;" in text


# --- OCSF ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPORTS)
def test_ocsf_findings_are_valid_detection_findings(name: str) -> None:
    events = json.loads(render(REPORTS[name](), "ocsf"))
    assert isinstance(events, list)
    for event in events:
        assert errors_of(ocsf_validator(), event) == []


def test_the_ocsf_validator_refuses_what_ocsf_refuses() -> None:
    # The compiled schema is not a mirror of our output: it refuses an unknown attribute,
    # an out-of-range enum, a missing required attribute and a wrong class.
    event = json.loads(render(sample_report(), "ocsf"))[0]
    for broken in (
        {**event, "finding_info": {**event["finding_info"], "score": 3}},
        {**event, "severity_id": 7},
        {k: v for k, v in event.items() if k != "metadata"},
        {**event, "class_uid": 2003},
        {**event, "time": "yesterday"},
    ):
        assert errors_of(ocsf_validator(), broken) != []


def test_ocsf_maps_severity_status_and_seen_times() -> None:
    report, accepted = with_accepted(sample_report(), 0)
    events = json.loads(render(report, "ocsf"))
    assert len(events) == len(report.findings)
    by_uid = {e["finding_info"]["uid"]: e for e in events}
    suppressed = by_uid[accepted.fingerprint]
    assert (suppressed["status_id"], suppressed["status"]) == (3, "Suppressed")
    assert suppressed["status_detail"] == "legacy role, ticket SEC-12"
    assert suppressed["finding_info"]["first_seen_time"] == 1711958400000  # 2024-04-01T08:00Z
    assert suppressed["finding_info"]["last_seen_time"] == 1714564800000
    ids = {"critical": 5, "high": 4, "medium": 3, "low": 2, "info": 1}
    for finding in report.findings:
        event = by_uid[finding.fingerprint]
        assert event["severity_id"] == ids[finding.severity.value]
        assert event["resources"][0]["uid"] == finding.resource
        assert event["remediation"]["desc"] == finding.remediation
        assert event["class_uid"] == 2004 and event["type_uid"] == 200401
    assert [e["status_id"] for e in events].count(1) == len(events) - 1


def test_ocsf_severity_is_the_dictionarys_caption_of_its_id() -> None:
    dictionary = json.loads((SOURCES / "dictionary.json").read_text(encoding="utf-8"))
    captions = {
        int(uid): entry["caption"]
        for uid, entry in dictionary["attributes"]["severity_id"]["enum"].items()
    }
    assert captions[1] == "Informational"
    findings = [
        a_finding("excess-route", persona=s.value, resource=role_arn(s.value), severity=s)
        for s in Severity
    ]
    events = json.loads(render(build_report(findings, errors=[AUDITOR_ERROR]), "ocsf"))
    assert len(events) == len(Severity) + 1  # and the incomplete run's own finding
    assert {e["severity_id"] for e in events} == {1, 2, 3, 4, 5}
    for event in events:
        assert event["severity"] == captions[event["severity_id"]]


def test_an_incomplete_run_is_an_ocsf_finding_of_its_own() -> None:
    report = sample_report(incomplete=True).model_copy(
        update={"findings": [], "summary": Summary.of([])}
    )
    (event,) = json.loads(render(report, "ocsf"))  # never an empty array: that reads clean
    assert event["finding_info"]["types"] == ["audit-incomplete"]
    assert all(e.message in event["finding_info"]["desc"] for e in report.errors)


# --- scale -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["sarif", "junit", "ocsf"])
def test_every_finding_of_a_large_report_is_rendered_once(fmt: str) -> None:
    report = scaled_report(personas=5, routes=10, findings=1_500)
    text = render(report, fmt)
    fingerprints = {f.fingerprint for f in report.findings}
    assert len(fingerprints) == 1_500
    assert all(text.count(fp) == 1 for fp in fingerprints)  # none lost, none twice
