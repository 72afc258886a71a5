"""The officers' pages in a real browser: Debian's Chromium driven by Playwright, against the real server.

Each test works as an officer would: through labels and buttons, over real
HTTP, with real LibreOffice conversion behind it. Screenshots go to
``tests/artifacts/`` (git-ignored) for a person to look at.
"""
from __future__ import annotations

import copy
import json
import random
import re
import sqlite3
import time
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from docgen.approvals import Approver
from docgen.catalogue import Catalogue
from docgen.identifiers import (USCC_CHARSET, USCC_REGISTRARS, resident_id_check_digit, resident_id_problem,
                                uscc_check_char, uscc_problem)
from docgen.principals import Principal
from docgen.storage import Storage
from docgen.validation import AFTER, compile_validator
from docgen.web.groups import OTHER, STAGES, group, load_groups
from docgen.web.labels import cn_date
from docgen.config import calendar_of, load_agency
from docgen.workdays import DEFAULT, Calendar
from payloads import leaves
from serving import PEOPLE, Server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"
REVIEW = "major-decision-review"
HEARING = "hearing-notice"  # its schema holds the hearing 7 working days after the notice (x-docgen-after)
WRONG_USCC = "91430211MA4L00123A"  # the example's code with a wrong check character (K)
RIGHT_USCC = "91430211MA4L00123K"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    """A fresh browser profile (no cookies, no drafts) on the test server; fails on any script error."""
    context = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert not errors, errors


def screenshot(page: Page, name: str, full_page: bool = True) -> None:
    """The whole page as a person scrolling it would see it: the viewport is stretched to the page's
    height first, so the e-form's sticky action bar sits at the bottom instead of over a field."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size or {"width": 1280, "height": 900}
    if full_page:
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size(size)


def sign_in(page: Page, server: Server, who: str, next_path: str = "/inbox") -> None:
    page.goto(f"/login?next={next_path}")
    page.get_by_label("访问令牌").fill(server.tokens[who])
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(re.compile(re.escape(next_path) + r"$"))


def issue_review(server: Server, catalogue: Catalogue, *stages: str) -> dict:
    """A review table through the API, signed ``同意`` up to and including ``stages``."""
    with server.client() as http:
        created = http.post("/v1/documents", json={"template": REVIEW, "data": catalogue.get(REVIEW).example})
    assert created.status_code == 201, created.text
    document = created.json()
    for stage in stages:
        with server.client(stage) as http:
            signed = http.post(f"/v1/documents/{document['id']}/approvals",
                               json={"stage": stage, "decision": "同意", "opinion": "同意。"})
        assert signed.status_code == 201, signed.text
    return document


def field(page: Page, pointer: str):
    """The field (or group) of the e-form that holds the value at ``pointer``."""
    return page.locator(f'[data-pointer="{pointer}"]')


# --------------------------------------------------------------------------- catalogue


def test_groups_put_every_instrument_somewhere(catalogue: Catalogue, tmp_path: Path) -> None:
    mapping = load_groups(Path(catalogue.root) / "templates" / "groups.json")
    groups = group(catalogue.templates.values(), mapping)
    assert [g.title for g in groups][:len(STAGES)] == list(STAGES)
    placed = [t.template_id for g in groups for t in g.templates]
    assert set(placed) == set(catalogue.templates)
    assert all(g.title != OTHER for g in groups), "every current instrument is filed under a stage"
    partial = group(catalogue.templates.values(), {"决定": ["penalty-decision", "not-released-yet"]})
    other = next(g for g in partial if g.title == OTHER)
    assert {t.template_id for t in other.templates} == set(catalogue.templates) - {"penalty-decision"}
    assert group(catalogue.templates.values(), load_groups(tmp_path / "missing.json"))[-1].title == OTHER


def test_catalogue_lists_every_instrument_by_stage_and_filters_by_title(page: Page, catalogue: Catalogue) -> None:
    page.goto("/")
    expect(page).to_have_title(re.compile("文书目录"))
    for stage in STAGES:
        expect(page.get_by_role("heading", name=stage, exact=False).first).to_be_visible()
    for template in catalogue.templates.values():
        card = page.locator(".card", has=page.get_by_role("heading", name=template.title, exact=True))
        expect(card).to_be_visible()
        expect(card.get_by_role("link", name=f"下载{template.title}空白文书 PDF")).to_have_attribute(
            "href", f"/v1/templates/{template.template_id}/versions/{template.current.version}/blank")
        expect(card.get_by_role("link", name=f"下载{template.title}空白文书 DOCX")).to_have_attribute(
            "href", f"/v1/templates/{template.template_id}/versions/{template.current.version}/blank?format=docx")
    screenshot(page, "catalogue")

    search = page.get_by_label("查找文书")
    search.fill("处罚")
    matching = sum("处罚" in template.title for template in catalogue.templates.values())
    assert 1 < matching < len(catalogue.templates)
    expect(page.locator(".card:visible")).to_have_count(matching)
    expect(page.get_by_role("heading", name="行政处罚决定书", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="询问笔录")).to_be_hidden()
    expect(page.locator("#catalogue-count")).to_have_text(f"找到 {matching} 种文书")
    screenshot(page, "catalogue-search")
    search.fill("没有这种文书")
    expect(page.get_by_text("没有找到名称匹配的文书。")).to_be_visible()
    search.fill("")
    expect(page.locator(".card:visible")).to_have_count(len(catalogue.templates))

    first_blank = page.locator(".card").first.get_by_role("link", name=re.compile("PDF$"))
    blank = page.request.get(first_blank.get_attribute("href"))
    assert blank.ok and blank.body().startswith(b"%PDF")
    page.emulate_media(media="print")
    screenshot(page, "catalogue-print")
    a4 = page.pdf(format="A4")
    (ARTIFACTS / "catalogue-a4.pdf").write_bytes(a4)
    assert a4.startswith(b"%PDF")


# --------------------------------------------------------------------------- e-form


def test_eform_checks_like_the_server_keeps_a_draft_and_issues_the_pdf(page: Page, server: Server) -> None:
    sign_in(page, server, "case_system", f"/forms/{REVIEW}")
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    expect(page.get_by_role("heading", name="重大行政执法决定法制审核表", level=1)).to_be_visible()

    # An empty submit: every required field is named, beside the field and in the summary.
    page.get_by_role("button", name="预览并送审").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("事由为必填项")
    expect(field(page, "/subject").locator(".error-message")).to_have_text("错误：事由为必填项")

    page.get_by_label("事由").fill("拟对株洲市天元区某食品贸易有限公司涉嫌超过保质期的食品实施扣押")
    page.get_by_label("申请部门").fill("执法支队一大队")
    page.get_by_label("申请时间").fill("2026-03-02")
    summary_text = page.get_by_label("基本情况、证据材料、拟处建议及法律依据")
    summary_text.fill("经查，当事人仓库存放超过保质期的饼干18箱。\x07拟依法实施扣押。")
    page.get_by_label("决定类别").select_option(label="行政强制")
    party = field(page, "/party")
    party.get_by_label("法人或其他组织").check()
    party.get_by_label("当事人名称").fill("株洲市天元区鑫盛食品贸易有限公司")
    party.get_by_label("统一社会信用代码").fill(WRONG_USCC)
    party.get_by_label("住所（住址）").fill("湖南省株洲市天元区泰山路188号")
    party.get_by_label("法定代表人（负责人、经营者）").fill("王建国")
    party.get_by_label("身份证（其他有效证件）号码").fill("430202198503124516")

    # The check character is computed in the browser, as identifiers.py computes it.
    page.get_by_role("button", name="预览并送审").click()
    uscc = party.get_by_label("统一社会信用代码")
    uscc_error = field(page, "/party/uscc").locator(".error-message")
    expect(uscc_error).to_contain_text("校验码错误，应为 K")
    expect(uscc).to_have_attribute("aria-invalid", "true")
    expect(uscc).to_have_attribute("aria-describedby", re.compile(uscc_error.get_attribute("id")))
    expect(summary.get_by_role("link")).to_have_count(1)
    screenshot(page, "form-client-error")
    department = page.get_by_label("申请部门")
    department.press("End")
    department.press_sequentially("X")
    page.wait_for_timeout(600)  # the re-check after a change must not move the focus away from the typing
    expect(department).to_be_focused()
    department.press("Backspace")

    # The server finds what the page does not check (a control character) and the page puts it beside the field.
    uscc.fill(RIGHT_USCC)
    expect(uscc_error).to_be_hidden()
    with page.expect_response(lambda r: r.url.endswith(f"/forms/{REVIEW}/preview") and r.request.method == "POST") as answer:
        page.get_by_role("button", name="预览并送审").click()
    assert answer.value.status == 422
    assert answer.value.headers["content-type"].startswith("application/problem+json")
    assert answer.value.json()["errors"][0]["pointer"] == "/data/summary"
    expect(field(page, "/summary").locator(".error-message")).to_contain_text("不可打印的控制字符 U+0007")
    expect(summary).to_contain_text("服务器校验未通过")
    screenshot(page, "form-server-error")

    # The draft survives a reload: it is kept on the server, and the address now names it.
    expect(page.locator("#draft-state")).to_contain_text("草稿已保存到服务器", timeout=10_000)
    expect(page).to_have_url(re.compile(r"[?&]draft=dr[0-9a-f]+"))
    page.reload()
    expect(page.get_by_text(re.compile("已恢复 .* 保存在服务器上的草稿"))).to_be_visible()
    expect(page.get_by_label("事由")).to_have_value(re.compile("^拟对株洲市天元区"))
    expect(field(page, "/party").get_by_label("统一社会信用代码")).to_have_value(RIGHT_USCC)

    page.get_by_label("基本情况、证据材料、拟处建议及法律依据").fill("经查，当事人仓库存放超过保质期的饼干18箱。\n拟依法实施扣押。")
    page.get_by_role("button", name="预览并送审").click()
    expect(page.locator("#preview")).to_be_visible(timeout=120_000)
    page.get_by_role("button", name=re.compile("^确认送审")).click()
    issued = page.locator("#issued")
    expect(issued).to_be_visible(timeout=120_000)
    expect(issued.locator("[data-number]")).to_have_text(re.compile(r"^株市监法审〔\d{4}〕\d+号$"))
    screenshot(page, "form-issued")
    with page.expect_download() as download:
        issued.get_by_role("link", name="下载 PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert download.value.suggested_filename.startswith("重大行政执法决定法制审核表-株市监法审")
    (ARTIFACTS / "form-issued.pdf").write_bytes(pdf)
    page.reload()  # a reload shows the result, never the form ready to send again
    expect(issued).to_be_visible()
    expect(page.get_by_role("button", name="预览并送审")).to_be_hidden()
    expect(page.get_by_text(re.compile("保存在服务器上的草稿"))).to_have_count(0)  # an issued draft is gone


def test_eform_submit_needs_a_case_system_sign_in_and_a_csrf_token(page: Page, server: Server) -> None:
    page.goto("/forms/penalty-decision")
    expect(page.get_by_text("签发前请先")).to_be_visible()
    anonymous = page.request.post("/forms/penalty-decision", data={"data": {}})
    assert anonymous.status == 401
    sign_in(page, server, "dept_head", "/forms/penalty-decision")
    expect(page.get_by_text("没有“案件系统（承办部门）”角色")).to_be_visible()
    forged = page.request.post("/forms/penalty-decision", data={"data": {}}, headers={"X-CSRF-Token": "forged"})
    assert forged.status == 403 and forged.json()["type"] == "/problems/csrf-failed"


def mutated(example: dict, pointer: str, value: object, delete: bool = False) -> dict:
    payload = copy.deepcopy(example)
    *parents, last = pointer.strip("/").split("/")
    node: Any = payload
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if delete:
        del node[key]
    else:
        node[key] = value
    return payload


#: Weeks whose deadlines run into the shipped calendar's holidays and 调休 workdays: 2025 国庆节、中秋节
#: (Sunday 09-28 worked, 10-01..10-08 off, Saturday 10-11 worked) and 2026 春节 (Saturday 02-14 worked,
#: 02-15..02-23 off, Saturday 02-28 worked).
HOLIDAY_WEEKS = (date(2025, 9, 24), date(2026, 2, 10))


def deadline_cases(example: dict, rules: list[dict], calendar: Calendar) -> list[dict]:
    """For each ``x-docgen-after`` rule whose dates the example has, the earlier date moved over a week
    (so the count starts on every weekday and on the weekend), that week's and the weeks before two
    holidays, and the later date put on the limit the rule counts to (N working days of ``calendar``,
    or N calendar days), a day before and after it, N Monday–Friday days after the start, and on the
    start itself."""
    cases = []
    for rule in rules:
        try:
            first = date.fromisoformat(leaf(example, rule["after"]))
            leaf(example, rule["field"])
        except (KeyError, IndexError):
            continue  # an optional date the example leaves out (e.g. 电子送达's 送达地址确认书)
        for week in (first, *HOLIDAY_WEEKS):
            for shift in range(7):
                start = week + timedelta(days=shift)
                if "working_days" in rule:
                    limit = calendar.add_working_days(start, rule["working_days"])
                    weekdays_only = DEFAULT.add_working_days(start, rule["working_days"])
                else:
                    limit = weekdays_only = start + timedelta(days=rule["days"])
                for end in (limit, limit - timedelta(days=1), limit + timedelta(days=1), weekdays_only, start):
                    cases.append(mutated(mutated(example, rule["after"], start.isoformat()), rule["field"],
                                         end.isoformat()))
    return cases


def leaf(value: Any, pointer: str) -> Any:
    for part in pointer.strip("/").split("/"):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def test_the_page_checks_say_what_the_server_says(page: Page, catalogue: Catalogue) -> None:
    """Every example, and each of its values deleted, emptied, garbled or made a number, and each date a
    deadline rule relates moved about (across the agency calendar's holidays too): the browser's check,
    with the calendar the page carries, finds the same problems at the same pointers, in the same words,
    as validation.py with the server's calendar."""
    compared = too_early = on_time = 0
    calendar = catalogue.calendar
    assert calendar.holidays and calendar.workdays  # the test server's agency: the shipped profile
    for template in catalogue.templates.values():
        release = template.current
        validator = catalogue.validator(release)
        cases = [release.example]
        for pointer, _ in leaves(release.example):
            cases.append(mutated(release.example, pointer, None, delete=True))
            cases += [mutated(release.example, pointer, value) for value in ("", "??", 12)]
        deadlines = deadline_cases(release.example, release.schema.get(AFTER, []), calendar)
        cases += deadlines
        page.goto(f"/forms/{template.template_id}")
        expect(page.locator("#eform[data-ready]")).to_be_attached()
        assert page.evaluate("JSON.parse(document.getElementById('form-config').textContent).calendar") == \
            calendar.to_page()
        found = page.evaluate("""payloads => {
            const schema = JSON.parse(document.getElementById("form-schema").textContent);
            const calendar = JSON.parse(document.getElementById("form-config").textContent).calendar;
            return payloads.map(payload => docgenCheck.check(schema, payload, calendar));
        }""", cases)
        for payload, client in zip(cases, found):
            server = {(i.pointer, i.message.replace(f"（{i.pointer}）", "")) for i in validator.issues(payload)}
            browser = {(i["pointer"], i["message"]) for i in client}
            vague = {pointer for pointer, message in server if "不符合要求（" in message}
            if vague:  # the server falls back to jsonschema's English; the page names the fields instead
                assert all(any(p == v or p.startswith(v + "/") for v in vague) for p, _ in browser - server)
                assert {p for p, _ in server - browser} <= vague
            else:
                assert browser == server, (template.template_id, payload)
            compared += 1
            if any(payload is case for case in deadlines):
                late = any(word in message for _, message in server for word in ("应不早于", "应晚于", "应不晚于"))
                too_early, on_time = too_early + late, on_time + (not server)
    assert compared > 500
    assert too_early >= 21 and on_time >= 21, "the deadline cases must both refuse and pass"


def titled(schema: dict) -> dict:
    return {"type": "object", "title": "文书", "properties": {"v": {"title": "字段", **schema}}}


PORTED_RULES = [  # rules the released schemas do not all use yet: the page must still word them as the server
    (titled({"type": "object", "properties": {"a": {"title": "甲"}, "b": {"title": "乙"}},
             "not": {"anyOf": [{"required": ["a"]}, {"required": ["b"]}]}}), {"v": {"a": 1, "b": 2}}),
    (titled({"not": {"const": 1}}), {"v": 1}),
    (titled({"not": {"enum": ["无", "不详"]}}), {"v": "无"}),
    (titled({"not": {"type": "string"}}), {"v": "x"}),
    (titled({"not": {"title": "空白", "pattern": "^ *$"}}), {"v": " "}),
    (titled({"type": "array", "contains": {"type": "integer"}}), {"v": ["a"]}),
    (titled({"type": "array", "contains": {"type": "integer"}, "minContains": 2}), {"v": [1, "a"]}),
    (titled({"type": "array", "contains": {"type": "integer"}, "maxContains": 1}), {"v": [1, 2]}),
    (titled({"type": "object", "minProperties": 2}), {"v": {"a": 1}}),
    (titled({"type": "object", "maxProperties": 0}), {"v": {"a": 1}}),
    (titled({"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}}), {"v": {"Ab": 1, "ok": 2}}),
    (titled({"type": "object", "dependentRequired": {"s": ["r"]},
             "properties": {"s": {"title": "陈述"}, "r": {"title": "复核"}}}), {"v": {"s": "x"}}),
    (titled({"anyOf": [{"type": "string", "format": "money"}, {"type": "null"}]}), {"v": "1,000"}),
    (titled({"anyOf": [{"title": "具体日期", "type": "string", "format": "date"}, {"const": "不详"},
                       {"type": "integer"}]}), {"v": "昨天"}),
    (titled({"oneOf": [{"type": "integer"}, {"type": "string", "maxLength": 2}]}), {"v": "abc"}),
    ({"type": "object", AFTER: [{"field": "/b/c~1d", "after": "/a", "working_days": 3, "because": "甲后三日"}],
      "properties": {"a": {"type": "string", "format": "date"},
                     "b": {"type": "object", "properties": {"c/d": {"title": "乙", "format": "date"}}}}},
     {"a": "2026-04-17", "b": {"c/d": "2026-04-21"}}),  # Friday + 3 working days = Wednesday
    ({"type": "object", AFTER: [{"field": "/end", "after": "/start", "working_days": 1, "because": "次一工作日"}],
      "properties": {"start": {"title": "开始", "type": "string"}}},
     {"start": "2026-04-18", "end": "2026-04-19"}),  # Saturday + 1 working day = Monday
    ({"type": "object", AFTER: [{"field": "/end", "after": "/start", "working_days": 5, "exclusive": True,
                                 "because": "期限届满后"}],
      "properties": {"start": {"title": "送达", "type": "string"}, "end": {"title": "决定"}}},
     {"start": "2026-04-17", "end": "2026-04-24"}),  # Friday + 5 working days = Friday, not after it
    ({"type": "object", AFTER: [{"field": "/end", "after": "/start", "days": 29, "within": True,
                                 "because": "不超过三十日"}],
      "properties": {"start": {"title": "起", "type": "string"}, "end": {"title": "止"}}},
     {"start": "2026-03-02", "end": "2026-04-01"}),
    ({"type": "object", "x-docgen-distinct": [{"field": "/r", "from": "/h", "from_key": "name", "because": "不得兼任"}],
      "properties": {"r": {"title": "审核人员", "type": "array"}, "h": {"title": "办案人员", "type": "array"}}},
     {"r": ["甲", "乙"], "h": [{"name": "乙"}, {"name": "丙"}]}),
    ({"type": "object", "x-docgen-distinct": [{"field": "/r", "from": "/h", "because": "不得兼任"}]},
     {"r": ["甲"], "h": ["甲"]}),
]


def test_rules_beyond_the_released_schemas_are_worded_as_the_server_words_them(page: Page) -> None:
    page.goto("/forms/penalty-decision")
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    found = page.evaluate("cases => cases.map(([schema, value]) => docgenCheck.check(schema, value))",
                          [list(case) for case in PORTED_RULES])
    for (schema, value), client in zip(PORTED_RULES, found):
        server = {(i.pointer, i.message.replace(f"（{i.pointer}）", "")) for i in compile_validator(schema).issues(value)}
        assert server, schema
        assert {(i["pointer"], i["message"]) for i in client} == server, schema


def test_a_deadline_in_a_year_the_page_calendar_lacks_is_refused_as_on_the_server(page: Page) -> None:
    """The shipped calendar knows 2025 and 2026: a working-day deadline running into 2027 is refused
    ("无法核对") by the page as by the server, in the same words; a calendar-day rule is still checked."""
    page.goto("/forms/penalty-decision")
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    calendar = calendar_of(load_agency())
    schema = {"type": "object", AFTER: [
        {"field": "/end", "after": "/start", "working_days": 7, "because": "七个工作日"},
        {"field": "/last", "after": "/start", "days": 29, "within": True, "because": "三十日"}],
        "properties": {"start": {"title": "送达日期"}, "end": {"title": "听证日期"}, "last": {"title": "届满日期"}}}
    cases = [{"start": "2026-12-28", "end": "2027-01-05", "last": "2027-02-01"},
             {"start": "2026-12-01", "end": "2026-12-10", "last": "2026-12-30"}]
    found = page.evaluate("([schema, cases, calendar]) => cases.map(v => docgenCheck.check(schema, v, calendar))",
                          [schema, cases, calendar.to_page()])
    validator = compile_validator(schema, calendar=calendar)
    for value, client in zip(cases, found):
        server = {(i.pointer, i.message.replace(f"（{i.pointer}）", "")) for i in validator.issues(value)}
        assert {(i["pointer"], i["message"]) for i in client} == server
    assert any("无法核对" in i["message"] and "2027 年" in i["message"] for i in found[0])
    assert any(i["pointer"] == "/last" for i in found[0]) and found[1] == []


def test_identifier_checks_are_ported_exactly(page: Page) -> None:
    """identifiers.js gives the same reason as identifiers.py for valid, mistyped and malformed codes."""
    rng = random.Random(5)
    usccs, ids = ["", "91430211MA4L00123k", "91430211MA4L00123", "Z1430211MA4L00123K", "91430211MA4L0O123K"], []
    for _ in range(150):
        first = rng.choice(USCC_REGISTRARS) + "".join(rng.choice(USCC_CHARSET) for _ in range(16))
        usccs += [first + uscc_check_char(first), first + rng.choice(USCC_CHARSET)]
        born = f"{rng.randint(1890, 2030)}{rng.randint(1, 13):02d}{rng.randint(1, 31):02d}"
        head = f"{rng.randint(110000, 659999)}{born}{rng.randint(0, 999):03d}"
        ids += [head + resident_id_check_digit(head), head + rng.choice("0123456789Xx")]
    ids += ["", "43020219850312451", "4302021985031245１6", "43020219850312451Y"]
    page.goto("/forms/penalty-decision")
    found = page.evaluate("""([usccs, ids]) => [usccs.map(c => docgenIdentifiers.usccProblem(c)),
                                                 ids.map(n => docgenIdentifiers.residentIdProblem(n))]""",
                          [usccs, ids])
    assert found[0] == [uscc_problem(code) for code in usccs]
    assert found[1] == [resident_id_problem(number) for number in ids]


def test_working_days_are_counted_as_workdays_py_counts(page: Page) -> None:
    """schemacheck.js's addWorkingDays gives Calendar.add_working_days's date across weekends, month and
    year ends, leap days and four-digit years of every size; without a calendar (Monday–Friday), with the
    shipped agency calendar (2025 and 2026 holidays and 调休) and with one holding odd years' holidays."""
    first = date(2023, 12, 1)
    starts = [first + timedelta(days=n) for n in range(120)]
    starts += [date(2024, 12, 1) + timedelta(days=n) for n in range(0, 800, 3)]
    starts += [date(1, 1, 1), date(99, 12, 30), date(1900, 2, 26), date(2000, 2, 25), date(9999, 11, 1)]
    counts = [0, 1, 2, 4, 5, 6, 7, 10, 15, 20, 30]
    odd = Calendar.from_config({"holidays": ["0001-01-02", "0100-01-01", "2000-02-29", "9999-11-02", "2024-01-01"],
                                "workdays": ["0001-01-06", "2000-02-26", "9999-11-06", "2023-12-30"]})
    page.goto("/forms/penalty-decision")
    for calendar in (None, calendar_of(load_agency()), odd):
        found = page.evaluate("""([starts, counts, calendar]) =>
            starts.map(s => counts.map(n => docgenCheck.addWorkingDays(s, n, calendar)))""",
                              [[start.isoformat() for start in starts], counts,
                               calendar.to_config() if calendar else None])
        expected = calendar or DEFAULT
        assert found == [[expected.add_working_days(start, n).isoformat() for n in counts] for start in starts]


def test_eform_refuses_a_hearing_too_few_working_days_after_its_notice(page: Page, server: Server,
                                                                        catalogue: Catalogue) -> None:
    """The hearing notice's x-docgen-after in the e-form: served a day after its date, a hearing a day short
    of 7 working days after the service is refused beside the hearing date, before anything is sent, in
    the server's words; exactly 7 working days after passes the page and the server, and the notice is
    issued."""
    release = catalogue.get(HEARING)
    validator = catalogue.validator(release)
    rule = next(rule for rule in release.schema[AFTER] if rule["after"] == "/served_on")
    served_on = date.fromisoformat(release.example["issued_on"]) + timedelta(days=1)  # Wednesday
    example = mutated(release.example, "/served_on", served_on.isoformat())
    earliest = catalogue.calendar.add_working_days(served_on, rule["working_days"])
    too_early = earliest - timedelta(days=1)
    [issue] = validator.issues(mutated(example, rule["field"], too_early.isoformat()))
    assert issue.pointer == rule["field"] == "/hearing/date"
    expected = issue.message.replace(f"（{issue.pointer}）", "")
    assert expected == (f"听证日期应不早于 {earliest.isoformat()}，即送达日期（/served_on）后第 7 个工作日："
                        f"{rule['because']}")
    assert validator.issues(mutated(example, rule["field"], earliest.isoformat())) == []

    sign_in(page, server, "case_system", f"/forms/{HEARING}")
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    page.get_by_role("button", name="载入示例").click()
    expect(page.get_by_text("已载入示例数据")).to_be_visible()
    field(page, "/served_on").get_by_label("送达日期").fill(served_on.isoformat())
    page.once("dialog", lambda dialog: dialog.accept())  # the officer confirms the example was rewritten
    page.get_by_role("button", name="已全部改为本案真实数据，取消示例标记").click()
    expect(page.locator("#example-flag")).to_be_hidden()
    hearing_date = field(page, "/hearing").get_by_label("听证日期")
    hearing_date.fill(too_early.isoformat())
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.get_by_role("button", name="预览并签发").click()
    error = field(page, "/hearing/date").locator(".error-message")
    expect(error).to_have_text("错误：" + expected)
    expect(hearing_date).to_have_attribute("aria-invalid", "true")
    summary = page.locator("#error-summary")
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(summary.get_by_role("link")).to_have_text(expected)
    assert posts == [], "the page refused it without asking the server"
    screenshot(page, "form-hearing-too-early")

    hearing_date.fill(earliest.isoformat())
    expect(error).to_be_hidden()
    expect(summary).to_be_hidden()
    page.get_by_role("button", name="预览并签发").click()
    expect(page.locator("#preview")).to_be_visible(timeout=120_000)
    with page.expect_response(lambda r: r.url.endswith(f"/forms/{HEARING}") and r.request.method == "POST",
                              timeout=120_000) as answer:
        page.get_by_role("button", name=re.compile("^确认签发")).click()
    assert answer.value.status == 201, answer.value.text()
    issued = page.locator("#issued")
    expect(issued).to_be_visible(timeout=120_000)
    with server.client("director") as http:
        record = http.get(f"/v1/documents/{answer.value.json()['id']}").json()
    assert record["data"]["hearing"]["date"] == earliest.isoformat()


def test_the_example_round_trips_through_the_form(page: Page, catalogue: Catalogue) -> None:
    """Loading the example fills every field, and reading the fields back gives the example again."""
    for template in catalogue.templates.values():
        page.goto(f"/forms/{template.template_id}")
        expect(page.locator("#eform[data-ready]")).to_be_attached()
        page.get_by_role("button", name="载入示例").click()
        expect(page.get_by_text("已载入示例数据")).to_be_visible()
        key = f"docgen.draft.{template.template_id}@{template.current.version}"
        draft = page.evaluate("key => JSON.parse(sessionStorage.getItem(key))", key)  # before sign-in: this tab only
        assert draft["data"] == template.current.example, template.template_id
        assert draft["example"] is True
        assert page.evaluate("localStorage.length") == 0
    screenshot(page, "form-example")


# --------------------------------------------------------------------------- sign-in, inbox, approval


def test_sign_in_inbox_and_approval_through_the_approver(page: Page, server: Server, catalogue: Catalogue) -> None:
    document = issue_review(server, catalogue, "dept_head", "dept_leader")  # now waiting for 法制审核

    page.goto("/inbox")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Finbox$"))
    page.get_by_label("访问令牌").fill("dg_wrong")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("令牌无效")
    screenshot(page, "login-error", full_page=False)
    sign_in(page, server, "legal_review")
    cookie = next(c for c in page.context.cookies() if c["name"] == "docgen_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["value"] == server.tokens["legal_review"]

    expect(page.get_by_role("heading", name="待我审批", level=1)).to_be_visible()
    item = page.locator(".inbox-item", has_text=document["doc_number"])
    expect(item).to_be_visible()
    expect(item).to_contain_text("待签：法制审核意见")
    expect(item).to_contain_text("审核期限")
    expect(item.get_by_label("决定")).to_contain_text("补充调查（退回）")
    screenshot(page, "inbox")

    # A return without a reason: refused by Approver.approve, shown in Chinese beside the opinion.
    item.get_by_label("决定").select_option("补充调查")
    expect(item.locator(".reason-flag")).to_be_visible()
    item.get_by_role("button", name="签署“法制审核意见”").click()
    expect(page.get_by_role("alert")).to_contain_text("决定“补充调查”须说明理由")
    opinion = page.locator("#approve").get_by_label("意见", exact=True)
    expect(opinion).to_have_attribute("aria-invalid", "true")
    screenshot(page, "approve-error")

    page.locator("#approve").get_by_label("决定").select_option("同意")
    opinion.fill("事实清楚，证据确凿，程序合法，同意扣押。")
    page.get_by_role("button", name="签署“法制审核意见”").click()
    expect(page.get_by_role("status").first).to_contain_text("已签署第 3 环节“法制审核意见”，决定：同意")
    row = page.locator("#stages tbody tr").nth(3)
    expect(row).to_contain_text(PEOPLE["legal_review"][0])
    expect(row).to_contain_text("同意")
    expect(row).to_contain_text("事实清楚，证据确凿，程序合法，同意扣押。")
    expect(page.locator(".facts")).to_contain_text("法制审核期限")
    expect(page.locator(".facts")).to_contain_text("待“法制部门负责人意见”")
    screenshot(page, "document")
    stage_pdf = page.request.get(row.get_by_role("link").get_attribute("href"))
    assert stage_pdf.ok and stage_pdf.body().startswith(b"%PDF")

    with server.client("legal_review") as http:
        record = http.get(f"/v1/documents/{document['id']}").json()
    assert [s["stage"] for s in record["stages"]][-1] == "legal_review"
    assert record["stages"][-1]["opinion"] == "事实清楚，证据确凿，程序合法，同意扣押。"
    expect(page.locator(".facts .due")).to_contain_text(cn_date(record["review_due"]["due"]))

    page.goto("/inbox")
    expect(page.locator(".inbox-item", has_text=document["doc_number"])).to_have_count(0)

    # CSRF: the same POST without the page's token, or from another origin, is refused.
    form = {"stage": "legal_head", "decision": "同意", "opinion": "同意。"}
    missing = page.request.post(f"/documents/{document['id']}/approve", form=form)
    assert missing.status == 403 and "表单已失效" in missing.text()
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    foreign = page.request.post(f"/documents/{document['id']}/approve", form={**form, "csrf_token": token},
                                headers={"Origin": "https://evil.example"})
    assert foreign.status == 403

    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/\?signed_out=1$"))
    assert not [c for c in page.context.cookies() if c["name"] == "docgen_session"]
    page.goto("/inbox")
    expect(page).to_have_url(re.compile("/login"))


def test_a_returned_table_is_corrected_in_the_eform_and_resubmitted(page: Page, server: Server,
                                                                     catalogue: Catalogue) -> None:
    """补充调查 returns the table: the case system opens the e-form prefilled with the document's data, corrects
    it, sees the server's errors beside the fields and resubmits; the new round carries the corrected data."""
    document = issue_review(server, catalogue, "dept_head", "dept_leader")
    with server.client("legal_review") as http:
        returned = http.post(f"/v1/documents/{document['id']}/approvals",
                             json={"stage": "legal_review", "decision": "补充调查", "opinion": "请补充涉案饼干的进货来源。"})
    assert returned.status_code == 201, returned.text
    example = catalogue.get(REVIEW).example

    sign_in(page, server, "case_system", f"/documents/{document['id']}")
    panel = page.locator("#approve")
    expect(panel).to_contain_text("补充调查")
    panel.get_by_role("link", name="更正数据并重新送审").click()
    expect(page).to_have_url(re.compile(rf"/documents/{document['id']}/resubmit$"))
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    expect(page.get_by_role("heading", name="重大行政执法决定法制审核表：更正并重新送审", level=1)).to_be_visible()
    expect(page.locator("#returned-by")).to_contain_text("请补充涉案饼干的进货来源。")
    expect(page.locator("#form-banner")).to_have_text("已填入本文书当前的案件数据，请核对更正后重新送审。")
    expect(page.get_by_role("button", name="载入示例")).to_be_hidden()
    # Prefilled with the current data, the party block included.
    expect(page.get_by_label("事由")).to_have_value(example["subject"])
    expect(page.get_by_label("基本情况、证据材料、拟处建议及法律依据")).to_have_value(example["summary"])
    expect(field(page, "/party").get_by_label("法人或其他组织")).to_be_checked()
    expect(field(page, "/party").get_by_label("统一社会信用代码")).to_have_value(example["party"]["uscc"])
    screenshot(page, "resubmit-form")

    # The browser's own check first, beside the field.
    uscc = field(page, "/party").get_by_label("统一社会信用代码")
    uscc.fill(WRONG_USCC)
    page.get_by_role("button", name="重新送审").click()
    expect(field(page, "/party/uscc").locator(".error-message")).to_contain_text("校验码错误，应为 K")
    uscc.fill(RIGHT_USCC)

    # What only the server finds comes back as problem+json and is put beside its field: the data…
    corrected = example["summary"].replace("购货发票复印件一组。", "购货发票复印件一组、供货商送货单三张。")
    summary_text = page.get_by_label("基本情况、证据材料、拟处建议及法律依据")
    summary_text.fill(corrected + "\x07")
    with page.expect_response(lambda r: r.url.endswith("/resubmit") and r.request.method == "POST") as answer:
        page.get_by_role("button", name="重新送审").click()
    assert answer.value.status == 422
    assert [e["pointer"] for e in answer.value.json()["errors"]] == ["/data/summary"]
    expect(field(page, "/summary").locator(".error-message")).to_contain_text("不可打印的控制字符 U+0007")
    expect(page.locator("#error-summary")).to_contain_text("服务器校验未通过")
    summary_text.fill(corrected)
    # …and the note that goes into the table beside the resubmission.
    note = page.get_by_label("送审说明")
    note.fill("已补充进货来源。\x01")
    with page.expect_response(lambda r: r.url.endswith("/resubmit") and r.request.method == "POST") as answer:
        page.get_by_role("button", name="重新送审").click()
    assert answer.value.status == 422
    assert [e["pointer"] for e in answer.value.json()["errors"]] == ["/opinion"]
    expect(page.locator('[data-outside-pointer="/opinion"] .error-message')).to_contain_text("U+0001")
    expect(note).to_have_attribute("aria-invalid", "true")
    screenshot(page, "resubmit-server-error")

    # A correction survives a reload as this document's draft, not the blank form's.
    # The save that carries this edit: one started by an earlier edit may still be answering.
    with page.expect_response(lambda r: "/drafts" in r.url and r.request.method in ("POST", "PUT")
                              and "（已补充调查）" in (r.request.post_data or "")) as saved:
        page.get_by_label("事由").fill(example["subject"] + "（已补充调查）")
    assert saved.value.ok
    expect(page.locator("#draft-state")).to_contain_text("草稿已保存到服务器", timeout=10_000)
    page.reload()
    expect(page.get_by_text(re.compile("已恢复 .* 保存在服务器上的更正草稿"))).to_be_visible()
    expect(page.get_by_label("事由")).to_have_value(example["subject"] + "（已补充调查）")
    assert page.evaluate("localStorage.length") == 0

    page.get_by_label("送审说明").fill("已补充涉案饼干的进货来源。")
    page.get_by_role("button", name="重新送审").click()
    page.wait_for_url(re.compile(rf"/documents/{document['id']}\?signed="), timeout=120_000)
    expect(page.get_by_role("status").first).to_contain_text("已签署第 4 环节“承办部门送审”")
    row = page.locator("#stages tbody tr").nth(4)
    expect(row).to_contain_text("第 2 轮")
    expect(row).to_contain_text("已补充涉案饼干的进货来源。")
    expect(page.locator(".facts")).to_contain_text("待“承办部门负责人意见”")
    screenshot(page, "resubmitted")

    with server.client("director") as http:
        record = http.get(f"/v1/documents/{document['id']}").json()
    assert record["data"] == {**example, "subject": example["subject"] + "（已补充调查）", "summary": corrected}
    assert [(s["stage"], s["round"]) for s in record["stages"]][-1] == ("issuance", 2)
    with server.client("case_system") as http:  # the correction's draft went with the resubmission
        assert [d for d in http.get("/v1/drafts").json() if d["document"] == document["id"]] == []

    # No longer returned: the page says so; and the POST needs the page's CSRF token whatever the state.
    page.goto(f"/documents/{document['id']}/resubmit")
    expect(page.get_by_text("当前不在退回待重新送审状态")).to_be_visible()
    body = {"round": 2, "data": example}
    assert page.request.post(f"/documents/{document['id']}/resubmit", data=body).status == 403
    stale = page.request.post(f"/documents/{document['id']}/resubmit", data=body,
                              headers={"X-CSRF-Token": csrf_token(page, server, document["id"])})
    assert stale.status == 409 and stale.json()["type"] == "/problems/conflict"


def csrf_token(page: Page, server: Server, document_id: str) -> str:
    """The signed-in visitor's CSRF token, as the e-form page carries it."""
    page.goto(f"/forms/{REVIEW}")
    return json.loads(page.locator("#form-config").text_content() or "{}")["csrf"]


def test_document_page_needs_sign_in_and_names_missing_documents(page: Page, server: Server) -> None:
    page.goto("/documents/nope")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdocuments%2Fnope$"))
    sign_in(page, server, "director", "/documents/nope")
    expect(page.get_by_role("heading", name="未找到")).to_be_visible()
    expect(page.get_by_text("没有文书 nope")).to_be_visible()


# --------------------------------------------------------------------------- verify


def test_verify_page_reads_the_report_stage_by_stage(page: Page, server: Server, catalogue: Catalogue,
                                                      tmp_path: Path) -> None:
    document = issue_review(server, catalogue, "dept_head")
    paths = []
    with server.client("director") as http:
        for stage in http.get(f"/v1/documents/{document['id']}/stages").json():
            path = tmp_path / f"stage-{stage['index']}.pdf"
            path.write_bytes(http.get(stage["links"]["pdf"]).content)
            paths.append(path)
    trust = tmp_path / "trust.json"
    trust.write_bytes(httpx.get(server.url + "/v1/trust").content)

    page.goto("/verify")
    page.get_by_label("环节 PDF 文件").set_input_files([str(p) for p in paths])
    page.get_by_label("信任包（可选）").set_input_files(str(trust))
    page.get_by_role("button", name="开始验证").click()
    report = page.locator("#report")
    expect(report.locator(".verdict")).to_contain_text("验证通过")
    stages = report.locator(".verify-stage")
    expect(stages).to_have_count(2)
    expect(stages.nth(0)).to_contain_text("第 0 环节　承办部门送审")
    expect(stages.nth(1)).to_contain_text(f"{PEOPLE['dept_head'][0]}（承办部门负责人）")
    expect(stages.nth(1)).to_contain_text("决定：同意")
    expect(report).to_contain_text("trust.json")
    screenshot(page, "verify")

    tampered = bytearray(paths[1].read_bytes())
    tampered[len(tampered) // 3] ^= 0x01
    (tmp_path / "stage-1-changed.pdf").write_bytes(bytes(tampered))
    page.goto("/verify")
    page.get_by_label("环节 PDF 文件").set_input_files([str(paths[0]), str(tmp_path / "stage-1-changed.pdf")])
    page.get_by_role("button", name="开始验证").click()
    expect(report.locator(".verdict")).to_contain_text("验证未通过")
    expect(report.locator(".verify-stage.is-bad")).to_contain_text("PDF 电子签名无效")
    screenshot(page, "verify-failed")

    page.goto("/verify")
    page.get_by_role("button", name="开始验证").click()
    expect(page.get_by_role("alert")).to_contain_text("请选择至少一个 PDF 文件")


def test_verify_page_passes_a_partial_set_and_checks_completeness_on_request(page: Page, server: Server,
                                                                            catalogue: Catalogue,
                                                                            tmp_path: Path) -> None:
    """Stages 1 and 3 of a review table signed up to 法制审核意见: the page says which stages it was
    given as files and which it checked through the latest file's links; completeness only on request."""
    document = issue_review(server, catalogue, "dept_head", "dept_leader", "legal_review")
    paths = []
    with server.client("director") as http:
        for stage in http.get(f"/v1/documents/{document['id']}/stages").json():
            if stage["index"] in (1, 3):
                path = tmp_path / f"stage-{stage['index']}.pdf"
                path.write_bytes(http.get(stage["links"]["pdf"]).content)
                paths.append(str(path))

    page.goto("/verify")
    page.get_by_label("环节 PDF 文件").set_input_files(paths)
    page.get_by_role("button", name="开始验证").click()
    report = page.locator("#report")
    expect(report.locator(".verdict")).to_contain_text("验证通过")
    expect(report.locator(".verdict")).to_contain_text("未提供文件的 2 个环节已经最新文件的签批链条核验")
    expect(report).not_to_contain_text("缺少环节")
    facts = report.locator(".facts")
    expect(facts).to_contain_text("重大行政执法决定法制审核表")
    expect(facts).to_contain_text(document["doc_number"])
    expect(facts).to_contain_text("提供了文件的环节：1、3")
    stages = report.locator(".verify-stage")
    expect(stages).to_have_count(4)
    for index, given in ((0, False), (1, True), (2, False), (3, True)):
        expect(stages.nth(index)).to_contain_text(f"已提供文件 stage-{index}.pdf" if given else "经链条核验")
    expect(report.locator(".aspects")).to_contain_text("文件完好")
    expect(report.locator(".aspects .is-bad")).to_have_count(0)
    screenshot(page, "verify-partial")

    page.get_by_label("环节 PDF 文件").set_input_files(paths)
    page.get_by_label("同时检查完整性").check()
    page.get_by_role("button", name="开始验证").click()
    expect(report.locator(".verdict")).to_contain_text("验证未通过")
    expect(report.locator(".verdict")).to_contain_text("签名和链条有效，但材料不完整")
    expect(page.get_by_label("同时检查完整性")).to_be_checked()
    expect(report.locator(".aspects .is-bad")).to_have_text(re.compile("材料完整"))
    expect(stages.nth(0).locator(".problem")).to_have_text("✗ 没有提供环节 0 的文件")
    expect(report.locator(".problems").last).to_contain_text("审批流程尚未完成")
    screenshot(page, "verify-incomplete")


def test_verify_page_shows_plain_messages_and_folds_the_technical_detail(page: Page, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7 nonsense")
    page.goto("/verify")
    page.get_by_label("环节 PDF 文件").set_input_files(str(junk))
    page.get_by_role("button", name="开始验证").click()
    report = page.locator("#report")
    item = report.locator(".problem-item")
    expect(item.locator(".problem")).to_have_text("✗ 文件不是可读取的 PDF")
    detail = item.locator(".tech-detail")
    expect(detail).to_be_hidden()
    item.get_by_text("技术细节").click()
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("Error")
    expect(item).to_contain_text("unreadable-pdf")

    page.goto("/verify")
    page.get_by_label("环节 PDF 文件").set_input_files(str(junk))
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    page.get_by_label("信任包（可选）").set_input_files(str(deep))
    page.get_by_role("button", name="开始验证").click()
    expect(page.get_by_role("alert")).to_contain_text("信任包无法读取：信任包嵌套过深")


# --------------------------------------------------------------------------- the inbox query


def test_inbox_query_agrees_with_replaying_every_document(api_server: Server, catalogue: Catalogue) -> None:
    """``pending_for`` (one SQL query) finds exactly what replaying each document's workflow finds."""
    issue_review(api_server, catalogue)
    issue_review(api_server, catalogue, "dept_head", "dept_leader")
    storage = Storage(api_server.data_dir, api_server.database_url)
    approver = Approver(catalogue, SimpleNamespace(storage=storage, authority=None))  # type: ignore[arg-type]
    ids = [row[0] for row in storage.db.query("SELECT id FROM documents")]
    for key, (name, roles) in PEOPLE.items():
        principal = Principal(key, name, tuple(roles))
        expected = set()
        for document_id in ids:
            document, stages = storage.document(document_id), storage.stages(document_id)
            step = approver.expected(document, stages)
            if step is not None and step[0].role in roles:
                expected.add(document_id)
        assert {p.document.id for p in approver.pending_for(principal)} == expected, key


def test_inbox_query_stays_fast_with_thousands_of_documents(catalogue: Catalogue, tmp_path: Path) -> None:
    storage = Storage(tmp_path, f"sqlite:///{tmp_path / 'docgen.sqlite3'}")
    flow = catalogue.get(REVIEW).workflow.stages
    link = {"index": 0, "round": 1, "stage": "issuance", "role": "case_system", "signer_name": "案件系统",
            "principal_id": "p1", "certificate_sha256": "c" * 64, "decision": None, "opinion": None,
            "time": "2026-01-01T00:00:00Z", "content_sha256": "0" * 64, "content_length": 1,
            "previous_file_sha256": None, "previous_link_sha256": None, "document_id": "",
            "installation_id": "i", "template": REVIEW, "template_version": "1", "signature": "s"}
    count = 6000
    with storage.db.transaction() as conn:
        for n in range(count):
            document_id = f"d{n:05d}"
            conn.execute("INSERT INTO documents VALUES (?, ?, '1', '{}', '审核表', NULL, 'x', '2026', 'p1', NULL)",
                         (document_id, REVIEW))
            for index in range(n % len(flow)):  # documents spread over every stage
                stage = flow[index]
                body = {**link, "index": index, "stage": stage.id, "role": stage.role, "document_id": document_id,
                        "decision": stage.decisions[0] if stage.decisions else None,
                        "time": f"2026-01-01T00:{index:02d}:00Z"}
                conn.execute("INSERT INTO stages (document_id, idx, stage, payload_sha256, docx_sha256, pdf_sha256, link)"
                             " VALUES (?, ?, ?, 'x', 'x', 'x', ?)",
                             (document_id, index, stage.id, json.dumps(body, ensure_ascii=False)))
    approver = Approver(catalogue, SimpleNamespace(storage=storage, authority=None))  # type: ignore[arg-type]
    legal = Principal("p2", "王法制", ("legal_review",))
    started = time.perf_counter()
    pending = approver.pending_for(legal, limit=count)
    elapsed = time.perf_counter() - started
    after_dept_leader = [n for n in range(count) if n % len(flow) == 3]  # last signed: dept_leader (index 2)
    assert {p.document.id for p in pending} == {f"d{n:05d}" for n in after_dept_leader}
    assert all(p.stage.id == "legal_review" for p in pending)
    assert elapsed < 2.0, f"{elapsed:.2f} s for {count} documents"
    with sqlite3.connect(tmp_path / "docgen.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == count
