"""`auditor demo`: the seed thread's app in the embedded emulator, with drift, audited.

The app (`auditor.emulator.app`): admins, editors and support with their own roles, an "all
users" policy meant to sit on every role, a default authenticated role, and a REST API whose
routes use AWS_IAM. The baseline declares it as the team meant it; the live app carries five
mistakes from the seed thread, made on purpose: the audit must find each of them.
"""

from __future__ import annotations

import tempfile
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import boto3
import yaml

from auditor.collect import AwsOptions
from auditor.commands.atomic import write_text_atomic
from auditor.commands.options import ReportOutput, RunOptions
from auditor.commands.run import RunOutcome, execute
from auditor.commands.scoped_env import scoped_environ
from auditor.emulator import EmulatorServer
from auditor.emulator.app import ALL_USERS_POLICY, App, AppGroup, seed_thread_app
from auditor.emulator.documents import POOL_PLACEHOLDER, cognito_trust_policy, invoke_named_api
from auditor.emulator.seed import EnvironmentSpec, Seeded, seed
from auditor.report.render import ReportFormat

REGION = "us-east-1"
API = "pets-api"


def demo_app() -> App:
    """The intent: the seed thread's app with a support team and its tickets route."""
    app = seed_thread_app("pets", rest_api=API)
    app.rest_api(API).routes["GET /tickets"] = "AWS_IAM"
    app.groups.append(AppGroup("support", 20, ["GET /tickets"]))
    return app


def demo_spec() -> EnvironmentSpec:
    """The app as it is live: the intent with the seed thread's five mistakes."""
    spec = demo_app().spec()
    # Mistake 1: `/admin*` also matches `/administrators`, the editors' report route.
    spec.role("app-admin").inline["admin"] = invoke_named_api(
        API, "prod", "*/admin*", "DELETE/items/*", sid="Admin"
    )
    # Mistake 2: the editors' role lacks the all-users policy (a group role replaces the
    # default role, it does not add to it).
    spec.role("app-editors").managed.remove(ALL_USERS_POLICY)
    # Mistake 3: a trust policy without the `aud` condition: any identity pool's identities
    # may assume it.
    trust = cognito_trust_policy(POOL_PLACEHOLDER)
    del trust["Statement"][0]["Condition"]["StringEquals"]
    spec.role("app-support").trust = trust
    # Mistake 4: the same precedence as editors (the baseline says 20) with another role:
    # members of both groups fall back to the default role.
    spec.group("support").precedence = 10
    # Mistake 5: a debugging route left at NONE: public.
    spec.rest_api(API).routes["GET /debug/config"] = "NONE"
    return spec


def demo_baseline(seeded: Seeded) -> dict[str, Any]:
    """What the team declared: the intent the live state drifted from."""
    return demo_app().baseline(seeded)


def seed_demo(session: boto3.Session, endpoint_url: str) -> Seeded:
    return seed(demo_spec(), session, endpoint_url=endpoint_url)


def _fake_credentials() -> AbstractContextManager[None]:
    """The emulator accepts any key; never let the demo pick up real credentials."""
    return scoped_environ(
        {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo"},
        unset=("AWS_SESSION_TOKEN", "AWS_PROFILE"),
    )


def run_demo(
    fmt: ReportFormat,
    *,
    outputs: tuple[ReportOutput, ...] = (),
    keep: Path | None = None,
    color: bool = False,
) -> RunOutcome:
    with (
        _fake_credentials(),
        EmulatorServer() as server,
        tempfile.TemporaryDirectory(prefix="auditor-demo-") as scratch,
    ):
        session = boto3.Session(region_name=REGION)
        seeded = seed_demo(session, server.url)
        folder = keep or Path(scratch)
        baseline = folder / "baseline.yaml"
        write_text_atomic(baseline, yaml.safe_dump(demo_baseline(seeded), sort_keys=False))
        options = RunOptions(
            baseline=baseline,
            outputs=outputs,
            format=fmt,
            aws=AwsOptions(region=REGION, endpoint_url=server.url),
        )
        outcome = execute(options, color=color)
        if keep is not None:
            write_text_atomic(keep / "snapshot.json", outcome.snapshot.to_json())
        return outcome
