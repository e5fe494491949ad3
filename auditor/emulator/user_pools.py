"""cognito-idp user pools and app clients as AWS describes them, where moto 5.2 differs.

Checked against moto's source and the botocore model (cognito-idp 2016-04-18):
- `WriteAttributes` on Create/Update/DescribeUserPoolClient: stored and returned as given,
  omitted when never set (as AWS does); ListUserPoolClients carries no secret. But moto takes
  any name, where AWS refuses one the pool's schema lacks (InvalidParameterException
  "Invalid write attributes specified while creating a client", public issue threads); and
  UpdateUserPoolClient merges, where AWS sets every setting the request leaves out to its
  default (API reference), an unset attribute list included. Here the Read/WriteAttributes
  lists are reset so (the other settings still merge: the auditor reads none of them).
- DescribeUserPool `SchemaAttributes`: custom attributes come as "custom:x" ("dev:custom:x"
  when DeveloperOnlyAttribute, as AWS names them), with Mutable and DeveloperOnlyAttribute;
  but a pool created with a Schema loses the standard attributes, which AWS always lists.
  Here they are kept, first, as AWS lists them.
- `AdminCreateUserConfig.AllowAdminCreateUserOnly`: stored and returned (default false).
"""

from __future__ import annotations

from typing import Any

from auditor.emulator.extensions import patch

_ATTRIBUTE_LISTS = ("ReadAttributes", "WriteAttributes")


def install() -> None:
    from moto.cognitoidp.models import (
        CognitoIdpBackend,
        CognitoIdpUserPool,
        CognitoIdpUserPoolAttribute,
    )

    original_init = CognitoIdpUserPool.__init__
    original_create = CognitoIdpBackend.create_user_pool_client
    original_update = CognitoIdpBackend.update_user_pool_client

    def pool_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        standard = {
            name: self.schema_attributes.get(name)
            or CognitoIdpUserPoolAttribute(name, False, schema)
            for name, schema in CognitoIdpUserPoolAttribute.STANDARD_SCHEMA.items()
        }
        custom = {k: v for k, v in self.schema_attributes.items() if k not in standard}
        self.schema_attributes = standard | custom

    def create_client(
        self: Any, user_pool_id: str, generate_secret: bool, extended_config: dict[str, Any]
    ) -> Any:
        _check_attributes(self, user_pool_id, extended_config, "creating")
        return original_create(self, user_pool_id, generate_secret, extended_config)

    def update_client(
        self: Any, user_pool_id: str, client_id: str, extended_config: dict[str, Any]
    ) -> Any:
        _check_attributes(self, user_pool_id, extended_config, "updating")
        client = self.describe_user_pool_client(user_pool_id, client_id)
        for key in _ATTRIBUTE_LISTS:  # left out of the request: back to unset
            if key not in extended_config:
                client.extended_config.pop(key, None)
        return original_update(self, user_pool_id, client_id, extended_config)

    patch(CognitoIdpUserPool, "__init__", pool_init)
    patch(CognitoIdpBackend, "create_user_pool_client", create_client)
    patch(CognitoIdpBackend, "update_user_pool_client", update_client)


def _check_attributes(backend: Any, user_pool_id: str, config: dict[str, Any], doing: str) -> None:
    from moto.cognitoidp.exceptions import InvalidParameterException

    known = backend.describe_user_pool(user_pool_id).schema_attributes
    for key in _ATTRIBUTE_LISTS:
        if any(name not in known for name in config.get(key) or []):
            kind = key.removesuffix("Attributes").lower()
            raise InvalidParameterException(
                f"Invalid {kind} attributes specified while {doing} a client"
            )
