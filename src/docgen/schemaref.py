"""``$ref``: what a reference names, and the one walk over a schema's keywords.

Released schemas name the shared definitions (``schemas/_defs``) by ``$id``, and
``catalogue.schema_registry`` holds every released resource under its ``$id``. Four
readers need references: the validator (to title a field behind a ``$ref``), the linter's
``SchemaTree`` (which fields a schema defines), the e-form (the schema with every
reference inlined) and the published view (references rewritten to the service's URLs,
and the resources they name bundled). They all resolve here, by ``referencing``'s
2020-12 rules against that registry and never the network, so a reference cannot mean
one thing to the server and another to the form or to a client.

The walk knows which keywords hold schemas: the values of ``enum``, ``const``,
``examples`` and ``default`` are data (a ``"$ref"`` there is text), and the keys of
``properties``, ``patternProperties``, ``dependentSchemas`` and ``$defs`` are names (a
property may be called ``$id``).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from referencing import Registry
from referencing.jsonschema import DRAFT202012

from .errors import TemplateError

#: Keywords whose values are instances, not schemas: never followed, rewritten or inlined.
DATA_KEYWORDS = frozenset({"enum", "const", "examples", "default"})
#: Keywords whose value maps names (not keywords) to schemas.
NAMED_SCHEMAS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs", "definitions"})
#: How many references ``inline`` follows inside one another before it calls the schema broken.
MAX_DEPTH = 64


def split(reference: str) -> tuple[str, str | None]:
    """``https://…/_defs/1#/$defs/party`` → (``https://…/_defs/1``, ``/$defs/party``); no ``#``: None."""
    base, hash_, fragment = reference.partition("#")
    return base, fragment if hash_ else None


@dataclass(frozen=True)
class Target:
    """What a ``$ref`` names, with the resolver the target's own references are relative to."""

    contents: Any
    resolver: Any


def resolver(schema: Any, registry: Registry | None = None) -> Any:
    """The resolver of ``schema``'s references: its own ``$id`` and fragments, then the registry's
    resources (``Registry()`` alone: only references inside the schema resolve)."""
    return (registry or Registry()).resolver_with_root(DRAFT202012.create_resource(schema))


def enter(current: Any, node: Any) -> Any:
    """The resolver inside subschema ``node`` (an ``$id`` there changes the base of its references)."""
    return current.in_subresource(DRAFT202012.create_resource(node))


def follow(current: Any, reference: str) -> Target:
    """The schema ``reference`` names; ``referencing.exceptions.Unresolvable`` if none."""
    found = current.lookup(reference)
    return Target(found.contents, found.resolver)


def _children(key: str, value: Any, visit: Callable[[Any], Any]) -> Any:
    """``value`` of keyword ``key`` with ``visit`` applied to each schema it holds."""
    if key in DATA_KEYWORDS:
        return value
    if key in NAMED_SCHEMAS and isinstance(value, dict):
        return {name: visit(schema) for name, schema in value.items()}
    if isinstance(value, list):
        return [visit(item) for item in value]
    return visit(value)


def references(node: Any) -> Iterator[str]:
    """Every ``$ref`` in ``node``, at any depth, in document order."""
    found: list[str] = []

    def visit(each: Any) -> Any:
        if isinstance(each, list):
            for item in each:
                visit(item)
        elif isinstance(each, dict):
            for key, value in each.items():
                if key == "$ref" and isinstance(value, str):
                    found.append(value)
                else:
                    _children(key, value, visit)
        return each

    visit(node)
    return iter(found)


def rewritten(node: Any, change: Callable[[str], str]) -> Any:
    """A copy of ``node`` with every ``$ref`` and ``$id`` passed through ``change``."""
    if isinstance(node, list):
        return [rewritten(item, change) for item in node]
    if not isinstance(node, dict):
        return node
    return {key: change(value) if key in ("$ref", "$id") and isinstance(value, str)
            else _children(key, value, lambda each: rewritten(each, change))
            for key, value in node.items()}


Combine = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


def inline(schema: dict[str, Any], registry: Registry | None, combine: Combine,
           dropped: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``schema`` as one tree without ``$ref``: each reference replaced by
    ``combine(target, siblings)`` (both already inlined), keywords in ``dropped`` left out.
    A reference cycle, or references nested deeper than ``MAX_DEPTH``, is a ``TemplateError``."""

    def walk(node: Any, current: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(item, current, seen) for item in node]
        if not isinstance(node, dict):
            return node
        if len(seen) > MAX_DEPTH:
            raise TemplateError("JSON Schema 的 $ref 嵌套过深")
        current = enter(current, node)
        own = {key: _children(key, value, lambda each: walk(each, current, seen))
               for key, value in node.items() if key not in dropped and key != "$ref"}
        if "$ref" not in node:
            return own
        reference = node["$ref"]
        if reference in seen:
            raise TemplateError(f"JSON Schema 的 $ref 形成循环：{reference}")
        target = follow(current, reference)
        return combine(walk(target.contents, target.resolver, (*seen, reference)), own)

    return walk(schema, resolver(schema, registry), ())
