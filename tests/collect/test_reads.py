"""Reads.run: an answer of another shape is a failed read; a bug in our code is not."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

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


@pytest.mark.parametrize(
    ("message", "scrubbed"),
    [
        (
            "Authorization=AWS4-HMAC-SHA256 Credential=AKIAABCDEFGHIJKLMNOP/20240101/us-east-1/"
            "iam/aws4_request, SignedHeaders=host, Signature=0a1b2c",
            "Authorization=AWS4-HMAC-SHA256 Credential=***, SignedHeaders=host, Signature=***",
        ),
        ("host:x\nx-amz-security-token:IQo/b+c==\n'", "host:x\nx-amz-security-token:***\n'"),
        ("?X-Amz-Security-Token=IQo%2Fb&X-Amz-Date=1", "?X-Amz-Security-Token=***&X-Amz-Date=1"),
        ("key ASIAABCDEFGHIJKLMNOP is expired", "key *** is expired"),
        ("role AROAABCDEFGHIJKLMNOP not found", "role AROAABCDEFGHIJKLMNOP not found"),
    ],
)
def test_a_failed_read_never_records_the_credentials_aws_echoes(
    message: str, scrubbed: str
) -> None:
    def fails() -> None:
        raise ClientError({"Error": {"Code": "IncompleteSignature", "Message": message}}, "Op")

    reads = Reads()
    reads.run("iam", "Op", None, fails)
    assert [e.message for e in reads.errors] == [f"IncompleteSignature: {scrubbed}"]


def test_a_value_the_models_refuse_is_one_line_naming_the_field() -> None:
    from auditor.model.snapshot import Group

    reads = Reads()
    assert reads.run("cognito-idp", "ListGroups", "pool", lambda: Group(name="g" * 2_000)) is None
    (error,) = reads.errors
    assert error.message.startswith("unexpected response: name: String should have at most")
    assert "\n" not in error.message
    assert len(error.message) <= 500 + len("unexpected response: ")
