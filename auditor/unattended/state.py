"""State kept between runs (`--state PATH`): what the previous run saw, in a form small
enough to store and rich enough to describe what changed since.

The state lives in a local file or at `s3://bucket/key`. A file that is not ours, or is for
another target, is an input error: silently starting over would re-alert on every open
finding and forget a pending alert.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from auditor.commands.atomic import write_text_atomic
from auditor.model.errors import InputError
from auditor.model.findings import Finding
from auditor.model.snapshot import Snapshot, canonical_json

if TYPE_CHECKING:
    from auditor.collect import AwsOptions

STATE_SCHEMA_VERSION = "1"
STATE_KIND = "cognito-route-auditor/state"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GroupState(_Model):
    precedence: int | None = None
    role_arn: str | None = None


class RoleMappingState(_Model):
    type: str
    ambiguous_role_resolution: str | None = None
    rules: list[str] = []  # "claim MatchType value -> role", in evaluation order


class IdentityPoolState(_Model):
    allow_unauthenticated: bool
    allow_classic_flow: bool
    authenticated_role: str | None = None
    unauthenticated_role: str | None = None
    role_mappings: dict[str, RoleMappingState] = {}


class ConfigSummary(_Model):
    """The live configuration, reduced to what a reader wants to see diffed.

    A section is None when it could not be read: no change is claimed for it.
    """

    groups: dict[str, GroupState] | None = None
    identity_pool: IdentityPoolState | None = None
    # role ARN -> {"trust" | "inline:<name>" | "managed:<arn>" | "boundary:<arn>": sha256 prefix}
    role_policies: dict[str, dict[str, str]] | None = None
    # api id -> {route key: authorization type}
    routes: dict[str, dict[str, str]] | None = None


class StateTarget(_Model):
    account_id: str | None = None
    region: str
    user_pool_id: str | None = None
    identity_pool_id: str | None = None


class PendingAlert(_Model):
    """An alert that could not be delivered; merged into the next run's alert."""

    created_at: str
    new: list[Finding] = []
    resolved: list[Finding] = []


class State(_Model):
    kind: str = STATE_KIND
    schema_version: str = STATE_SCHEMA_VERSION
    updated_at: str
    target: StateTarget
    snapshot_digest: str | None = None
    config: ConfigSummary
    open_findings: list[Finding] = []
    pending_alert: PendingAlert | None = None

    def to_json(self) -> str:
        return canonical_json(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, text: str, *, source: str) -> State:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                source, None, f"state file is not valid JSON ({exc.msg} at line {exc.lineno})"
            ) from exc
        if not isinstance(raw, dict) or raw.get("kind") != STATE_KIND:
            raise InputError(source, "kind", "not a cognito-route-auditor state file")
        if raw.get("schema_version") != STATE_SCHEMA_VERSION:
            raise InputError(
                source,
                "schema_version",
                f"unsupported state version "
                f"{raw.get('schema_version')!r}, expected {STATE_SCHEMA_VERSION!r}",
            )
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise InputError(source, field, f"invalid state file: {first['msg']}") from exc

    def check_target(self, target: StateTarget, *, source: str) -> None:
        """Refuse a state recorded for another user pool or identity pool."""
        for field in ("user_pool_id", "identity_pool_id"):
            before, now = getattr(self.target, field), getattr(target, field)
            if before and now and before != now:
                raise InputError(
                    source,
                    f"target.{field}",
                    f"state is for {before}, this run audits {now}; use another --state path",
                )


# --- summary of a snapshot -------------------------------------------------------------------

# Which snapshot sections a failed read of each service leaves unknown.
_SECTIONS_BY_SERVICE = {
    "cognito-idp": {"groups"},
    "cognito-identity": {"identity_pool"},
    "iam": {"role_policies"},
    "apigateway": {"routes"},
    "apigatewayv2": {"routes"},
    "sts": set(),  # only the account id
}
_ALL_SECTIONS = {"groups", "identity_pool", "role_policies", "routes"}


def unreadable_sections(snapshot: Snapshot) -> set[str]:
    """Sections a collection error may have left wrong; unknown services taint everything."""
    sections: set[str] = set()
    for error in snapshot.errors:
        sections |= _SECTIONS_BY_SERVICE.get(error.service.lower(), _ALL_SECTIONS)
    if snapshot.user_pool is None:
        sections.add("groups")
    if snapshot.identity_pool is None:
        sections.add("identity_pool")
    return sections


def document_hash(document: Any) -> str:
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()[:16]


def summarize(snapshot: Snapshot) -> ConfigSummary:
    unknown = unreadable_sections(snapshot)
    groups = identity_pool = role_policies = routes = None
    if "groups" not in unknown and snapshot.user_pool is not None:
        groups = {
            g.name: GroupState(precedence=g.precedence, role_arn=g.role_arn)
            for g in snapshot.user_pool.groups
        }
    if "identity_pool" not in unknown and snapshot.identity_pool is not None:
        pool = snapshot.identity_pool
        identity_pool = IdentityPoolState(
            allow_unauthenticated=pool.allow_unauthenticated,
            allow_classic_flow=pool.allow_classic_flow,
            authenticated_role=pool.authenticated_role,
            unauthenticated_role=pool.unauthenticated_role,
            role_mappings={
                key: RoleMappingState(
                    type=m.type,
                    ambiguous_role_resolution=m.ambiguous_role_resolution,
                    rules=[f"{r.claim} {r.match_type} {r.value} -> {r.role_arn}" for r in m.rules],
                )
                for key, m in pool.role_mappings.items()
            },
        )
    if "role_policies" not in unknown:
        role_policies = {arn: _role_hashes(snapshot, arn) for arn in snapshot.roles}
    if "routes" not in unknown:
        routes = {
            api.id: {r.key: r.authorization_type for r in api.routes} for api in snapshot.apis
        }
    return ConfigSummary(
        groups=groups, identity_pool=identity_pool, role_policies=role_policies, routes=routes
    )


def _role_hashes(snapshot: Snapshot, arn: str) -> dict[str, str]:
    role = snapshot.roles[arn]
    hashes = {"trust": document_hash(role.trust_policy)}
    for inline in role.inline_policies:
        hashes[f"inline:{inline.name}"] = document_hash(inline.document)
    for policy_arn in role.attached_policy_arns:
        managed = snapshot.managed_policies.get(policy_arn)
        hashes[f"managed:{policy_arn}"] = document_hash(managed.document if managed else None)
    if role.permissions_boundary_arn:
        boundary = snapshot.managed_policies.get(role.permissions_boundary_arn)
        hashes[f"boundary:{role.permissions_boundary_arn}"] = document_hash(
            boundary.document if boundary else None
        )
    return hashes


def carry_over(current: ConfigSummary, previous: ConfigSummary | None) -> ConfigSummary:
    """Keep the last known value of sections this run could not read."""
    if previous is None:
        return current
    return ConfigSummary(
        groups=current.groups if current.groups is not None else previous.groups,
        identity_pool=current.identity_pool
        if current.identity_pool is not None
        else previous.identity_pool,
        role_policies=current.role_policies
        if current.role_policies is not None
        else previous.role_policies,
        routes=current.routes if current.routes is not None else previous.routes,
    )


# --- storage ---------------------------------------------------------------------------------


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
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(self.location, None, f"cannot read state file: {exc}") from exc
        return State.from_json(text, source=self.location)

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
            text = response["Body"].read().decode("utf-8")
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404"):
                return None
            raise InputError(self.location, None, f"cannot read state: {code or exc}") from exc
        except (BotoCoreError, UnicodeDecodeError) as exc:
            raise InputError(self.location, None, f"cannot read state: {exc}") from exc
        return State.from_json(text, source=self.location)

    def save(self, state: State) -> None:
        # A single PutObject replaces the object atomically: readers see old or new, never half.
        self._client.put_object(
            Bucket=self.bucket,
            Key=self.key,
            Body=state.to_json().encode(),
            ContentType="application/json",
        )


def s3_location(uri: str, source: str) -> tuple[str, str]:
    """(bucket, key) of `s3://bucket/key`; an InputError naming `source` otherwise."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket or not key:
        raise InputError(source, None, f"expected s3://bucket/key, got {uri!r}")
    return bucket, key


def open_store(location: str, aws: AwsOptions | None = None) -> StateStore:
    if location.startswith("s3://"):
        bucket, key = s3_location(location, location)
        return S3StateStore(bucket=bucket, key=key, aws=aws)
    return LocalStateStore(Path(location))
