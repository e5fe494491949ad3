"""--format table of a combined report: the organization first, one line per target, then each
target's findings under its name."""

from __future__ import annotations

from auditor.report.render import render
from tests.report.combined_reports import combined, organization, scaled_organization


def test_summary_first_then_targets_then_findings_by_target() -> None:
    report = organization(discovery_failed=True)
    text = render(report, "table")
    order = [
        text.index("4 targets: 3 complete, 1 incomplete"),
        text.index("INCOMPLETE RUN"),
        text.index("Worst targets"),
        text.index("Incomplete targets (1)"),
        text.index("Rules across targets"),
        text.index("Targets (4)"),
        text.index("\nprod  111111111111 us-east-1  (critical) ─"),
        text.index("\nstage  222222222222 us-east-1  (medium) ─"),
        text.index("\nlegacy  444444444444 eu-west-1  (incomplete) ─"),
    ]
    assert order == sorted(order)
    assert "\ndev  " not in text  # clean: only its line in the targets table
    assert "sts AssumeRole" in text


def test_worst_targets_are_ranked_incomplete_then_by_severity() -> None:
    text = render(organization(), "table", color=False)
    worst = text[text.index("Worst targets") : text.index("Incomplete targets")]
    assert worst.index("legacy") < worst.index("prod") < worst.index("stage")
    assert "dev" not in worst


def test_each_target_lists_its_own_findings_under_its_name() -> None:
    report = organization()
    text = render(report, "table")
    prod = text[text.index("\nprod  ") : text.index("\nstage  ")]
    stage = text[text.index("\nstage  ") : text.index("\nlegacy  ")]
    assert "overbroad-grant" in stage and "excess-route" not in stage
    for f in report.targets[0].report.findings:
        if f.counts:
            assert f.rule_id in prod


def test_rule_counts_across_targets() -> None:
    text = render(organization(), "table")
    rules = text[text.index("Rules across targets") : text.index("Targets (4)")]
    # overbroad-grant: once in prod, once in stage.
    line = next(line for line in rules.splitlines() if "overbroad-grant" in line)
    assert [word for word in line.split() if word.isdigit()] == ["2", "2"]


def test_no_targets_says_so() -> None:
    text = render(combined([]), "table")
    assert "0 targets: 0 complete, 0 incomplete" in text
    assert "No targets" in text


def test_many_targets_cap_the_worst_list() -> None:
    text = render(scaled_organization(30, personas=2, routes=4), "table")
    assert "more below" in text
    assert text.count("acct-0") >= 30  # every target has its line
