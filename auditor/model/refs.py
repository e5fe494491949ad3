"""How a baseline (and a snapshot's target) names a pool or an API: by id or by name.

Apart from the snapshot's models, so that reading a baseline (`auditor validate`) does not
build every snapshot model first.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict

from auditor.model.snapshot_fields import StageName, text


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PoolRef(_Model):
    """A user pool or identity pool as the user named it: by id or by name."""

    id: Annotated[str, text(256)] | None = None
    name: Annotated[str, text(256)] | None = None

    def __str__(self) -> str:
        return self.id or f"name={self.name}"


class ApiRef(_Model):
    id: Annotated[str, text(256)] | None = None
    name: Annotated[str, text(1024)] | None = None
    stage: StageName | None = None  # None: every stage

    def __str__(self) -> str:
        ident = self.id or f"name={self.name}"
        return f"{ident}:{self.stage}" if self.stage else ident
