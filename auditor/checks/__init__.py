"""Every rule of the catalog as one small function; listed explicitly, no discovery.

CHECKS is the one list of rules in code, in the order of the contract's rule tables (§5,
then §6): `auditor rules` lists them this way, and tests/audit/test_rule_catalog.py checks
every other place a rule id is written (its rules/<id>.yaml, the report schema's enum, the
contract's tables, the check's own Issues) against it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from auditor.checks import (
    access,
    claims,
    deployments,
    groups,
    history,
    identity_pool,
    policies,
    routes,
    template_drift,
    trust,
)
from auditor.checks.context import AuditContext
from auditor.model.findings import Issue

Check = Callable[[AuditContext], Iterator[Issue]]

CHECKS: dict[str, Check] = {
    "missing-all-users-route": access.missing_all_users_route,
    "missing-route": access.missing_route,
    "excess-route": access.excess_route,
    "overbroad-grant": access.overbroad_grant,
    "role-mapping-missing": identity_pool.role_mapping_missing,
    "role-mapping-drift": identity_pool.role_mapping_drift,
    "default-role-missing": identity_pool.default_role_missing,
    "default-role-drift": identity_pool.default_role_drift,
    "unauthenticated-enabled": identity_pool.unauthenticated_enabled,
    "classic-flow-enabled": identity_pool.classic_flow_enabled,
    "group-missing": groups.group_missing,
    "group-undeclared": groups.group_undeclared,
    "group-role-missing": groups.group_role_missing,
    "group-role-drift": groups.group_role_drift,
    "precedence-drift": groups.precedence_drift,
    "ambiguous-precedence": groups.ambiguous_precedence,
    "trust-not-cognito": trust.trust_not_cognito,
    "trust-missing-aud": trust.trust_missing_aud,
    "trust-wrong-pool": trust.trust_wrong_pool,
    "trust-missing-amr": trust.trust_missing_amr,
    "route-not-iam": routes.route_not_iam,
    "route-undeclared": routes.route_undeclared,
    "route-missing": routes.route_missing,
    "resource-policy-public": routes.resource_policy_public,
    "changed-since-last-run": history.changed_since_last_run,
    "claim-rule-undeclared": claims.claim_rule_undeclared,
    "claim-user-writable": claims.claim_user_writable,
    "role-mapping-inconsistent": identity_pool.role_mapping_inconsistent,
    "group-role-unused": groups.group_role_unused,
    "route-undeployed-change": deployments.route_undeployed_change,
    "policy-unreadable": policies.policy_unreadable,
    "template-drift": template_drift.template_drift,
}

__all__ = ["CHECKS", "AuditContext", "Check"]
