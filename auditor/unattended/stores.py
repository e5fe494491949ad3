"""Where the state file lives between runs: a local file or an S3 object (`s3://bucket/key`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from auditor.commands.atomic import write_text_atomic
from auditor.model.errors import InputError
from auditor.model.inputs import load_file, read_capped
from auditor.model.state import STATE_FORMAT, State

if TYPE_CHECKING:
    from auditor.collect import AwsOptions


class StateStore(Protocol):
    @property
    def location(self) -> str: ...

    def load(self) -> State | None: ...

    def save(self, state: State) -> None: ...


@dataclass
class LocalStateStore:
    path: Path

    @property
    def location(self) -> str:
        return str(self.path)

    def load(self) -> State | None:
        if not self.path.exists():  # the first run
            return None
        return load_file(State, self.path, STATE_FORMAT)

    def save(self, state: State) -> None:
        write_text_atomic(self.path, state.to_json())


@dataclass
class S3StateStore:
    bucket: str
    key: str
    aws: AwsOptions | None = None

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @functools.cached_property
    def _client(self) -> Any:
        from auditor.collect.session import AwsClients, AwsOptions

        # Same session, endpoint and retry policy as the collectors; one client for load and save.
        return AwsClients(self.aws or AwsOptions()).client("s3")

    def load(self) -> State | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self.key)
            text = read_capped(response["Body"], self.location, "state", STATE_FORMAT.max_bytes)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404"):
                return None
            raise InputError(self.location, None, f"cannot read state: {code or exc}") from exc
        except BotoCoreError as exc:
            raise InputError(self.location, None, f"cannot read state: {exc}") from exc
        return State.from_json(text, source=self.location)

    def save(self, state: State) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        # A single PutObject replaces the object atomically: readers see old or new, never half.
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=self.key,
                Body=state.to_json().encode(),
                ContentType="application/json",
            )
        except ClientError as exc:
            # The code only: S3's message may quote the request, credentials included.
            code = exc.response.get("Error", {}).get("Code", "") or "error"
            raise InputError(self.location, None, f"cannot write state: {code}") from None
        except BotoCoreError as exc:
            raise InputError(self.location, None, f"cannot write state: {exc}") from None


def open_store(location: str, aws: AwsOptions | None = None) -> StateStore:
    if location.startswith("s3://"):
        from auditor.commands.options import s3_address

        bucket, key = s3_address(location, location)
        return S3StateStore(bucket=bucket, key=key, aws=aws)
    return LocalStateStore(Path(location))
