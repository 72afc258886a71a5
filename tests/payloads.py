"""Maximal payloads, generated from a template version's JSON Schema.

The examples show what a typical case looks like; a page layout breaks on the
atypical one: a 100-character company name in a 30 mm label column, 25
evidence items, a 650-character statement, the longest amount in 大写. So for
every instrument a payload is generated that fills every optional field, as
long as the schema allows (capped so that a test run stays short), with as many
rows as the schema allows (up to 25), in realistic Chinese with the odd
character outside the basic plane (䶮, 𠮷), and valid identifiers, dates and
amounts. Nothing here knows any instrument: it reads the schema, so it keeps
working for the instruments still being written.

The generator only makes choices; the catalogue validator is the judge: the
tests validate every payload, so a schema construct this module does not
understand fails loudly instead of producing a payload that tests nothing.
"""
from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterator, Mapping

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from docgen.validation import AFTER
from docgen.workdays import add_working_days

USCC = "91430211MA4L00123K"  # valid check character (GB 32100)
RESIDENT_ID = "43020219900101002X"  # valid check character (GB 11643), upper-case X
ROWS = 25  # rows of every array (fewer when the schema's maxItems says so)
LONG_TEXT = 650  # characters of a long free text (fewer when its maxLength says so)
ROW_TEXT = 160  # characters of a long free text inside an array row
PARAGRAPH = 220  # characters per paragraph of a multi-paragraph text
MULTI_PARAGRAPH = 2000  # a maxLength from which a text is written as several paragraphs
SHOWN_PREFERENCE = "organization"
CONDITIONS = "x-conditions"  # where ``flatten`` keeps the if/then/else blocks it met

# Sentences of the kind a case file holds; 䶮 (CJK Ext. A) and 𠮷 (Ext. B, outside the BMP)
# appear now and then, as they do in real names and shop signs.
PROSE = (
    "执法人员依法对当事人的经营场所进行了现场检查，并制作了现场笔录。",
    "当事人的法定代表人刘䶮在场，对检查过程无异议并签字确认。",
    "经查，当事人在其经营的“𠮷祥”便利店内销售超过保质期的预包装食品。",
    "上述食品的外包装标注的生产日期和保质期清晰可辨，已超过保质期十五日以上。",
    "执法人员对涉案食品进行了拍照取证，并调取了当事人近三个月的进货台账和销售单据。",
    "当事人提供的进货票据显示，涉案食品系从外省某食品贸易公司购进，货款已全部结清。",
    "当事人称未能及时发现食品过期，系仓库管理人员疏忽所致，并非故意销售。",
    "根据当事人提供的销售记录，涉案食品在保质期届满后共售出四十二件，销售收入已入账。",
    "执法人员当场告知当事人依法享有陈述、申辩的权利，当事人表示知悉。",
    "当事人已于检查次日主动下架全部涉案食品，并通过电话和短信联系购买者办理退货。",
    "本案证据包括营业执照复印件、现场照片、询问笔录、进货票据及销售单据等。",
    "当事人此前未因同类违法行为受过行政处罚，违法行为持续时间较短，社会危害较小。",
)


@dataclass(frozen=True)
class Generated:
    """A payload and the ``oneOf`` branches the generator chose: (pointer, kind) pairs."""

    payload: dict[str, Any]
    choices: tuple[tuple[str, str], ...]

    def swapped_into(self, base: dict[str, Any]) -> dict[str, Any]:
        """``base`` (an example) with each chosen branch's value replaced by this payload's.

        The person branch only changes the party block, so it is tested on the example
        rather than on a second maximal document: the same lines, a fraction of the pages.
        """
        result = copy.deepcopy(base)
        for pointer, _ in self.choices:
            steps = [int(s) if s.isdigit() else s for s in pointer.strip("/").split("/")]
            source, target = self.payload, result
            try:
                for step in steps[:-1]:
                    source, target = source[step], target[step]
                target[steps[-1]] = copy.deepcopy(source[steps[-1]])
            except (KeyError, IndexError, TypeError):
                continue  # the example has no such row: nothing to swap there
        return result


def prose(length: int, seed: str, paragraph: int = 0) -> str:
    """``length`` characters of Chinese prose, different for every ``seed`` (a JSON pointer).

    The text opens with a few characters derived from the seed, so that two fields
    never print the same text and a test finding one finds the right one.
    """
    start = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    tag = "".join("甲乙丙丁戊己庚辛壬癸"[(start >> (4 * i)) % 10] for i in range(4))
    text = tag
    index = start % len(PROSE)
    while len(text) < length:
        text += PROSE[index % len(PROSE)]
        index += 1
    text = text[:length]
    if paragraph and length > paragraph:
        chunks = [text[i:i + paragraph] for i in range(0, len(text), paragraph)]
        text = "\n".join(chunks)[:length]
    return text.rstrip("\n")


class PayloadGenerator:
    """Walks a schema (``$ref``s resolved through the catalogue's registry) and fills it."""

    def __init__(self, registry: Registry, prefer: str = SHOWN_PREFERENCE, example: Any = None) -> None:
        self.registry = registry
        self.prefer = prefer  # the oneOf branch whose ``kind`` is this, e.g. organization / person
        self.example = example  # the version's example: valid values for what a pattern constrains
        self.choices: list[tuple[str, str]] = []

    def generate(self, schema: Mapping[str, Any]) -> Generated:
        resource = DRAFT202012.create_resource(schema)
        registry = self.registry.with_resource(str(schema.get("$id", "")), resource)
        resolver = registry.resolver_with_root(resource)
        self.choices = []
        payload = self.value(schema, resolver, "", 0, in_row=False)
        for rule in schema.get(AFTER, []):  # every date is the same day: move the later ones on
            *parents, name = rule["field"].strip("/").split("/")
            holder = _at(payload, "/".join(parents))
            start = _at(payload, rule["after"])
            if isinstance(holder, dict) and name in holder and isinstance(start, str):
                first = date.fromisoformat(start)
                limit = (add_working_days(first, rule["working_days"]) if "working_days" in rule
                         else first + timedelta(days=rule["days"]))
                # the limit itself, or the day after it when the period must have run out
                holder[name] = (limit + timedelta(days=1) if rule.get("exclusive") else limit).isoformat()
        return Generated(payload, tuple(self.choices))

    # Schemas -----------------------------------------------------------------------------

    def flatten(self, schema: Mapping[str, Any], resolver: Any) -> tuple[dict[str, Any], Any]:
        """The schema with its ``$ref`` and ``allOf`` merged in (the narrower limit wins).

        Each ``if``/``then``/``else`` is kept whole, with its resolver, in ``CONDITIONS``:
        several of them may apply to one object.
        """
        merged: dict[str, Any] = {}
        ref = schema.get("$ref")
        if isinstance(ref, str):
            resolved = resolver.lookup(ref)
            target, target_resolver = self.flatten(resolved.contents, resolved.resolver)
            merged = _merge(merged, target)
            resolver = target_resolver if set(schema) <= {"$ref", "title", "description"} else resolver
        own = {key: value for key, value in schema.items() if key not in ("$ref", "allOf", "if", "then", "else")}
        if "if" in schema:
            own[CONDITIONS] = [(schema, resolver)]
        merged = _merge(merged, own)
        for sub in schema.get("allOf", []):
            branch, _ = self.flatten(sub, resolver)
            merged = _merge(merged, branch)
        return merged, resolver

    def value(self, schema: Mapping[str, Any], resolver: Any, pointer: str, index: int, in_row: bool) -> Any:
        schema, resolver = self.flatten(schema, resolver)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                branch, branch_resolver = self.branch(schema[key], resolver, pointer)
                rest = {k: v for k, v in schema.items() if k != key}
                return self.value(_merge(rest, branch), branch_resolver, pointer, index, in_row)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return self.enum(schema["enum"], pointer, index)
        kind = _type(schema)
        if kind == "object":
            return self.object(schema, resolver, pointer, index, in_row)
        if kind == "array":
            return self.array(schema, resolver, pointer)
        if kind == "boolean":
            return True  # a "yes" usually prints more (听证 offered, …)
        if kind in ("integer", "number"):
            return schema.get("maximum", schema.get("minimum", 1))
        if kind == "string":
            return self.string(schema, pointer, in_row)
        raise ValueError(f"{pointer or '/'}: cannot generate a value for schema {dict(schema)}")

    def branch(self, branches: list[Any], resolver: Any, pointer: str) -> tuple[dict[str, Any], Any]:
        """The branch whose ``kind`` const is the preferred one, else the one with most fields."""
        flat = [self.flatten(branch, resolver) for branch in branches]
        def score(item: tuple[dict[str, Any], Any]) -> tuple[bool, int]:
            kind = item[0].get("properties", {}).get("kind", {})
            return kind.get("const") == self.prefer, len(item[0].get("properties", {}))
        chosen = max(flat, key=score)
        kind = chosen[0].get("properties", {}).get("kind", {}).get("const")
        if kind:
            self.choices.append((pointer, kind))
        return chosen

    def enum(self, values: list[Any], pointer: str, index: int) -> Any:
        """The last option (usually the one that needs the most text: 不予采纳, 其他 …);
        in array rows, every option in turn."""
        return values[(len(values) - 1 - index) % len(values)]

    def object(self, schema: Mapping[str, Any], resolver: Any, pointer: str, index: int, in_row: bool) -> dict:
        properties: dict[str, Any] = schema.get("properties", {})
        result = {name: self.value(sub, resolver, f"{pointer}/{name}", index, in_row)
                  for name, sub in properties.items()}
        for name, value in self.preferred_values(properties, pointer).items():
            result[name] = value
        self.conditions(schema, resolver, result, pointer, index, in_row)
        return result

    def preferred_values(self, properties: Mapping[str, Any], pointer: str) -> dict[str, Any]:
        """Values chosen for realism where the schema alone would allow anything.

        ``id_type`` 居民身份证 makes ``id_number`` a checked resident ID (the schema's
        ``if``/``then``); the party block then shows the number without naming the card.
        """
        return {"id_type": "居民身份证"} if "id_type" in properties and "id_number" in properties else {}

    def conditions(self, schema: Mapping[str, Any], resolver: Any, result: dict[str, Any], pointer: str,
                   index: int, in_row: bool) -> None:
        """Apply ``if``/``then``/``else``: drop what a branch forbids, regenerate what it constrains."""
        for holder, holder_resolver in schema.get(CONDITIONS, []):
            matched = self.matches(holder["if"], holder_resolver, result)
            branch = holder.get("then" if matched else "else")
            if branch is None:
                continue
            branch, branch_resolver = self.flatten(branch, holder_resolver)
            for name in _forbidden(branch):
                result.pop(name, None)
            for name, extra in branch.get("properties", {}).items():
                if name in result:
                    base = schema.get("properties", {}).get(name, {})
                    merged = _merge(self.flatten(base, resolver)[0], self.flatten(extra, branch_resolver)[0])
                    result[name] = self.value(merged, branch_resolver, f"{pointer}/{name}", index, in_row)

    def matches(self, condition: Any, resolver: Any, instance: Any) -> bool:
        condition, _ = self.flatten(condition, resolver)
        return Draft202012Validator(condition, registry=self.registry).is_valid(instance)

    def array(self, schema: Mapping[str, Any], resolver: Any, pointer: str) -> list[Any]:
        count = max(min(schema.get("maxItems", ROWS), ROWS), schema.get("minItems", 0))
        items = schema.get("items", {})
        return [self.value(items, resolver, f"{pointer}/{i}", i, in_row=True) for i in range(count)]

    def string(self, schema: Mapping[str, Any], pointer: str, in_row: bool) -> str:
        fmt = schema.get("format")
        longest_allowed = schema.get("maxLength", LONG_TEXT)
        if fmt in FORMATS:
            value = FORMATS[fmt](pointer)
            if "pattern" not in schema or re.search(schema["pattern"], value):
                return value
            return self.patterned(schema, pointer, min(longest_allowed, LONG_TEXT))  # e.g. a capped amount
        longest = schema.get("maxLength", LONG_TEXT)
        length = max(min(longest, ROW_TEXT if in_row and longest > ROW_TEXT else LONG_TEXT), schema.get("minLength", 0))
        if "pattern" in schema:
            return self.patterned(schema, pointer, length)
        name = pointer.rsplit("/", 1)[-1]
        if name.endswith("number") or name.endswith("_no"):
            return _code(min(length, 24), pointer)  # certificate and account numbers are codes
        return prose(length, pointer, PARAGRAPH if longest >= MULTI_PARAGRAPH else 0)

    def patterned(self, schema: Mapping[str, Any], pointer: str, length: int) -> str:
        """A text matching ``pattern``: prose around an anchored literal ("^涉嫌", "人民法院$"),
        else the example's value at the same place, else the schema's ``examples``."""
        pattern = schema["pattern"]
        literal = re.fullmatch(r"\^([^\\.*+?()\[\]{}|$^]+)|([^\\.*+?()\[\]{}|$^]+)\$", pattern)
        if literal:
            fixed = literal.group(1) or literal.group(2)
            body = prose(max(length - len(fixed), 1), pointer)
            return fixed + body if literal.group(1) else body + fixed
        found = _at(self.example, pointer)
        if isinstance(found, str) and re.search(pattern, found):
            return found
        for example in schema.get("examples") or []:
            if isinstance(example, str) and re.search(pattern, example):
                return example
        raise ValueError(f"{pointer}: cannot make a text matching {pattern!r}; "
                         "give the field a value in example.json or an ``examples`` entry in the schema")


def _at(document: Any, pointer: str) -> Any:
    """The value at ``pointer``; a row the document does not have is taken from its rows in turn."""
    for step in pointer.strip("/").split("/") if pointer else []:
        if isinstance(document, list) and step.isdigit() and document:
            document = document[int(step) % len(document)]
        elif isinstance(document, Mapping) and step in document:
            document = document[step]
        else:
            return None
    return document


def _code(length: int, seed: str) -> str:
    digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))
    return digits[:length]


def _time(pointer: str) -> str:
    return "17:45" if "end" in pointer else "08:05"


FORMATS = {
    # As long as a date gets (two-digit month and day), and far enough from the year's end that the
    # deadlines counted from it stay in a year the shipped calendar knows (x-docgen-after refuses others).
    "date": lambda pointer: "2026-11-28",
    "date-time": lambda pointer: "2026-12-28T17:45:00+08:00",
    "time": _time,
    "money": lambda pointer: "9876543210123.45",  # 16 characters: the longest the schema allows
    "uscc": lambda pointer: USCC,
    "resident-id": lambda pointer: RESIDENT_ID,
    "phone": lambda pointer: "0731-28888888-123456",
    "year": lambda pointer: "2026",
}


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Both schemas apply: properties are combined and the narrower limit wins."""
    merged = dict(base)
    for key, value in extra.items():
        if key in ("maxLength", "maxItems", "maximum") and key in merged:
            merged[key] = min(merged[key], value)
        elif key in ("minLength", "minItems", "minimum") and key in merged:
            merged[key] = max(merged[key], value)
        elif key == "properties" and key in merged:
            merged[key] = {**merged[key], **value}
        elif key == "required" and key in merged:
            merged[key] = list(dict.fromkeys([*merged[key], *value]))
        elif key in ("allOf", CONDITIONS) and key in merged:
            merged[key] = [*merged[key], *value]
        else:
            merged[key] = value
    return merged


def _type(schema: Mapping[str, Any]) -> str | None:
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    if declared:
        return declared
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def _forbidden(branch: Mapping[str, Any]) -> list[str]:
    """Properties a ``not: {required: …}`` (or ``not: {anyOf: [{required: …}]}``) forbids."""
    forbidden = branch.get("not", {})
    names = list(forbidden.get("required", []))
    for sub in forbidden.get("anyOf", []) + forbidden.get("oneOf", []):
        names += sub.get("required", [])
    return names


def maximal(schema: Mapping[str, Any], registry: Registry, prefer: str = SHOWN_PREFERENCE,
            example: Any = None) -> Generated:
    """The maximal payload of a schema (see the module docstring); ``example`` supplies
    values for patterns the generator cannot satisfy by itself."""
    return PayloadGenerator(registry, prefer, example).generate(schema)


def approvals(stages: list[Any]) -> dict[str, dict[str, str]]:
    """Every signature stage signed, with a long opinion: the review table's boxes at their fullest."""
    return {stage.id: {"decision": stage.decisions[-1] if stage.decisions else "同意",
                       "opinion": prose(300, f"/approvals/{stage.id}"),
                       "signer": "欧阳䶮𠮷", "date": "2026-12-28"}
            for stage in stages if stage.id != "issuance"}


def leaves(payload: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """(pointer, value) of every scalar in a payload, objects and arrays walked in order."""
    if isinstance(payload, Mapping):
        for key, value in payload.items():
            yield from leaves(value, f"{pointer}/{key}")
    elif isinstance(payload, list):
        for index, value in enumerate(payload):
            yield from leaves(value, f"{pointer}/{index}")
    else:
        yield pointer, payload


def printed_values(payload: Any, choices: set[str], pointer: str = "") -> Iterator[tuple[str, str]]:
    """(pointer, text) of every value a document must show: the payload's non-ASCII free texts.

    Left out: values of an ``enum``/``const`` (``choices``; templates show a choice as a
    tick box, a title or a phrase), ASCII values (dates, amounts and codes are
    reformatted: 2026-12-28 → 2026年12月28日) and the ID card's name 居民身份证, which the
    party block leaves out on purpose.
    """
    if isinstance(payload, Mapping):
        for key, value in payload.items():
            if key == "id_type" and value == "居民身份证":
                continue
            yield from printed_values(value, choices, f"{pointer}/{key}")
    elif isinstance(payload, list):
        for index, value in enumerate(payload):
            yield from printed_values(value, choices, f"{pointer}/{index}")
    elif isinstance(payload, str) and not payload.isascii() and payload not in choices:
        yield pointer, payload


def choice_values(schema: Any, registry: Registry) -> set[str]:
    """Every ``enum`` and ``const`` string a schema (and the definitions it refers to) offers."""
    found: set[str] = set()
    seen: set[int] = set()
    resource = DRAFT202012.create_resource(schema)
    resolver = registry.with_resource(str(schema.get("$id", "")), resource).resolver_with_root(resource)

    def walk(node: Any, resolver: Any) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, Mapping):
            found.update(v for v in node.get("enum", []) if isinstance(v, str))
            if isinstance(node.get("const"), str):
                found.add(node["const"])
            if isinstance(node.get("$ref"), str):
                resolved = resolver.lookup(node["$ref"])
                walk(resolved.contents, resolved.resolver)
            for value in node.values():
                walk(value, resolver)
        elif isinstance(node, list):
            for value in node:
                walk(value, resolver)

    walk(schema, resolver)
    return found
