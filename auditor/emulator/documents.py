"""Policy documents for seeding, written before the ids they name exist.

A document may hold placeholders that `seed` fills in once the account, region, identity
pool and APIs are known: ``<account_id>``, ``<region>``, ``<identity_pool_id>`` and
``<api_id:NAME>`` (the id of the API the spec names NAME).
"""

from __future__ import annotations

from typing import Any

Document = dict[str, Any]
POOL_PLACEHOLDER = "<identity_pool_id>"
ACCOUNT_PLACEHOLDER = "<account_id>"
REGION_PLACEHOLDER = "<region>"


def api_id_placeholder(api_name: str) -> str:
    """Stands for the id API Gateway gives the API named `api_name` in the same spec."""
    return f"<api_id:{api_name}>"


def cognito_trust_policy(identity_pool_id: str, amr: str = "authenticated") -> Document:
    """The trust policy AWS documents for an identity pool role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool_id},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
                },
            }
        ],
    }


def invoke_named_api(
    api_name: str, stage: str, *resources: str, sid: str | None = None
) -> Document:
    """Allow execute-api:Invoke on `VERB/path` resources of one stage of the API of the same
    spec named `api_name`: region, account and API id are filled in when seeded."""
    prefix = (
        f"arn:aws:execute-api:{REGION_PLACEHOLDER}:{ACCOUNT_PLACEHOLDER}:"
        f"{api_id_placeholder(api_name)}/{stage}"
    )
    return invoke_arns(*(f"{prefix}/{r}" for r in resources), sid=sid)


def invoke_arns(*arns: str, sid: str | None = None) -> Document:
    """Allow execute-api:Invoke on these execute-api ARNs, in one statement."""
    statement: Document = {
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": list(arns),
    }
    return {"Version": "2012-10-17", "Statement": [{"Sid": sid, **statement} if sid else statement]}
