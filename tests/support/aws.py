"""A clean emulated AWS account for one test (the `aws` fixture in tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

from auditor.emulator import EmulatorServer

REGION = "us-east-1"


@dataclass
class Aws:
    """A clean emulated AWS account for one test."""

    url: str
    region: str
    session: boto3.Session
    emulator: EmulatorServer

    def client(self, name: str) -> Any:
        return self.session.client(name, endpoint_url=self.url)  # type: ignore[call-overload]
