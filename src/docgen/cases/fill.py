"""Data entered once (录入一次化): the case's data as the fields of one instrument's payload.

Which field takes what is read from the instrument's own schema, so a new
instrument is filled without a table to maintain: a top-level ``party`` that is
the shared 当事人 block takes the case's party; ``party_name`` its name; an
array of the shared ``officer`` (``handlers``, ``officers``, ``inspectors``)
the 承办人员 when they fit its ``maxItems``; a ``case`` object of
``party_name`` + ``cause`` (the letters' case reference) both; ``cause`` the
案由; ``case_cause`` (案件名称) the party's name, the 案由 and 案; ``case_number``
the 案件编号; ``filed_on`` the 立案日期; a ``source`` enum the 案件来源; a ``department`` string
(办案机构, 申请部门) the case's 承办部门 when the case names one.

Where an instrument's field means something else under the same name it is
listed in ``NOT_FILLED`` (an investigation report's ``cause`` is the finding,
without 涉嫌), or its wording in ``CASE_NAME`` / ``CAUSE_WITHOUT_SUSPECTED``.
A field given explicitly always wins; the merged payload is then validated as
any payload is.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from .. import schemaref
from ..catalogue import TemplateVersion

if TYPE_CHECKING:
    from .case import Case

#: (template, field) pairs whose meaning differs from the case's field of that name.
NOT_FILLED = frozenset({("investigation-report", "cause"), ("case-review", "cause")})
#: Templates whose ``cause`` is written after a printed 涉嫌 (the form prints it).
CAUSE_WITHOUT_SUSPECTED = frozenset({"sampling-record"})
#: How ``case_cause`` (案件名称) is worded where it is not “当事人＋案由＋案”.
CASE_NAME = {"inquiry-record": "{party}{cause}一案", "test-commission": "{party}{cause}"}


def _target(node: Any, current: Any) -> tuple[Any, Any, str | None]:
    """``node`` with its local references (``#/$defs/…``) followed through ``schemaref``, the
    resolver they lead to, and the reference into another resource it ends on (None if none)."""
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
        reference = node["$ref"]
        base, _ = schemaref.split(reference)
        if base:  # a shared definition (``…/_defs/N#/$defs/name``): named, not followed
            return node, current, reference
        seen.add(reference)
        target = schemaref.follow(current, reference)
        node, current = target.contents, target.resolver
    return node, current, None


def _refers(node: Any, name: str, current: Any) -> bool:
    """Whether ``node`` is the shared definition ``name`` (directly or through local ``$defs``)."""
    reference = _target(node, current)[2]
    return reference is not None and schemaref.split(reference)[1] == f"/$defs/{name}"


def case_fields(case: "Case", release: TemplateVersion) -> dict[str, Any]:
    """The fields of ``release``'s payload that ``case`` supplies (top level only)."""
    schema = release.schema
    local = schemaref.resolver(schema)  # references inside the schema; shared ones are only named
    properties: Mapping[str, Any] = schema.get("properties", {})
    data = case.data
    party, cause = data["party"], data["cause"]
    filled: dict[str, Any] = {}
    for name, node in properties.items():
        if (release.template_id, name) in NOT_FILLED:
            continue
        if name == "party" and _refers(node, "party", local):
            filled[name] = party
        elif name == "party_name":
            filled[name] = party["name"]
        elif name == "cause" and node.get("type") == "string":
            filled[name] = cause.removeprefix("涉嫌") if release.template_id in CAUSE_WITHOUT_SUSPECTED else cause
        elif name == "case_cause":
            wording = CASE_NAME.get(release.template_id, "{party}{cause}案")
            filled[name] = wording.format(party=party["name"], cause=cause)
        elif name == "case":
            target = _target(node, local)[0]
            if isinstance(target, Mapping) and set(target.get("properties", {})) == {"party_name", "cause"}:
                filled[name] = {"party_name": party["name"], "cause": cause}
        elif name == "case_number":
            filled[name] = case.number
        elif name == "filed_on":
            filled[name] = data["filed_on"]
        elif name == "source" and data["source"] in node.get("enum", ()):
            filled[name] = data["source"]
        elif name == "department" and node.get("type") == "string" and data.get("department"):
            filled[name] = data["department"]
        elif node.get("type") == "array" and name in {"handlers", "officers", "inspectors"}:
            officers = _officers(node, data["officers"], local)
            if officers is not None:
                filled[name] = officers
    return filled


def _officers(node: Mapping[str, Any], officers: list[dict[str, Any]], local: Any) -> Any:
    """The 承办人员 as this array's items take them, or None when they do not fit it."""
    if len(officers) > node.get("maxItems", len(officers)) or len(officers) < node.get("minItems", 0):
        return None
    items = node.get("items", {})
    if _refers(items, "officer", local):
        return [dict(o) for o in officers]
    shape = _target(items, local)[0]
    if isinstance(shape, Mapping) and set(shape.get("properties", {})) == {"name"}:
        return [{"name": o["name"]} for o in officers]
    return None


def merge(case: "Case", release: TemplateVersion, data: Any) -> Any:
    """``data`` with every field the case supplies and ``data`` does not give; ``data`` wins."""
    if not isinstance(data, dict):
        return data  # the validator names the problem
    return {**case_fields(case, release), **data}
