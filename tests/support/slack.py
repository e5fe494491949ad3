"""A fake Slack on 127.0.0.1, and small findings, reports and snapshots for the unattended tests."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from auditor.model.findings import Finding, Severity, fingerprint
from auditor.model.report import Report, ReportTarget, Summary, ToolInfo
from auditor.model.snapshot import Snapshot

TOKEN = "xoxb-test-secret-token-123"  # must never show up in reports, state or logs


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Scripted:
    status: int = 200
    body: str = '{"ok": true, "channel": "C1", "ts": "1.0"}'
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """`script` answers are used in order; once they run out every request gets `default`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.script: list[Scripted] = []
        self.default = Scripted()
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = _decode(raw, self.headers.get("Content-Type", ""))
                with fake._lock:
                    fake.requests.append(Recorded(self.path, dict(self.headers.items()), body))
                    answer = fake.script.pop(0) if fake.script else fake.default
                payload = answer.body.encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/services/T000/B000/secret-webhook-part"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _decode(raw: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        value = json.loads(raw or b"{}")
        return value if isinstance(value, dict) else {"_": value}
    from urllib.parse import parse_qs

    return {k: v[0] for k, v in parse_qs(raw.decode()).items()}


def finding(
    rule_id: str = "precedence-drift",
    severity: Severity = Severity.MEDIUM,
    resource: str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_X",
    persona: str | None = "group:editors",
    route: str | None = None,
) -> Finding:
    return Finding(
        rule_id=rule_id,
        severity=severity,
        title=rule_id,
        message=f"{rule_id} fired",
        resource=resource,
        persona=persona,
        route=route,
        remediation="fix it",
        fingerprint=fingerprint(rule_id, resource, persona, route, None),
    )


def report(
    findings: list[Finding],
    *,
    user_pool: str = "us-east-1_X",
    identity_pool: str = "us-east-1:pool",
    status: str = "complete",
) -> Report:
    return Report.model_validate(
        {
            "tool": ToolInfo(version="0.1.0"),
            "generated_at": "2024-01-01T00:00:00+00:00",
            "status": status,
            "target": ReportTarget(
                account_id="123456789012",
                region="us-east-1",
                user_pool_id=user_pool,
                identity_pool_id=identity_pool,
            ),
            "summary": Summary.of(findings),
            "findings": findings,
        }
    )


def snapshot(
    groups: dict[str, tuple[int | None, str | None]] | None = None,
    *,
    routes: dict[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    user_pool: str = "us-east-1_X",
    inline: dict[str, Any] | None = None,
) -> Snapshot:
    """A small snapshot: groups name -> (precedence, role), one REST API's routes, one role."""
    groups = {"admin": (0, ROLE_ADMIN), "editors": (10, ROLE_EDITORS)} if groups is None else groups
    routes = {"GET /items": "AWS_IAM", "GET /health": "NONE"} if routes is None else routes
    role_doc = inline or {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}],
    }
    return Snapshot.model_validate(
        {
            "region": "us-east-1",
            "account_id": "123456789012",
            "target": {
                "user_pool": {"id": user_pool},
                "identity_pool": {"id": "us-east-1:pool"},
                "apis": [{"id": "api1"}],
            },
            "user_pool": {
                "id": user_pool,
                "name": "app",
                "groups": [
                    {"name": n, "precedence": p, "role_arn": r} for n, (p, r) in groups.items()
                ],
            },
            "identity_pool": {
                "id": "us-east-1:pool",
                "name": "app",
                "authenticated_role": ROLE_DEFAULT,
                "role_mappings": {
                    f"cognito-idp.us-east-1.amazonaws.com/{user_pool}:c": {
                        "type": "Token",
                        "ambiguous_role_resolution": "AuthenticatedRole",
                    }
                },
            },
            "roles": {
                ROLE_EDITORS: {
                    "arn": ROLE_EDITORS,
                    "name": "app-editors",
                    "inline_policies": [{"name": "invoke", "document": role_doc}],
                }
            },
            "apis": [
                {
                    "id": "api1",
                    "name": "app",
                    "kind": "REST",
                    "stages": ["prod"],
                    "routes": [
                        {"method": k.split()[0], "path": k.split()[1], "authorization_type": v}
                        for k, v in routes.items()
                    ],
                }
            ],
            "errors": errors or [],
        }
    )


ROLE_ADMIN = "arn:aws:iam::123456789012:role/app-admin"
ROLE_EDITORS = "arn:aws:iam::123456789012:role/app-editors"
ROLE_DEFAULT = "arn:aws:iam::123456789012:role/app-default"
