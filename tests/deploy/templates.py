"""Reading deploy/'s templates in tests: the tags (!Sub, !If...) as cfn-lint decodes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def load(name: str) -> dict[str, Any]:
    template: dict[str, Any] = cfn_yaml.loads((DEPLOY / name).read_text(encoding="utf-8"))
    return template


def statements(policies: list[Any]) -> list[dict[str, Any]]:
    """Every statement of a role's inline policies, each Fn::If's configured branch included."""
    found: list[dict[str, Any]] = []
    for policy in policies:
        if "Fn::If" in policy:
            policy = policy["Fn::If"][1]
        found += policy["PolicyDocument"]["Statement"]
    return found


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def actions(statement: dict[str, Any]) -> list[str]:
    return [str(action) for action in listed(statement["Action"])]


def resources(statement: dict[str, Any]) -> list[str]:
    """Each resource as text ({"Fn::Sub": "..."} -> its pattern, {"Fn::GetAtt"} -> X.Arn)."""
    texts = []
    for resource in listed(statement["Resource"]):
        if isinstance(resource, dict) and "Fn::Sub" in resource:
            texts.append(str(resource["Fn::Sub"]))
        elif isinstance(resource, dict) and "Fn::GetAtt" in resource:
            texts.append(".".join(resource["Fn::GetAtt"]))
        elif isinstance(resource, dict) and "Ref" in resource:
            texts.append(f"${{{resource['Ref']}}}")
        else:
            texts.append(str(resource))
    return texts
