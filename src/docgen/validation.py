"""Check a payload against its template version's JSON Schema (2020-12).

The people who read these errors are case handlers and the developers of the
case systems, so every problem is reported at once (not just the first), at a
JSON pointer into the payload, in Chinese, naming the field by its schema
``title``. ``oneOf``/``anyOf`` failures are resolved to the concrete fields of
the branch the payload meant (e.g. the party whose ``kind`` matches) instead of
"not valid under any of the given schemas".

Formats are asserted, and only docgen's own: a released schema must validate
the same way whatever optional packages happen to be installed, so any other
``format`` is an annotation.
"""
from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from functools import lru_cache
from itertools import islice
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError
from referencing import Registry
from referencing.exceptions import Unresolvable

from . import schemaref
from .errors import Issue, TemplateError, ValidationFailed
from .identifiers import resident_id_problem, uscc_problem
from .jsontext import pointer, pointer_parts
from .workdays import DEFAULT, Calendar

if TYPE_CHECKING:
    from referencing._core import Resolver

# Formats ---------------------------------------------------------------------


class _Invalid(ValueError):
    """A format check failed; the argument is the Chinese predicate, e.g. "应为有效日期"."""


FORMAT_CHECKER = FormatChecker(formats=())
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DATE_TIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-]([0-9]{2}):([0-9]{2}))"
)
_TIME = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?")
_MONEY = re.compile(r"(?:0|[1-9][0-9]{0,12})(?:\.[0-9]{1,2})?")
_PHONE = re.compile(r"1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-[0-9]{7,8}(?:-[0-9]{1,6})?")
_YEAR = re.compile(r"[0-9]{4}")
MONEY_AS_NUMBER = '应使用字符串表示金额，如 "12000.00"，不能使用数字'


def _real_date(text: str) -> bool:
    match = _DATE.fullmatch(text)
    if match is None:
        return False
    try:
        date(*map(int, match.groups()))
    except ValueError:
        return False
    return True


@FORMAT_CHECKER.checks("date", raises=_Invalid)
def _check_date(instance: object) -> bool:
    if isinstance(instance, str) and not _real_date(instance):
        missing = f"，{instance} 不存在" if _DATE.fullmatch(instance) else ""
        raise _Invalid(f"应为有效日期，格式为 YYYY-MM-DD{missing}")
    return True


@FORMAT_CHECKER.checks("date-time", raises=_Invalid)
def _check_date_time(instance: object) -> bool:
    """RFC 3339 ``date-time``: an offset is required so the instant is unambiguous."""
    if not isinstance(instance, str):
        return True
    match = _DATE_TIME.fullmatch(instance)
    if match is None or not _real_date(match[1]):
        raise _Invalid("应为带时区的日期时间，如 2026-03-05T09:30:00+08:00")
    hour, minute, second, off_hour, off_minute = (int(part or 0) for part in match.groups()[1:])
    if hour > 23 or minute > 59 or second > 60 or off_hour > 23 or off_minute > 59:
        raise _Invalid(f"应为带时区的日期时间，{instance} 中的时间不存在")
    return True


@FORMAT_CHECKER.checks("time", raises=_Invalid)
def _check_time(instance: object) -> bool:
    """Wall-clock time as printed on an instrument (not RFC 3339's offset time)."""
    if isinstance(instance, str) and not _TIME.fullmatch(instance):
        raise _Invalid("应为 24 小时制时间，格式为 HH:MM 或 HH:MM:SS")
    return True


@FORMAT_CHECKER.checks("money", raises=_Invalid)
def _check_money(instance: object) -> bool:
    """A decimal string: JSON numbers are binary floats and lose cents, so they are refused."""
    if isinstance(instance, (int, float)) and not isinstance(instance, bool):
        raise _Invalid(MONEY_AS_NUMBER)
    if isinstance(instance, str) and not _MONEY.fullmatch(instance):
        raise _Invalid('应为金额格式，如 "12000.00"（不带符号和千分位，最多两位小数）')
    return True


@FORMAT_CHECKER.checks("uscc", raises=_Invalid)
def _check_uscc(instance: object) -> bool:
    problem = uscc_problem(instance) if isinstance(instance, str) else None
    if problem:
        raise _Invalid(f"不是有效的统一社会信用代码：{problem}")
    return True


@FORMAT_CHECKER.checks("resident-id", raises=_Invalid)
def _check_resident_id(instance: object) -> bool:
    problem = resident_id_problem(instance) if isinstance(instance, str) else None
    if problem:
        raise _Invalid(f"不是有效的居民身份证号码：{problem}")
    return True


@FORMAT_CHECKER.checks("phone", raises=_Invalid)
def _check_phone(instance: object) -> bool:
    if isinstance(instance, str) and not _PHONE.fullmatch(instance):
        raise _Invalid("应为手机号码或带区号的固定电话，如 13812345678、0731-12345678")
    return True


@FORMAT_CHECKER.checks("year", raises=_Invalid)
def _check_year(instance: object) -> bool:
    if isinstance(instance, str) and not _YEAR.fullmatch(instance):
        raise _Invalid("应为四位数字的年份，如 2026")
    return True


# Text safety -------------------------------------------------------------------

# XML 1.0 cannot carry these, so a DOCX could not hold them.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _unprintable(text: str) -> str | None:
    if _UNPRINTABLE.search(text) is None:  # the common case, without building a list
        return None
    found = sorted(set(_UNPRINTABLE.findall(text)))
    return "、".join(f"U+{ord(char):04X}" for char in found) or None


def unsafe_text(value: object, path: tuple[str | int, ...] = ()) -> Iterator[Issue]:
    """Characters that cannot go into DOCX XML, anywhere in ``value``, with their pointers."""
    if isinstance(value, str) and (chars := _unprintable(value)):
        yield Issue(pointer(path), f"含有不可打印的控制字符 {chars}")
    elif isinstance(value, dict):
        for key, item in value.items():
            if chars := _unprintable(key):
                yield Issue(pointer((*path, key)), f"字段名含有不可打印的控制字符 {chars}")
            yield from unsafe_text(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unsafe_text(item, (*path, index))


# Messages ----------------------------------------------------------------------

_TYPES = {"string": "文本", "integer": "整数", "number": "数字", "boolean": "布尔值（true 或 false）",
          "object": "对象", "array": "数组", "null": "空值（null）"}
# Keywords whose subschema applies to a child of the instance, and keywords
# whose value is a mapping or list of subschemas (the next path part picks one).
_MOVES = {"properties", "patternProperties", "additionalProperties", "prefixItems", "items",
          "unevaluatedProperties", "unevaluatedItems", "contains"}
_CONTAINERS = {"properties", "patternProperties", "dependentSchemas", "$defs",
               "allOf", "anyOf", "oneOf", "prefixItems"}
_UNEXPECTED = re.compile(r"\((.*) (?:was|were) (?:unexpected|unevaluated and invalid)\)", re.DOTALL)
# Annotations: they never make a subschema fail.
_ANNOTATIONS = {"title", "description", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly"}
_NO_CONST = object()


def _show(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _one_of(values: Sequence[object]) -> str:
    return "应为以下之一：" + "、".join(_show(value) for value in values)


def _label(title: str | None, at: str) -> str:
    """How a message names a field: its title and pointer, or the pointer alone."""
    if title:
        return f"{title}（{at}）" if at else title
    return f"字段 {at} " if at else "数据"


def _sort_key(issue: Issue) -> tuple[tuple[tuple[int, int | str], ...], str]:
    """Pointer order with array indexes compared as numbers (/items/2 before /items/10)."""
    parts = tuple((0, int(part)) if part.isascii() and part.isdigit() else (1, part)
                  for part in pointer_parts(issue.pointer))
    return parts, issue.message


_PREDICATES: dict[str, Callable[[Any], str]] = {
    "enum": _one_of,
    "const": lambda expected: f"应为 {_show(expected)}",
    "minLength": lambda expected: "不能为空" if expected == 1 else f"长度不能少于 {expected} 个字符",
    "maxLength": lambda expected: f"长度不能超过 {expected} 个字符",
    "minimum": lambda expected: f"不能小于 {_show(expected)}",
    "maximum": lambda expected: f"不能大于 {_show(expected)}",
    "exclusiveMinimum": lambda expected: f"应大于 {_show(expected)}",
    "exclusiveMaximum": lambda expected: f"应小于 {_show(expected)}",
    "multipleOf": lambda expected: f"应为 {_show(expected)} 的整数倍",
    "minItems": lambda expected: "不能为空" if expected == 1 else f"至少应有 {expected} 项",
    "maxItems": lambda expected: f"最多只能有 {expected} 项",
    "uniqueItems": lambda _: "含有重复的项",
    "contains": lambda _: "至少应有一项符合要求",
    "minContains": lambda expected: f"至少应有 {expected} 项符合要求",
    "maxContains": lambda expected: f"最多只能有 {expected} 项符合要求",
    "minProperties": lambda expected: "不能为空" if expected == 1 else f"至少应填写 {expected} 项",
    "maxProperties": lambda expected: "不能填写任何内容" if expected == 0 else f"最多只能填写 {expected} 项",
    "unevaluatedItems": lambda _: "含有多余的项",
    "not": lambda negated: _negated(negated),
    # Only reached without context, i.e. when several oneOf branches matched.
    "oneOf": lambda _: "同时符合多种形式，无法确定是哪一种",
}


def _negated(schema: object) -> str:
    """What a value must not be, for a ``not`` whose subschema the value matched."""
    node = {key: value for key, value in schema.items() if key not in _ANNOTATIONS} if isinstance(schema, dict) else schema
    if node is True or node == {}:
        return "不允许填写"
    if isinstance(node, dict) and set(node) == {"const"}:
        return f"不能为 {_show(node['const'])}"
    if isinstance(node, dict) and set(node) == {"enum"}:
        return "不能为以下之一：" + "、".join(_show(value) for value in node["enum"])
    if isinstance(node, dict) and set(node) == {"type"}:
        names = [node["type"]] if isinstance(node["type"], str) else node["type"]
        return "不能为" + "或".join(_TYPES.get(name, str(name)) for name in names)
    if isinstance(schema, dict) and schema.get("title"):
        return f"不应为“{schema['title']}”"
    return "不符合要求"


def _presence_only(schema: object) -> bool:
    """Whether a schema is only about which properties are present (``required``, combined)."""
    if not isinstance(schema, dict):
        return False
    node = {key: value for key, value in schema.items() if key not in _ANNOTATIONS}
    if not node or set(node) - {"required", "anyOf", "oneOf", "allOf"}:
        return False
    return all(_presence_only(sub) for key in ("anyOf", "oneOf", "allOf") for sub in node.get(key, []))


def _forbidden_names(schema: object, instance: object) -> list[str]:
    """The properties a ``not`` forbids that ``instance`` has, when the ``not`` is only about presence:
    ``{"required": [...]}``, or ``anyOf``/``oneOf``/``allOf`` of such. Empty otherwise."""
    if not isinstance(schema, dict) or not isinstance(instance, dict):
        return []
    node = {key: value for key, value in schema.items() if key not in _ANNOTATIONS}
    if not node or set(node) - {"required", "anyOf", "oneOf", "allOf"}:
        return []
    names = [name for name in node.get("required", []) if name in instance]
    if len(names) != len(node.get("required", [])):
        return []  # the not-schema did not match through "required"
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key, []):
            found = _forbidden_names(sub, instance)
            if not found and key == "allOf":
                return []
            names += [name for name in found if name not in names]
    return names


def _money_as_number(error: ValidationError) -> bool:
    """A number where the schema wants a money string: say so rather than "应为文本"."""
    number = isinstance(error.instance, (int, float)) and not isinstance(error.instance, bool)
    return number and error.schema.get("format") == "money"


def _predicate(error: ValidationError) -> str:
    """What the value should be, for one failed keyword, in Chinese (never jsonschema's English)."""
    keyword, expected = error.validator, error.validator_value
    if keyword == "format":
        cause = error.cause
        return str(cause) if isinstance(cause, _Invalid) else f"格式不正确（应为 {expected}）"
    if keyword == "type":
        if _money_as_number(error):
            return MONEY_AS_NUMBER
        names = [expected] if isinstance(expected, str) else expected
        return "应为" + "或".join(_TYPES.get(name, name) for name in names)
    if keyword == "pattern":
        examples = error.schema.get("examples") or []
        return "格式不正确" + (f"，例如 {_show(examples[0])}" if examples else f"（应匹配 {expected}）")
    if keyword == "items" and expected is False:
        allowed = len(error.schema.get("prefixItems", []))
        return f"最多只能有 {allowed} 项" if allowed else "不能有任何项"
    if keyword in _PREDICATES:
        return _PREDICATES[keyword](expected)
    return "不符合要求"


# Deadlines between fields -----------------------------------------------------

AFTER = "x-docgen-after"
# A rule relates the date at ``field`` to the date at ``after``: ``working_days`` (the agency's
# calendar) or ``days`` (calendar days) later. By default ``field`` must be no earlier than that
# day; ``exclusive``: later than it (a period must have run out: the 陈述申辩 period before the
# decision); ``within``: no later than it (a legal maximum: an extension of at most 30 days).
_AFTER_REQUIRED = {"field", "after", "because"}
_AFTER_OPTIONAL = {"exclusive", "within"}
_AFTER_COUNTS = ("working_days", "days")


def _date_at(instance: object, at: str) -> date | None:
    """The date at pointer ``at``, or None when it is absent or not a real date."""
    value: Any = instance
    for part in pointer_parts(at):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return date.fromisoformat(value) if isinstance(value, str) and _real_date(value) else None


def _limit(calendar: Calendar, rule: dict[str, Any], start: date) -> date:
    """The day ``rule`` counts to from ``start``: N working days of ``calendar``, or N calendar days."""
    if "working_days" in rule:
        return calendar.add_working_days(start, rule["working_days"])
    return start + timedelta(days=rule["days"])


def _after(calendar: Calendar, rules: list[dict[str, Any]], instance: object) -> Iterator[ValidationError]:
    """``x-docgen-after``: a date that must lie some days after another date of the payload (a
    hearing 7 working days after the notice is served), or no more than some days after it (an
    extension). JSON Schema cannot relate two fields, and a released template must not print a
    date the law forbids. Working days are those of ``calendar`` (the agency's holidays and 调休);
    where the calendar does not know a year the count runs through, the check is refused rather
    than counted Monday–Friday, which would make a period that protects the party too short."""
    for index, rule in enumerate(rules):
        start, end = _date_at(instance, rule["after"]), _date_at(instance, rule["field"])
        if start is None or end is None:
            continue  # absent or not a date: the fields' own rules say so
        limit = _limit(calendar, rule, start)
        if "working_days" in rule and (unknown := calendar.unknown_years(start, max(limit, end))):
            yield ValidationError("unknown-years", path=pointer_parts(rule["field"]), schema_path=[index],
                                  instance=unknown)
            continue
        if rule.get("within"):
            wrong = end > limit
        else:
            wrong = end <= limit if rule.get("exclusive") else end < limit
        if wrong:
            yield ValidationError(limit.isoformat(), path=pointer_parts(rule["field"]), schema_path=[index])


def _check_after(rules: object) -> None:
    def good(rule: object) -> bool:
        if not isinstance(rule, dict) or not _AFTER_REQUIRED <= set(rule) <= (
                _AFTER_REQUIRED | _AFTER_OPTIONAL | set(_AFTER_COUNTS)):
            return False
        counts = [key for key in _AFTER_COUNTS if key in rule]
        return (len(counts) == 1 and type(rule[counts[0]]) is int
                and all(isinstance(rule[key], str) and rule[key] for key in _AFTER_REQUIRED)
                and all(type(rule.get(key, False)) is bool for key in _AFTER_OPTIONAL)
                and not (rule.get("within") and rule.get("exclusive")))
    if not isinstance(rules, list) or not all(good(rule) for rule in rules):
        raise TemplateError(f"JSON Schema 无效：{AFTER} 应为数组，每项含 field、after、because 和 working_days 或 "
                            "days（整数，二者选一），可选 exclusive 或 within（布尔值）")


DISTINCT = "x-docgen-distinct"
_DISTINCT_KEYS = {"field", "from", "because"}


def _names_at(instance: object, at: str, key: str | None) -> list[tuple[int, str]]:
    """(index, name) of the items of the list at pointer ``at``: each item itself, or its ``key``."""
    value: Any = instance
    for part in pointer_parts(at):
        if not isinstance(value, dict) or part not in value:
            return []
        value = value[part]
    if not isinstance(value, list):
        return []
    names = [(index, item if key is None or not isinstance(item, dict) else item.get(key))
             for index, item in enumerate(value)]
    return [(index, name) for index, name in names if isinstance(name, str) and name]


def _distinct(rules: list[dict[str, Any]], instance: object) -> Iterator[ValidationError]:
    """``x-docgen-distinct``: no person in the list at ``field`` may be one of the list at ``from``
    (the 审核人员 are never the case's 办案人员, 程序规定第49条). Persons are compared by name:
    an item itself when it is a string, else its ``key`` (``field_key``/``from_key``)."""
    for index, rule in enumerate(rules):
        others = {name for _, name in _names_at(instance, rule["from"], rule.get("from_key"))}
        for position, name in _names_at(instance, rule["field"], rule.get("field_key")):
            if name in others:
                yield ValidationError(name, path=[*pointer_parts(rule["field"]), position], schema_path=[index])


def _check_distinct(rules: object) -> None:
    if not isinstance(rules, list) or not all(
            isinstance(rule, dict) and _DISTINCT_KEYS <= set(rule) <= _DISTINCT_KEYS | {"field_key", "from_key"}
            and all(isinstance(value, str) and value for value in rule.values()) for rule in rules):
        raise TemplateError(f"JSON Schema 无效：{DISTINCT} 应为数组，每项含 field、from、because，可选 field_key、from_key（文本）")


@lru_cache(maxsize=None)
def _validator_class(calendar: Calendar) -> Any:
    """Draft 2020-12 with ``x-docgen-after`` counting the working days of ``calendar``."""
    def after(validator: Any, rules: Any, instance: object, schema: Any) -> Iterator[ValidationError]:
        return _after(calendar, rules, instance)

    def distinct(validator: Any, rules: Any, instance: object, schema: Any) -> Iterator[ValidationError]:
        return _distinct(rules, instance)
    return validators.extend(Draft202012Validator, {AFTER: after, DISTINCT: distinct})


#: Issues collected before the validator stops looking; a problem document lists the first 100 of them.
SCAN_LIMIT = 1000


class CompiledValidator:
    """A schema's validator, built once per template version and shared between requests."""

    def __init__(self, schema: dict[str, Any], registry: Registry | None = None,
                 calendar: Calendar = DEFAULT) -> None:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            raise TemplateError(f"JSON Schema 无效：{error.message}") from error
        if AFTER in schema:
            _check_after(schema[AFTER])
        if DISTINCT in schema:
            _check_distinct(schema[DISTINCT])
        registry = registry or Registry()  # never the network: an unknown $ref is a template error
        self._schema = schema
        self._validator = _validator_class(calendar)(schema, registry=registry, format_checker=FORMAT_CHECKER)
        self.calendar = calendar
        self._resolver = schemaref.resolver(schema, registry)

    def validate(self, payload: object) -> None:
        """Raise ``ValidationFailed`` listing every problem, or return if there is none."""
        issues, truncated = self._collect(payload)
        if issues:
            raise ValidationFailed(issues, truncated)

    def issues(self, payload: object) -> list[Issue]:
        """Every problem with ``payload`` (up to ``SCAN_LIMIT``), deduplicated and sorted by pointer."""
        return self._collect(payload)[0]

    def _collect(self, payload: object) -> tuple[list[Issue], bool]:
        """The issues, and whether the scan stopped at ``SCAN_LIMIT`` (a hostile payload with
        200,000 unknown keys must not cost seconds of CPU and a 13 MB answer)."""
        found: set[Issue] = set()
        truncated = False
        try:
            for error in self._validator.iter_errors(payload):
                found.update(self._issues(error, payload) or self._fallback(error))
                if len(found) >= SCAN_LIMIT:
                    truncated = True
                    break
        except Unresolvable as error:
            raise TemplateError(f"JSON Schema 引用无法解析：{error}") from error
        for issue in () if truncated else unsafe_text(payload):
            if len(found) >= SCAN_LIMIT:
                truncated = True
                break
            found.add(issue)
        return sorted(found, key=_sort_key)[:SCAN_LIMIT], truncated

    # Errors to issues ----------------------------------------------------------

    def _issues(self, error: ValidationError, root: object) -> list[Issue]:
        at = pointer(error.absolute_path)
        keyword = error.validator
        if keyword is None:
            return self._refused(error, root)
        if keyword in ("oneOf", "anyOf") and error.context:
            return self._branch_issues(error, root)
        if _under_property_names(error) and isinstance(error.instance, str):
            name = error.instance
            return [Issue(pointer([*error.absolute_path, name]), f"字段名 {name} {_predicate(error)}")]
        if keyword == "required":
            return [self._at_property(error, name, "为必填项")
                    for name in error.validator_value if name not in error.instance]
        if keyword == "dependentRequired":
            return self._dependencies(error)
        if keyword == AFTER:
            return [self._too_early(error)]
        if keyword == DISTINCT:
            return [self._not_distinct(error)]
        if keyword == "not" and (names := _forbidden_names(error.validator_value, error.instance)):
            return [self._at_property(error, name, "不应填写") for name in names]
        if keyword == "not" and _presence_only(error.validator_value) and not isinstance(error.instance, dict):
            # "required" holds for anything but an object, so only an object can pass this "not".
            return [Issue(at, self._label(error) + "应为" + _TYPES["object"])]
        if keyword in ("additionalProperties", "unevaluatedProperties"):
            predicate = "不允许的字段 {}" if error.validator_value is False else "字段 {} 不符合要求"
            return [Issue(pointer([*error.absolute_path, name]), predicate.format(name))
                    for name in self._extras(error)]
        return [Issue(at, self._label(error) + _predicate(error))]

    def _fallback(self, error: ValidationError) -> list[Issue]:
        """Never let a failure pass unreported, even one no rule above could place."""
        return [Issue(pointer(error.absolute_path), self._label(error) + "不符合要求")]

    def _refused(self, error: ValidationError, root: object) -> list[Issue]:
        """A ``false`` subschema: nothing is allowed there.

        jsonschema reports these without the child's place (the path stops at the
        parent and the schema path at ``properties``/``prefixItems``), so the
        children the parent's ``false`` subschemas refuse are found again here.
        """
        schema_path = list(error.absolute_schema_path)
        keyword = schema_path[-1] if schema_path else None
        parent_path = list(error.absolute_path)
        parent: Any = root
        for part in parent_path:
            parent = parent[part]
        if keyword in ("properties", "patternProperties", "prefixItems"):
            holders = [node[keyword] for node in self._own(schema_path[:-1]) if keyword in node]
            found: list[tuple[str | int, list[str | int]]] = []
            for subschemas in holders:
                if keyword == "prefixItems" and isinstance(parent, list):
                    found += [(index, [*schema_path, index]) for index, sub in enumerate(subschemas)
                              if sub is False and index < len(parent)]
                elif isinstance(parent, dict):
                    for key, sub in subschemas.items():
                        if sub is not False:
                            continue
                        names = [name for name in parent if (name == key if keyword == "properties"
                                                             else re.search(key, name))]
                        found += [(name, [*schema_path, name]) for name in names]
            if found:
                return [Issue(pointer([*parent_path, part]),
                              _label(self._title(path) if keyword == "properties" else None,
                                     pointer([*parent_path, part])) + "不允许填写")
                        for part, path in found]
        return [Issue(pointer(parent_path), _label(self._title(schema_path), pointer(parent_path)) + "不允许填写")]

    def _label(self, error: ValidationError) -> str:
        return _label(self._title(list(error.absolute_schema_path)[:-1]), pointer(error.absolute_path))

    def _at_property(self, error: ValidationError, name: str, predicate: str, because: str = "") -> Issue:
        """An issue about property ``name`` of the object the error is about (missing, forbidden…)."""
        at = pointer([*error.absolute_path, name])
        title = self._title([*list(error.absolute_schema_path)[:-1], "properties", name])
        return Issue(at, f"{because}{_label(title, at)}{predicate}")

    def _too_early(self, error: ValidationError) -> Issue:
        rule = error.validator_value[error.relative_schema_path[-1]]
        field, after = (_label(self._title(_schema_path(rule[key])), rule[key]) for key in ("field", "after"))
        at = pointer(error.absolute_path)
        if error.message == "unknown-years":
            years = "、".join(f"{year} 年" for year in error.instance)
            return Issue(at, f"{field}无法核对：期限按工作日计算，而机关配置的工作日历（calendar）没有 {years}的"
                             f"节假日安排，按周一至周五计算可能少算期限；请先在机关配置中补充国务院办公厅公布的该年"
                             f"节假日安排：{rule['because']}")
        count = (f"第 {rule['working_days']} 个工作日" if "working_days" in rule else f"第 {rule['days']} 日")
        if rule.get("within"):
            return Issue(at, f"{field}应不晚于 {error.message}，即{after}后{count}：{rule['because']}")
        if rule.get("exclusive"):
            return Issue(at, f"{field}应晚于 {error.message}，即{after}后{count}（期限届满之日）：{rule['because']}")
        return Issue(at, f"{field}应不早于 {error.message}，即{after}后{count}：{rule['because']}")

    def _not_distinct(self, error: ValidationError) -> Issue:
        rule = error.validator_value[error.relative_schema_path[-1]]
        field, other = (_label(self._title(_schema_path(rule[key])), rule[key]) for key in ("field", "from"))
        at = pointer(error.absolute_path)
        return Issue(at, f"{field}中的“{error.message}”（{at}）也是{other}中的人员：{rule['because']}")

    def _dependencies(self, error: ValidationError) -> list[Issue]:
        issues = []
        for trigger, needed in error.validator_value.items():
            if trigger in error.instance:
                title = self._title([*list(error.absolute_schema_path)[:-1], "properties", trigger])
                because = f"填写了{title}时，" if title else f"填写了 {trigger} 时，"
                issues += [self._at_property(error, name, "为必填项", because)
                           for name in needed if name not in error.instance]
        return issues

    @staticmethod
    def _extras(error: ValidationError) -> list[str]:
        """The properties an ``additionalProperties``/``unevaluatedProperties: false`` refused."""
        if error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            patterns = error.schema.get("patternProperties", {})
            return list(islice((name for name in error.instance
                                if name not in known and not any(re.search(p, name) for p in patterns)),
                               SCAN_LIMIT))
        # Which properties went unevaluated is only said in the message.
        match = _UNEXPECTED.search(error.message)
        return ast.literal_eval(f"[{match[1]}]") if match else []

    # oneOf / anyOf -------------------------------------------------------------

    def _branch_issues(self, error: ValidationError, root: object) -> list[Issue]:
        """The issues of the branch the payload meant, or why no branch can be chosen."""
        branches: dict[int, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        path = list(error.absolute_schema_path)
        chosen = self._by_discriminator(error, path, len(error.validator_value))
        if isinstance(chosen, Issue):
            return [chosen]
        if chosen is None:
            plausible = [index for index, errors in branches.items() if not any(map(_rules_out, errors))]
            chosen = plausible[0] if len(plausible) == 1 else None
        if chosen is not None:
            return [issue for sub in branches.get(chosen, []) for issue in self._issues(sub, root)]
        shared = set.intersection(*({i for sub in subs for i in self._issues(sub, root)}
                                    for subs in branches.values()))
        if shared:
            return sorted(shared, key=_sort_key)
        names = [self._describe([*path, index], index) for index in range(len(error.validator_value))]
        return [Issue(pointer(error.absolute_path), self._label(error) + _one_of(names))]

    def _by_discriminator(self, error: ValidationError, path: list[Any], count: int) -> int | Issue | None:
        """The branch whose ``const`` property (e.g. ``kind``) matches the payload.

        Returns the branch index, an issue at that property when it is missing or
        matches no branch, or ``None`` when the branches share no ``const`` property.
        """
        consts = [self._branch_consts([*path, index]) for index in range(count)]
        shared = sorted(set.intersection(*(set(each) for each in consts))) if consts else []
        if not shared or not isinstance(error.instance, dict):
            return None
        name = shared[0]
        for index, each in enumerate(consts):
            if name in error.instance and error.instance[name] == each[name]:
                return index
        at = pointer([*error.absolute_path, name])
        title = self._title([*path, 0, "properties", name])
        options = []
        for index, each in enumerate(consts):
            branch_title = self._own_title([*path, index])
            value = _show(each[name])
            options.append(f"{value}（{branch_title}）" if branch_title and branch_title != value else value)
        need = "为必填项，" if name not in error.instance else ""
        return Issue(at, f"{_label(title, at)}{need}应为以下之一：" + "、".join(options))

    def _describe(self, path: list[Any], index: int) -> str:
        """A branch for a human: its title, its const value, its type, or its position."""
        title = self._own_title(path)
        if title:
            return title
        for node in self._own(path):
            if "const" in node:
                return _show(node["const"])
            if isinstance(node.get("type"), str):
                return _TYPES.get(node["type"], node["type"])
        return f"第 {index + 1} 种形式"

    # Walking the schema ----------------------------------------------------------

    def _chain(self, path: Sequence[str | int]) -> list[tuple[str, Any, int]]:
        """The schema nodes an error's schema path passes through, following ``$ref``.

        jsonschema leaves ``$ref`` out of schema paths, so a reference is followed
        whenever the next path part is not in the node. Each node is tagged
        ``move`` (applies to a child of the instance), ``step`` or ``ref``, with
        how many parts of ``path`` lead to it. Empty if the path leads nowhere.
        """
        node: Any = self._schema
        resolver = self._resolver
        chain: list[tuple[str, Any, int]] = [("move", node, 0)]
        index = 0
        try:
            while index < len(path):
                part = path[index]
                node, resolver = self._follow(node, resolver, part, chain, index)
                kind = "move" if part in _MOVES else "step"
                node = node[part]
                index += 1
                if part in _CONTAINERS:
                    node = node[path[index]]
                    index += 1
                resolver = schemaref.enter(resolver, node)
                chain.append((kind, node, index))
            self._follow(node, resolver, None, chain, index)
        except (LookupError, TypeError, Unresolvable):
            return []
        return chain

    @staticmethod
    def _follow(node: Any, resolver: Resolver[Any], part: str | int | None,
                chain: list[tuple[str, Any, int]], index: int) -> tuple[Any, Resolver[Any]]:
        while isinstance(node, dict) and "$ref" in node and (part is None or part not in node):
            target = schemaref.follow(resolver, node["$ref"])
            node, resolver = target.contents, target.resolver
            chain.append(("ref", node, index))
        return node, resolver

    @staticmethod
    def _since(chain: list[tuple[str, Any, int]], kinds: set[str]) -> list[tuple[str, Any, int]]:
        """The end of ``chain`` from its last node of one of ``kinds``."""
        start = max((i for i, (kind, _, _) in enumerate(chain) if kind in kinds), default=0)
        return chain[start:]

    def _location(self, path: Sequence[str | int]) -> list[dict[str, Any]]:
        """The nodes that describe the instance at the end of ``path``, outermost first."""
        return [node for _, node, _ in self._since(self._chain(path), {"move"}) if isinstance(node, dict)]

    def _own(self, path: Sequence[str | int]) -> list[dict[str, Any]]:
        """The node at the end of ``path`` and what its ``$ref`` leads to."""
        return [node for _, node, _ in self._since(self._chain(path), {"move", "step"}) if isinstance(node, dict)]

    def _title(self, path: Sequence[str | int]) -> str | None:
        """The title of the instance at the end of ``path``.

        A property's title is where the property is declared, which need not be
        where the failing keyword is: ``if``/``then`` and ``allOf`` add ``format``
        or ``required`` to properties declared beside them. So for
        ``…/properties/<name>`` every schema of the enclosing object is tried.
        """
        title = _first_title(self._location(path))
        if title is not None or len(path) < 2 or path[-2] != "properties":
            return title
        object_nodes = self._since(self._chain(path[:-2]), {"move"})
        for consumed in sorted({consumed for _, _, consumed in object_nodes}, reverse=True):
            title = _first_title(self._location([*path[:consumed], "properties", path[-1]]))
            if title is not None:
                return title
        return None

    def _own_title(self, path: Sequence[str | int]) -> str | None:
        return _first_title(self._own(path))

    def _branch_consts(self, path: list[Any]) -> dict[str, Any]:
        """The properties a branch pins with ``const``: its discriminators."""
        names = {name for node in self._own(path) for name in node.get("properties", {})}
        consts = {}
        for name in names:
            value = next((node["const"] for node in self._location([*path, "properties", name])
                          if "const" in node), _NO_CONST)
            if value is not _NO_CONST:
                consts[name] = value
        return consts


def _schema_path(at: str) -> list[str]:
    """The schema path that declares the property at payload pointer ``at`` (objects only)."""
    return [step for part in pointer_parts(at) for step in ("properties", part)]


def _first_title(nodes: list[dict[str, Any]]) -> str | None:
    return next((node["title"] for node in nodes if "title" in node), None)


def _under_property_names(error: ValidationError) -> bool:
    """Whether the error is about a property's name (jsonschema then gives the name as the instance)."""
    path = list(error.absolute_schema_path)
    return any(part == "propertyNames" and (index == 0 or path[index - 1] not in _CONTAINERS)
               for index, part in enumerate(path))


def _rules_out(error: ValidationError) -> bool:
    """Whether a branch error shows the payload is not of that branch at all."""
    if error.validator == "type" and not error.path:
        return not _money_as_number(error)
    return error.validator == "const" and len(error.path) == 1


def compile_validator(schema: dict[str, Any], registry: Registry | None = None,
                      calendar: Calendar = DEFAULT) -> CompiledValidator:
    """Build the validator of a schema once; ``$ref``s to other schemas resolve through ``registry``;
    ``x-docgen-after`` counts the working days of ``calendar`` (the agency's)."""
    return CompiledValidator(schema, registry, calendar)


def validate(schema: dict[str, Any], payload: object, registry: Registry | None = None,
             calendar: Calendar = DEFAULT) -> None:
    """Validate once, without keeping the compiled validator."""
    compile_validator(schema, registry, calendar).validate(payload)
