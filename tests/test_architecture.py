"""House rules that keep the pipeline one-way: who may talk to AWS, what is pure, what is listed."""

from __future__ import annotations

import ast
from pathlib import Path

from auditor.audit.catalog import RULE_IDS, load_catalog
from auditor.checks import CHECKS, HISTORY_RULE

PACKAGE = Path(__file__).resolve().parents[1] / "auditor"
# The edges: collection, the emulator and demo seeding, S3 state and the Lambda handler.
AWS_EDGES = ("collect/", "emulator/", "commands/demo.py", "unattended/state.py",
             "unattended/aws_lambda.py")


def _imports(path: Path) -> set[str]:
    """Every absolute module a file imports, dotted in full (`urllib.parse`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _imports(path)}


def _modules() -> list[tuple[str, Path]]:
    return [(str(p.relative_to(PACKAGE)), p) for p in sorted(PACKAGE.rglob("*.py"))]


def test_only_the_edges_import_boto3() -> None:
    talkers = {name for name, path in _modules() if {"boto3", "botocore"} & _roots(path)}
    assert talkers, "the collectors must import boto3: the scan itself is broken"
    assert {name for name in talkers if not name.startswith(AWS_EDGES)} == set()


IO_MODULES = ("boto3", "botocore", "urllib.request", "http", "socket", "subprocess", "pathlib",
              "os", "requests")


def test_policy_engine_is_pure() -> None:
    engine = [(name, path) for name, path in _modules() if name.startswith("policy/")]
    assert len(engine) > 5
    for name, path in engine:
        io = {m for m in _imports(path) if m.startswith(IO_MODULES)}
        assert io == set(), f"{name} imports {io}"
        calls = {n.func.id for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert "open" not in calls and "print" not in calls, f"{name} does I/O"


def test_every_catalog_rule_has_exactly_one_check() -> None:
    assert set(CHECKS) | {HISTORY_RULE} == set(RULE_IDS) == set(load_catalog())
    assert HISTORY_RULE not in CHECKS
