"""One name per route in findings: the checks and the change history must agree on it."""

from __future__ import annotations

from auditor.model.snapshot import PoolRef, Snapshot, TargetRef


def _snapshot(partition: str = "aws") -> Snapshot:
    return Snapshot(
        region="us-east-1",
        account_id="123456789012",
        partition=partition,
        target=TargetRef(user_pool=PoolRef(id="p"), identity_pool=PoolRef(id="i")),
    )


def test_route_arn_names_verbs_any_and_default() -> None:
    snap = _snapshot()
    prefix = "arn:aws:execute-api:us-east-1:123456789012:api1/*/"
    assert snap.route_arn("api1", "GET", "/items/{id}") == prefix + "GET/items/{id}"
    assert snap.route_arn("api1", "ANY", "/x") == prefix + "*/x"
    assert snap.route_arn("api1", "ANY", "$default") == prefix + "*/{proxy+}"
    assert snap.route_arn("api1", "GET", "/", stage="prod").endswith("api1/prod/GET/")
    assert _snapshot("aws-cn").route_arn("a", "GET", "/").startswith("arn:aws-cn:execute-api:")
