"""What every check reads: the snapshot, the baseline and what the audit derived from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.resolve import Resolution
from auditor.audit.routes import ApiStage, RouteIndex, iter_routes
from auditor.model.baseline import Baseline
from auditor.model.report import GroupPair, MatrixCell
from auditor.model.snapshot import Route, Snapshot
from auditor.model.state import ConfigSummary


@dataclass
class AuditContext:
    snapshot: Snapshot
    baseline: Baseline
    resolutions: list[Resolution]
    matrix: list[MatrixCell]
    evaluator: AccessEvaluator
    pairs: list[GroupPair] = field(default_factory=list)
    # The previous run's configuration (from --state); None on a first run or without one.
    previous_config: ConfigSummary | None = None

    def read_ok(self, *services: str) -> bool:
        """No read of these services failed: absence in the snapshot then means absence in AWS."""
        return not any(e.service in services for e in self.snapshot.errors)

    @cached_property
    def routes(self) -> list[tuple[ApiStage, Route]]:
        return list(iter_routes(self.snapshot, self.baseline))

    @cached_property
    def route_index(self) -> RouteIndex[tuple[ApiStage, Route]]:
        return RouteIndex((route, (stage, route)) for stage, route in self.routes)

    @cached_property
    def _cell_by_key(self) -> dict[tuple[str, str, str, str], MatrixCell]:
        return {(c.persona, c.api_id, c.stage, c.route): c for c in self.matrix}

    def cell(self, persona: str, api_id: str, stage: str, route: str) -> MatrixCell | None:
        return self._cell_by_key.get((persona, api_id, stage, route))
