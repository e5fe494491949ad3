"""One run's publishing: what is written where, and nothing rendered that nobody reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.collect import AwsOptions
from auditor.commands import run
from auditor.commands.options import ReportOutput, RunOptions
from auditor.model.snapshot import Snapshot
from tests.support.snapshots import small_app


def _options(tmp_path: Path, **extra: Any) -> RunOptions:
    app = small_app()
    (tmp_path / "snapshot.json").write_text(Snapshot.model_validate(app.snapshot).to_json())
    (tmp_path / "baseline.json").write_text(json.dumps(app.baseline))
    return RunOptions(
        baseline=tmp_path / "baseline.json",
        aws=AwsOptions(),
        snapshot=tmp_path / "snapshot.json",
        format="html",
        **extra,
    )


def test_without_a_destination_nothing_is_rendered_until_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scheduler without -o publishes every tick: a whole HTML page made for nobody.
    made: list[str] = []
    real = run.render_chunks
    monkeypatch.setattr(
        run, "render_chunks", lambda *a, **k: made.append("chunks") or real(*a, **k)
    )
    outcome = run.execute(_options(tmp_path))
    assert made == [] and outcome.exit_code == 0
    assert outcome.rendered.startswith("<!doctype html>")  # made when asked for


def test_a_report_file_holds_the_published_matrix(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    options = _options(tmp_path, outputs=(ReportOutput(str(out), "json"),), matrix="none")
    options = RunOptions(**{**options.__dict__, "format": "json"})
    outcome = run.execute(options)
    written = json.loads(out.read_text())
    assert written["access_matrix"] == [] and len(outcome.report.access_matrix) > 0
    assert written["access_matrix_scope"]["cells"] == len(outcome.report.access_matrix)
