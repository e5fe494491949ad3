"""Seed an app through boto3, draft its baseline with the CLI, audit with that baseline."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from auditor.cli import app
from auditor.emulator.seed import (
    EnvironmentSpec,
    HttpApiSpec,
    RestApiSpec,
    Seeded,
    seed,
)
from tests.support.aws import Aws

Document = dict[str, Any]


def seed_app(
    aws: Aws,
    spec: EnvironmentSpec,
    rest: list[RestApiSpec] | None = None,
    http: list[HttpApiSpec] | None = None,
) -> Seeded:
    """`spec` with these APIs, seeded: its policies name the APIs by name
    (`invoke_named_api`), and the seeder fills in the ids API Gateway assigns."""
    with_apis = replace(spec, rest_apis=rest or [], http_apis=http or [])
    return seed(with_apis, aws.session, endpoint_url=aws.url)


@dataclass
class Cli:
    aws: Aws

    def __call__(self, *args: str) -> Any:
        return CliRunner().invoke(app, [*args, "--endpoint-url", self.aws.url])

    def init(self, seeded: Seeded, out: Path | None, *apis: str, force: bool = False) -> Any:
        """`baseline init` of the seeded app (every API, or `apis` as name[:stage]), written to
        `out` (None: to stdout)."""
        api_args = [
            a for name in (apis or tuple(seeded.api_ids)) for a in ("--api", _api_arg(seeded, name))
        ]
        return self(
            "baseline",
            "init",
            "--user-pool",
            seeded.user_pool_id or "",
            "--identity-pool",
            seeded.identity_pool_id or "",
            *api_args,
            *(["-o", str(out)] if out is not None else []),
            *(["--force"] if force else []),
        )

    def audit(self, baseline: Path) -> tuple[int, Document]:
        result = self("run", "--baseline", str(baseline), "--format", "json")
        return result.exit_code, json.loads(result.stdout)


def _api_arg(seeded: Seeded, name: str) -> str:
    """`name` or `name:stage` -> `id` or `id:stage`."""
    api, _, stage = name.partition(":")
    return f"{seeded.api_ids[api]}:{stage}" if stage else seeded.api_ids[api]
