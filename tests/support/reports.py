"""Realistic Report objects for the report-format tests, built through the pydantic models.

`sample_report()` is small and hand-written (every cell is known); `scaled_report()` builds
the 50 personas x 500 routes case and any number of findings, deterministically.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from auditor.model.findings import Finding, Severity, fingerprint, report_order
from auditor.model.report import (
    ApiTarget,
    GroupPair,
    MatrixCell,
    Report,
    ReportError,
    ReportTarget,
    RunChanges,
    Summary,
    ToolInfo,
    Verdict,
)

ACCOUNT = "123456789012"
API_ID = "a1b2c3d4e5"
STAGE = "prod"
HOSTILE_GROUP = "<img src=x onerror=alert(1)>"
# Policy text is attacker-controlled too: it must not close the embedded JSON's <script>.
HOSTILE_STATEMENT = "evil#0 (Sid </script><script>alert(2)</script>)\u2028&amp;"

_TITLES = {
    "excess-route": ("A persona can reach a route not declared for it", Severity.HIGH),
    "missing-route": ("A persona cannot fully reach one of its declared routes", Severity.MEDIUM),
    "missing-all-users-route": ("A role cannot reach an all_users route", Severity.HIGH),
    "overbroad-grant": ("An execute-api Allow is too broad", Severity.MEDIUM),
    "route-not-iam": ("A route is not protected by AWS_IAM", Severity.CRITICAL),
    "group-undeclared": ("A live group is not in the baseline", Severity.MEDIUM),
    "trust-missing-amr": (
        "A role's trust policy does not require amr=authenticated",
        Severity.HIGH,
    ),
    "changed-since-last-run": ("The live state changed since the last run", Severity.INFO),
    "route-undeclared": ("A live route is covered by no baseline pattern", Severity.LOW),
}


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def finding(
    rule_id: str,
    *,
    persona: str | None = None,
    route: str | None = None,
    resource: str | None = None,
    message: str | None = None,
    severity: Severity | None = None,
    api_id: str | None = API_ID,
) -> Finding:
    title, default = _TITLES.get(rule_id, (rule_id.replace("-", " "), Severity.MEDIUM))
    resource = resource or role_arn("app-default")
    return Finding(
        rule_id=rule_id,
        severity=severity or default,
        title=title,
        message=message or f"{persona or 'the pool'}: {title.lower()} ({route or resource})",
        resource=resource,
        persona=persona,
        route=route,
        api_id=api_id,
        evidence={"route": route},
        remediation=f"See the {rule_id} rule in `auditor rules`.",
        fingerprint=fingerprint(rule_id, resource, persona, route, api_id),
    )


def cell(
    persona: str,
    route: str,
    verdict: Verdict,
    *,
    expected: bool,
    role: str | None,
    authorization_type: str = "AWS_IAM",
    api_id: str = API_ID,
    stage: str = STAGE,
    allowing: Sequence[str] = (),
    denying: Sequence[str] = (),
    reasons: Sequence[str] = (),
) -> MatrixCell:
    method, _, path = route.partition(" ")
    return MatrixCell(
        persona=persona,
        role_arn=role,
        api_id=api_id,
        stage=stage,
        route=route,
        verdict=verdict,
        authorization_type=authorization_type,
        expected=expected,
        reasons=list(reasons),
        allowing=list(allowing),
        denying=list(denying),
        witness_allowed=f"{method} {path.replace('{id}', '42')}" if verdict != "denied" else None,
        witness_denied=f"{method} {path.replace('{id}', '7')}" if verdict != "allowed" else None,
    )


def build_report(
    findings: Iterable[Finding],
    cells: Iterable[MatrixCell] = (),
    *,
    errors: Sequence[ReportError] = (),
    group_pairs: Sequence[GroupPair] = (),
    changes: RunChanges | None = None,
) -> Report:
    found = report_order(findings)  # as the audit leaves them: the formats keep this order
    return Report(
        tool=ToolInfo(version="0.1.0"),
        generated_at="2024-05-01T12:00:00Z",
        status="incomplete" if errors else "complete",
        errors=list(errors),
        target=ReportTarget(
            account_id=ACCOUNT,
            region="us-east-1",
            user_pool_id="us-east-1_AbCdEf012",
            identity_pool_id="us-east-1:0d3a5c1e-1111-2222-3333-444455556666",
            apis=[ApiTarget(id=API_ID, stage=STAGE)],
        ),
        summary=Summary.of(found),
        findings=found,
        access_matrix=list(cells),
        group_pairs=list(group_pairs),
        changes=changes,
    )


# -- the small, hand-written report ----------------------------------------------------------

SAMPLE_PERSONAS = (
    "group:admin",
    "group:editors",
    f"group:{HOSTILE_GROUP}",
    "default",
    "unauthenticated",
)
SAMPLE_ROUTES = (
    "GET /items",
    "GET /items/{id}",
    "POST /items",
    "DELETE /items/{id}",
    "GET /admin/users",
    "GET /health",
)
# persona -> the routes the baseline declares for it; everything else must be denied.
_DECLARED = {
    "group:admin": {"GET /items", "GET /items/{id}", "DELETE /items/{id}", "GET /admin/users"},
    "group:editors": {"GET /items", "GET /items/{id}", "POST /items"},
    f"group:{HOSTILE_GROUP}": {"GET /items", "GET /items/{id}"},
    "default": {"GET /items", "GET /items/{id}"},
    "unauthenticated": set(),
}
# The live access, with drift planted: editors can DELETE (excess), the hostile group only
# partially reaches GET /items/{id} (missing), guests reach GET /items (excess, critical).
_LIVE: dict[str, dict[str, Verdict]] = {
    "group:admin": {
        "GET /items": "allowed",
        "GET /items/{id}": "allowed",
        "DELETE /items/{id}": "allowed",
        "GET /admin/users": "allowed",
        "POST /items": "allowed",
    },
    "group:editors": {
        "GET /items": "allowed",
        "GET /items/{id}": "allowed",
        "POST /items": "allowed",
        "DELETE /items/{id}": "allowed",
    },
    f"group:{HOSTILE_GROUP}": {"GET /items": "allowed", "GET /items/{id}": "partial"},
    "default": {"GET /items": "allowed", "GET /items/{id}": "allowed"},
    "unauthenticated": {"GET /items": "allowed"},
}
_ROLES = {
    "group:admin": "app-admin",
    "group:editors": "app-editors",
    f"group:{HOSTILE_GROUP}": "app-viewers",
    "default": "app-default",
    "unauthenticated": "app-guest",
}


def sample_cells() -> list[MatrixCell]:
    cells: list[MatrixCell] = []
    for persona in SAMPLE_PERSONAS:
        role = role_arn(_ROLES[persona])
        for route in SAMPLE_ROUTES:
            public = route == "GET /health"
            verdict = _LIVE[persona].get(route, "denied")
            allowing = [f"{_ROLES[persona]}-policy#0 (Sid Api)"] if verdict != "denied" else []
            if persona == f"group:{HOSTILE_GROUP}" and verdict == "partial":
                allowing = [HOSTILE_STATEMENT]
            cells.append(
                cell(
                    persona,
                    route,
                    "allowed" if public else verdict,
                    expected=public or route in _DECLARED[persona],
                    role=role,
                    authorization_type="NONE" if public else "AWS_IAM",
                    allowing=allowing,
                    denying=["app-boundary#1 (Sid NoDelete)"]
                    if route.startswith("DELETE") and verdict == "denied"
                    else [],
                    reasons=[f"{verdict} for {route} via {_ROLES[persona]}"],
                )
            )
    return cells


def sample_findings() -> list[Finding]:
    return [
        finding(
            "excess-route",
            persona="group:editors",
            route="DELETE /items/{id}",
            resource=role_arn("app-editors"),
        ),
        finding(
            "excess-route",
            persona="group:admin",
            route="POST /items",
            resource=role_arn("app-admin"),
        ),
        finding(
            "excess-route",
            persona="unauthenticated",
            route="GET /items",
            resource=role_arn("app-guest"),
            severity=Severity.CRITICAL,
        ),
        finding(
            "missing-route",
            persona=f"group:{HOSTILE_GROUP}",
            route="GET /items/{id}",
            resource=role_arn("app-viewers"),
            message=f"group {HOSTILE_GROUP} | only reaches\nGET /items/42",
        ),
        finding(
            "group-undeclared",
            persona=f"group:{HOSTILE_GROUP}",
            resource=f"us-east-1_AbCdEf012/{HOSTILE_GROUP}",
            api_id=None,
        ),
        finding("overbroad-grant", persona="group:admin", resource=role_arn("app-admin")),
        finding("route-undeclared", route="GET /health", resource=f"{API_ID}/GET /health"),
        finding("changed-since-last-run", resource="snapshot", api_id=None),
    ]


def sample_report(*, incomplete: bool = False) -> Report:
    findings = report_order(sample_findings())
    failed = ReportError(
        service="iam",
        operation="GetRolePolicy",
        message="Throttling: Rate exceeded <after 5 retries>",
    )
    errors = [failed] if incomplete else []
    pairs = [
        GroupPair(
            groups=("admin", "editors"),
            role_arn=role_arn("app-admin"),
            outcome="winner",
            detail="admin has the lower precedence (0 < 10)",
        ),
        GroupPair(
            groups=("editors", HOSTILE_GROUP),
            role_arn=None,
            outcome="ambiguous",
            detail="both have precedence 10 with different roles",
        ),
    ]
    changes = RunChanges(
        new=[findings[0].fingerprint],
        still_open=[f.fingerprint for f in findings[1:]],
        resolved=[
            finding(
                "missing-route",
                persona="default",
                route="GET /me",
                resource=role_arn("app-default"),
            )
        ],
    )
    return build_report(findings, sample_cells(), errors=errors, group_pairs=pairs, changes=changes)


# -- scale -----------------------------------------------------------------------------------


def scaled_findings(count: int) -> list[Finding]:
    """`count` distinct findings cycling through rules and personas (deterministic)."""
    rules = sorted(_TITLES)
    return [
        finding(
            rules[i % len(rules)],
            persona=f"group:team-{i % 50:02d}",
            route=f"GET /service-{i % 97}/items/{{id}}/sub-{i}",
            resource=role_arn(f"team-{i % 50:02d}"),
        )
        for i in range(count)
    ]


def scaled_cells(personas: int, routes: int) -> list[MatrixCell]:
    """personas x routes cells over two APIs; about one cell in 23 differs from the baseline."""
    verdicts: tuple[Verdict, ...] = ("allowed", "denied", "partial", "denied")
    out: list[MatrixCell] = []
    for r in range(routes):
        api_id, stage = (API_ID, STAGE) if r % 2 == 0 else ("h77xyz9k2q", "$default")
        route = f"{('GET', 'POST', 'PUT', 'DELETE')[r % 4]} /service-{r // 4}/items/{{id}}"
        authorization = "AWS_IAM" if r % 50 else "NONE"
        for p in range(personas):
            verdict = verdicts[(r + p) % len(verdicts)]
            expected = (verdict != "denied") != ((r * personas + p) % 23 == 0)
            out.append(
                MatrixCell(
                    persona=f"group:team-{p:02d}",
                    role_arn=role_arn(f"team-{p:02d}"),
                    api_id=api_id,
                    stage=stage,
                    route=route,
                    verdict=verdict,
                    authorization_type=authorization,
                    expected=expected,
                    allowing=[f"team-{p:02d}-policy#0 (Sid Api)"] if verdict != "denied" else [],
                    reasons=[f"{verdict} by the team-{p:02d} identity policy"],
                )
            )
    return out


def scaled_report(
    personas: int = 50, routes: int = 500, findings: int = 0, errors: int = 0
) -> Report:
    errs = [
        ReportError(service="iam", operation="GetRolePolicy", message=f"throttled #{i}")
        for i in range(errors)
    ]
    return build_report(scaled_findings(findings), scaled_cells(personas, routes), errors=errs)
