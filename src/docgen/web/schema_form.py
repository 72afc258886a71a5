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
from referencing.jsonschema import DRAFT202012

from ..errors import TemplateError

_SMALLEST = {"maxLength", "maxItems", "maximum", "exclusiveMaximum"}
_LARGEST = {"minLength", "minItems", "minimum", "exclusiveMinimum"}
_REPLACED = {"title", "description", "examples", "$comment"}
_DROPPED = {"$id", "$schema", "$defs", "definitions", "$anchor"}
MAX_DEPTH = 64


def resolved(schema: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """``schema`` as one self-contained tree: no ``$ref``, no ``$defs``."""
    resolver = registry.resolver_with_root(DRAFT202012.create_resource(schema))
    return _resolve(schema, resolver, ())


def _resolve(node: Any, resolver: Any, seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_resolve(item, resolver, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if len(seen) > MAX_DEPTH:
        raise TemplateError("JSON Schema 的 $ref 嵌套过深")
    resolver = resolver.in_subresource(DRAFT202012.create_resource(node))
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED or key == "$ref":
            continue
        out[key] = _resolve(value, resolver, seen)
    if "$ref" not in node:
        return out
    reference = node["$ref"]
    if reference in seen:
        raise TemplateError(f"JSON Schema 的 $ref 形成循环：{reference}")
    target = resolver.lookup(reference)
    return merge(_resolve(target.contents, target.resolver, (*seen, reference)), out)


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
