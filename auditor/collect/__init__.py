"""Collect the live access configuration into a Snapshot: the only code that reads AWS.

Every read that fails after retries lands in Snapshot.errors and collection goes on; a pool or
API the user named that does not exist raises TargetNotFoundError.
"""

from __future__ import annotations

from datetime import UTC, datetime

from auditor import __version__
from auditor.collect import apigateway, cognito, iam
from auditor.collect.reads import Reads
from auditor.collect.session import AwsClients, AwsOptions
from auditor.model.snapshot import Snapshot, TargetRef, roles_handed_out

__all__ = ["CALLS", "OPERATIONS", "AwsOptions", "collect_snapshot"]

_STS_OPERATIONS: tuple[str, ...] = ("sts:GetCallerIdentity",)

# Every IAM action the collectors need: the least-privilege policy for the tool.
OPERATIONS: tuple[str, ...] = tuple(
    sorted({*_STS_OPERATIONS, *cognito.OPERATIONS, *iam.OPERATIONS, *apigateway.OPERATIONS})
)
# Every API call they may make, as "service:Operation" (the emulator's request log names).
CALLS: tuple[str, ...] = tuple(
    sorted({*_STS_OPERATIONS, *cognito.CALLS, *iam.CALLS, *apigateway.CALLS})
)


def collect_snapshot(target: TargetRef, options: AwsOptions) -> Snapshot:
    try:
        return _collect(target, options)
    finally:
        if options.progress is not None:  # a live line on the terminal goes away here
            options.progress.finished()


def _collect(target: TargetRef, options: AwsOptions) -> Snapshot:
    clients = AwsClients(options)
    reads = Reads()
    caller = reads.run("sts", "GetCallerIdentity", None, lambda: _caller(clients))
    account_id, partition = caller if caller else (None, clients.partition())

    user_pool = cognito.collect_user_pool(clients, reads, target.user_pool)
    identity_pool = cognito.collect_identity_pool(clients, reads, target.identity_pool)
    roles, policies = iam.collect_roles(clients, reads, roles_handed_out(user_pool, identity_pool))
    apis = apigateway.collect_apis(clients, reads, target.apis)
    return Snapshot(
        tool_version=__version__,
        collected_at=datetime.now(UTC).isoformat(timespec="seconds"),
        partition=partition,
        region=clients.region,
        account_id=account_id,
        target=target,
        user_pool=user_pool,
        identity_pool=identity_pool,
        roles=roles,
        managed_policies=policies,
        apis=apis,
        errors=reads.errors,
    )


def _caller(clients: AwsClients) -> tuple[str, str]:
    """(account id, partition) of the credentials."""
    identity = clients.client("sts").get_caller_identity()
    return identity["Account"], identity["Arn"].split(":")[1]
