"""The content being approved, readable on the page: a payload as rows titled by its schema, and a diff.

Approvers signed what they could not read without downloading the PDF. The
page now shows the payload of the stage being approved, each value under the
``title`` its template version's schema gives it (the same resolved schema
the e-form is built from), in the schema's order; and, from the second round
on, what the resubmission changed, field by field. This is a reading aid: the
signed PDF remains what is signed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..catalogue import Catalogue, TemplateVersion
from ..jsontext import pointer as jsonpointer, steps
from .schema_form import resolved

_SCHEMAS: dict[str, dict[str, Any]] = {}


def schema_of(catalogue: Catalogue, release: TemplateVersion) -> dict[str, Any]:
    """The version's schema with every ``$ref`` resolved, once per version (released schemas never change)."""
    if release.key not in _SCHEMAS:
        _SCHEMAS[release.key] = resolved(release.schema, catalogue.registry)
    return _SCHEMAS[release.key]


@dataclass(frozen=True)
class Row:
    """One value (``value``) or one group of values (``children``), with its title and JSON pointer."""

    pointer: str
    title: str
    value: str | None = None
    children: tuple["Row", ...] = ()

    @property
    def group(self) -> bool:
        return self.value is None


def text(value: Any) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None:
        return "（空）"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def branch(node: dict[str, Any], value: Any) -> dict[str, Any] | None:
    """The ``oneOf`` branch ``value`` is in, told by a ``const`` discriminator (e.g. 当事人的 kind)."""
    for option in node.get("oneOf", []):
        props = option.get("properties", {})
        consts = {k: v["const"] for k, v in props.items() if isinstance(v, dict) and "const" in v}
        if consts and isinstance(value, dict) and all(value.get(k) == c for k, c in consts.items()):
            return option
    return None


def rows(node: dict[str, Any], value: Any, pointer: str = "") -> list[Row]:
    """The rows of an object ``value`` under schema ``node``: schema order first, unknown keys after."""
    if "oneOf" in node and not node.get("properties"):
        chosen = branch(node, value)
        if chosen is None:
            return [Row(pointer, node.get("title", ""), text(value))] if not isinstance(value, dict) else \
                [Row(pointer + jsonpointer((k,)), k, text(v)) for k, v in value.items()]
        kind = chosen.get("title")
        consts = [k for k, v in chosen.get("properties", {}).items() if isinstance(v, dict) and "const" in v]
        inner = rows(chosen, value, pointer)
        return ([Row(pointer + jsonpointer((consts[0],)), "类型", kind)] if kind and consts else []) + inner
    if not isinstance(value, dict):
        return []
    props: dict[str, Any] = node.get("properties", {})
    out = []
    for name in [*props, *(k for k in value if k not in props)]:
        if name not in value:
            continue
        child = props.get(name, {})
        if isinstance(child, dict) and "const" in child:
            continue  # a discriminator: said by the branch's title
        out.append(row(child if isinstance(child, dict) else {}, value[name], pointer + jsonpointer((name,)), name))
    return out


def row(node: dict[str, Any], value: Any, pointer: str, name: str = "") -> Row:
    title = node.get("title") or name
    if isinstance(value, dict):
        return Row(pointer, title, children=tuple(rows(node, value, pointer)))
    if isinstance(value, list):
        items = node.get("items", {}) if isinstance(node.get("items"), dict) else {}
        if all(not isinstance(item, (dict, list)) for item in value):
            return Row(pointer, title, "、".join(text(item) for item in value) if value else "（无）")
        item_title = items.get("title") or "项目"
        return Row(pointer, title, children=tuple(
            row(items, item, f"{pointer}/{n}", f"{item_title} {n + 1}") if not isinstance(item, dict)
            else Row(f"{pointer}/{n}", f"{item_title} {n + 1}", children=tuple(rows(items, item, f"{pointer}/{n}")))
            for n, item in enumerate(value)))
    return Row(pointer, title, text(value))


def leaves(items: list[Row], path: tuple[str, ...] = ()) -> dict[str, tuple[str, str]]:
    """pointer → (titles joined with ›, value) for every value row, in display order."""
    out: dict[str, tuple[str, str]] = {}
    for item in items:
        titles = (*path, item.title)
        if item.group:
            out.update(leaves(list(item.children), titles))
        else:
            out[item.pointer] = (" › ".join(titles), item.value or "")
    return out


def field_title(node: dict[str, Any], pointer: str) -> str | None:
    """The titles leading to ``pointer`` joined with ›, as ``leaves`` names a value, read from the schema
    alone (a public rendition's manifest lists pointers, not the payload): an array item is "<item title> n",
    a property in a ``oneOf`` branch is looked up in the branch that has it. None if the schema has no such
    place, so the page shows the bare pointer."""
    try:
        parts = steps(pointer)
    except ValueError:
        return None
    titles: list[str] = []
    for part in parts:
        items = node.get("items")
        if isinstance(items, dict) and part.isdigit():
            node = items
            titles.append(f"{items.get('title') or '项目'} {int(part) + 1}")
            continue
        holders = [node, *(o for o in node.get("oneOf", []) if isinstance(o, dict))]
        child = next((h["properties"][part] for h in holders
                      if isinstance(h.get("properties"), dict) and isinstance(h["properties"].get(part), dict)), None)
        if child is None:
            return None
        node = child
        titles.append(child.get("title") or part)
    return " › ".join(titles) or None


@dataclass(frozen=True)
class Change:
    pointer: str
    title: str
    before: str | None  # None: the field was added
    after: str | None  # None: the field was removed

    def parts(self) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
        """Each side as (same start, what differs, same end), so a long text shows where it changed."""
        old, new = self.before or "", self.after or ""
        start = 0
        while start < min(len(old), len(new)) and old[start] == new[start]:
            start += 1
        end = 0
        while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
            end += 1
        return ((old[:start], old[start:len(old) - end], old[len(old) - end:]),
                (new[:start], new[start:len(new) - end], new[len(new) - end:]))


def diff(node: dict[str, Any], before: Any, after: Any) -> list[Change]:
    """Field-level changes from ``before`` to ``after``: changed and added in the new order, then removed."""
    old, new = leaves(rows(node, before)), leaves(rows(node, after))
    changes = [Change(p, title, old[p][1] if p in old else None, value)
               for p, (title, value) in new.items() if p not in old or old[p][1] != value]
    changes += [Change(p, title, value, None) for p, (title, value) in old.items() if p not in new]
    return changes
