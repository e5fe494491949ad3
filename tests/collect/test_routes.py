"""Parsing what a stage serves from API Gateway's answers (auditor/collect/routes.py)."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.collect.routes import export_routes, summary_routes
from auditor.model.snapshot import Route

SIGV4 = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "awsSigv4",
}


def _document(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "paths": paths,
        "components": {"securitySchemes": {"sigv4": SIGV4}},
        **extra,
    }


def test_summary_routes_in_path_order_without_authorizer() -> None:
    summary = {
        "/items": {"POST": {"authorizationType": "AWS_IAM", "apiKeyRequired": False}},
        "/": {"GET": {"authorizationType": "NONE", "apiKeyRequired": True}},
    }
    assert summary_routes(summary) == [
        Route(method="GET", path="/", authorization_type="NONE"),
        Route(method="POST", path="/items", authorization_type="AWS_IAM"),
    ]


def test_a_document_level_security_applies_to_operations_without_their_own() -> None:
    document = _document(
        {"/a": {"get": {}, "post": {"security": []}, "parameters": []}}, security=[{"sigv4": []}]
    )
    assert [(r.key, r.authorization_type) for r in export_routes(document)] == [
        ("GET /a", "AWS_IAM"),
        ("POST /a", "NONE"),
    ]


@pytest.mark.parametrize(
    ("security", "schemes"),
    [
        ([{"missing": []}], {}),
        ([{"sigv4": []}, {"other": []}], {"other": SIGV4}),  # alternatives: not AWS's shape
        (
            [{"mystery": []}],
            {"mystery": {"type": "apiKey", "x-amazon-apigateway-authorizer": {"type": "token"}}},
        ),
    ],
    ids=["undefined", "alternatives", "unknown-type"],
)
def test_what_cannot_be_read_as_an_authorization_is_an_error_not_none(
    security: list[dict[str, list[str]]], schemes: dict[str, Any]
) -> None:
    document = _document({"/a": {"get": {"security": security}}})
    document["components"]["securitySchemes"] |= schemes
    with pytest.raises(ValueError):
        export_routes(document)


@pytest.mark.parametrize("document", [[], {"openapi": "3.0.1"}, {"paths": []}])
def test_not_an_openapi_export(document: Any) -> None:
    with pytest.raises(ValueError):
        export_routes(document)
