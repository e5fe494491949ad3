"""Illegal, unfamiliar and oversized policy documents through the whole audit: each becomes a
policy-unreadable finding and `unknown` verdicts where it may change them (never `denied` in
their place, never a traceback, never a hang), and the report is incomplete (exit 3).

tests/e2e/test_unreadable.py covers one unreadable statement through the CLI in depth; here
each kind of hostile input is audited in-process, and one snapshot holding many of them goes
through `auditor run` and `auditor explain` for real.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.model.report import Report
from auditor.policy.budget import (
    MAX_DOCUMENT_CHARS,
    MAX_NEW_STATES_PER_QUESTION,
    MAX_PATTERN_WILDCARDS,
    MAX_STATEMENTS,
    MAX_STRING_CHARS,
)
from tests.e2e.test_unreadable import _files
from tests.support.cli import subprocess_cli
from tests.support.findings import load_report
from tests.support.snapshots import API, EXECUTE_API, REGION, SmallApp, role, small_app

ADMIN = role("app-admin")
EVERY = f"{EXECUTE_API}/*"
API_ARN = f"arn:aws:apigateway:{REGION}::/restapis/{API}"
# The admins' readable grants allow GET /items and GET /admin/users; GET /me and GET
# /administrators are denied without the hostile document. GET /health is public.
ALLOWED = ("GET /items", "GET /admin/users")
DENIED = ("GET /me", "GET /administrators")
READABLE = (
    {"GET /health": "allowed"} | dict.fromkeys(ALLOWED, "allowed") | dict.fromkeys(DENIED, "denied")
)


def statement(**changes: Any) -> dict[str, Any]:
    """An Allow of every route of the app's stage, with `changes`."""
    return {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": EVERY, **changes}


def document(*statements: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def admin_cells(report: Report) -> dict[str, str]:
    return {c.route: c.verdict for c in report.access_matrix if c.persona == "group:admin"}


def unreadable(report: Report) -> dict[str, str]:
    """policy-unreadable findings: resource -> message."""
    return {f.resource: f.message for f in report.findings if f.rule_id == "policy-unreadable"}


def expected(effect: str | None) -> dict[str, str]:
    """The admins' cells beside a statement set aside whose Resource may match every route:
    an Allow keeps `allowed`, a Deny keeps `denied`, anything else may change is unknown."""
    cells = {"GET /health": "allowed"}
    for route in ALLOWED:
        cells[route] = "allowed" if effect == "Allow" else "unknown"
    for route in DENIED:
        cells[route] = "denied" if effect == "Deny" else "unknown"
    return cells


def _audited_with(app: SmallApp, name: str, doc: Any) -> Report:
    app.role("app-admin")["inline_policies"].append({"name": name, "document": doc})
    return app.report()


def _assert_only_admin_unsure(report: Report) -> None:
    """Other roles' verdicts stand, and no access rule claims what could not be judged."""
    cells = {(c.persona, c.route): c.verdict for c in report.access_matrix}
    assert cells[("group:editors", "GET /items")] == "allowed"
    assert cells[("group:editors", "GET /me")] == "denied"
    assert cells[("default", "GET /me")] == "allowed"
    access = {"missing-all-users-route", "missing-route", "excess-route"}
    assert [f for f in report.findings if f.rule_id in access and f.persona == "group:admin"] == []


IDENTITY = [
    # (what, the document, the Effect the engine can still read of it, words of the reason)
    ("Effect in lower case", document(statement(Effect="allow")), None, "Effect is 'allow'"),
    ("Statement a string", {"Version": "2012-10-17", "Statement": "all"}, None, "Statement must"),
    ("Action a number", document(statement(Action=5)), "Allow", "Action must be"),
    ("Resource an object", document(statement(Resource={})), "Allow", "Resource must be"),
    (
        "an unknown condition operator",
        document(statement(Condition={"StringEqualz": {"aws:username": "ann"}})),
        "Allow",
        "unknown condition operator 'StringEqualz'",
    ),
    (
        "a malformed CIDR in NotIpAddress",
        document(
            statement(Effect="Deny", Condition={"NotIpAddress": {"aws:SourceIp": "1.2.3.4/99"}})
        ),
        "Deny",
        "not a valid value",
    ),
    (
        "a malformed CIDR in IpAddress",
        document(statement(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.300"}})),
        "Allow",
        "not a valid value",
    ),
    (
        "Condition a list",
        document(statement(Condition=[{"Bool": {"a": "true"}}])),
        "Allow",
        "must be an object",
    ),
    ("Condition a string", document(statement(Condition="none")), "Allow", "must be an object"),
    (
        "a condition value in nested lists",
        document(statement(Condition={"StringEquals": {"aws:username": [["ann"]]}})),
        "Allow",
        "condition values must be",
    ),
    (
        "a condition value an object",
        document(statement(Condition={"StringEquals": {"aws:username": {"a": 1}}})),
        "Allow",
        "condition values must be",
    ),
    (
        "a condition value null",
        document(statement(Effect="Deny", Condition={"StringEquals": {"aws:username": None}})),
        "Deny",
        "condition values must be",
    ),
    (
        "a condition block null",
        document(statement(Condition={"StringLike": None})),
        "Allow",
        "must map keys to values",
    ),
    (
        "an unknown Version",
        {"Version": "2099-01-01", "Statement": [statement()]},
        None,
        "unknown Version",
    ),
    (
        "a Version that is a list",
        {"Version": ["2012-10-17"], "Statement": [statement()]},
        None,
        "unknown Version",
    ),
    ("an empty document", {}, None, "no Statement element"),
    ("a statement that is a list", document([statement()]), None, "must be a JSON object"),
    # Budgets (auditor/policy/budget.py): over one, a statement is set aside like any other.
    # Larger than any document IAM accepts: the whole document is set aside.
    (
        "a Resource of a million wildcards",
        document(statement(Resource=f"{EXECUTE_API}/" + "*" * 1_000_000)),
        None,
        f"over {MAX_DOCUMENT_CHARS:,} characters of text, the engine's limit for one document",
    ),
    (
        "a megabyte of *?",
        document(statement(Effect="Deny", Resource="*?" * 500_000)),
        None,
        f"over {MAX_DOCUMENT_CHARS:,} characters of text",
    ),
    # Within a document's limit, a string over its own is one statement set aside.
    (
        "a Resource longer than any ARN",
        document(statement(Effect="Deny", Resource="*?" * MAX_STRING_CHARS)),
        "Deny",
        f"over the engine's limit of {MAX_STRING_CHARS:,}",
    ),
    (
        "a StringLike pattern longer than any ARN",
        document(statement(Condition={"StringLike": {"aws:username": "*?" * MAX_STRING_CHARS}})),
        "Allow",
        f"over the engine's limit of {MAX_STRING_CHARS:,}",
    ),
    (
        "too many wildcards in one pattern",
        document(statement(Resource=f"{EXECUTE_API}/" + "*a" * (MAX_PATTERN_WILDCARDS + 1))),
        "Allow",
        f"wildcards, over the engine's limit of {MAX_PATTERN_WILDCARDS}",
    ),
    (
        "too many statements",
        {"Version": "2012-10-17", "Statement": [statement()] * (MAX_STATEMENTS + 1)},
        None,
        f"over the engine's limit of {MAX_STATEMENTS:,}",
    ),
]


@pytest.mark.parametrize(("what", "doc", "effect", "words"), IDENTITY, ids=[c[0] for c in IDENTITY])
def test_a_hostile_identity_policy_is_unreadable_and_its_routes_unknown(
    what: str, doc: Any, effect: str | None, words: str
) -> None:
    report = _audited_with(small_app(), "hostile", doc)
    assert report.status == "incomplete", what
    found = unreadable(report)
    assert set(found) == {f"{ADMIN}#hostile"}, found
    assert words in found[f"{ADMIN}#hostile"], found
    assert len(found[f"{ADMIN}#hostile"]) < 2_000  # a megabyte of input is not repeated
    assert admin_cells(report) == expected(effect)
    _assert_only_admin_unsure(report)


def test_a_hostile_permissions_boundary_is_unreadable_too() -> None:
    app = small_app()
    boundary = "arn:aws:iam::123456789012:policy/hostile-boundary"
    app.snapshot["managed_policies"] = {
        boundary: {
            "arn": boundary,
            "name": "hostile-boundary",
            # Its readable Allow covers everything; the statement set aside may deny.
            "document": document(
                statement(), statement(Effect="Deny", Resource="*?" * MAX_STRING_CHARS)
            ),
        }
    }
    app.role("app-admin")["permissions_boundary_arn"] = boundary
    report = app.report()
    assert report.status == "incomplete"
    assert f"over the engine's limit of {MAX_STRING_CHARS:,}" in unreadable(report)[boundary]
    assert admin_cells(report) == expected("Deny")


def test_a_pattern_that_multiplies_automaton_states_leaves_its_routes_unknown() -> None:
    """A readable pattern within every read limit whose automaton needs 2**20 states for a
    route with a parameter: that route is unknown, named with the policy and the limit; the
    routes the search can answer keep their verdicts. (The editors' other grants name no
    short request of the route, which would end the search early.)"""
    app = small_app()
    app.add_route("GET /files/{proxy+}")
    app.declared_group("editors")["routes"].append("GET /files/{proxy+}")
    app.role("app-editors")["inline_policies"].append(
        {
            "name": "states",
            "document": document(statement(Resource=f"{EXECUTE_API}/GET/files/*a" + "?" * 20)),
        }
    )
    report = app.report()
    assert report.status == "incomplete"
    cells = {c.route: c.verdict for c in report.access_matrix if c.persona == "group:editors"}
    assert cells == {
        "GET /health": "allowed",
        "GET /items": "allowed",
        "GET /me": "denied",
        "GET /admin/users": "denied",
        "GET /administrators": "allowed",
        "GET /files/{proxy+}": "unknown",
    }
    (message,) = [
        f.message
        for f in report.findings
        if f.rule_id == "policy-unreadable" and f.route == "GET /files/{proxy+}"
    ]
    assert f"{MAX_NEW_STATES_PER_QUESTION:,} new automaton states" in message
    assert "'app-editors/states'" in message


PRINCIPALS = [5, [], ["*"], {}, None, {"AWS": 5}, {"AWS": [["*"]]}, {"Foo": "x"}, {"AWS": []}]


@pytest.mark.parametrize("principal", PRINCIPALS, ids=repr)
def test_a_resource_policy_deny_with_an_odd_principal_may_apply(principal: Any) -> None:
    app = small_app()
    app.api["resource_policy"] = document(statement(Effect="Deny", Principal=principal))
    report = app.report()
    assert report.status == "incomplete"
    assert "Principal" in unreadable(report)[API_ARN]
    # It may deny anyone: every route any role reaches is unknown, none is denied for it.
    assert admin_cells(report) == expected("Deny")
    resource_public = [f for f in report.findings if f.rule_id == "resource-policy-public"]
    assert resource_public == []


TRUST = [
    # A trust statement that may let Cognito identities assume the role, unreadable.
    ("Federated a number", {"Principal": {"Federated": 5}}),
    ("Principal a list", {"Principal": ["cognito-identity.amazonaws.com"]}),
    ("Principal of an unknown type", {"Principal": {"Cognito": "x"}}),
    ("no Principal", {"Principal": None}),
    ("Effect in lower case", {"Effect": "allow"}),
    ("an unknown condition operator", {"Condition": {"StringEqualz": {"a": "b"}}}),
    ("a condition value an object", {"Condition": {"StringEquals": {"a": {"b": "c"}}}}),
    (
        "aud a megabyte pattern",
        {"Condition": {"StringLike": {"cognito-identity.amazonaws.com:aud": "*?" * 500_000}}},
    ),
]


@pytest.mark.parametrize(("what", "changes"), TRUST, ids=[t[0] for t in TRUST])
def test_an_unreadable_trust_policy_is_never_clean_for_the_trust_rules(
    what: str, changes: dict[str, Any]
) -> None:
    app = small_app()
    app.trust("app-admin").update(changes)
    report = app.report()
    assert report.status == "incomplete", what
    message = unreadable(report)[ADMIN]
    assert "trust policy of role app-admin" in message and "never taken as nobody" in message
    trust_rules = [f for f in report.findings if f.rule_id.startswith("trust-")]
    assert [f.resource for f in trust_rules if f.resource == ADMIN] == []
    # The trust policy governs no route: the role's verdicts stand.
    assert admin_cells(report) == READABLE


def test_a_whole_trust_policy_that_cannot_be_read_is_never_clean() -> None:
    app = small_app()
    app.role("app-admin")["trust_policy"] = {"Version": "2012-10-17", "Statement": "cognito"}
    report = app.report()
    assert report.status == "incomplete"
    assert "Statement must be" in unreadable(report)[ADMIN]
    assert [
        f for f in report.findings if f.rule_id.startswith("trust-") and f.resource == ADMIN
    ] == []


def test_many_hostile_documents_through_run_and_explain(tmp_path: Path) -> None:
    """The real command line on one snapshot with a hostile document in each place: exit 3,
    one stderr line per problem, a schema-valid report, and `explain` says unknown."""
    app = small_app()
    app.role("app-admin")["inline_policies"].append(
        {"name": "wild", "document": document(statement(Effect="Deny", Resource="*?" * 500_000))}
    )
    app.role("app-editors")["inline_policies"].append(
        {"name": "junk", "document": document(statement(Effect="allow", Action=5))}
    )
    app.role("app-default")["trust_policy"]["Statement"][0]["Principal"] = {"Federated": 5}
    app.api["resource_policy"] = document(
        statement(Effect="Deny", Principal={"AWS": [["*"]]}, Condition={"Foo": {"a": "b"}})
    )
    snapshot, baseline = _files(app, tmp_path)
    out = tmp_path / "report.json"
    result = subprocess_cli(
        ["run", "--baseline", str(baseline), "--snapshot", str(snapshot), "-o", str(out)]
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exit_code == 3, result.stderr
    assert result.stderr.count("auditor: auditor EvaluatePolicy failed:") == 4
    report = load_report(out)
    assert report["status"] == "incomplete"
    found = {f["resource"] for f in report["findings"] if f["rule_id"] == "policy-unreadable"}
    assert found == {f"{ADMIN}#wild", f"{role('app-editors')}#junk", role("app-default"), API_ARN}
    cells = {(c["persona"], c["route"]): c["verdict"] for c in report["access_matrix"]}
    # The resource policy's unreadable Deny may deny what any role reaches: unknown, and what
    # no role reaches stays denied (an unreadable trust policy changes no route).
    assert {cells["group:admin", r] for r in ALLOWED} == {"unknown"}
    assert cells["default", "GET /me"] == "unknown"
    assert cells["default", "GET /administrators"] == "denied"
    # The editors' document of unknown effect may change any of their routes.
    assert cells["group:editors", "GET /me"] == "unknown"
    explained = subprocess_cli(
        [
            "explain",
            "--baseline",
            str(baseline),
            "--snapshot",
            str(snapshot),
            "--persona",
            "group:editors",
            "--route",
            "GET /me",
        ]
    )
    assert "Traceback" not in explained.stderr, explained.stderr
    assert explained.exit_code == 0, explained.stderr
    assert "verdict   unknown" in explained.stdout
