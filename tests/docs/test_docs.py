"""The documentation stands alone on a fresh clone: its links stay inside the repository and
resolve, and the generated rule page matches the rule files."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```.*?^```", flags=re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"\[[^\]]*\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")
_REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", flags=re.MULTILINE)
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|#)", flags=re.IGNORECASE)


def relative_links(markdown: str) -> list[str]:
    """Every link target that is not a URL or an in-page anchor, outside code blocks."""
    prose = _FENCE.sub("", markdown)
    targets = _INLINE.findall(prose) + _REFERENCE.findall(prose)
    return [target for target in targets if not _EXTERNAL.match(target)]


def broken_links(page: Path) -> list[str]:
    """Links of `page` that leave the repository or name nothing in it."""
    broken = []
    for target in relative_links(page.read_text(encoding="utf-8")):
        resolved = (page.parent / target.split("#", 1)[0]).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(page: Path) -> None:
    assert broken_links(page) == []


def test_the_link_check_catches_links_out_of_the_repository(tmp_path: Path) -> None:
    text = (
        "[contract](../../shared/CONTRACT.md) [gone](missing.md#x) [ok](rules.md) "
        "[web](https://example.com) [anchor](#top)\n```sh\n[code](nowhere.md)\n```\n"
    )
    assert relative_links(text) == ["../../shared/CONTRACT.md", "missing.md#x", "rules.md"]
    fake = tmp_path / "page.md"
    fake.write_text("[up](../outside.md)", encoding="utf-8")
    assert broken_links(fake) == ["../outside.md"]


def _rules_page_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rules_page", ROOT / "tools" / "rules_page.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("rules_page", module)
    spec.loader.exec_module(module)
    return module


def test_the_rule_page_is_current() -> None:
    tool = _rules_page_tool()
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == tool.render_rules_page(), f"docs/rules.md is stale: run {tool.REGENERATE}"


def test_the_rule_page_has_every_rule_with_its_remediation_and_references() -> None:
    from auditor.audit.catalog import rules_for
    from auditor.checks import CHECKS

    page = _rules_page_tool().render_rules_page()
    for rule in rules_for(CHECKS):
        section = page.split(f"## `{rule.id}`\n", 1)[1].split("\n## ", 1)[0]
        assert f"**Default severity:** {rule.severity.value}" in section
        assert "**Remediation.**" in section
        assert all(f"<{url}>" in section for url in rule.references)


def test_a_stale_rule_page_fails_the_check_and_names_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tool = _rules_page_tool()
    stale = tmp_path / "rules.md"
    stale.write_text(tool.render_rules_page().replace("critical", "low", 1), encoding="utf-8")
    monkeypatch.setattr(tool, "PAGE", stale)
    assert tool.main(["--check"]) == 1
    assert "python tools/rules_page.py" in capsys.readouterr().err
    assert tool.main([]) == 0
    assert tool.main(["--check"]) == 0
