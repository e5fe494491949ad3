"""Targets named on the command line (`--user-pool`, `--identity-pool`, `--api ID[:STAGE]`)."""

from __future__ import annotations

from auditor.model.errors import InputError
from auditor.model.snapshot import ApiRef, PoolRef, TargetRef


def parse_api(text: str) -> ApiRef:
    api_id, _, stage = text.partition(":")
    if not api_id:
        raise InputError("--api", None, f"{text!r} is not ID or ID:STAGE")
    return ApiRef(id=api_id, stage=stage or None)


def target_from_ids(user_pool: str | None, identity_pool: str | None, apis: list[str]) -> TargetRef:
    if not user_pool or not identity_pool:
        missing = "--user-pool" if not user_pool else "--identity-pool"
        raise InputError(missing, None, "required when no --baseline is given")
    return TargetRef(
        user_pool=PoolRef(id=user_pool),
        identity_pool=PoolRef(id=identity_pool),
        apis=[parse_api(a) for a in apis],
    )
