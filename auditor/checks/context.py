"""What every check reads: the snapshot, the baseline and what the audit derived from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.matrix import Cell, Matrix
from auditor.audit.resolve import (
    LiveClaimRule,
    Resolution,
    SignInPath,
    live_claim_rules,
    sign_in_paths,
)
from auditor.audit.routes import ApiStage, RouteIndex, iter_routes
from auditor.model.baseline import Baseline
from auditor.model.report import GroupPair
from auditor.model.snapshot import IdentityPool, Route, Snapshot, UserPool
from auditor.model.state import ConfigChange


@dataclass
class AuditContext:
    snapshot: Snapshot
    baseline: Baseline
    resolutions: list[Resolution]
    matrix: Matrix
    evaluator: AccessEvaluator
    pairs: list[GroupPair] = field(default_factory=list)
    # The previous run's configuration and this one's (with --state); None on a first run or
    # without a state.
    config_change: ConfigChange | None = None
    # The template's configuration and the live one (`run --template`): template-drift.
    template_change: ConfigChange | None = None

    @property
    def pools(self) -> tuple[IdentityPool, UserPool] | None:
        """The identity pool and the user pool, or None when either could not be read."""
        pool, user_pool = self.snapshot.identity_pool, self.snapshot.user_pool
        return (pool, user_pool) if pool is not None and user_pool is not None else None

    @cached_property
    def paths(self) -> list[SignInPath]:
        """The user pool's sign-in paths to the identity pool (none if either is unread)."""
        return sign_in_paths(self.pools[0], self.pools[1].id) if self.pools else []

    @cached_property
    def claim_rules(self) -> list[LiveClaimRule]:
        return live_claim_rules(self.pools[0], self.pools[1].id) if self.pools else []

    def clients_giving(self, resolution: Resolution) -> list[str]:
        """The app clients through which the resolution's persona gets its role: one finding
        speaks for all of them (where paths agree, the resolution names no client)."""
        return self._clients_by_role.get((resolution.persona, resolution.role_arn), [])

    @cached_property
    def _clients_by_role(self) -> dict[tuple[str, str | None], list[str]]:
        by_role: dict[tuple[str, str | None], list[str]] = {}
        for r in self.resolutions:
            if r.app_client is not None:
                by_role.setdefault((r.persona, r.role_arn), []).append(r.app_client)
        return by_role

    def read_ok(self, *services: str) -> bool:
        """No read of these services failed: absence in the snapshot then means absence in AWS."""
        return not self.snapshot.failed_services() & set(services)

    @cached_property
    def routes(self) -> list[tuple[ApiStage, Route]]:
        return list(iter_routes(self.snapshot, self.baseline))

    @cached_property
    def route_index(self) -> RouteIndex[tuple[ApiStage, Route]]:
        return RouteIndex((route, (stage, route)) for stage, route in self.routes)

    def cell(self, resolution: Resolution, api_stage: ApiStage, route: Route) -> Cell:
        """The matrix cell of one of `resolutions` on one of `routes`."""
        return self.matrix.cell(resolution, api_stage, route)
