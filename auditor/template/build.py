"""Application -> Snapshot: the resource types CONTRACT §6.5 and AWS-FACTS §9 name, read as
the live collector reads their AWS counterparts, with a SourceMap of where each is written.

What cannot be resolved offline becomes a CollectionError of the section it leaves unknown
(operation "template", message "<path>:<line> <LogicalId> <field>: <reason>"): the report is
incomplete, never a guess."""

from __future__ import annotations

from datetime import UTC, datetime

from auditor import __version__
from auditor.model.errors import InputError
from auditor.model.refs import ApiRef, PoolRef
from auditor.model.snapshot import (
    Api,
    CollectionError,
    IdentityPool,
    Snapshot,
    TargetRef,
    UserPool,
    roles_handed_out,
)
from auditor.template.build_apis import ApiSources, build_apis
from auditor.template.build_cognito import CognitoSources, build_identity_pool, build_user_pool
from auditor.template.build_context import BuildContext
from auditor.template.build_iam import IamSources, build_roles
from auditor.template.made_up import service_of
from auditor.template.model import (
    Application,
    Identities,
    SourceMap,
    TemplateSnapshot,
    Unresolved,
)
from auditor.template.references import references


def build_snapshot(
    app: Application, identities: Identities, target: TargetRef | None = None
) -> TemplateSnapshot:
    """The snapshot the live collector would build after deploying `app` with `identities`.
    `target` (from the baseline) picks the user pool, identity pool and APIs where the
    application has several; None: the only one of each, every API."""
    if not app.resources:
        raise InputError(", ".join(app.files) or "template", "Resources", "no resources")
    context = BuildContext.of(app, identities)
    cognito, iam, apis = CognitoSources(), IamSources(), ApiSources()
    user_pool = build_user_pool(context, target.user_pool if target else None, cognito)
    identity_pool = build_identity_pool(context, target.identity_pool if target else None, cognito)
    roles, policies = build_roles(context, roles_handed_out(user_pool, identity_pool), iam)
    built_apis = build_apis(context, list(target.apis) if target else [], apis)
    _made_elsewhere(context)
    snapshot = Snapshot(
        tool_version=__version__,
        collected_at=datetime.now(UTC).isoformat(timespec="seconds"),
        partition=identities.partition,
        region=identities.region,
        account_id=identities.account_id,
        target=target or _built_target(user_pool, identity_pool, built_apis),
        user_pool=user_pool,
        identity_pool=identity_pool,
        roles=roles,
        managed_policies=policies,
        apis=built_apis,
        errors=_errors(context.unresolved),
    )
    first = next(iter(app.resources.values())).location
    sources = SourceMap(
        fallback=first,
        user_pool=cognito.user_pool,
        identity_pool=cognito.identity_pool,
        role_attachment=cognito.role_attachment,
        groups=cognito.groups,
        clients=cognito.clients,
        roles=iam.roles,
        managed_policies=iam.managed_policies,
        inline_policies=iam.inline_policies,
        apis=apis.apis,
        routes=apis.routes,
        stages=apis.stages,
        partial_roles=frozenset(iam.partial),
    )
    return TemplateSnapshot(snapshot=snapshot, sources=sources)


def _built_target(
    user_pool: UserPool | None, identity_pool: IdentityPool | None, apis: list[Api]
) -> TargetRef:
    """What was built, by id, where no baseline named it."""
    return TargetRef(
        user_pool=PoolRef(id=user_pool.id if user_pool else None),
        identity_pool=PoolRef(id=identity_pool.id if identity_pool else None),
        apis=[ApiRef(id=api.id) for api in apis],
    )


def unresolved_error(unresolved: Unresolved) -> CollectionError:
    where = unresolved.location
    return CollectionError(
        service=unresolved.service,
        operation="template",
        message=f"{where.path}:{where.line} {where.logical_id} {unresolved.field}: "
        f"{unresolved.reason}",
        resource=where.logical_id,
    )


def _errors(unresolved: list[Unresolved]) -> list[CollectionError]:
    """One error per distinct Unresolved, in the order met."""
    return list({(e.service, e.message): e for e in map(unresolved_error, unresolved)}.values())


# Resources whose effects are made elsewhere: a nested stack's template, a custom resource's
# function. What they create or change is not read offline.
_NESTED_STACKS = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")
_CUSTOM = "AWS::CloudFormation::CustomResource"


def _made_elsewhere(context: BuildContext) -> None:
    """A deployed nested stack leaves the roles' policies unknown (it may attach a policy to
    any role, by name) and whatever it is handed (an API id: its routes); a custom resource,
    what it is handed (a role, a pool, an API it may change). A custom resource handed none
    of the audited resources is taken not to change them."""
    resources = context.app.resources
    for resource in resources.values():
        nested = resource.type in _NESTED_STACKS
        custom = resource.type == _CUSTOM or resource.type.startswith("Custom::")
        if not (nested or custom) or not context.deployed(resource):
            continue
        handed = {
            service_of(resources[name].type)
            for name in references(dict(resource.properties))
            if name in resources and name != resource.logical_id
        }
        reason = (
            "the resources of a nested stack are not read offline"
            if nested
            else "what a custom resource changes is not known offline"
        )
        for service in sorted(handed | {"iam"} if nested else handed):
            context.miss(resource, "Type", reason, service)
