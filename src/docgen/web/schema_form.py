"""A template version's JSON Schema with every ``$ref`` resolved, for the e-form to build fields from.

Resolution happens here, with the catalogue's registry (the same one the
validator uses), so the browser never fetches ``_defs`` and cannot resolve a
reference differently from the server. A ``$ref`` with sibling keywords
applies both (2020-12); for the form they are merged, the stricter bound
winning and the sibling's title and description (the more specific wording)
replacing the shared one. Anything that cannot be merged that simply is kept
under ``allOf`` so the client-side check still applies it.
"""
from __future__ import annotations

from typing import Any

from referencing import Registry

from .. import schemaref

_SMALLEST = {"maxLength", "maxItems", "maximum", "exclusiveMaximum"}
_LARGEST = {"minLength", "minItems", "minimum", "exclusiveMinimum"}
_REPLACED = {"title", "description", "examples", "$comment"}
_DROPPED = frozenset({"$id", "$schema", "$defs", "definitions", "$anchor"})


def resolved(schema: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """``schema`` as one self-contained tree: no ``$ref``, no ``$defs`` (``schemaref.inline`` follows
    the references; ``merge`` says how a reference and its siblings become one field)."""
    return schemaref.inline(schema, registry, merge, _DROPPED)


def merge(target: dict[str, Any], siblings: dict[str, Any]) -> dict[str, Any]:
    """The referenced schema with the referring node's own keywords applied on top."""
    merged = dict(target)
    for key, value in siblings.items():
        if key in _REPLACED or key not in merged:
            merged[key] = value
        elif key in _SMALLEST:
            merged[key] = min(merged[key], value)
        elif key in _LARGEST:
            merged[key] = max(merged[key], value)
        elif key == "required":
            merged[key] = [*merged[key], *(name for name in value if name not in merged[key])]
        elif key == "allOf":
            merged[key] = [*merged[key], *value]
        elif merged[key] != value:
            merged.setdefault("allOf", [])
            merged["allOf"] = [*merged["allOf"], {key: value}]
    return merged
