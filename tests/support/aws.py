"""A clean emulated AWS account for one test (the `aws` fixture in tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

from auditor.emulator import EmulatorServer

REGION = "us-east-1"
CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard port: nothing listens, nothing leaves
# Ambient credentials and profiles that could lead a test to a real account.
AMBIENT_AWS_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
)


def offline_aws_env(config_file: str, endpoint_url: str = CLOSED_PORT_URL) -> dict[str, str]:
    """What every test and test subprocess runs with (beside AMBIENT_AWS_ENV removed): fake
    keys, `config_file` (empty) for both config files, no instance metadata, one endpoint."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": config_file,
        "AWS_SHARED_CREDENTIALS_FILE": config_file,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint_url,
    }


@dataclass
class Aws:
    """A clean emulated AWS account for one test."""

    url: str
    region: str
    session: boto3.Session
    emulator: EmulatorServer

    def client(self, name: str) -> Any:
        return self.session.client(name, endpoint_url=self.url)  # type: ignore[call-overload]
