"""A template's Body -> Routes (model/openapi_routes.py): swagger 2.0 as written or as the SAM
translator generates it, OpenAPI 3 for HTTP APIs; what it cannot read is an error, never
NONE."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.model.openapi_routes import authorization_view, openapi_routes

SIGV4 = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "awsSigv4",
}
API_KEY = {"type": "apiKey", "name": "x-api-key", "in": "header"}
COGNITO = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "cognito_user_pools",
    "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["arn"]},
}
TOKEN = {"type": "apiKey", "x-amazon-apigateway-authorizer": {"type": "token"}}


def swagger(paths: dict[str, Any], **top: Any) -> dict[str, Any]:
    definitions = {"AWS_IAM": SIGV4, "api_key": API_KEY, "Users": COGNITO, "Lambda": TOKEN}
    return {"swagger": "2.0", "securityDefinitions": definitions, "paths": paths, **top}


def routes(document: dict[str, Any], *, rest: bool = True) -> list[tuple[str, str, str]]:
    return [(r.method, r.path, r.authorization_type) for r in openapi_routes(document, rest=rest)]


def test_sam_shapes() -> None:
    """SAM's DefaultAuthorizer AWS_IAM on each operation, `NONE` for Authorizer: NONE (a
    scheme it never defines), an API key beside IAM, and ANY."""
    document = swagger(
        {
            "/items": {
                "get": {"security": [{"AWS_IAM": []}]},
                "post": {"security": [{"AWS_IAM": [], "api_key": []}]},
            },
            "/health": {"get": {"security": [{"NONE": []}]}},
            "/admin/{proxy+}": {"x-amazon-apigateway-any-method": {"security": [{"AWS_IAM": []}]}},
            "/keyed": {"get": {"security": [{"api_key": []}]}},
        }
    )
    assert routes(document) == [
        ("ANY", "/admin/{proxy+}", "AWS_IAM"),
        ("GET", "/health", "NONE"),
        ("GET", "/items", "AWS_IAM"),
        ("POST", "/items", "AWS_IAM"),
        ("GET", "/keyed", "NONE"),
    ]


def test_the_top_level_security_is_the_default_and_an_empty_list_opts_out() -> None:
    document = swagger(
        {"/a": {"get": {}, "put": {"security": []}, "parameters": []}}, security=[{"Users": []}]
    )
    assert routes(document) == [("GET", "/a", "COGNITO_USER_POOLS"), ("PUT", "/a", "NONE")]


def test_rest_only_authorizers_are_refused_in_an_http_api() -> None:
    document = swagger({"/a": {"get": {"security": [{"Lambda": []}]}}})
    assert routes(document) == [("GET", "/a", "CUSTOM")]
    with pytest.raises(ValueError, match="'Lambda' is not IAM nor a known authorizer"):
        routes(document, rest=False)


def test_openapi_3_http_api_with_its_default_route() -> None:
    document = {
        "openapi": "3.0.1",
        "components": {"securitySchemes": {"sigv4": SIGV4}},
        "paths": {
            "$default": {"x-amazon-apigateway-any-method": {"security": [{"sigv4": []}]}},
            "/me": {"get": {"security": [{"sigv4": []}]}},
        },
    }
    assert routes(document, rest=False) == [
        ("ANY", "$default", "AWS_IAM"),
        ("GET", "/me", "AWS_IAM"),
    ]


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"swagger": "2.0"}, "not an OpenAPI document with paths"),
        (swagger({"/a": {"get": {"security": [{"Nowhere": []}]}}}), "'Nowhere' is not defined"),
        (
            swagger({"/a": {"get": {"security": [{"AWS_IAM": []}, {"Users": []}]}}}),
            "one requirement",
        ),
        (swagger({"/a": {"get": {"security": [{"AWS_IAM": [], "Users": []}]}}}), "one scheme"),
        (swagger({"/a": ["not", "an", "object"]}), "path '/a' is not an object"),
        (
            swagger(
                {"$default": {"get": {"security": []}, "post": {"security": [{"AWS_IAM": []}]}}}
            ),
            "the \\$default route is x-amazon-apigateway-any-method only",
        ),
    ],
)
def test_what_cannot_be_read_is_an_error(document: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        openapi_routes(document, rest=True)


def test_the_authorization_view_keeps_what_decides_who_may_call() -> None:
    document = swagger(
        {
            "/a": {
                "get": {
                    "security": [{"Lambda": []}],
                    "x-amazon-apigateway-integration": {"uri": {"Fn::GetAtt": ["F", "Arn"]}},
                    "responses": {},
                },
                "parameters": [],
            },
            "/b": {"Fn::If": ["C", {}, {}]},
        },
        info={"title": "t", "version": "1"},
        definitions={"Item": {}},
    )
    document["securityDefinitions"]["Lambda"] = {
        "type": "apiKey",
        "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": {"Ref": "F"}},
    }
    assert authorization_view(document) == {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "securityDefinitions": {
            "AWS_IAM": {"type": "apiKey", "x-amazon-apigateway-authtype": "awsSigv4"},
            "api_key": {"type": "apiKey"},
            "Users": {
                "type": "apiKey",
                "x-amazon-apigateway-authtype": "cognito_user_pools",
                "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools"},
            },
            "Lambda": {"type": "apiKey", "x-amazon-apigateway-authorizer": {"type": "token"}},
        },
        "paths": {"/a": {"get": {"security": [{"Lambda": []}]}}, "/b": {"Fn::If": ["C", {}, {}]}},
    }
    assert routes(authorization_view(document) | {"paths": {"/a": {"get": {}}}}) == [
        ("GET", "/a", "NONE")
    ]
