"""The seed thread's app as CloudFormation (fixtures/cfn), varied one text edit at a time,
loaded, built and audited the way `auditor template` does it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.checks.run import audit
from auditor.model.baseline import Baseline
from auditor.model.baseline_file import load_baseline
from auditor.model.report import Report
from auditor.model.snapshot import TargetRef
from auditor.template.build import build_snapshot
from auditor.template.identities import identities_for
from auditor.template.load import load_application
from auditor.template.model import TemplateSnapshot

FIXTURES = Path(__file__).parent / "fixtures" / "cfn"
BASELINE = FIXTURES / "baseline.yaml"
ACCOUNT = "123456789012"
REGION = "us-east-1"

# (file, text to find exactly once, its replacement)
Edit = tuple[str, str, str]


def written(tmp_path: Path, files: Sequence[str], edits: Sequence[Edit] = ()) -> list[Path]:
    """The fixture files copied to `tmp_path`, with `edits` made (each must match once)."""
    texts = {name: (FIXTURES / name).read_text(encoding="utf-8") for name in files}
    for name, old, new in edits:
        assert texts[name].count(old) == 1, f"{old!r} is not in {name} exactly once"
        texts[name] = texts[name].replace(old, new)
    paths = []
    for name, text in texts.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


@dataclass(frozen=True)
class Audited:
    built: TemplateSnapshot
    report: Report

    def findings(self) -> set[tuple[str, str | None, str | None, str]]:
        return {(f.rule_id, f.persona, f.route, f.resource) for f in self.report.findings}


def target(baseline: Baseline) -> TargetRef:
    return TargetRef(
        user_pool=baseline.user_pool, identity_pool=baseline.identity_pool.ref, apis=baseline.apis
    )


def audited(
    paths: Sequence[Path],
    baseline: Baseline | None = None,
    parameter_values: Mapping[str, str] | None = None,
) -> Audited:
    baseline = baseline or load_baseline(BASELINE)
    app = load_application(
        paths, parameter_values=parameter_values, region=REGION, account_id=ACCOUNT
    )
    built = build_snapshot(app, identities_for(app, baseline=baseline), target(baseline))
    return Audited(built, audit(built.snapshot, baseline))
