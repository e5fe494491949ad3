"""One boto3 session and retrying clients for every collector, built from the CLI options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ProfileNotFound

from auditor.model.errors import InputError

RETRY_MODES = ("legacy", "standard", "adaptive")


@dataclass(frozen=True)
class AwsOptions:
    region: str | None = None
    profile: str | None = None
    # One URL for every service. None leaves boto3 alone, so AWS_ENDPOINT_URL still works.
    endpoint_url: str | None = None
    retry_mode: str = "standard"
    max_attempts: int = 10

    def __post_init__(self) -> None:
        # Here, so that offline runs (--snapshot) reject bad options too.
        if self.retry_mode not in RETRY_MODES:
            raise InputError(
                "--retry-mode", None, f"{self.retry_mode!r} is not one of {', '.join(RETRY_MODES)}"
            )
        if self.max_attempts < 1:
            raise InputError("--max-attempts", None, "must be at least 1")


class AwsClients:
    """Creates each service client once, all sharing the session, region and retry policy."""

    def __init__(self, options: AwsOptions) -> None:
        try:
            self.session = boto3.Session(profile_name=options.profile, region_name=options.region)
        except ProfileNotFound as exc:
            raise InputError("--profile", None, str(exc)) from exc
        region = self.session.region_name
        if not region:
            raise InputError("--region", None, "no AWS region: pass --region or set AWS_REGION")
        self.region: str = region
        self._endpoint_url = options.endpoint_url
        # total_max_attempts counts the first call, like AWS_MAX_ATTEMPTS; botocore's
        # "max_attempts" key would count retries only.
        retries: Any = {"mode": options.retry_mode, "total_max_attempts": options.max_attempts}
        self._config = Config(
            retries=retries,
            user_agent_extra="cognito-route-auditor",
        )
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            kwargs: dict[str, Any] = {"region_name": self.region, "config": self._config}
            if self._endpoint_url:
                kwargs["endpoint_url"] = self._endpoint_url
            try:
                self._clients[service] = self.session.client(service, **kwargs)  # type: ignore[call-overload]
            except BotoCoreError as exc:
                raise InputError("--endpoint-url", None, str(exc)) from exc
        return self._clients[service]

    def partition(self) -> str:
        """The partition of the region, for when STS cannot tell us."""
        return self.session.get_partition_for_region(self.region)
