"""One boto3 session and retrying clients for every collector, built from the CLI options.

boto3 is imported when the first session is made, not with this module: the options are
checked by every command, and an offline one (`run --snapshot`, `validate`) never calls AWS.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from auditor.collect.limits import limit_requests
from auditor.model.errors import InputError
from auditor.model.targets import ROLE_SESSION_NAME

RETRY_MODES = ("legacy", "standard", "adaptive")
MAX_ATTEMPTS = 50  # beyond this, a failing read would retry for many minutes
CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 30
# Region names are short lowercase words joined by hyphens (us-east-1, us-gov-west-1); botocore
# checks less and only when the first client is made.
_REGION = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_REGION_MAX_CHARS = 64
_ENDPOINT_SCHEMES = ("http", "https")

# In every request: the emulator tells the auditor's calls by it (emulator/read_only.py).
USER_AGENT = "cognito-route-auditor"


class ReadProgress(Protocol):
    """Told of every AWS call as it happens, so that a slow or unreachable endpoint is seen
    (commands/progress.py draws it on a terminal). Calls come from one thread, in order."""

    def calling(self, service: str, operation: str) -> None: ...
    def answered(self, service: str, operation: str, items: int) -> None: ...
    def retrying(self, service: str, operation: str, attempt: int, max_attempts: int) -> None: ...
    def finished(self) -> None: ...


class RequestLimiter(Protocol):
    """Shared by every target of a run (collect/limits.py): waits before a call so that the
    targets reading one account stay under its documented request rates (AWS-FACTS §8)."""

    def acquire(self, account: str, service: str, operation: str) -> None: ...


@dataclass(frozen=True)
class AwsOptions:
    region: str | None = None
    profile: str | None = None
    # One URL for every service. None leaves boto3 alone, so AWS_ENDPOINT_URL still works.
    endpoint_url: str | None = None
    retry_mode: str = "standard"
    max_attempts: int = 10
    # Many targets (CONTRACT §6.4): the role to assume with the profile's (or the run's)
    # credentials, and the ExternalId its trust policy asks for. Never printed or logged.
    role_arn: str | None = None
    external_id: str | None = field(default=None, repr=False)
    # Not options of the audit: who watches the reads (None: nobody), and the rate limiter
    # the targets of one run share (None: botocore's retries alone), keyed by `account`.
    progress: ReadProgress | None = field(default=None, compare=False, repr=False)
    limiter: RequestLimiter | None = field(default=None, compare=False, repr=False)
    account: str = field(default="", compare=False)  # the limiter's key for these reads

    def __post_init__(self) -> None:
        # Here, so that offline runs (--snapshot) reject bad options too.
        if self.retry_mode not in RETRY_MODES:
            raise InputError(
                "--retry-mode", None, f"{self.retry_mode!r} is not one of {', '.join(RETRY_MODES)}"
            )
        if self.max_attempts < 1:
            raise InputError("--max-attempts", None, "must be at least 1")
        if self.max_attempts > MAX_ATTEMPTS:
            raise InputError("--max-attempts", None, f"must be at most {MAX_ATTEMPTS}")
        if self.region is not None:
            _check_region(self.region)
        # An empty name would silently mean "no profile", and config sections cannot hold one.
        if self.profile is not None and (not self.profile or self.profile != self.profile.strip()):
            raise InputError("--profile", None, f"{_shown(self.profile)} is not a profile name")
        if self.endpoint_url is not None:
            _check_endpoint_url(self.endpoint_url)


def _shown(value: str) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_region(region: str) -> None:
    if len(region) > _REGION_MAX_CHARS or not _REGION.fullmatch(region):
        raise InputError(
            "--region",
            None,
            f"{_shown(region)} is not a region name (lowercase letters, digits and hyphens, "
            "e.g. us-east-1)",
        )


def _check_endpoint_url(url: str, source: str = "--endpoint-url") -> None:
    """An http(s) URL with a host: botocore accepts `ftp://x` (every call then fails) and
    fails on `not a url` only when the first client is made, with a ValueError. `source`
    names where it came from: the option, or boto3's own AWS_ENDPOINT_URL."""
    problem = f"{_shown(url)} is not an http:// or https:// URL with a host"
    if not url.isprintable() or any(c.isspace() for c in url):
        raise InputError(source, None, problem)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError when the port is not a number in range
    except ValueError as exc:
        raise InputError(source, None, problem) from exc
    if parts.scheme.lower() not in _ENDPOINT_SCHEMES or not parts.hostname:
        raise InputError(source, None, problem)


def _as_sent(value: Any) -> Any:
    return value


def _watch_reads(core: Any, progress: ReadProgress, max_attempts: int) -> None:
    """botocore's own events, registered on the session: no collector is told of progress.
    `request-created` comes once per attempt; its context counts the attempts."""
    current = ["", ""]  # service, operation of the call in progress

    def before_call(model: Any, **_: Any) -> None:
        current[:] = [model.service_model.service_name, model.name]
        progress.calling(*current)

    def after_call(model: Any, parsed: Any, **_: Any) -> None:
        items = 0
        if isinstance(parsed, dict):  # a page's items: the lists it holds
            items = sum(len(value) for value in parsed.values() if isinstance(value, list))
        progress.answered(model.service_model.service_name, model.name, items)

    def request_created(request: Any, **_: Any) -> None:
        retries = getattr(request, "context", {}).get("retries") or {}
        attempt = retries.get("attempt", 1)
        if isinstance(attempt, int) and attempt > 1:
            progress.retrying(current[0], current[1], attempt, max_attempts)

    core.register("before-call", before_call, unique_id="auditor-progress-before")
    core.register("after-call", after_call, unique_id="auditor-progress-after")
    core.register("request-created", request_created, unique_id="auditor-progress-attempt")


class _SearchPaths(list[str]):
    """boto3.Session appends its own data folder to its loader's search paths: were a
    shared loader handed to a boto3.Session, once is enough (not once a target)."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


_LOADERS: dict[str | None, Any] = {}  # AWS_DATA_PATH (or the profile's data_path): its loader
_LOADERS_LOCK = threading.Lock()


def _shared_loader(core: Any) -> Any:
    """One botocore Loader per data path for the whole process, instead of one per session.

    A loader caches the service models it parsed; a new session's loader parses them again
    (iam, cognito-idp, apigateway, sts: about a tenth of a run's CPU per target with
    --targets, where every target has its own session). The models are read-only, the
    loader keeps no credentials or per-session state, and it is what each session would
    have made (`create_loader(data_path)`), so sharing it changes no call."""
    data_path = core.get_config_variable("data_path")
    with _LOADERS_LOCK:
        loader = _LOADERS.get(data_path)
        if loader is None:
            loader = _LOADERS[data_path] = _locked_loader(data_path)
        return loader


def _locked_loader(data_path: str | None) -> Any:
    import boto3
    from botocore.loaders import Loader, create_loader

    class LockedLoader(Loader):
        """Targets start together: without the lock, each of the first ones would parse
        the same models at once (the loader's cache is filled after parsing)."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._lock = threading.RLock()

        def load_service_model(self, *args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return super().load_service_model(*args, **kwargs)

        def load_data_with_path(self, name: str) -> Any:
            with self._lock:
                return super().load_data_with_path(name)

    paths = _SearchPaths(create_loader(data_path).search_paths)
    paths.append(os.path.join(os.path.dirname(boto3.__file__), "data"))  # as boto3.Session does
    return LockedLoader(extra_search_paths=paths, include_default_search_paths=False)


class AssumeRoleFailed(Exception):
    """The target's role could not be assumed (denied, no source credentials, STS unreachable).
    Raised by the first read that needed the role's credentials; every other read would fail
    alike, so Reads records it once, as sts AssumeRole, and stops reading (collect/reads.py)."""

    def __init__(self, role_arn: str, message: str) -> None:
        super().__init__(message)
        self.role_arn = role_arn
        self.message = message


def _assume_role(core: Any, options: AwsOptions, client_kwargs: dict[str, Any]) -> None:
    """Make `core`'s credentials those of `options.role_arn`: botocore's own refreshable
    assumed-role credentials, fetched on the first call with the profile's (or the default
    chain's) credentials, renewed by botocore before they expire, and kept in memory only.

    The session's credential chain is replaced by one provider (`register_component`, the
    public way botocore offers): nothing falls back to the run's own credentials if the
    role cannot be assumed. The STS client has the other clients' endpoint, region and
    retries."""
    import boto3
    from botocore.credentials import (
        AssumeRoleCredentialFetcher,
        CredentialProvider,
        CredentialResolver,
        DeferredRefreshableCredentials,
    )
    from botocore.exceptions import BotoCoreError, ClientError

    role_arn = options.role_arn
    assert role_arn is not None
    extra_args = {"RoleSessionName": ROLE_SESSION_NAME}
    if options.external_id:
        extra_args["ExternalId"] = options.external_id
    fetchers: list[AssumeRoleCredentialFetcher] = []

    def create_client(service: str, **credentials: Any) -> Any:
        return core.create_client(service, **client_kwargs, **credentials)

    def fetch() -> dict[str, Any]:
        try:
            if not fetchers:  # the source credentials, resolved when first needed
                source = boto3.Session(profile_name=options.profile).get_credentials()
                if source is None:
                    raise AssumeRoleFailed(role_arn, "no credentials to call AssumeRole with")
                fetchers.append(
                    AssumeRoleCredentialFetcher(
                        client_creator=create_client,
                        source_credentials=source,
                        role_arn=role_arn,
                        extra_args=extra_args,
                    )
                )
            credentials: dict[str, Any] = fetchers[0].fetch_credentials()
            return credentials
        except ClientError as exc:
            error = exc.response.get("Error", {})
            message = f"{error.get('Code', '')}: {error.get('Message') or exc}".lstrip(": ")
            raise AssumeRoleFailed(role_arn, message) from None
        except BotoCoreError as exc:
            raise AssumeRoleFailed(role_arn, str(exc)) from None

    class AssumedRole(CredentialProvider):
        METHOD = "assume-role"

        def load(self) -> DeferredRefreshableCredentials:
            return DeferredRefreshableCredentials(refresh_using=fetch, method=self.METHOD)

    core.register_component("credential_provider", CredentialResolver([AssumedRole()]))


class AwsClients:
    """Creates each service client once, all sharing the session, region and retry policy."""

    def __init__(self, options: AwsOptions) -> None:
        import boto3
        import botocore.session
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ProfileNotFound

        try:
            core = botocore.session.get_session()
            # No date in an answer is read (CreateDate, UpdateDate, createdDate...): each is
            # kept as AWS sent it, not parsed by dateutil, which took a quarter of the
            # client's own time collecting 600 roles.
            parsers = core.get_component("response_parser_factory")
            parsers.set_parser_defaults(timestamp_parser=_as_sent)
            if options.progress is not None:  # before any client: each copies the handlers
                _watch_reads(core, options.progress, options.max_attempts)
            self.session = boto3.Session(
                botocore_session=core, profile_name=options.profile, region_name=options.region
            )
            # After the profile is set: its data_path (if any) names the loader.
            core.register_component("data_loader", _shared_loader(core))
        except ProfileNotFound as exc:
            raise InputError("--profile", None, str(exc)) from exc
        except BotoCoreError as exc:  # an unreadable ~/.aws/config or credentials file
            raise InputError("AWS configuration", None, str(exc)) from exc
        region = self.session.region_name
        if not region:
            raise InputError("--region", None, "no AWS region: pass --region or set AWS_REGION")
        self.region: str = region
        # Before the first client: each client copies the session's handlers.
        limit_requests(
            core,
            options.limiter,
            options.account or "default",
            region,
            options.profile or "default",
        )
        self._endpoint_url = options.endpoint_url
        from_env = os.environ.get("AWS_ENDPOINT_URL")
        if not self._endpoint_url and from_env:  # boto3 reads it; checked alike
            _check_endpoint_url(from_env, "AWS_ENDPOINT_URL")
        # total_max_attempts counts the first call, like AWS_MAX_ATTEMPTS; botocore's
        # "max_attempts" key would count retries only.
        retries: Any = {"mode": options.retry_mode, "total_max_attempts": options.max_attempts}
        self._config = Config(
            retries=retries,
            # botocore waits 60 s for each; an endpoint that accepts and never answers would
            # then hold every read for max_attempts minutes: a run that looks hung.
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            user_agent_extra=USER_AGENT,
        )
        self._clients: dict[str, Any] = {}
        if options.role_arn:
            # Before any client is made: the first one resolves the session's credentials.
            _assume_role(core, options, self._client_kwargs())

    def client(self, service: str) -> Any:
        if service not in self._clients:
            from botocore.exceptions import BotoCoreError, InvalidRegionError

            kwargs = self._client_kwargs()
            try:
                self._clients[service] = self.session.client(service, **kwargs)  # type: ignore[call-overload]
            except InvalidRegionError as exc:  # from AWS_REGION or the profile's config
                raise InputError("--region", None, str(exc)) from exc
            except (BotoCoreError, ValueError) as exc:  # ValueError: a bad AWS_ENDPOINT_URL
                source = "--endpoint-url" if self._endpoint_url else "AWS_ENDPOINT_URL"
                raise InputError(source, None, str(exc)) from exc
        return self._clients[service]

    def _client_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"region_name": self.region, "config": self._config}
        if self._endpoint_url:
            kwargs["endpoint_url"] = self._endpoint_url
        return kwargs

    def partition(self) -> str:
        """The partition of the region, for when STS cannot tell us."""
        return self.session.get_partition_for_region(self.region)


def known_profiles() -> list[str]:
    """The profiles of the AWS config and credentials files, read by botocore (no AWS call):
    a targets file's profiles are checked against them before any target runs."""
    import botocore.session

    return list(botocore.session.Session().available_profiles)
