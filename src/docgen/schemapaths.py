"""Which fields a JSON Schema defines, seen from a template's ``data.x.y`` expressions.

The linter has to answer two questions a validator never asks: "does the schema
define ``data.party.license_name`` at all?" and "which required fields are
there to print?". Both need the schema as a tree of *places* rather than as a
set of constraints: a place is every subschema that applies to the same
instance (its ``$ref`` target, ``allOf``/``anyOf``/``oneOf`` branches,
``then``/``else``), so that a field defined in any branch of a ``oneOf`` (a
person's address, an organisation's credit code) counts as defined.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from referencing import Registry

from . import schemaref

ITEMS = "[]"  # the path step from an array to any of its items
_SCALARS = {"string", "number", "integer", "boolean", "null"}
# Subschemas that describe the same instance as their parent. ``if`` is left out:
# it tests the instance, it does not define anything in it.
_SAME_INSTANCE_LISTS = ("allOf", "anyOf", "oneOf")
_SAME_INSTANCE_ONE = ("then", "else")
_MAX_DEPTH = 32  # recursive schemas end somewhere; a template never goes deeper


def dotted(path: tuple[str, ...], root: str = "data") -> str:
    """``("penalties", "[]", "amount")`` as a template author writes it: ``data.penalties[].amount``."""
    text = root
    for step in path:
        text += step if step == ITEMS else f".{step}"
    return text


@dataclass(frozen=True)
class Place:
    """One position in the payload (``path``) and every subschema that describes it.

    ``pairs`` holds each subschema with the resolver its ``$ref``s are relative to.
    """

    path: tuple[str, ...]
    pairs: tuple[tuple[Mapping[str, Any], Any], ...] = field(compare=False, repr=False)

    @property
    def schemas(self) -> tuple[Mapping[str, Any], ...]:
        return tuple(schema for schema, _ in self.pairs)

    @property
    def open(self) -> bool:
        """Whether properties the schema does not list are allowed here (then nothing can be
        said about them). Closed as soon as one subschema forbids them, or the place is not an
        object: a ``oneOf`` of closed objects (person | organisation) is closed."""
        for schema in self.schemas:
            if schema.get("additionalProperties") is False or schema.get("unevaluatedProperties") is False:
                return False
        types = self.types
        return not types or "object" in types

    @property
    def label(self) -> str:
        """The schema's Chinese title of this place, for messages."""
        return next((str(s["title"]) for s in self.schemas if "title" in s), "")

    @property
    def types(self) -> set[str]:
        """The JSON types this place may have (from ``type``, ``const`` and ``enum``)."""
        found: set[str] = set()
        for schema in self.schemas:
            declared = schema.get("type")
            if isinstance(declared, str):
                found.add(declared)
            elif isinstance(declared, list):
                found.update(declared)
            values = ([schema["const"]] if "const" in schema else []) + list(schema.get("enum", []))
            found.update(_json_type(value) for value in values)
        return found

    @property
    def scalar(self) -> bool:
        """Text, numbers, booleans: a template can call their methods but read no fields."""
        types = self.types
        return bool(types) and types <= _SCALARS

    @property
    def array(self) -> bool:
        return self.types == {"array"}

    @property
    def constant(self) -> bool:
        """A ``const`` (a branch discriminator such as ``kind``): it carries nothing to print."""
        return any("const" in s for s in self.schemas)

    def property_names(self) -> list[str]:
        names: list[str] = []
        for schema in self.schemas:
            for name in schema.get("properties", {}):
                if name not in names:
                    names.append(name)
        return names

    def required(self) -> list[str]:
        """Required properties of any branch: each is required whenever its branch applies."""
        names: list[str] = []
        for schema in self.schemas:
            for name in schema.get("required", []):
                if name not in names:
                    names.append(name)
        return names


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


class SchemaTree:
    """A schema (with its registry, for ``$ref``) navigated by property names."""

    def __init__(self, schema: Mapping[str, Any], registry: Registry | None = None) -> None:
        self._root_resolver = schemaref.resolver(schema, registry)
        self.root = self._place((), [(schema, self._root_resolver)])

    # Expansion -----------------------------------------------------------------------

    def _expand(self, schema: Any, resolver: Any, depth: int = 0) -> Iterator[tuple[Mapping[str, Any], Any]]:
        """The schema and every subschema that applies to the same instance, refs followed."""
        if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
            return
        yield schema, resolver
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = schemaref.follow(resolver, ref)
            yield from self._expand(target.contents, target.resolver, depth + 1)
        for key in _SAME_INSTANCE_LISTS:
            for sub in schema.get(key, []):
                yield from self._expand(sub, resolver, depth + 1)
        for key in _SAME_INSTANCE_ONE:
            if key in schema:
                yield from self._expand(schema[key], resolver, depth + 1)

    def _place(self, path: tuple[str, ...], roots: list[tuple[Any, Any]]) -> Place:
        return Place(path, tuple(pair for schema, resolver in roots for pair in self._expand(schema, resolver)))

    # Navigation ----------------------------------------------------------------------

    def child(self, place: Place, name: str) -> Place | None:
        """The place of property ``name``; None when the schema defines no such property."""
        found: list[tuple[Any, Any]] = []
        extra: list[tuple[Any, Any]] = []
        for schema, resolver in place.pairs:
            properties = schema.get("properties", {})
            if isinstance(properties, Mapping) and name in properties:
                found.append((properties[name], resolver))
            additional = schema.get("additionalProperties")
            if isinstance(additional, Mapping):
                extra.append((additional, resolver))
        if found:
            return self._place((*place.path, name), found)
        if extra:
            return self._place((*place.path, name), extra)
        if place.open:
            return self._place((*place.path, name), [({}, self._root_resolver)])
        return None

    def items(self, place: Place) -> Place | None:
        """The place of the items of an array; None when the schema says nothing about them."""
        found = [(schema["items"], resolver) for schema, resolver in place.pairs
                 if isinstance(schema.get("items"), Mapping)]
        found += [(sub, resolver) for schema, resolver in place.pairs
                  for sub in schema.get("prefixItems", [])]
        if not found:
            return None
        return self._place((*place.path, ITEMS), found)


def schema_of_value(value: Any) -> dict[str, Any]:
    """A closed schema describing a known value (the agency profile): its keys and nothing else."""
    if isinstance(value, Mapping):
        return {"type": "object", "additionalProperties": False,
                "properties": {str(key): schema_of_value(item) for key, item in value.items()}}
    return {"type": _json_type(value)}
