"""A JSON Schema of one OCSF event class, compiled from the published OCSF schema sources.

The sources (tests/schemas/ocsf-1.6.0, vendored verbatim from github.com/ocsf/ocsf-schema at
tag 1.6.0, Apache-2.0) are what the OCSF server itself compiles: a dictionary of attributes and
types, event classes that `extends` one another, objects, and profiles pulled in with
`$include`. This follows the same rules, in the few lines a test needs:

- a class's or object's attributes are its parent's, updated by its own (an `enum` adds values);
- every attribute's type comes from the dictionary: a primitive (with the type's regex and
  maximum length), or an object, compiled the same way;
- `requirement: required` is required, unless it belongs to a profile the event does not
  declare in `metadata.profiles`;
- an attribute the class does not define is an error (OCSF's own validator reports unknown
  attributes); `unmapped` is where a producer puts its own;
- objects' `at_least_one` / `just_one` constraints hold.

Why not a pydantic package of OCSF models (py-ocsf-models)? Those are written by hand after
the schema, for one version, and accept what they do not model; this reads the schema itself.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

OCSF_VERSION = "1.6.0"
SOURCES = Path(__file__).resolve().parents[1] / "schemas" / f"ocsf-{OCSF_VERSION}"
_EVENT_FILES = {
    "base_event": "events/base_event.json",
    "finding": "events/findings/finding.json",
    "detection_finding": "events/findings/detection_finding.json",
}
_PRIMITIVES = {
    "string_t": {"type": "string"},
    "integer_t": {"type": "integer"},
    "long_t": {"type": "integer"},
    "float_t": {"type": "number"},
    "boolean_t": {"type": "boolean"},
    "json_t": {},
    "object_t": {"type": "object"},
}


def _read(relative: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SOURCES / relative).read_text(encoding="utf-8"))
    return data


@cache
def _dictionary() -> dict[str, Any]:
    return _read("dictionary.json")


def _merge(
    into: dict[str, dict[str, Any]], attributes: dict[str, Any], profile: str | None = None
) -> None:
    for name, spec in attributes.items():
        if name == "$include":
            for included in spec:
                source = _read(included)
                # A profile's attributes belong to it unless the including file says otherwise.
                owner = source["name"] if source.get("meta") == "profile" else None
                _merge(into, source["attributes"], owner)
            continue
        merged = {**into.get(name, {}), **({"profile": profile} if profile else {}), **spec}
        if "enum" in into.get(name, {}) and "enum" in spec:
            merged["enum"] = {**into[name]["enum"], **spec["enum"]}
        into[name] = merged


def _attributes(definition: dict[str, Any], parent: dict[str, Any] | None) -> dict[str, Any]:
    attributes: dict[str, dict[str, Any]] = {}
    if parent is not None:
        _merge(attributes, _attributes(parent, _parent_of(parent)))
    _merge(attributes, definition.get("attributes", {}))
    return attributes


def _constraints(definition: dict[str, Any]) -> dict[str, Any]:
    parent = _parent_of(definition)
    inherited = _constraints(parent) if parent is not None else {}
    return {**inherited, **definition.get("constraints", {})}


def _parent_of(definition: dict[str, Any]) -> dict[str, Any] | None:
    parent = definition.get("extends")
    if parent is None:
        return None
    if parent in _EVENT_FILES:
        return _read(_EVENT_FILES[parent])
    path = SOURCES / "objects" / f"{parent}.json"
    return _read(f"objects/{parent}.json") if path.exists() else None


class _Compiler:
    def __init__(self, profiles: set[str]) -> None:
        self.profiles = profiles
        self.defs: dict[str, Any] = {}

    def shape(self, definition: dict[str, Any]) -> dict[str, Any]:
        attributes = _attributes(definition, _parent_of(definition))
        properties = {name: self.attribute(name, spec) for name, spec in attributes.items()}
        required = sorted(
            name
            for name, spec in attributes.items()
            if spec.get("requirement") == "required"
            and (spec.get("profile") is None or spec["profile"] in self.profiles)
        )
        schema: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }
        constraints = _constraints(definition)
        if "at_least_one" in constraints:
            schema["anyOf"] = [{"required": [name]} for name in constraints["at_least_one"]]
        if "just_one" in constraints:
            schema["oneOf"] = [{"required": [name]} for name in constraints["just_one"]]
        return schema

    def attribute(self, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        entry = _dictionary()["attributes"].get(name, {})
        kind = spec.get("type") or entry.get("type", "json_t")
        if kind == "object_t" and "object_type" in entry:
            kind = entry["object_type"]
        schema = self.of_type(kind)
        enum = spec.get("enum") or entry.get("enum")
        if enum and schema.get("type") == "integer":
            schema = {**schema, "enum": sorted(int(key) for key in enum)}
        if spec.get("is_array", entry.get("is_array", False)):
            return {"type": "array", "items": schema}
        return schema

    def of_type(self, kind: str) -> dict[str, Any]:
        if kind in _PRIMITIVES:
            return dict(_PRIMITIVES[kind])
        types = _dictionary()["types"]["attributes"]
        if kind in types:
            found = types[kind]
            schema = self.of_type(found.get("type", "string_t")) if "type" in found else {}
            if "regex" in found:
                schema["pattern"] = found["regex"]
            if "max_len" in found:
                schema["maxLength"] = found["max_len"]
            return schema
        if kind == "object":  # OCSF's generic object (`unmapped`): any attributes
            return {"type": "object"}
        if kind not in self.defs:
            self.defs[kind] = {}  # a placeholder: objects refer to themselves (process.parent)
            self.defs[kind] = self.shape(_read(f"objects/{kind}.json"))
        return {"$ref": f"#/$defs/{kind}"}


def _category(definition: dict[str, Any]) -> str:
    if "category" in definition:
        return str(definition["category"])
    parent = _parent_of(definition)
    assert parent is not None, "an event class without a category"
    return _category(parent)


def class_schema(name: str, *, profiles: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON Schema of event class `name` (e.g. detection_finding) with `profiles` applied."""
    compiler = _Compiler(set(profiles))
    definition = _read(_EVENT_FILES[name])
    schema = compiler.shape(definition)
    # The server's own arithmetic: class_uid = category uid * 1000 + the class's uid, and
    # type_uid = class_uid * 100 + activity_id.
    category = _read("categories.json")["attributes"][_category(definition)]["uid"]
    class_uid = category * 1000 + definition["uid"]
    activities = schema["properties"]["activity_id"]["enum"]
    schema["properties"]["category_uid"]["enum"] = [category]
    schema["properties"]["class_uid"]["enum"] = [class_uid]
    schema["properties"]["type_uid"]["enum"] = [class_uid * 100 + a for a in activities]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "$defs": compiler.defs,
    }
