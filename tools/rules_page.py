"""Write docs/rules.md, the rule catalog as a page, from rules/*.yaml (via the catalog loader).

    python tools/rules_page.py          # regenerate docs/rules.md
    python tools/rules_page.py --check  # exit 1 if docs/rules.md is stale (what the test runs)

The rules are listed in the registry's order (`auditor rules` shows the same order); the
wording is the rule files', so the page is never edited by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from auditor.audit.catalog import Rule, rules_for
from auditor.checks import CHECKS

PAGE = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
REGENERATE = "python tools/rules_page.py"
# Characters that Markdown would read as markup in prose taken from the rule files
# (`/admin*` twice in a line is emphasis, `<id>` an HTML tag, `|` a table cell's end).
_MARKUP = re.compile(r"([\\`*_\[\]<>|])")


def _text(raw: str) -> str:
    return _MARKUP.sub(r"\\\1", raw.strip())


def _rule_section(rule: Rule) -> str:
    facts = [f"**Default severity:** {rule.severity.value}"]
    if rule.requires:
        facts.append(f"**Needs reads of:** {', '.join(rule.requires)}")
    if rule.event:
        facts.append("**Event:** a finding of one run (a change), never open")
    references = "\n".join(f"- <{url}>" for url in rule.references)
    return (
        f"## `{rule.id}`\n\n"
        f"{_text(rule.title)}\n\n"
        f"{' · '.join(facts)}\n\n"
        f"**What fires it.** {_text(rule.description)}\n\n"
        f"**Remediation.** {_text(rule.remediation)}\n\n"
        f"**References**\n\n{references}\n"
    )


def render_rules_page() -> str:
    """The whole page, from the catalog as `auditor rules` loads it."""
    rules = rules_for(CHECKS)
    index = "\n".join(
        f"| [`{rule.id}`](#{rule.id}) | {rule.severity.value} | {_text(rule.title)} |"
        for rule in rules
    )
    sections = "\n".join(_rule_section(rule) for rule in rules)
    return (
        "# Rule catalog\n\n"
        f"Generated from [`rules/*.yaml`](../rules/) by `{REGENERATE}`: edit the rule files, "
        "not this page (a test fails when it is stale). `auditor rules` lists the same "
        "catalog; `auditor rules --format json` gives it as data. Severities are the "
        "defaults; a rule's description says when a finding is raised above it. Ids are "
        "stable: a baseline's `accepted:` entries and the findings' fingerprints use them.\n\n"
        f"{len(rules)} rules.\n\n"
        "| rule | default severity | title |\n| --- | --- | --- |\n"
        f"{index}\n\n{sections}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args(argv)
    page = render_rules_page()
    if args.check:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != page:
            print(f"{PAGE} is stale: run {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
