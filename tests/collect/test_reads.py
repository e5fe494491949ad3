"""Reads.run: an answer of another shape is a failed read; a bug in our code is not."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.collect import AwsOptions
from auditor.collect.reads import Reads
from auditor.collect.session import AwsClients
from tests.support.aws import Aws


def _answer_value(answer: Any) -> Any:
    return answer["Item"].get("Name")  # the model says Item is a map


@pytest.mark.parametrize("item", [[1, 2], "text", None, 3])
def test_an_attribute_missing_on_an_answer_value_is_a_failed_read(item: object) -> None:
    reads = Reads()
    assert reads.run("svc", "GetItem", "id-1", lambda: _answer_value({"Item": item})) is None
    (error,) = reads.errors
    assert (error.service, error.operation, error.resource) == ("svc", "GetItem", "id-1")
    assert error.message.startswith("unexpected response: AttributeError(")


class _Collector:
    pass


def test_an_attribute_missing_on_our_own_object_is_a_bug_that_surfaces() -> None:
    reads = Reads()
    collector = _Collector()
    with pytest.raises(AttributeError, match="client"):
        reads.run("svc", "GetItem", None, lambda: collector.client)  # type: ignore[attr-defined]
    assert reads.errors == []


def test_a_botocore_client_method_that_does_not_exist_is_a_bug(aws: Aws) -> None:
    sts = AwsClients(AwsOptions(endpoint_url=aws.url)).client("sts")
    reads = Reads()
    with pytest.raises(AttributeError, match="get_caller_identityy"):
        reads.run("sts", "GetCallerIdentity", None, lambda: sts.get_caller_identityy())
    assert reads.errors == []
