"""House rules that keep the pipeline one-way: who may talk to AWS, what is pure, what is listed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "auditor"
# The edges: collection, the emulator and demo seeding (`demo`, `emulator`), S3 state,
# reports written to S3, the Security Hub import and the Lambda handler.
AWS_EDGES = (
    "collect/",
    "emulator/",
    "commands/demo.py",
    "commands/emulator_cmd.py",
    "commands/outputs.py",
    "unattended/stores.py",
    "unattended/security_hub.py",
    "unattended/aws_lambda.py",
)

# The pipeline, lowest layer first: model <- policy <- audit <- checks <- report <- edges <- cli.
# A layer may import itself and the layers below it, never one above. collect (the only
# reader of AWS) and the emulator stand beside the chain: only the edges and the CLI use them.
_CHAIN = ("model", "policy", "audit", "checks", "report", "edges", "cli")
ALLOWED: dict[str, set[str]] = {
    layer: set(_CHAIN[: index + 1]) for index, layer in enumerate(_CHAIN)
}
ALLOWED["collect"] = {"model", "collect"}
# Templates are read like collect reads AWS, into the model's snapshot; the emulator's
# template deployer resolves intrinsics with it.
ALLOWED["template"] = {"model", "template"}
ALLOWED["emulator"] = {"emulator", "template", "model"}
ALLOWED["edges"] |= {"collect", "emulator", "template"}
ALLOWED["cli"] |= {"collect", "emulator", "template"}
# Where each top-level module or package of auditor/ belongs.
LAYER_OF = {
    "__init__": "model",
    "model": "model",
    "schemas": "model",
    "policy": "policy",
    "audit": "audit",
    "checks": "checks",
    "report": "report",
    "commands": "edges",
    "unattended": "edges",
    "cli": "cli",
    "__main__": "cli",
    "collect": "collect",
    "emulator": "emulator",
    "template": "template",
}


def _imports(path: Path, package_root: Path | None = None) -> set[str]:
    """Every module a file imports, dotted in full (`urllib.parse`); relative imports are
    resolved against the file's package when `package_root` (the folder of `auditor`'s
    parent) is given, and skipped otherwise."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom) and package_root is not None:
            parts = list(path.relative_to(package_root).with_suffix("").parts)
            base = parts[: len(parts) - node.level]
            found.add(".".join([*base, *([node.module] if node.module else [])]))
    return found


def _layer(module: str) -> str:
    """The layer of a dotted module name `auditor.<top>...`."""
    top = module.split(".")[1] if "." in module else "__init__"
    return LAYER_OF.get(top, f"unknown: {top}")


def layer_violations(package: Path) -> list[str]:
    """'file imports module (layer -> layer)' for every import that goes up or sideways."""
    found = []
    for path in sorted(package.rglob("*.py")):
        dotted = ".".join(path.relative_to(package.parent).with_suffix("").parts)
        own = _layer(dotted)
        for target in sorted(_imports(path, package.parent)):
            if target.split(".")[0] != package.name:
                continue
            theirs = _layer(target)
            if theirs not in ALLOWED.get(own, set()):
                found.append(f"{dotted} imports {target} ({own} -> {theirs})")
    return found


def test_no_module_imports_a_higher_layer() -> None:
    assert layer_violations(PACKAGE) == []


def test_every_top_level_module_has_a_layer() -> None:
    tops = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.is_file() and p.suffix == ".py") or (p / "__init__.py").exists()
    }
    assert tops <= set(LAYER_OF), f"give these a layer: {sorted(tops - set(LAYER_OF))}"


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "model/x.py",
            "from auditor.report.html import render_html\n",
            "auditor.model.x imports auditor.report.html (model -> report)",
        ),
        (
            "policy/x.py",
            "from ..audit import matrix\n",
            "auditor.policy.x imports auditor.audit (policy -> audit)",
        ),
        (
            "checks/x.py",
            "def f():\n    import auditor.collect\n",
            "auditor.checks.x imports auditor.collect (checks -> collect)",
        ),
        (
            "collect/x.py",
            "from auditor.audit.resolve import Resolution\n",
            "auditor.collect.x imports auditor.audit.resolve (collect -> audit)",
        ),
    ],
)
def test_the_layer_check_catches_an_upward_import(
    tmp_path: Path, module: str, source: str, expected: str
) -> None:
    package = tmp_path / "auditor"
    target = package / module
    target.parent.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (target.parent / "__init__.py").write_text("")
    target.write_text(source)
    (package / "report").mkdir(exist_ok=True)
    assert layer_violations(package) == [expected]


def _roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _imports(path)}


def _modules() -> list[tuple[str, Path]]:
    return [(str(p.relative_to(PACKAGE)), p) for p in sorted(PACKAGE.rglob("*.py"))]


def test_only_the_edges_import_boto3() -> None:
    talkers = {name for name, path in _modules() if {"boto3", "botocore"} & _roots(path)}
    assert talkers, "the collectors must import boto3: the scan itself is broken"
    assert {name for name in talkers if not name.startswith(AWS_EDGES)} == set()


IO_MODULES = (
    "boto3",
    "botocore",
    "urllib.request",
    "http",
    "socket",
    "subprocess",
    "pathlib",
    "os",
    "requests",
)


def test_policy_engine_is_pure() -> None:
    engine = [(name, path) for name, path in _modules() if name.startswith("policy/")]
    assert len(engine) > 5
    for name, path in engine:
        io = {m for m in _imports(path) if m.startswith(IO_MODULES)}
        assert io == set(), f"{name} imports {io}"
        calls = {
            n.func.id
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        assert "open" not in calls and "print" not in calls, f"{name} does I/O"
