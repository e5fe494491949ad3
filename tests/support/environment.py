"""One emulated environment with every shape the collector must read faithfully."""

from __future__ import annotations

from auditor.emulator.seed import (
    EnvironmentSpec,
    GroupSpec,
    HttpApiSpec,
    IdentityPoolSpec,
    ManagedPolicySpec,
    RestApiSpec,
    RoleMappingSpec,
    RoleSpec,
    RuleSpec,
    UserPoolSpec,
)

INVOKE_ITEMS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:us-east-1:<account_id>:*/prod/GET/items",
        }
    ],
}
# Legal but odd shapes, to be stored exactly as written.
ODD = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Deny",
        "NotAction": "execute-api:Invoke",
        "NotResource": ["arn:aws:execute-api:*:*:*/prod/*"],
    },
}
BOUNDARY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["execute-api:*"], "Resource": "*"}],
}
SHARED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Me",
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:*:*:*/*/GET/me/${cognito-identity.amazonaws.com:sub}",
        }
    ],
}
PUBLIC_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
        }
    ],
}
GHOST_ROLE = "arn:aws:iam::123456789012:role/deleted-long-ago"

REST_ROUTES = {
    "GET /health": "NONE",
    "GET /items": "AWS_IAM",
    "POST /items": "AWS_IAM",
    "GET /items/{id}": "AWS_IAM",
    "DELETE /items/{id}": "AWS_IAM",
    "GET /profile": "COGNITO_USER_POOLS",
    "GET /legacy": "CUSTOM",
    "ANY /files/{proxy+}": "AWS_IAM",
    "GET /": "NONE",
}
HTTP_ROUTES = {
    "$default": "NONE",
    "ANY /{proxy+}": "AWS_IAM",
    "GET /orders": "JWT",
    "POST /orders": "CUSTOM",
    "GET /orders/{id}": "AWS_IAM",
}


def full_spec() -> EnvironmentSpec:
    return EnvironmentSpec(
        managed_policies=[
            ManagedPolicySpec("shared-invoke", SHARED),
            ManagedPolicySpec("odd-shapes", ODD, path="/app/"),
            ManagedPolicySpec("boundary", BOUNDARY),
            ManagedPolicySpec("unused", BOUNDARY),
        ],
        roles=[
            RoleSpec("app-default", inline={"items": INVOKE_ITEMS}, managed=["shared-invoke"]),
            RoleSpec("app-guest", trust_amr="unauthenticated"),
            RoleSpec(
                "app-admin",
                inline={"items": INVOKE_ITEMS, "odd": ODD},
                managed=["shared-invoke", "odd-shapes"],
                boundary="boundary",
                path="/groups/",
            ),
            RoleSpec("app-editors", managed=["odd-shapes"]),
            RoleSpec(
                "app-rules-only",
                trust={
                    "Version": "2012-10-17",
                    "Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
                },
            ),
            RoleSpec("unrelated", inline={"x": INVOKE_ITEMS}),
        ],
        user_pool=UserPoolSpec(
            name="app-users",
            clients=["web", "mobile"],
            groups=[
                GroupSpec("admin", role="app-admin", precedence=0, description="admins"),
                GroupSpec("editors", role="app-editors", precedence=10),
                GroupSpec("readers"),
                GroupSpec("ghosts", role=GHOST_ROLE, precedence=10),
            ],
        ),
        identity_pool=IdentityPoolSpec(
            name="app_identities",
            allow_unauthenticated=True,
            allow_classic_flow=True,
            authenticated_role="app-default",
            unauthenticated_role="app-guest",
            mapping=RoleMappingSpec(
                type="Rules",
                ambiguous_role_resolution="Deny",
                client="mobile",
                rules=[
                    RuleSpec("cognito:groups", "Contains", "admin", "app-admin"),
                    RuleSpec("custom:tier", "Equals", "gold", "app-rules-only"),
                ],
            ),
        ),
        rest_apis=[
            RestApiSpec("shop", routes=REST_ROUTES, stages=["prod", "dev"], policy=PUBLIC_POLICY)
        ],
        http_apis=[HttpApiSpec("orders", routes=HTTP_ROUTES, stages=["$default", "beta"])],
    )
