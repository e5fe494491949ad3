"""Files -> one Application: CloudFormation decoded by cfn-lint (line numbers, short-form
intrinsics), SAM translated (sam.py), Serverless Framework converted (serverless.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.model.errors import InputError
from auditor.model.findings import TemplateLocation
from auditor.template.model import Application, Resource, Unresolved

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
SERVERLESS_NAMES = frozenset({"serverless.yml", "serverless.yaml", "serverless.json"})
INSTALL_HINT = "reading templates needs: pip install 'cognito-route-auditor[templates]'"


def load_application(
    paths: Sequence[Path],
    *,
    parameter_values: Mapping[str, str] | None = None,
    region: str,
    account_id: str,
    partition: str = "aws",
    stage: str | None = None,
) -> Application:
    """Every resource of `paths`, which form one application. Raises InputError (exit 2,
    naming the file and field) for a file that is not a template or cannot be read."""
    if not paths:
        raise InputError("template", None, "no template file given")
    values = dict(parameter_values or {})
    merged = _Merged()
    for path in paths:
        source = str(path)
        decoded = decode(path)
        if is_serverless(path, decoded):
            resources, unresolved, sections = _serverless(path, decoded, stage, region, values)
            merged.add(source, resources, unresolved, sections, converted=True)
        elif is_sam(decoded):
            resources, unresolved, sections = _sam(
                path, decoded, region, account_id, partition, values
            )
            merged.add(source, resources, [*unresolved, *macros(source, decoded)], sections)
        elif isinstance(decoded.get("Resources"), Mapping):
            resources, unresolved = cfn_resources(source, decoded), macros(source, decoded)
            merged.add(source, resources, unresolved, decoded)
        else:
            raise InputError(
                source,
                None,
                "not a CloudFormation, SAM or Serverless Framework template "
                "(no Resources, Transform or service/provider)",
            )
    return Application(
        files=tuple(str(p) for p in paths),
        resources=merged.resources,
        parameters=merged.sections["Parameters"],
        conditions=merged.sections["Conditions"],
        mappings=merged.sections["Mappings"],
        parameter_values=values,
        unresolved=tuple(merged.unresolved),
    )


def decode(path: Path) -> dict[str, Any]:
    """The file decoded by cfn-lint (YAML with short-form intrinsics, or JSON): dicts and
    strings whose nodes carry `start_mark` (0-based line). Any error: InputError."""
    source = str(path)
    if not path.is_file():
        raise InputError(source, None, "is not a file" if path.exists() else "no such file")
    try:
        from cfnlint.decode import decode as cfn_decode  # type: ignore[import-untyped]
    except ImportError:
        raise InputError(source, None, INSTALL_HINT) from None
    _quiet_cfnlint()
    try:
        template, matches = cfn_decode(source)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(source, None, f"cannot be read: {exc}") from None
    if matches:
        first = matches[0]
        line = getattr(first, "linenumber", None)
        message = " ".join(str(getattr(first, "message", first)).split())
        message = message.replace("{filename}", "the file")  # cfn-lint leaves it unformatted
        raise InputError(source, f"line {line}" if line else None, message)
    if not isinstance(template, dict):
        raise InputError(source, None, "is not a mapping of sections")
    return template


def _quiet_cfnlint() -> None:
    """cfn-lint also logs what it returns as matches: stderr gets our one line only."""
    logger = logging.getLogger("cfnlint")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
        logger.propagate = False


def is_serverless(path: Path, decoded: Mapping[str, Any]) -> bool:
    return path.name in SERVERLESS_NAMES or ("service" in decoded and "provider" in decoded)


def is_sam(decoded: Mapping[str, Any]) -> bool:
    transform = decoded.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    return SAM_TRANSFORM in transforms


def line_of(node: Any) -> int:
    """1-based line of a decoded node (cfn-lint marks are 0-based); 1 where unknown."""
    mark = getattr(node, "start_mark", None)
    return int(mark.line) + 1 if mark is not None else 1


def key_line(mapping: Mapping[str, Any], key: str) -> int:
    """The line of `key` itself in a decoded mapping (the key node carries the mark)."""
    for candidate in mapping:
        if candidate == key:
            return line_of(candidate)
    return 1


# Transforms whose output the readers know: SAM's (translated by sam.py) and the language
# extensions, whose functions the resolver names as unresolved where it cannot expand them.
_KNOWN_TRANSFORMS = (SAM_TRANSFORM, "AWS::LanguageExtensions")
_EVERY_SERVICE = ("iam", "cognito-idp", "cognito-identity", "apigateway", "apigatewayv2")


def macros(source: str, decoded: Mapping[str, Any]) -> list[Unresolved]:
    """A macro (any other Transform) may rewrite the whole template before it deploys, and
    Fn::ForEach makes resources only a deploy expands: everything is unknown then."""
    transform = decoded.get("Transform")
    names = transform if isinstance(transform, list) else [transform] if transform else []
    found = [
        (
            TemplateLocation(
                path=source, logical_id="Transform", line=key_line(decoded, "Transform")
            ),
            f"the macro {name} rewrites the template at deploy",
        )
        for name in names
        if name not in _KNOWN_TRANSFORMS
    ]
    resources = decoded.get("Resources")
    found += [
        (
            TemplateLocation(path=source, logical_id=str(key), line=line_of(key)),
            "Fn::ForEach makes resources only a deploy expands",
        )
        for key in (resources if isinstance(resources, Mapping) else ())
        if str(key).startswith("Fn::ForEach::")
    ]
    return [
        Unresolved(
            location,
            "Transform" if location.logical_id == "Transform" else "Resources",
            reason,
            service,
        )
        for location, reason in found
        for service in _EVERY_SERVICE
    ]


def cfn_resources(source: str, decoded: Mapping[str, Any]) -> dict[str, Resource]:
    """The Resources section of a decoded CloudFormation file, each with its location
    (Fn::ForEach loops left to macros())."""
    resources: dict[str, Resource] = {}
    for logical_id, body in decoded["Resources"].items():
        if str(logical_id).startswith("Fn::ForEach::"):
            continue
        location = TemplateLocation(
            path=source, logical_id=str(logical_id), line=line_of(logical_id)
        )
        where = f"Resources.{logical_id}"
        if not isinstance(body, Mapping):
            raise InputError(source, where, f"line {location.line}: is not a mapping")
        kind = body.get("Type")
        if not isinstance(kind, str):
            raise InputError(source, f"{where}.Type", f"line {location.line}: missing or not text")
        properties = body.get("Properties") or {}
        if not isinstance(properties, Mapping):
            raise InputError(
                source, f"{where}.Properties", f"line {location.line}: is not a mapping"
            )
        condition = body.get("Condition")
        if condition is not None and not isinstance(condition, str):
            raise InputError(source, f"{where}.Condition", f"line {location.line}: is not a name")
        resources[str(logical_id)] = Resource(
            logical_id=str(logical_id),
            type=kind,
            properties=properties,
            location=location,
            condition=condition,
        )
    return resources


@dataclass
class _Merged:
    """Resources and sections of several files: a logical id once in the application."""

    resources: dict[str, Resource] = field(default_factory=dict)
    unresolved: list[Unresolved] = field(default_factory=list)
    # What was read through a Serverless file: logical ids, and sections' "Conditions.X".
    converted: set[str] = field(default_factory=set)
    sections: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"Parameters": {}, "Conditions": {}, "Mappings": {}}
    )

    def add(
        self,
        source: str,
        resources: Mapping[str, Resource],
        unresolved: Sequence[Unresolved],
        sections: Mapping[str, Any],
        *,
        converted: bool = False,
    ) -> None:
        """`converted`: read through a Serverless file, its variables resolved; where the
        same definition was read as plain CloudFormation too (an included file also given on
        the command line), the converted one wins, whatever the order of the files."""
        for logical_id, resource in resources.items():
            held = self.resources.get(logical_id)
            if held is not None and _same_place(held.location, resource.location):
                if converted and logical_id not in self.converted:
                    self.resources[logical_id] = resource
                    self.converted.add(logical_id)
                continue  # one definition read twice: a file given again, or also included
            if held is not None:
                raise InputError(
                    source,
                    f"Resources.{logical_id}",
                    f"line {resource.location.line}: also defined in {held.location.path} "
                    f"line {held.location.line}",
                )
            self.resources[logical_id] = resource
            if converted:
                self.converted.add(logical_id)
        self.unresolved.extend(unresolved)
        for name, merged in self.sections.items():
            section = sections.get(name) or {}
            if not isinstance(section, Mapping):
                raise InputError(source, name, "is not a mapping")
            for key, value in section.items():
                if key not in merged or converted:
                    merged[key] = value
                    if converted:
                        self.converted.add(f"{name}.{key}")
                elif f"{name}.{key}" not in self.converted and merged[key] != value:
                    raise InputError(
                        source, f"{name}.{key}", "is also declared, otherwise, in another file"
                    )


def _same_place(one: TemplateLocation, other: TemplateLocation) -> bool:
    return one.line == other.line and Path(one.path).resolve() == Path(other.path).resolve()


def _sam(
    path: Path,
    decoded: dict[str, Any],
    region: str,
    account_id: str,
    partition: str,
    values: dict[str, str],
) -> tuple[Mapping[str, Resource], Sequence[Unresolved], Mapping[str, Any]]:
    from auditor.template import sam  # only for SAM files: the translator takes a while to load

    return sam.translate(
        decoded,
        str(path),
        region=region,
        account_id=account_id,
        partition=partition,
        parameter_values=values,
    )


def _serverless(
    path: Path, decoded: dict[str, Any], stage: str | None, region: str, values: dict[str, str]
) -> tuple[Mapping[str, Resource], Sequence[Unresolved], Mapping[str, Any]]:
    """The resources `serverless deploy` would create, with the Conditions, Mappings and
    Parameters its `resources` declare (intrinsics read them)."""
    from auditor.template import serverless

    return serverless.convert_with_sections(
        path, decoded, stage=stage, region=region, parameter_values=values
    )
