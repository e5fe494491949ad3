"""What each stage of an API serves: its stages as GetStages lists them, and their deployments,
read once per distinct deployment.

Nothing here guesses: a read that fails, or a stage answer we cannot use, leaves the stage in
`Served.unread` (what it serves is unknown), never "serves nothing" or "serves the definition".
The one assumption, what an auto-deploy stage not yet deployed serves, is `http_stages`'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from auditor.collect.reads import Reads
from auditor.model.route_grammar import stage_name_problem
from auditor.model.snapshot import Deployment, Route
from auditor.model.snapshot_fields import one_line_errors


class StageInfo(NamedTuple):
    """One stage as GetStages describes it."""

    name: str
    deployment_id: str | None  # the deployment it serves; None: none (an HTTP stage)
    serves_definition: bool = False  # an HTTP auto-deploy stage not deployed yet: latest routes
    unusable: str | None = None  # why the answer does not say what the stage serves
    canary_id: str | None = None  # the deployment a REST stage's canary serves beside it


# Parsed inside reads.run, like every answer.


def _named(name: Any) -> str:
    """A stage's name, which the snapshot (and every message) repeats: one AWS could not
    have given makes the whole listing unusable, since which stage it is cannot be said."""
    problem = stage_name_problem(name) if isinstance(name, str) else "a stage name is text"
    if problem is not None:
        raise ValueError(problem)
    return str(name)


def _deployment_id(value: Any) -> str | None:
    """A deployment id as AWS gives it, text: anything else (botocore passes a map or a list
    through a string field unchanged) makes the listing unusable here, inside its read, not
    later where stages are grouped by it."""
    if value is not None and not isinstance(value, str):
        raise ValueError(f"a deploymentId of type {type(value).__name__}")
    return value


def rest_stages(answer: dict[str, Any]) -> list[StageInfo]:
    """A REST stage always points at a deployment (CreateStage requires one): a stage without
    one is an answer we cannot use, not a stage that serves nothing."""
    return [
        StageInfo(_named(s["stageName"]), _deployment_id(s["deploymentId"]), canary_id=_canary(s))
        if s.get("deploymentId")
        else StageInfo(_named(s["stageName"]), None, unusable="the stage has no deploymentId")
        for s in answer.get("item", [])
    ]


def _canary(stage: dict[str, Any]) -> str | None:
    """The deployment a stage's canary serves: a share of the stage's traffic, which a caller
    reaches by retrying. A canary at 0% (what promoting one leaves) takes no traffic; one
    whose share is not given is taken to take some."""
    settings = stage.get("canarySettings") or {}
    if settings.get("percentTraffic") == 0:
        return None
    return _deployment_id(settings.get("deploymentId")) or None


def http_stages(pages: Iterable[dict[str, Any]]) -> list[StageInfo]:
    """What each HTTP API stage serves, from what GetStages says of it.

    - A stage with a DeploymentId serves that deployment, with or without AutoDeploy: AWS
      points an auto-deploy stage at each automatic deployment it makes (the AWS CLI's
      get-stages example: AutoDeploy, DeploymentId 'dty748' and LastDeploymentStatusMessage
      "Successfully deployed stage with deployment ID 'dty748'"), and one that fails leaves
      it on the last that succeeded. So LastDeploymentStatusMessage, set after every
      automatic deployment, failed or not, and free text, is not read: the DeploymentId says
      what the stage serves, exported (ExportApi with the stage) like any other.
    - An auto-deploy stage without one has no successful deployment yet (AWS deploys
      asynchronously, and the CLI example lists such a stage): it is taken to serve the
      latest definition, which is what AWS deploys to it next, without anyone deploying.
      That may state more than the stage serves now, never less.
    - Any other stage without one has never been deployed: it serves nothing.
    """
    return [
        StageInfo(
            _named(s["StageName"]),
            _deployment_id(s.get("DeploymentId")),
            serves_definition=bool(s.get("AutoDeploy")) and not s.get("DeploymentId"),
        )
        for page in pages
        for s in page.get("Items", [])
    ]


def _one_per_name(stages: list[StageInfo]) -> list[StageInfo]:
    """The stages by name, one entry each. A name is a stage's identity within its API (its
    URL names it), so GetStages lists each once; the same entry twice (a list that changed
    between pages) says one thing, but two entries of one name that differ do not say which
    one the stage is: what it serves is then unknown, whatever either entry says."""
    named: dict[str, set[StageInfo]] = {}
    for stage in stages:
        named.setdefault(stage.name, set()).add(stage)
    return [
        next(iter(found))
        if len(found) == 1
        else StageInfo(name, None, unusable=f"{len(found)} different stages are named {name}")
        for name, found in sorted(named.items())
    ]


@dataclass
class Served:
    """The stages and what they serve, by stage name (see the fields of Api)."""

    stages: list[str] = field(default_factory=list)
    listed: bool = True  # False: the stages could not be listed, nothing is known of any
    deployments: dict[str, Deployment] = field(default_factory=dict)
    canaries: dict[str, Deployment] = field(default_factory=dict)
    unread: list[str] = field(default_factory=list)


def read_served(
    reads: Reads,
    api_id: str,
    stages: list[StageInfo] | None,
    audited: set[str] | None,
    read: Callable[[str, str], list[Route]],
    *,
    service: str,
    operation: str,
    definition_read: bool,
) -> Served:
    """What each stage the baseline audits (`audited`; None: every stage) serves, read once
    per deployment with `read(stage, deployment id)`, the `operation` of `service` (for the
    errors): a stage nobody audits costs no read, and a failed read of one leaves the run
    complete. `stages` is None when they could not be listed. `definition_read` is False
    when the API's current definition could not be read (its error is recorded): a stage
    that serves it is then unknown, not a stage serving the empty list the snapshot holds
    instead."""
    if stages is None:
        return Served(listed=False)
    stages = _one_per_name(stages)
    served = Served(stages=[stage.name for stage in stages])
    by_id: dict[str, Deployment | None] = {}

    def deployment(stage: str, deployment_id: str) -> Deployment | None:
        if deployment_id not in by_id:
            by_id[deployment_id] = reads.run(
                service,
                operation,
                f"{api_id} {stage}",
                one_line_errors(
                    lambda: Deployment(id=deployment_id, routes=read(stage, deployment_id))
                ),
            )
        return by_id[deployment_id]

    for stage in (s for s in stages if audited is None or s.name in audited):
        if stage.unusable is not None:
            why = f"unexpected response: {stage.unusable}"
            reads.record(service, "GetStages", why, f"{api_id} {stage.name}")  # v1 and v2
            served.unread.append(stage.name)
            continue
        if stage.serves_definition:
            if not definition_read:
                served.unread.append(stage.name)
            continue
        if stage.deployment_id is None:
            served.deployments[stage.name] = Deployment()
            continue
        own = deployment(stage.name, stage.deployment_id)
        if own is None:  # unknown whatever its canary serves: that read would be wasted
            served.unread.append(stage.name)
            continue
        canary = deployment(stage.name, stage.canary_id) if stage.canary_id else None
        if stage.canary_id and canary is None:
            served.unread.append(stage.name)  # half of what it serves is still unknown
            continue
        served.deployments[stage.name] = own
        if canary is not None:
            served.canaries[stage.name] = canary
    return served
