"""What a role's trust policy says about Cognito identity pools (AWS-FACTS.md §3).

Pure reading of the document: which statements let Cognito federated identities assume the
role, and which `aud` (identity pool) and `amr` (authenticated or not) conditions guard them.
Statements that cannot be read are skipped (`trust_unreadable` lists those that matter).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .cache import DEFAULT_CACHE, PolicyCache
from .documents import ReadPolicy, Statement, read_cached
from .glob import names_action, simple_glob_regex
from .model import NamedPolicy, Unreadable
from .variables import Literal, Part, Var

WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"
# China uses cognito-identity.amazonaws.com.cn; match the service name, not one partition's host.
_COGNITO_PRINCIPAL = re.compile(r"^cognito-identity\.amazonaws\.com(\.[a-z]+)*$")


@dataclass(frozen=True)
class CognitoTrust:
    """One Allow statement that admits Cognito identities through web identity federation."""

    index: int
    sid: str | None
    aud: tuple[tuple[str, str], ...] | None  # (operator, value) pairs; None: no aud condition
    amr: tuple[tuple[str, str], ...] | None  # (operator, value) pairs; None: no amr condition

    @property
    def label(self) -> str:
        return f"trust policy statement {self.index}" + (f" (Sid {self.sid})" if self.sid else "")

    @property
    def amr_values(self) -> tuple[str, ...] | None:
        return None if self.amr is None else tuple(value for _, value in self.amr)

    def admits_pool(self, pool_id: str) -> bool:
        if self.aud is None:
            return True
        return any(_string_condition_matches(op, value, pool_id) for op, value in self.aud)

    def requires_authenticated(self) -> bool:
        """Does some amr condition keep guests (amr `unauthenticated`) out?

        Condition operators AND together; within one operator the values OR together, so a
        block listing `unauthenticated` (or a pattern matching it, like `*`) admits guests.
        """
        by_operator: dict[str, list[str]] = {}
        for operator, value in self.amr or ():
            by_operator.setdefault(operator, []).append(value)
        return any(
            not any(_string_condition_matches(op, v, "unauthenticated") for v in values)
            and any(_string_condition_matches(op, v, "authenticated") for v in values)
            for op, values in by_operator.items()
        )


def _read(document: Mapping[str, Any], cache: PolicyCache | None) -> ReadPolicy:
    """The trust policy read statement by statement (its statements name no Resource), kept
    in `cache` (without one, the module default): the trust rules each ask."""
    policy = NamedPolicy("trust policy", document)
    return read_cached(policy, _own(cache), resource_policy=True, needs_resource=False)


def _own(cache: PolicyCache | None) -> PolicyCache:
    return DEFAULT_CACHE if cache is None else cache  # an empty cache is falsy (len 0)


def trust_unreadable(
    document: Mapping[str, Any], cache: PolicyCache | None = None
) -> tuple[Unreadable, ...]:
    """The statements (or the whole document) that could not be read and may grant
    sts:AssumeRoleWithWebIdentity. An empty document is a trust policy not read at all."""
    if not document:
        return ()
    return tuple(u for u in _read(document, cache).unreadable if u.may_match(WEB_IDENTITY_ACTION))


def _federated_cognito(statement: Statement) -> bool:
    """The statement's Principal (not a NotPrincipal) admits Cognito identities: it names
    cognito-identity as a federated provider, or is "*" (which admits every federated
    principal too)."""
    principals = statement.principals
    if principals is None or statement.not_principal:
        return False
    return any(p == "*" or _COGNITO_PRINCIPAL.match(p) for p in principals.federated)


def _grants_web_identity(statement: Statement) -> bool:
    return names_action(statement.actions, WEB_IDENTITY_ACTION) != statement.not_action


def _condition_values(statement: Statement, key_suffix: str) -> list[tuple[str, str]]:
    """(operator as written, value as written) for every condition on
    `cognito-identity...:<key_suffix>`."""
    found: list[tuple[str, str]] = []
    for clause in statement.clauses:
        if clause.negated:
            continue  # a negated operator never pins the pool down
        key = clause.key  # lower-cased when read
        if key.startswith("cognito-identity.") and key.endswith(":" + key_suffix):
            found.extend((clause.operator, _written(parts)) for parts in clause.values)
    return found


def _written(parts: tuple[Part, ...]) -> str:
    """A condition value as the policy wrote it (variables and escapes included): aud and amr
    values are matched as plain text and globs here."""
    return "".join(
        p.text if isinstance(p, Var) else f"${{{p.value}}}" if isinstance(p, Literal) else p.value
        for p in parts
    )


def _string_condition_matches(operator: str, pattern: str, value: str) -> bool:
    base = operator.split(":")[-1].removesuffix("IfExists")
    if base in ("StringLike",):
        return re.fullmatch(simple_glob_regex(pattern), value) is not None
    if base == "StringEqualsIgnoreCase":
        return pattern.lower() == value.lower()
    return pattern == value


def cognito_trust(
    document: Mapping[str, Any], cache: PolicyCache | None = None
) -> list[CognitoTrust]:
    """Every Allow statement letting Cognito identities assume the role with web identity.
    Kept in `cache` (without one, the module default) by the document: every trust rule
    asks about every role."""
    own = _own(cache)
    key = ("cognito-trust", id(document))
    return list(own.held(own.documents, key, (document,), lambda: _cognito_trust(document, own)))


def _cognito_trust(document: Mapping[str, Any], cache: PolicyCache) -> tuple[CognitoTrust, ...]:
    result = []
    for statement in _read(document, cache).statements:  # statements that cannot be read: skipped
        if statement.effect != "Allow":
            continue
        if not (_federated_cognito(statement) and _grants_web_identity(statement)):
            continue
        aud = _condition_values(statement, "aud")
        amr = _condition_values(statement, "amr")
        result.append(
            CognitoTrust(
                index=statement.ref.index,
                sid=statement.ref.sid,
                aud=tuple(aud) if aud else None,
                amr=tuple(amr) if amr else None,
            )
        )
    return tuple(result)
