from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from docgen.catalogue import Catalogue, schema_registry
from docgen.config import PROJECT_DIR, calendar_of, load_agency
from docgen.errors import Issue, TemplateError, ValidationFailed
from docgen.identifiers import resident_id_check_digit, uscc_check_char
from docgen.jsontext import pointer_parts
from docgen.validation import FORMAT_CHECKER, compile_validator, pointer, validate
from payloads import maximal

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFS_ID = "https://docgen.example/schemas/_defs/1"

DEFS: dict[str, Any] = {
    "$schema": DIALECT,
    "$id": DEFS_ID,
    "$defs": {
        "money": {"type": "string", "format": "money"},
        "kind": {"title": "当事人类型", "type": "string"},
        "party": {"title": "当事人", "oneOf": [{"$ref": "#/$defs/person"}, {"$ref": "#/$defs/organisation"}]},
        "person": {
            "title": "自然人",
            "type": "object",
            "required": ["kind", "name", "id_number"],
            "additionalProperties": False,
            "properties": {
                "kind": {"$ref": "#/$defs/kind", "const": "person"},
                "name": {"title": "姓名", "type": "string", "minLength": 1, "maxLength": 50},
                "id_number": {"title": "身份证号码", "type": "string", "format": "resident-id"},
                "phone": {"title": "联系电话", "type": "string", "format": "phone"},
            },
        },
        "organisation": {
            "title": "法人或其他组织",
            "type": "object",
            "required": ["kind", "name", "uscc", "representative"],
            "additionalProperties": False,
            "properties": {
                "kind": {"$ref": "#/$defs/kind", "const": "organisation"},
                "name": {"title": "名称", "type": "string", "minLength": 1, "maxLength": 200},
                "uscc": {"title": "统一社会信用代码", "type": "string", "format": "uscc"},
                "representative": {"title": "法定代表人", "type": "string"},
            },
        },
    },
}

SCHEMA: dict[str, Any] = {
    "$schema": DIALECT,
    "$id": "https://docgen.example/schemas/penalty-decision/1",
    "title": "行政处罚决定书",
    "type": "object",
    "required": ["party", "fine", "decided_on"],
    "additionalProperties": False,
    "properties": {
        "party": {"$ref": f"{DEFS_ID}#/$defs/party"},
        "fine": {"$ref": f"{DEFS_ID}#/$defs/money", "title": "罚款金额"},
        "decided_on": {"title": "决定日期", "type": "string", "format": "date"},
        "penalty": {"title": "处罚种类", "enum": ["警告", "罚款", "没收违法所得"]},
        "items": {
            "title": "物品清单",
            "type": "array",
            "minItems": 1,
            "maxItems": 3,
            "items": {
                "type": "object",
                "required": ["name", "quantity"],
                "properties": {
                    "name": {"title": "物品名称", "type": "string"},
                    "quantity": {"title": "数量", "type": "integer", "minimum": 1},
                },
            },
        },
        "facts": {"title": "违法事实", "type": "string", "maxLength": 200},
        "ids": {"type": "array", "uniqueItems": True},
    },
}

PERSON = {"kind": "person", "name": "张三", "id_number": "11010519491231002X"}
ORGANISATION = {"kind": "organisation", "name": "株洲某某商贸有限公司",
                "uscc": "91350100M000100Y43", "representative": "李四"}


def registry() -> Registry:
    return Registry().with_resource(DEFS_ID, Resource.from_contents(DEFS))


@pytest.fixture(scope="module")
def validator() -> Any:
    return compile_validator(SCHEMA, registry())


def payload(**changes: Any) -> dict[str, Any]:
    data = {"party": dict(PERSON), "fine": "12000.00", "decided_on": "2026-03-05"}
    data.update(changes)
    return data


def issues(validator: Any, data: object) -> list[tuple[str, str]]:
    try:
        validator.validate(data)
    except ValidationFailed as failure:
        return [(issue.pointer, issue.message) for issue in failure.issues]
    return []


# The happy path and the ValidationFailed contract -------------------------------


def test_valid_payloads_pass(validator: Any) -> None:
    validator.validate(payload())
    validator.validate(payload(party=dict(ORGANISATION), items=[{"name": "奶粉", "quantity": 3}]))
    validate(SCHEMA, payload(), registry())


def test_every_error_is_listed_sorted_by_pointer(validator: Any) -> None:
    data = payload(fine="abc", decided_on="2026-02-30", penalty="拘留",
                   items=[{"name": "奶粉", "quantity": 0}] * 2 + [{"quantity": 1}])
    with pytest.raises(ValidationFailed) as caught:
        validator.validate(data)
    failure = caught.value
    assert failure.status == 422
    assert all(isinstance(issue, Issue) for issue in failure.issues)
    assert [issue.pointer for issue in failure.issues] == [
        "/decided_on", "/fine", "/items/0/quantity", "/items/1/quantity", "/items/2/name", "/penalty",
    ]
    assert failure.detail == "共 6 处错误"


def test_array_indexes_sort_numerically(validator: Any) -> None:
    schema = {"type": "array", "items": {"type": "integer"}}
    found = issues(compile_validator(schema), ["x"] * 12)
    assert [at for at, _ in found] == [f"/{index}" for index in range(12)]


# Messages per keyword --------------------------------------------------------------


def test_required_points_at_the_missing_property(validator: Any) -> None:
    assert issues(validator, {"party": dict(PERSON)}) == [
        ("/decided_on", "决定日期（/decided_on）为必填项"),
        ("/fine", "罚款金额（/fine）为必填项"),
    ]


def test_required_inside_array_items(validator: Any) -> None:
    assert issues(validator, payload(items=[{"name": "奶粉"}])) == [
        ("/items/0/quantity", "数量（/items/0/quantity）为必填项"),
    ]


def test_additional_properties_point_at_each_extra(validator: Any) -> None:
    assert issues(validator, payload(foo=1, bar=2)) == [
        ("/bar", "不允许的字段 bar"),
        ("/foo", "不允许的字段 foo"),
    ]


def test_type_enum_lengths_numbers_items(validator: Any) -> None:
    data = payload(decided_on=20260305, penalty="拘留", facts="违" * 201,
                   items=[{"name": "a", "quantity": 1.5}, {"name": "b", "quantity": -1}] * 2,
                   ids=[1, 1])
    assert issues(validator, data) == [
        ("/decided_on", "决定日期（/decided_on）应为文本"),
        ("/facts", "违法事实（/facts）长度不能超过 200 个字符"),
        ("/ids", "字段 /ids 含有重复的项"),
        ("/items", "物品清单（/items）最多只能有 3 项"),
        ("/items/0/quantity", "数量（/items/0/quantity）应为整数"),
        ("/items/1/quantity", "数量（/items/1/quantity）不能小于 1"),
        ("/items/2/quantity", "数量（/items/2/quantity）应为整数"),
        ("/items/3/quantity", "数量（/items/3/quantity）不能小于 1"),
        ("/penalty", "处罚种类（/penalty）应为以下之一：警告、罚款、没收违法所得"),
    ]


def test_min_items_and_min_length(validator: Any) -> None:
    data = payload(items=[], party=dict(PERSON, name=""))
    assert issues(validator, data) == [
        ("/items", "物品清单（/items）不能为空"),
        ("/party/name", "姓名（/party/name）不能为空"),
    ]


def test_lengths_count_characters_not_utf16_units(validator: Any) -> None:
    validator.validate(payload(facts="𠮷" * 200))
    validator.validate(payload(party=dict(PERSON, name="王䶮")))


@pytest.mark.parametrize(
    ("schema", "value", "message"),
    [
        ({"const": "罚款"}, "警告", "应为 罚款"),
        ({"type": ["string", "null"]}, 1, "应为文本或空值（null）"),
        ({"minLength": 3}, "ab", "长度不能少于 3 个字符"),
        ({"maximum": 10}, 11, "不能大于 10"),
        ({"exclusiveMinimum": 0}, 0, "应大于 0"),
        ({"exclusiveMaximum": 1}, 1, "应小于 1"),
        ({"multipleOf": 5}, 7, "应为 5 的整数倍"),
        ({"minItems": 2}, [1], "至少应有 2 项"),
        ({"pattern": "^[A-Z]{2}$"}, "abc", "格式不正确（应匹配 ^[A-Z]{2}$）"),
        ({"pattern": "^[A-Z]{2}$", "examples": ["ZZ"]}, "abc", "格式不正确，例如 ZZ"),
        ({"format": "email"}, "not an email", None),
        ({"not": {"type": "string"}}, "x", "不能为文本"),
        ({"not": {"enum": ["无", "不详"]}}, "无", "不能为以下之一：无、不详"),
        ({"not": {"title": "空白文字", "pattern": "^\\s*$"}}, " ", "不应为“空白文字”"),
        ({"contains": {"type": "integer"}}, ["a"], "至少应有一项符合要求"),
        ({"contains": {"type": "integer"}, "minContains": 2}, [1, "a"], "至少应有 2 项符合要求"),
        ({"contains": {"type": "integer"}, "maxContains": 1}, [1, 2], "最多只能有 1 项符合要求"),
        ({"minProperties": 1}, {}, "不能为空"),
        ({"minProperties": 2}, {"a": 1}, "至少应填写 2 项"),
        ({"maxProperties": 1}, {"a": 1, "b": 2}, "最多只能填写 1 项"),
        ({"maxProperties": 0}, {"a": 1}, "不能填写任何内容"),
        ({"prefixItems": [{"type": "integer"}], "items": False}, [1, 2, 3], "最多只能有 1 项"),
        ({"items": False}, [1], "不能有任何项"),
        ({"prefixItems": [True], "unevaluatedItems": False}, [1, 2], "含有多余的项"),
        ({"not": {}}, 1, "不允许填写"),
        ({"minimum": 1}, 0, "不能小于 1"),
        ({"uniqueItems": True}, [1, 1], "含有重复的项"),
        ({"enum": [1, "一"]}, 2, "应为以下之一：1、一"),
    ],
)
def test_keyword_messages(schema: dict[str, Any], value: object, message: str | None) -> None:
    found = issues(compile_validator({"type": "object", "properties": {"v": schema}}), {"v": value})
    assert found == ([("/v", f"字段 /v {message}")] if message else [])


def test_dependent_required() -> None:
    schema = {"type": "object", "dependentRequired": {"fine": ["fine_due"]},
              "properties": {"fine_due": {"title": "缴款期限"}}}
    assert issues(compile_validator(schema), {"fine": "1.00"}) == [
        ("/fine_due", "填写了 fine 时，缴款期限（/fine_due）为必填项"),
    ]


def test_dependent_required_names_the_trigger_by_its_title() -> None:
    schema = {"type": "object", "dependentRequired": {"statement": ["review"], "review": ["statement"]},
              "properties": {"statement": {"title": "陈述申辩意见"}, "review": {"title": "复核意见"}}}
    compiled = compile_validator(schema)
    assert issues(compiled, {"statement": "x"}) == [("/review", "填写了陈述申辩意见时，复核意见（/review）为必填项")]
    assert issues(compiled, {"review": "x"}) == [("/statement", "填写了复核意见时，陈述申辩意见（/statement）为必填项")]


def test_unevaluated_properties() -> None:
    schema = {"type": "object", "allOf": [{"properties": {"a": True}}], "unevaluatedProperties": False}
    assert issues(compile_validator(schema), {"a": 1, "b": 2, "c'd": 3}) == [
        ("/b", "不允许的字段 b"),
        ("/c'd", "不允许的字段 c'd"),
    ]


def test_root_errors_have_the_empty_pointer(validator: Any) -> None:
    assert issues(validator, [1]) == [("", "行政处罚决定书应为对象")]
    assert issues(compile_validator({"type": "object"}), "x") == [("", "数据应为对象")]


# Pointers ------------------------------------------------------------------------


def test_pointer_escapes_tilde_and_slash() -> None:
    assert pointer([]) == ""
    assert pointer(["a/b", "m~n", 0]) == "/a~1b/m~0n/0"


def test_pointers_in_issues_are_escaped() -> None:
    schema = {"type": "object", "properties": {"a/b": {"type": "object", "properties": {"~x": {"type": "integer"}}}},
              "additionalProperties": False}
    assert issues(compile_validator(schema), {"a/b": {"~x": "1"}, "c/~": 1}) == [
        ("/a~1b/~0x", "字段 /a~1b/~0x 应为整数"),
        ("/c~1~0", "不允许的字段 c/~"),
    ]


# oneOf: the party block ------------------------------------------------------------


def test_person_errors_name_person_fields(validator: Any) -> None:
    party = {"kind": "person", "name": "张" * 51, "id_number": "110105194912310021", "phone": "12345", "uscc": "x"}
    assert issues(validator, payload(party=party)) == [
        ("/party/id_number", "身份证号码（/party/id_number）不是有效的居民身份证号码：校验码错误，应为 X"),
        ("/party/name", "姓名（/party/name）长度不能超过 50 个字符"),
        ("/party/phone", "联系电话（/party/phone）应为手机号码或带区号的固定电话，如 13812345678、0731-12345678"),
        ("/party/uscc", "不允许的字段 uscc"),
    ]


def test_organisation_errors_name_organisation_fields(validator: Any) -> None:
    party = {"kind": "organisation", "name": "某公司", "uscc": "91350100M000100Y44"}
    assert issues(validator, payload(party=party)) == [
        ("/party/representative", "法定代表人（/party/representative）为必填项"),
        ("/party/uscc", "统一社会信用代码（/party/uscc）不是有效的统一社会信用代码：校验码错误，应为 3"),
    ]


def test_unknown_kind_lists_the_kinds(validator: Any) -> None:
    assert issues(validator, payload(party={"kind": "robot", "name": "R2"})) == [
        ("/party/kind", "当事人类型（/party/kind）应为以下之一：person（自然人）、organisation（法人或其他组织）"),
    ]


def test_missing_kind_lists_the_kinds(validator: Any) -> None:
    assert issues(validator, payload(party={"name": "张三"})) == [
        ("/party/kind", "当事人类型（/party/kind）为必填项，应为以下之一：person（自然人）、organisation（法人或其他组织）"),
    ]


def test_party_of_the_wrong_type_says_what_every_branch_says(validator: Any) -> None:
    assert issues(validator, payload(party="张三")) == [("/party", "当事人（/party）应为对象")]


def test_any_of_without_discriminator_picks_the_branch_of_the_right_type() -> None:
    schema = {"type": "object", "properties": {
        "fine": {"title": "罚款金额", "anyOf": [{"type": "string", "format": "money"}, {"type": "null"}]}}}
    compiled = compile_validator(schema)
    compiled.validate({"fine": None})
    assert issues(compiled, {"fine": "1,000"}) == [
        ("/fine", '罚款金额（/fine）应为金额格式，如 "12000.00"（不带符号和千分位，最多两位小数）'),
    ]
    assert issues(compiled, {"fine": 1000}) == [
        ("/fine", '罚款金额（/fine）应使用字符串表示金额，如 "12000.00"，不能使用数字'),
    ]


def test_any_of_with_nothing_to_choose_names_the_options() -> None:
    schema = {"type": "object", "properties": {"when": {"title": "日期", "anyOf": [
        {"title": "具体日期", "type": "string", "format": "date"}, {"const": "不详"}, {"type": "integer"}]}}}
    assert issues(compile_validator(schema), {"when": "昨天"}) == [
        ("/when", "日期（/when）应为以下之一：具体日期、不详、整数"),
    ]


def test_any_of_reports_what_every_branch_agrees_on() -> None:
    branch = {"type": "object", "required": ["name"], "properties": {"name": {"title": "名称"}}}
    schema = {"anyOf": [dict(branch, required=["name", "a"]), dict(branch, required=["name", "b"])]}
    assert issues(compile_validator(schema), {}) == [("/name", "名称（/name）为必填项")]


def test_one_of_matching_twice() -> None:
    schema = {"oneOf": [{"type": "integer"}, {"minimum": 0}]}
    assert issues(compile_validator(schema), 1) == [("", "数据同时符合多种形式，无法确定是哪一种")]


# Formats -------------------------------------------------------------------------


def format_issues(fmt: str, value: object) -> list[tuple[str, str]]:
    return issues(compile_validator({"type": "object", "properties": {"v": {"format": fmt}}}), {"v": value})


@pytest.mark.parametrize("value", ["2024-02-29", "2026-03-05", "2000-02-29", "0001-01-01"])
def test_real_dates(value: str) -> None:
    assert format_issues("date", value) == []


@pytest.mark.parametrize("value", ["2026-02-30", "2023-02-29", "1900-02-29", "2026-13-01", "2026-04-31"])
def test_impossible_dates(value: str) -> None:
    assert format_issues("date", value) == [("/v", f"字段 /v 应为有效日期，格式为 YYYY-MM-DD，{value} 不存在")]


@pytest.mark.parametrize("value", ["2026-3-5", "20260305", "2026/03/05", "2026-03-05T00:00:00", "２026-03-05",
                                   "2026-03-05\n"])
def test_malformed_dates(value: str) -> None:
    assert format_issues("date", value) == [("/v", "字段 /v 应为有效日期，格式为 YYYY-MM-DD")]


@pytest.mark.parametrize("value", ["2026-03-05T09:30:00+08:00", "2026-03-05T01:30:00Z", "2026-03-05t01:30:00.123z",
                                   "2016-12-31T23:59:60Z"])
def test_date_times(value: str) -> None:
    assert format_issues("date-time", value) == []


@pytest.mark.parametrize("value", ["2026-03-05 09:30:00+08:00", "2026-03-05T09:30:00", "2026-02-30T09:30:00Z",
                                   "2026-03-05T24:00:00Z", "2026-03-05T09:30:00+24:00", "2026-03-05T09:30Z"])
def test_bad_date_times(value: str) -> None:
    assert len(format_issues("date-time", value)) == 1


@pytest.mark.parametrize(("value", "ok"), [
    ("09:30", True), ("23:59:59", True), ("00:00", True), ("24:00", False), ("9:30", False),
    ("09:60", False), ("09:30:60", False), ("09:30:00+08:00", False),
])
def test_times(value: str, ok: bool) -> None:
    assert (format_issues("time", value) == []) is ok


@pytest.mark.parametrize(("value", "ok"), [
    ("0", True), ("0.5", True), ("0.05", True), ("12000", True), ("12000.00", True), ("9999999999999.99", True),
    ("10000000000000", False), ("012", False), ("00.50", False), ("-1.00", False), ("+1", False), ("1.234", False),
    ("1.", False), (".5", False), ("1e3", False), ("12,000.00", False), (" 1", False), ("", False), ("NaN", False),
])
def test_money_strings(value: str, ok: bool) -> None:
    assert (format_issues("money", value) == []) is ok


@pytest.mark.parametrize("value", [12000, 12000.5, 0])
def test_money_as_number_asks_for_a_string(validator: Any, value: float) -> None:
    expected = '应使用字符串表示金额，如 "12000.00"，不能使用数字'
    assert format_issues("money", value) == [("/v", f"字段 /v {expected}")]
    # With "type": "string" too, the two failures become one message.
    assert issues(validator, payload(fine=value)) == [("/fine", f"罚款金额（/fine）{expected}")]


def test_money_ignores_non_numbers_that_type_catches() -> None:
    assert format_issues("money", True) == []
    assert format_issues("money", None) == []


def test_uscc_format() -> None:
    assert format_issues("uscc", "91350100M000100Y43") == []
    assert format_issues("uscc", "91350100M000100Y44") == [
        ("/v", "字段 /v 不是有效的统一社会信用代码：校验码错误，应为 3")]
    assert format_issues("uscc", "91350100M000100I43") == [
        ("/v", "字段 /v 不是有效的统一社会信用代码：含有非法字符 I")]


def test_resident_id_format() -> None:
    first17 = "43020219990231123"
    assert format_issues("resident-id", first17 + resident_id_check_digit(first17)) == [
        ("/v", "字段 /v 不是有效的居民身份证号码：出生日期 19990231 不是有效日期")]
    assert format_issues("resident-id", "11010519491231002x") == [
        ("/v", "字段 /v 不是有效的居民身份证号码：末位校验码 x 应为大写 X")]
    assert format_issues("resident-id", "11010519491231002X") == []


@pytest.mark.parametrize(("value", "ok"), [
    ("13812345678", True), ("19912345678", True), ("0731-12345678", True), ("010-1234567", True),
    ("0731-12345678-123", True), ("12812345678", False), ("1381234567", False), ("073112345678", False),
    ("+8613812345678", False), ("0731-123456", False), ("138 1234 5678", False),
])
def test_phones(value: str, ok: bool) -> None:
    assert (format_issues("phone", value) == []) is ok


@pytest.mark.parametrize(("value", "ok"), [("2026", True), ("0999", True), ("26", False), ("20266", False),
                                           ("２０２６", False)])
def test_years(value: str, ok: bool) -> None:
    assert (format_issues("year", value) == []) is ok


def test_only_docgen_formats_are_asserted() -> None:
    assert set(FORMAT_CHECKER.checkers) == {
        "date", "date-time", "time", "money", "uscc", "resident-id", "phone", "year"}


# Text safety ---------------------------------------------------------------------


def test_control_characters_are_refused_wherever_they_are(validator: Any) -> None:
    data = payload(facts="违法\x07事实", items=[{"name": "奶\x00粉\x1f", "quantity": 1}])
    assert issues(validator, data) == [
        ("/facts", "含有不可打印的控制字符 U+0007"),
        ("/items/0/name", "含有不可打印的控制字符 U+0000、U+001F"),
    ]


def test_unprintable_keys_and_noncharacters() -> None:
    found = issues(compile_validator({}), {"a\x01": "x", "b": ["\ufffe", "\ud800"]})
    assert found == [
        ("/a\x01", "字段名含有不可打印的控制字符 U+0001"),
        ("/b/0", "含有不可打印的控制字符 U+FFFE"),
        ("/b/1", "含有不可打印的控制字符 U+D800"),
    ]


def test_ordinary_whitespace_and_astral_characters_are_fine(validator: Any) -> None:
    validator.validate(payload(facts="第一行\n第二行\r\n\t缩进 𠮷 䶮 😀"))


def test_text_safety_runs_alongside_schema_errors(validator: Any) -> None:
    found = issues(validator, payload(fine="x\x0b"))
    assert ("/fine", "含有不可打印的控制字符 U+000B") in found
    assert len(found) == 2


# Schemas and references --------------------------------------------------------------


def test_ref_into_shared_definitions_needs_the_registry() -> None:
    with pytest.raises(TemplateError):
        compile_validator(SCHEMA).validate(payload())


def test_broken_schema_is_a_template_error() -> None:
    with pytest.raises(TemplateError):
        compile_validator({"type": "strnig"})


def test_title_next_to_ref_wins_over_the_definition() -> None:
    defs = dict(DEFS, **{"$defs": dict(DEFS["$defs"], money={"title": "金额", "type": "string", "format": "money"})})
    shared = Registry().with_resource(DEFS_ID, Resource.from_contents(defs))
    assert issues(compile_validator(SCHEMA, shared), payload(fine="1.234"))[0][1].startswith("罚款金额（/fine）")


def test_compiled_validator_is_reusable(validator: Any) -> None:
    assert issues(validator, payload(fine="x")) == issues(validator, payload(fine="x"))
    validator.validate(payload())


def test_valid_check_characters_from_the_identifiers_module(validator: Any) -> None:
    first17 = "91430200MA4L000001"[:17]
    organisation = dict(ORGANISATION, uscc=first17 + uscc_check_char(first17))
    validator.validate(payload(party=organisation))


def test_a_boolean_in_a_money_field_is_a_type_error(validator: Any) -> None:
    assert issues(validator, payload(fine=True)) == [("/fine", "罚款金额（/fine）应为文本")]


def test_non_ascii_digit_keys_sort_as_text() -> None:
    schema = {"type": "object", "additionalProperties": False}
    assert [at for at, _ in issues(compile_validator(schema), {"²": 1, "10": 1, "9": 1})] == ["/9", "/10", "/²"]


def test_titles_come_from_where_a_property_is_declared() -> None:
    # As in the shared definitions: an if/then inside allOf adds "format" or "required" to a
    # property declared beside it, and an else forbids one; messages still use that property's title.
    shared = {
        "$schema": DIALECT, "$id": DEFS_ID,
        "$defs": {
            "identified": {"if": {"properties": {"id_type": {"const": "居民身份证"}}},
                           "then": {"properties": {"id_number": {"format": "resident-id"}}}},
            "penalty": {
                "type": "object",
                "allOf": [{"$ref": "#/$defs/identified"},
                          {"if": {"properties": {"type": {"const": "罚款"}}},
                           "then": {"required": ["amount"]}, "else": {"not": {"required": ["amount"]}}}],
                "properties": {"type": {"title": "处罚种类"}, "amount": {"title": "罚款金额"},
                               "id_number": {"title": "证件号码", "type": "string"}},
            },
        },
    }
    schema = {"type": "object", "properties": {
        "penalties": {"type": "array", "items": {"$ref": f"{DEFS_ID}#/$defs/penalty"}}}}
    compiled = compile_validator(schema, Registry().with_resource(DEFS_ID, Resource.from_contents(shared)))
    data = {"penalties": [{"type": "罚款"}, {"type": "警告", "amount": "1.00", "id_number": "11010519491231002x"},
                          {"type": "警告", "id_type": "护照", "id_number": "E1234"}]}
    assert issues(compiled, data) == [
        ("/penalties/0/amount", "罚款金额（/penalties/0/amount）为必填项"),
        ("/penalties/1/amount", "罚款金额（/penalties/1/amount）不应填写"),
        ("/penalties/1/id_number",
         "证件号码（/penalties/1/id_number）不是有效的居民身份证号码：末位校验码 x 应为大写 X"),
    ]


def test_a_title_is_never_borrowed_from_an_enclosing_object() -> None:
    schema = {"type": "object", "properties": {
        "name": {"title": "外层名称"},
        "inner": {"type": "object", "allOf": [{"required": ["name"]}]}}}
    assert issues(compile_validator(schema), {"inner": {}}) == [("/inner/name", "字段 /inner/name 为必填项")]


def test_not_with_a_boolean_or_other_schema_says_what_is_refused_in_chinese() -> None:
    compiled = compile_validator({"type": "object", "properties": {
        "v": {"not": True}, "w": {"not": {"const": 1}}, "x": {"not": {"type": "integer", "minimum": 3}}}})
    assert issues(compiled, {"v": 1, "w": 1, "x": 5}) == [
        ("/v", "字段 /v 不允许填写"),
        ("/w", "字段 /w 不能为 1"),
        ("/x", "字段 /x 不符合要求"),
    ]


def test_not_any_of_required_points_at_each_forbidden_property() -> None:
    # As penalty-decision's /representation: 未提出 forbids both the summary and the reasons.
    schema = {"type": "object", "properties": {"representation": {
        "title": "陈述申辩及采纳情况", "type": "object",
        "properties": {"outcome": {"title": "采纳情况", "enum": ["未提出", "予以采纳"]},
                       "summary": {"title": "陈述申辩意见"}, "reasons": {"title": "复核意见及理由"}},
        "if": {"properties": {"outcome": {"const": "未提出"}}},
        "then": {"not": {"anyOf": [{"required": ["summary"]}, {"required": ["reasons"]}]}},
        "else": {"required": ["summary", "reasons"]}}}}
    compiled = compile_validator(schema)
    assert issues(compiled, {"representation": {"outcome": "未提出", "summary": "x", "reasons": "y"}}) == [
        ("/representation/reasons", "复核意见及理由（/representation/reasons）不应填写"),
        ("/representation/summary", "陈述申辩意见（/representation/summary）不应填写"),
    ]
    assert issues(compiled, {"representation": {"outcome": "未提出", "reasons": "y"}}) == [
        ("/representation/reasons", "复核意见及理由（/representation/reasons）不应填写"),
    ]
    assert issues(compiled, {"representation": {"outcome": "予以采纳", "reasons": "y"}}) == [
        ("/representation/summary", "陈述申辩意见（/representation/summary）为必填项"),
    ]
    # "Not all of these together" names each of them too.
    pair = compile_validator({"type": "object", "not": {"allOf": [{"required": ["a"]}, {"required": ["b"]}]}})
    assert issues(pair, {"a": 1, "b": 2}) == [("/a", "字段 /a 不应填写"), ("/b", "字段 /b 不应填写")]


def test_false_subschemas_point_at_the_refused_child() -> None:
    # jsonschema reports a false subschema at the parent; the issue is at the child it refuses.
    schema = {"type": "object", "properties": {"legacy": False, "rows": {"type": "array", "prefixItems": [True, False]}},
              "patternProperties": {"^tmp_": False}}
    assert issues(compile_validator(schema), {"legacy": 1, "rows": [1, 2], "tmp_a": 1}) == [
        ("/legacy", "字段 /legacy 不允许填写"),
        ("/rows/1", "字段 /rows/1 不允许填写"),
        ("/tmp_a", "字段 /tmp_a 不允许填写"),
    ]
    assert issues(compile_validator({"type": "object", "properties": {"v": {"allOf": [False]}}}), {"v": 1}) == [
        ("/v", "字段 /v 不允许填写")]


def test_property_names_point_at_the_property() -> None:
    schema = {"type": "object", "propertyNames": {"pattern": "^[a-z_]+$", "maxLength": 5}}
    assert issues(compile_validator(schema), {"ok": 1, "Bad": 2, "toolong": 3}) == [
        ("/Bad", "字段名 Bad 格式不正确（应匹配 ^[a-z_]+$）"),
        ("/toolong", "字段名 toolong 长度不能超过 5 个字符"),
    ]


def test_unevaluated_properties_with_a_schema_name_each_property() -> None:
    schema = {"type": "object", "properties": {"a": True}, "unevaluatedProperties": {"type": "integer"}}
    assert issues(compile_validator(schema), {"a": "x", "b": 1, "c": "x"}) == [("/c", "字段 c 不符合要求")]


# Every released and authored schema: each rule broken, Chinese messages at the right pointers -----------

SCHEMAS_DIR = PROJECT_DIR / "schemas"
SCHEMA_FILES = sorted(path for path in SCHEMAS_DIR.rglob("*.schema.json") if path.parent.name != "_defs")
# jsonschema's own English, which must never reach a case handler.
ENGLISH = re.compile(r"is not valid|is a required property|does not match|should|is not of type|is too (?:long|short)"
                     r"|unexpected|is not one of|was expected|valid under|[Aa]dditional properties|[Uu]nevaluated"
                     r"|[Ff]alse schema|does not contain|[Dd]ependenc|non-unique|has non-unique|less than"
                     r"|greater than|is not a|not allowed|Expected|Too (?:many|few)|properties")
# Keywords that make a payload fail (annotations, references and applicators that only route are left out).
ASSERTING = {"type", "enum", "const", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
             "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems",
             "contains", "minContains", "maxContains", "minProperties", "maxProperties", "required",
             "dependentRequired", "additionalProperties", "unevaluatedProperties", "unevaluatedItems",
             "propertyNames", "not", "oneOf", "anyOf", "items", "prefixItems"}
EXTRA = "x_extra"


def asserting_keywords(node: object, out: set[str]) -> set[str]:
    """The failing kinds of keyword a schema uses, outside ``if`` conditions and inside ``not`` (which never
    fail by themselves)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ASSERTING and not (key in ("items", "additionalProperties", "unevaluatedProperties")
                                         and value is not False):
                out.add(key)
            if key == "if" or key == "not":
                out.add("not") if key == "not" else None
                continue
            if key in ("properties", "patternProperties", "$defs", "dependentSchemas"):
                for sub in value.values():
                    asserting_keywords(sub, out)
            elif key not in ("enum", "const", "examples", "required", "dependentRequired"):
                asserting_keywords(value, out)
    elif isinstance(node, list):
        for item in node:
            asserting_keywords(item, out)
    return out


def raw_errors(errors: Any) -> Iterator[Any]:
    """jsonschema's errors with every oneOf/anyOf branch's errors too."""
    for error in errors:
        yield error
        yield from raw_errors(error.context or ())


def nodes(value: object, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], object]]:
    """Every place in a payload (of arrays, the first two rows: the others are alike)."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:2]):
            yield from nodes(item, (*path, index))


def changed(data: object, path: tuple[Any, ...], value: object = None, delete: bool = False) -> Any:
    result = copy.deepcopy(data)
    node: Any = result
    for part in path[:-1]:
        node = node[part]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return result


def garbage(value: object) -> list[object]:
    """Values that break the rules a value of this kind can have: type, length, pattern, format, range, rows."""
    if isinstance(value, bool):
        return ["是"]
    if isinstance(value, (int, float)):
        return ["12", -100000, 100000]
    if isinstance(value, str):
        return ["", "??", 12, "长" * 10001]
    if isinstance(value, list):
        first = value[:1] or ["??"]
        return [[], first * 2, first * 101]
    return [{}, "??"]


def place(data: object, at: str) -> tuple[bool, bool]:
    """Whether the pointer ``at`` names a value of ``data``, and whether it names a missing property of an
    object that is there."""
    node: Any = data
    parts = pointer_parts(at)
    for index, part in enumerate(parts):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False, index == len(parts) - 1 and isinstance(node, dict)
    return True, False


class SchemaCase:
    """One schema file: its validator, a plain jsonschema validator to compare with, and valid payloads."""

    def __init__(self, path: Path, shared: Registry) -> None:
        template, version = path.parent.name, path.name.split(".")[0]
        self.name = f"{template}@{version}"
        self.schema = json.loads(path.read_text(encoding="utf-8"))
        self.validator = compile_validator(self.schema, shared)
        self.plain = Draft202012Validator(self.schema, registry=shared, format_checker=FORMAT_CHECKER)
        example_path = PROJECT_DIR / "templates" / template / version / "example.json"
        example = json.loads(example_path.read_text(encoding="utf-8")) if example_path.exists() else None
        self.maximal = [maximal(self.schema, shared, kind, example).payload for kind in ("organization", "person")]
        self.example = example if example is not None else self.maximal[0]


@pytest.fixture(scope="module")
def schema_cases() -> list[SchemaCase]:
    shared = schema_registry(PROJECT_DIR)  # immutable: one for every case
    return [SchemaCase(path, shared) for path in SCHEMA_FILES]


def check_issues(case: SchemaCase, data: Any, seen: set[str], raw: list[Any] | None = None) -> list[tuple[str, str]]:
    """The issues of a payload, after the checks that hold for every payload of every schema."""
    raw = list(raw_errors(case.plain.iter_errors(data))) if raw is None else raw
    seen.update(str(error.validator) for error in raw)
    found = issues(case.validator, data)
    assert bool(found) == bool(raw), (case.name, data, found)
    for at, message in found:
        words = message.replace(f"（{at}）", "").replace(at.rsplit("/", 1)[-1], "")
        assert not ENGLISH.search(words), (case.name, at, message)
        assert re.search("[\u4e00-\u9fff]", message), (case.name, at, message)
        assert f"（{at}）" in message or message == f"不允许的字段 {at.rsplit('/', 1)[-1]}", (case.name, at, message)
        assert not message.endswith("不符合要求"), (case.name, at, message)  # always says which rule
        exists, missing = place(data, at)
        assert exists or (missing and ("为必填项" in message)), (case.name, at, message)
    return found


def test_every_schema_file_is_checked(schema_cases: list[SchemaCase]) -> None:
    assert len(schema_cases) >= 64  # at least one schema for each of the 64 templates (57 + 7 行政检查)
    assert "representation-record@1" in {case.name for case in schema_cases}
    for case in schema_cases:
        case.validator.validate(case.example)
        for payload in case.maximal:
            case.validator.validate(payload)


@pytest.mark.catalogue
def test_every_rule_of_every_schema_speaks_chinese_at_the_right_pointer(schema_cases: list[SchemaCase]) -> None:
    """Each schema's example with every value deleted, garbled, emptied, made too long or of the wrong type,
    and every object given an unknown field; and, on the example and the maximal payloads (every optional
    field filled), every choice switched to each of its options, which trips the conditional rules
    (if/then/else, not, dependentRequired, contains). jsonschema's verdict decides whether there must be
    issues; the issues are in Chinese, name their field, and point at it."""
    seen: set[str] = set()
    used: set[str] = set()
    for path in SCHEMA_FILES + [SCHEMAS_DIR / "_defs" / "1.schema.json"]:
        asserting_keywords(json.loads(path.read_text(encoding="utf-8")), used)
    for case in schema_cases:
        choices: dict[tuple[Any, ...], list[object]] = {}
        for at, value in list(nodes(case.example))[1:]:
            where = pointer(at)
            deleted = changed(case.example, at, delete=True)
            raw = list(raw_errors(case.plain.iter_errors(deleted)))
            missing = {at[-1] in error.validator_value for error in raw
                       if error.validator == "required" and tuple(error.absolute_path) == at[:-1]}
            found = check_issues(case, deleted, seen, raw)
            if True in missing and isinstance(at[-1], str):
                assert any(f == where and "为必填项" in m for f, m in found), (case.name, where, found)
            for bad in garbage(value):
                data = changed(case.example, at, bad)
                raw = list(raw_errors(case.plain.iter_errors(data)))
                for error in raw:
                    if error.validator in ("enum", "const") and tuple(error.absolute_path) == at:
                        options = error.validator_value if error.validator == "enum" else [error.validator_value]
                        choices.setdefault(at, []).extend(options)
                found = check_issues(case, data, seen, raw)
                if any(f"{pointer(error.absolute_path)}/".startswith(f"{where}/") for error in raw):
                    assert any(f == where or f.startswith(where + "/") for f, _ in found), (case.name, where, bad)
            if isinstance(value, bool):
                choices.setdefault(at, []).append(not value)
        for at, value in nodes(case.example):
            if isinstance(value, dict):
                data = changed(case.example, (*at, EXTRA), 1) if at else dict(case.example, **{EXTRA: 1})
                found = check_issues(case, data, seen)
                assert (pointer((*at, EXTRA)), f"不允许的字段 {EXTRA}") in found, (case.name, at)
        for base in [case.example, *case.maximal]:
            for at, options in choices.items():
                exists, _ = place(base, pointer(at))
                for option in options if exists else ():
                    check_issues(case, changed(base, at, option), seen)
    assert used - seen == set(), "rules no payload broke"
    assert {"not", "dependentRequired", "oneOf", "required", "const", "format", "pattern"} <= seen


# Deadlines between fields (x-docgen-after) ---------------------------------------------------

HEARING = {
    "$schema": DIALECT,
    "type": "object",
    "x-docgen-after": [{"field": "/hearing/date", "after": "/issued_on", "working_days": 7,
                        "because": "应当在举行听证的七个工作日前通知当事人"}],
    "properties": {
        "issued_on": {"type": "string", "format": "date", "title": "通知日期"},
        "hearing": {"type": "object", "properties": {"date": {"$ref": "#/$defs/day"}}},
    },
    "$defs": {"day": {"type": "string", "format": "date", "title": "听证日期"}},
}


def test_a_date_too_few_working_days_after_another_is_refused_at_the_later_field() -> None:
    validator = compile_validator(HEARING)
    # Tuesday 2026-04-14 + 7 working days (the weekend not counted) = Thursday 2026-04-23.
    assert issues(validator, {"issued_on": "2026-04-14", "hearing": {"date": "2026-04-23"}}) == []
    assert issues(validator, {"issued_on": "2026-04-14", "hearing": {"date": "2026-04-22"}}) == [
        ("/hearing/date", "听证日期（/hearing/date）应不早于 2026-04-23，即通知日期（/issued_on）后第 7 个工作日："
                          "应当在举行听证的七个工作日前通知当事人")]


def test_a_deadline_rule_leaves_absent_or_malformed_dates_to_their_own_rules() -> None:
    validator = compile_validator(HEARING)
    assert issues(validator, {"hearing": {"date": "2026-04-15"}}) == []
    assert issues(validator, {"issued_on": "2026-02-30", "hearing": {"date": "2026-03-01"}}) == [
        ("/issued_on", "通知日期（/issued_on）应为有效日期，格式为 YYYY-MM-DD，2026-02-30 不存在")]


def test_a_malformed_deadline_rule_is_a_template_error() -> None:
    for rules in ({"field": "/a"}, [{"field": "/a", "after": "/b", "working_days": "7", "because": "x"}],
                  [{"field": "/a", "after": "/b", "working_days": 7}]):
        with pytest.raises(TemplateError, match="x-docgen-after"):
            compile_validator({**HEARING, "x-docgen-after": rules})


def test_the_hearing_notice_holds_its_seven_working_days() -> None:
    schema = json.loads((PROJECT_DIR / "schemas/hearing-notice/1.schema.json").read_text(encoding="utf-8"))
    example = json.loads((PROJECT_DIR / "templates/hearing-notice/1/example.json").read_text(encoding="utf-8"))
    validator = compile_validator(schema, schema_registry(PROJECT_DIR))
    assert issues(validator, example) == []
    late = {**example, "issued_on": example["hearing"]["date"]}
    assert [pointer for pointer, _ in issues(validator, late)] == ["/hearing/date"]


def test_the_hearing_notice_counts_the_agency_holidays_across_national_day() -> None:
    """Notice dated and served on Friday 2025-09-26: seven Monday–Friday days would end on 2025-10-07,
    inside the 国庆节、中秋节 holiday (10-01..10-08). With the agency's calendar, Sunday 09-28 and Saturday
    10-11 are worked and the holiday is not: the seventh working day is Monday 2025-10-13, counted from
    the service and (service is never earlier) from the notice's date alike."""
    calendar = calendar_of(load_agency())
    catalogue = Catalogue(PROJECT_DIR, calendar)
    release = catalogue.get("hearing-notice")
    validator, example = catalogue.validator(release), release.example
    because = {rule["after"]: rule["because"] for rule in release.schema["x-docgen-after"]
               if rule["field"] == "/hearing/date"}

    def hearing_on(day: str) -> dict:
        return {**example, "issued_on": "2025-09-26", "served_on": "2025-09-26",
                "hearing": {**example["hearing"], "date": day}}

    weekdays_only = compile_validator(HEARING)
    assert issues(weekdays_only, {"issued_on": "2025-09-26", "hearing": {"date": "2025-10-07"}}) == []
    for day in ("2025-10-07", "2025-10-12"):
        assert issues(validator, hearing_on(day)) == sorted([
            ("/hearing/date", "听证日期（/hearing/date）应不早于 2025-10-13，即送达日期（/served_on）后第 7 个工作日："
                              + because["/served_on"]),
            ("/hearing/date", "听证日期（/hearing/date）应不早于 2025-10-13，即通知日期（/issued_on）后第 7 个工作日："
                              + because["/issued_on"])])
    assert issues(validator, hearing_on("2025-10-13")) == []
    assert issues(compile_validator(HEARING, calendar=calendar),
                  {"issued_on": "2025-09-26", "hearing": {"date": "2025-10-10"}})[0][1].startswith(
        "听证日期（/hearing/date）应不早于 2025-10-13")
