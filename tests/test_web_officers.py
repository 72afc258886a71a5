"""The officers' pages, second round, in a real browser (Chromium via Playwright) against the real server.

One test or more per part of the issue: drafts on the server and nothing left
in the browser after sign-out (3); error pages, a lapsed sign-in, Back after
issuing and the document page on a phone (7); preview and confirmation, the
example and duplicate guards (1); the content being approved, what changed
between rounds and the three lists (4); wording and the due date (6).
Screenshots go to ``tests/artifacts/``.
"""
from __future__ import annotations

import copy
import json
import re
import random
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from docgen.catalogue import Catalogue
from docgen.web.labels import cn_date
from pdftools import text as pdf_text
from serving import PEOPLE, Server
from tiers import CONVERTERS
from test_web import REVIEW, browser, field, page, screenshot, sign_in  # noqa: F401  (fixtures)

PARTY_ID = "430202198503124516"  # the example's 身份证号 of the party's representative


def counts(server: Server) -> dict[str, int]:
    return {table: server.rows(f"SELECT COUNT(*) FROM {table}")[0][0]
            for table in ("documents", "stages", "number_reservations", "idempotency_keys")}


def tag() -> str:
    """A word no other test uses (Chinese characters: PDF text extraction spaces digits apart)."""
    return "".join(random.choice("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥") for _ in range(6))


def unique_example(catalogue: Catalogue, template: str = REVIEW) -> dict[str, Any]:
    """The example with a party name no other test uses, so no two tests issue equal payloads."""
    data = copy.deepcopy(catalogue.get(template).example)
    data["party"]["name"] = f"株洲市天元区{tag()}食品贸易有限公司"
    return data


def issue(server: Server, data: dict[str, Any], template: str = REVIEW) -> dict[str, Any]:
    with server.client() as http:
        created = http.post("/v1/documents", json={"template": template, "data": data})
    assert created.status_code == 201, created.text
    return created.json()


def sign(server: Server, document_id: str, stage: str, decision: str = "同意", opinion: str | None = "同意。",
         data: dict[str, Any] | None = None) -> dict[str, Any]:
    who = "case_system" if stage == "issuance" else stage
    body: dict[str, Any] = {"stage": stage}
    if stage != "issuance":
        body |= {"decision": decision, "opinion": opinion}
    elif opinion and opinion != "同意。":
        body["opinion"] = opinion
    if data is not None:
        body["data"] = data
    with server.client(who) as http:
        signed = http.post(f"/v1/documents/{document_id}/approvals", json=body)
    assert signed.status_code == 201, signed.text
    return signed.json()


def config_of(page: Page) -> dict[str, Any]:
    return json.loads(page.locator("#form-config").text_content() or "{}")


def local_storage(page: Page) -> str:
    """Every key and value the origin keeps in localStorage, as one string."""
    return page.evaluate("JSON.stringify(Object.entries(localStorage))")


def fill_party(page: Page, name: str) -> None:
    party = field(page, "/party")
    party.get_by_label("当事人名称").fill(name)


def load_real_looking_example(page: Page, name: str) -> None:
    """载入示例, then the officer rewrites it (here: the party's name) and lifts the example mark."""
    page.get_by_role("button", name="载入示例").click()
    expect(page.locator("#example-flag")).to_be_visible()
    fill_party(page, name)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="已全部改为本案真实数据，取消示例标记").click()
    expect(page.locator("#example-flag")).to_be_hidden()


# --------------------------------------------------------------------------- 3. drafts


def test_drafts_api_keeps_each_principals_drafts_apart(server: Server) -> None:
    with server.client("case_system") as mine, server.client("dept_head") as theirs:
        created = mine.post("/v1/drafts", json={"template": "penalty-decision", "data": {"party": {"name": "甲公司"}}})
        assert created.status_code == 201, created.text
        draft = created.json()
        assert created.headers["location"] == f"/v1/drafts/{draft['id']}"
        assert draft["party"] == "甲公司" and draft["example"] is False and draft["version"]
        assert any(d["id"] == draft["id"] for d in mine.get("/v1/drafts").json())
        assert mine.get(f"/v1/drafts/{draft['id']}").json()["data"] == {"party": {"name": "甲公司"}}

        # Another principal neither lists, reads, changes nor deletes it.
        assert all(d["id"] != draft["id"] for d in theirs.get("/v1/drafts").json())
        assert theirs.get(f"/v1/drafts/{draft['id']}").status_code == 404
        assert theirs.put(f"/v1/drafts/{draft['id']}", json={"data": {}}).status_code == 404
        assert theirs.delete(f"/v1/drafts/{draft['id']}").status_code == 404

        updated = mine.put(f"/v1/drafts/{draft['id']}", json={"data": {"party": {"name": "乙公司"}}, "example": True})
        assert updated.status_code == 200 and updated.json()["party"] == "乙公司" and updated.json()["example"]
        bad = mine.post("/v1/drafts", json={"template": "no-such-template", "data": {}})
        assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/template"
        big = mine.post("/v1/drafts", json={"template": "penalty-decision", "data": {"x": "字" * 200_000}})
        assert big.status_code == 422 and big.json()["errors"][0]["pointer"] == "/data"
        assert mine.delete(f"/v1/drafts/{draft['id']}").status_code == 204
        assert mine.get(f"/v1/drafts/{draft['id']}").status_code == 404
    assert httpx.get(server.url + "/v1/drafts").status_code == 401


def test_a_draft_is_kept_on_the_server_resumed_elsewhere_and_sign_out_leaves_no_party_data(
        page: Page, server: Server, browser: Any, catalogue: Catalogue) -> None:
    # Before sign-in: this tab only (sessionStorage), never localStorage.
    page.goto(f"/forms/{REVIEW}")
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    page.get_by_label("事由").fill("拟对某公司实施扣押")
    expect(page.locator("#draft-state")).to_contain_text("草稿暂存在本标签页")
    assert page.evaluate("localStorage.length") == 0
    # A copy an older version of the page left in localStorage, with a party's 身份证号 in it.
    page.evaluate("""id => localStorage.setItem('docgen.draft.penalty-decision@1',
        JSON.stringify({saved: new Date().toISOString(), data: {party: {id_number: id}}}))""", PARTY_ID)

    # After sign-in the tab's copy moves to the server.
    sign_in(page, server, "case_system", "/drafts")
    page.goto(f"/forms/{REVIEW}")
    expect(page.get_by_text(re.compile("已恢复本浏览器于 .* 暂存的草稿，并已转存到服务器"))).to_be_visible()
    expect(page.get_by_label("事由")).to_have_value("拟对某公司实施扣押")
    party = field(page, "/party")
    party.get_by_label("法人或其他组织").check()
    party.get_by_label("当事人名称").fill("株洲市某某食品有限公司")
    # The save that carries this edit: one started by an earlier edit may still be answering.
    with page.expect_response(lambda r: "/drafts" in r.url and r.request.method in ("POST", "PUT")
                              and PARTY_ID in (r.request.post_data or "")) as saved:
        party.get_by_label("身份证（其他有效证件）号码").fill(PARTY_ID)
    assert saved.value.ok
    expect(page.locator("#draft-state")).to_contain_text("草稿已保存到服务器", timeout=10_000)
    draft_id = re.search(r"draft=(dr[0-9a-f]+)", page.url).group(1)
    with server.client("case_system") as http:
        stored = http.get(f"/v1/drafts/{draft_id}").json()
    assert stored["data"]["party"]["id_number"] == PARTY_ID
    assert stored["data"]["subject"] == "拟对某公司实施扣押"
    assert PARTY_ID not in page.evaluate("JSON.stringify(Object.entries(sessionStorage))")

    # Another browser, the same officer: the draft is listed and resumes.
    other = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        elsewhere = other.new_page()
        sign_in(elsewhere, server, "case_system", "/drafts")
        expect(elsewhere.get_by_role("heading", name="我的草稿", level=1)).to_be_visible()
        row = elsewhere.locator("#draft-list tbody tr", has_text="株洲市某某食品有限公司")
        expect(row).to_be_visible()
        screenshot(elsewhere, "drafts")
        row.get_by_role("link", name="继续填写").click()
        expect(elsewhere.locator("#eform[data-ready]")).to_be_attached()
        expect(elsewhere.get_by_text(re.compile("保存在服务器上的草稿"))).to_be_visible()
        expect(field(elsewhere, "/party").get_by_label("身份证（其他有效证件）号码")).to_have_value(PARTY_ID)
        # Opening the blank form offers the drafts of that instrument.
        elsewhere.goto(f"/forms/{REVIEW}")
        expect(elsewhere.locator("#other-drafts")).to_contain_text("株洲市某某食品有限公司")
    finally:
        other.close()

    # Sign-out: nothing of the party stays in this browser's storage.
    assert PARTY_ID in local_storage(page)  # the old copy of another form is still there before sign-out
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/\?signed_out=1$"))
    assert PARTY_ID not in local_storage(page)
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    page.goto(f"/forms/{REVIEW}?draft={draft_id}")  # signed out: the draft's address shows no draft
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    expect(page.get_by_label("事由")).to_have_value("")
    assert PARTY_ID not in page.content()

    # Deleting from the list.
    sign_in(page, server, "case_system", "/drafts")
    page.locator("#draft-list tbody tr", has_text="株洲市某某食品有限公司").get_by_role("button", name=re.compile("^删除")).click()
    expect(page.get_by_text("草稿已删除。")).to_be_visible()
    with server.client("case_system") as http:
        assert http.get(f"/v1/drafts/{draft_id}").status_code == 404


# --------------------------------------------------------------------------- 7. errors and navigation


def test_browsers_get_error_pages_and_programs_get_problem_documents(page: Page, server: Server,
                                                                     catalogue: Catalogue) -> None:
    response = page.goto("/no/such/page")
    assert response is not None and response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    expect(page.get_by_role("heading", name="未找到", level=1)).to_be_visible()
    expect(page.get_by_text("没有这个页面：/no/such/page")).to_be_visible()
    expect(page.get_by_role("link", name="返回文书目录")).to_be_visible()
    screenshot(page, "error-404", full_page=False)
    api = page.goto("/v1/documents/nope")  # an API address opened in the browser: a page, not raw JSON
    assert api is not None and api.status == 401 and api.headers["content-type"].startswith("text/html")

    # Programs (no Accept, */*, or JSON) still get RFC 9457 problem documents.
    for accept in (None, "*/*", "application/json", "application/problem+json, text/html;q=0.5"):
        answer = httpx.get(server.url + "/no/such/page", headers={"Accept": accept} if accept else {})
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json", accept
        assert answer.json()["status"] == 404
    problem = httpx.get(server.url + "/v1/documents/nope", headers={"Accept": "application/json"})
    assert problem.status_code == 401 and problem.headers["www-authenticate"].startswith("Bearer")

    # The approval form's address revisited (reload, history) leads to its document, not a 405.
    document = issue(server, unique_example(catalogue))
    sign_in(page, server, "dept_head", f"/documents/{document['id']}")
    revisit = page.goto(f"/documents/{document['id']}/approve")
    assert revisit is not None and revisit.status == 200
    expect(page).to_have_url(re.compile(rf"/documents/{document['id']}#approve$"))
    expect(page.get_by_role("heading", name="签署：承办部门负责人意见")).to_be_visible()


def test_a_lapsed_sign_in_says_why_and_returns_to_the_page(page: Page, server: Server, catalogue: Catalogue) -> None:
    document = issue(server, unique_example(catalogue))
    target = f"/documents/{document['id']}"
    sign_in(page, server, "director", target)
    cookies = page.context.cookies()
    # The session cookie lapses (12 hours), the browser still remembers it was signed in.
    page.context.clear_cookies(name="docgen_session")
    assert not [c for c in page.context.cookies() if c["name"] == "docgen_session"] and cookies
    page.goto(target)
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdocuments%2F[0-9a-f]+&expired=1$"))
    expect(page.locator("#login-expired")).to_contain_text("登录已过期，请重新登录")
    expect(page.locator("#login-expired")).to_contain_text(target)
    screenshot(page, "login-expired", full_page=False)
    page.get_by_label("访问令牌").fill(server.tokens["director"])
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))

    # After a deliberate sign-out, the sign-in page does not claim anything expired.
    page.get_by_role("button", name="退出登录").click()
    page.goto(target)
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdocuments%2F[0-9a-f]+$"))
    expect(page.locator("#login-expired")).to_have_count(0)


def test_back_after_issuing_never_rearms_the_form(page: Page, server: Server) -> None:
    sign_in(page, server, "case_system", "/forms/penalty-decision")
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    load_real_looking_example(page, f"株洲市{tag()}商贸有限公司")
    page.get_by_role("button", name="预览并签发").click()
    expect(page.locator("#preview")).to_be_visible(timeout=120_000)
    page.get_by_role("button", name=re.compile("^确认签发")).click()
    issued = page.locator("#issued")
    expect(issued).to_be_visible(timeout=120_000)
    number = issued.locator("[data-number]").text_content()
    before = counts(server)["documents"]

    issued.get_by_role("link", name="查看文书与签署环节").click()
    expect(page.get_by_role("heading", name="行政处罚决定书", level=1)).to_be_visible()
    page.go_back()
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    expect(issued).to_be_visible()
    expect(issued.locator("[data-number]")).to_have_text(number or "")
    for name in ("预览并签发", "载入示例", "清空"):
        expect(page.get_by_role("button", name=name)).to_be_hidden()
    assert page.locator("#eform-fields").get_attribute("inert") is not None
    screenshot(page, "form-back-after-issuing")
    page.go_forward()
    page.go_back()
    expect(issued).to_be_visible()
    assert counts(server)["documents"] == before

    # 再填一份 starts a new, empty form that can be previewed again.
    page.get_by_role("button", name="再填一份").click()
    expect(page.get_by_role("button", name="预览并签发")).to_be_enabled()
    expect(field(page, "/party").get_by_label("当事人名称")).to_have_count(0)  # the party kind is unset again


def test_document_page_reads_on_a_phone_with_eleven_stages(page: Page, server: Server, catalogue: Catalogue) -> None:
    first = unique_example(catalogue)
    document = issue(server, first)
    for stage in ("dept_head", "dept_leader"):
        sign(server, document["id"], stage)
    sign(server, document["id"], "legal_review", "补充调查", "请补充涉案饼干的进货来源，并核实当事人住所。")
    second = copy.deepcopy(first)
    second["party"]["address"] = "湖南省株洲市天元区黄河北路66号"
    second["summary"] = first["summary"] + "\n补充调查：已查明进货来源为长沙市某食品批发部。"
    sign(server, document["id"], "issuance", data=second)
    for stage in ("dept_head", "dept_leader", "legal_review", "legal_head", "legal_leader", "director"):
        sign(server, document["id"], stage)

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, server, "director", f"/documents/{document['id']}")
    rows = page.locator("#stages tbody tr")
    expect(rows).to_have_count(11)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
    last = rows.nth(10)
    expect(last).to_contain_text("局长审批")
    box = last.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    # Each stage reads as a card whose values are labelled.
    expect(last.locator('td[data-label="签署人"]')).to_contain_text(PEOPLE["director"][0])
    # Round 2: what changed, and the earlier round's opinions, readable in place.
    changes = page.locator(".changes")
    expect(changes).to_contain_text("第 2 轮更改了什么")
    expect(changes.locator('tr[data-pointer="/party/address"]')).to_contain_text("黄河北路66号")
    expect(changes.locator('tr[data-pointer="/party/address"] .before')).to_contain_text(first["party"]["address"])
    expect(changes.locator('tr[data-pointer="/summary"]')).to_be_visible()
    expect(changes.locator("tbody tr")).to_have_count(2)
    expect(page.locator(".history-box")).to_contain_text("请补充涉案饼干的进货来源")
    expect(page.locator(".facts .due")).to_contain_text("已完成")
    screenshot(page, "document-phone")


# --------------------------------------------------------------------------- 1. preview and confirm


def test_the_preview_api_renders_the_pdf_and_stores_nothing(server: Server, catalogue: Catalogue) -> None:
    data = unique_example(catalogue, "penalty-decision")
    before = counts(server)
    with server.client() as http:
        answer = http.post("/v1/previews", json={"template": "penalty-decision", "data": data})
        bad = http.post("/v1/previews", json={"template": "penalty-decision",
                                              "data": {**data, "party": {**data["party"], "uscc": "91430211MA4L00123A"}}})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf" and answer.content.startswith(b"%PDF")
    words = pdf_text(answer.content)
    assert re.search(r"株市监处罚〔\d{4}〕预览号", words), words[:400]
    assert words.count("预览") >= words.count("\f")  # the watermark on every page
    assert data["party"]["name"] in words
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/data/party/uscc"
    assert counts(server) == before, "a preview stores no document, stage, number or key"


def test_the_eform_previews_then_confirms_naming_the_prefix_and_the_party(page: Page, server: Server) -> None:
    sign_in(page, server, "case_system", "/forms/penalty-decision")
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    name = f"株洲市{tag()}商贸有限公司"
    load_real_looking_example(page, name)
    before = counts(server)
    page.get_by_role("button", name="预览并签发").click()
    preview = page.locator("#preview")
    expect(preview).to_be_visible(timeout=120_000)
    expect(page.locator("#eform")).to_be_hidden()
    pages = preview.locator(".preview-page img")
    assert pages.count() >= 1
    assert all(pages.nth(n).evaluate("img => img.naturalWidth > 300") for n in range(pages.count()))
    confirm = page.locator("#confirm")
    expect(confirm.locator("[data-number]")).to_contain_text("株市监处罚")
    expect(confirm.locator("[data-party]")).to_have_text(name)
    expect(page.get_by_role("button", name="确认签发（株市监处罚）")).to_be_enabled()
    assert counts(server) == before
    screenshot(page, "form-preview")
    with page.expect_download() as download:
        preview.get_by_role("link", name="下载预览 PDF").click()
    assert "预览" in pdf_text(open(download.value.path(), "rb").read())

    # 返回修改 goes back to the form, which still holds the data.
    page.get_by_role("button", name="返回修改").click()
    expect(page.locator("#eform")).to_be_visible()
    expect(field(page, "/party").get_by_label("当事人名称")).to_have_value(name)
    page.get_by_role("button", name="预览并签发").click()
    expect(preview).to_be_visible(timeout=120_000)
    page.get_by_role("button", name="确认签发（株市监处罚）").click()
    expect(page.locator("#issued")).to_be_visible(timeout=120_000)
    expect(page.locator("#issued [data-number]")).to_have_text(re.compile(r"^株市监处罚〔\d{4}〕\d+号$"))
    assert counts(server)["documents"] == before["documents"] + 1


def test_an_example_draft_is_refused_unless_demo(page: Page, server: Server, catalogue: Catalogue) -> None:
    sign_in(page, server, "case_system", "/forms/penalty-decision")
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    # The form never starts from the example.
    expect(field(page, "/party").get_by_label("当事人名称")).to_have_count(0)
    page.get_by_role("button", name="载入示例").click()
    expect(page.locator("#example-flag")).to_contain_text("本表单载入了示例数据，不能签发")
    expect(page.locator("#draft-state")).to_contain_text("草稿已保存到服务器", timeout=10_000)
    draft_id = re.search(r"draft=(dr[0-9a-f]+)", page.url).group(1)
    with server.client() as http:
        assert http.get(f"/v1/drafts/{draft_id}").json()["example"] is True
    page.get_by_role("button", name="预览并签发").click()
    expect(page.locator("#preview")).to_be_visible(timeout=120_000)
    expect(page.locator("#confirm [data-example]")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^确认签发"))).to_be_disabled()
    screenshot(page, "form-preview-example")

    # The server refuses it too, with the field named; nothing is issued.
    before = counts(server)
    refused = page.request.post("/forms/penalty-decision", data={
        "data": catalogue.get("penalty-decision").example, "example": True, "draft": draft_id},
        headers={"X-CSRF-Token": config_of(page)["csrf"]})
    assert refused.status == 422
    assert refused.json()["errors"] == [{"pointer": "/example", "message": refused.json()["errors"][0]["message"]}]
    assert "示例数据不能签发" in refused.json()["errors"][0]["message"]
    assert counts(server)["documents"] == before["documents"]


@pytest.mark.parametrize("converter", CONVERTERS)  # LibreOffice in the full suite, as an API test
def test_a_demo_installation_may_issue_the_example(tmp_path_factory: pytest.TempPathFactory,
                                                   catalogue: Catalogue, converter: str) -> None:
    demo = Server(tmp_path_factory.mktemp("demo") / "data", DOCGEN_CONVERTERS="1", DOCGEN_DEMO="1",
                  DOCGEN_CONVERTER=converter)
    try:
        with httpx.Client(base_url=demo.url, timeout=120) as http:
            login = http.get("/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
            http.post("/login", data={"token": demo.tokens["case_system"], "csrf_token": csrf, "next": "/forms/penalty-decision"})
            form = http.get("/forms/penalty-decision")
            token = json.loads(re.search(r'id="form-config">(.*?)</script>', form.text).group(1))["csrf"]
            issued = http.post("/forms/penalty-decision", headers={"X-CSRF-Token": token},
                               json={"data": catalogue.get("penalty-decision").example, "example": True})
        assert issued.status_code == 201, issued.text
    finally:
        demo.stop()


def test_the_same_payload_again_needs_a_second_confirmation(page: Page, server: Server, catalogue: Catalogue) -> None:
    data = unique_example(catalogue)
    earlier = issue(server, data)  # through the API: its Idempotency-Key semantics are untouched
    sign_in(page, server, "case_system", f"/forms/{REVIEW}")
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    load_real_looking_example(page, data["party"]["name"])
    page.get_by_role("button", name="预览并送审").click()
    expect(page.locator("#preview")).to_be_visible(timeout=120_000)
    duplicates = page.locator("#confirm [data-duplicates]")
    expect(duplicates).to_be_visible()
    link = duplicates.get_by_role("link", name=earlier["doc_number"])
    expect(link).to_have_attribute("href", f"/documents/{earlier['id']}")
    confirm = page.get_by_role("button", name=re.compile("^确认送审"))
    expect(confirm).to_be_disabled()
    screenshot(page, "form-preview-duplicate")

    # Without the tick the server says 409 and names the earlier document.
    csrf = config_of(page)["csrf"]
    refused = page.request.post(f"/forms/{REVIEW}", data={"data": data}, headers={"X-CSRF-Token": csrf})
    assert refused.status == 409 and refused.json()["type"] == "/problems/duplicate-payload"
    assert refused.json()["duplicates"][0]["doc_number"] == earlier["doc_number"]

    page.get_by_label(re.compile("确认不是重复送审")).check()
    expect(confirm).to_be_enabled()
    confirm.click()
    expect(page.locator("#issued")).to_be_visible(timeout=120_000)
    expect(page.locator("#issued h2")).to_have_text("已送审")
    assert page.locator("#issued [data-number]").text_content() != earlier["doc_number"]

    # The API is unchanged: the same payload issues again with no question asked.
    again = issue(server, data)
    assert again["doc_number"] not in (earlier["doc_number"],)


# --------------------------------------------------------------------------- 4. approvals readable in place


def test_the_inbox_shows_the_content_and_the_lists_show_sent_and_done(page: Page, server: Server,
                                                                      catalogue: Catalogue) -> None:
    data = unique_example(catalogue)
    document = issue(server, data)
    sign_in(page, server, "dept_head")
    item = page.locator(".inbox-item", has_text=document["doc_number"])
    item.locator("details.content > summary").click()
    content = item.locator(".payload")
    expect(content).to_contain_text("事由")
    expect(content).to_contain_text(data["subject"])
    expect(content.locator('[data-pointer="/party/name"]')).to_contain_text(data["party"]["name"])
    expect(content.locator('[data-pointer="/party/name"] dt')).to_have_text("当事人名称")
    expect(content.locator('[data-pointer="/party/kind"]')).to_contain_text("法人或其他组织")
    item.get_by_label("决定").select_option("同意")
    item.get_by_label("意见", exact=True).fill("同意送法制审核。")
    item.get_by_role("button", name="签署“承办部门负责人意见”").click()
    expect(page.get_by_role("status").first).to_contain_text("已签署")

    page.get_by_role("link", name="已办").click()
    expect(page).to_have_url(re.compile(r"/inbox/done$"))
    row = page.locator("#worklist tbody tr", has_text=document["doc_number"])
    expect(row).to_contain_text("承办部门负责人意见")
    expect(row).to_contain_text("同意")
    expect(row).to_contain_text("待“承办部门分管领导意见”签署")
    screenshot(page, "worklist-done")
    page.get_by_role("button", name="退出登录").click()

    sign_in(page, server, "case_system", "/inbox/sent")
    expect(page.get_by_role("heading", name="我送审的", level=1)).to_be_visible()
    row = page.locator("#worklist tbody tr", has_text=document["doc_number"])
    expect(row).to_contain_text("待“承办部门分管领导意见”签署")
    row.get_by_role("link", name=REVIEW_TITLE).click()
    expect(page.locator("#content .payload")).to_contain_text(data["party"]["name"])
    screenshot(page, "worklist-sent-document")


REVIEW_TITLE = "重大行政执法决定法制审核表"


def test_a_second_round_shows_what_changed_and_the_return(page: Page, server: Server, catalogue: Catalogue) -> None:
    data = unique_example(catalogue)
    document = issue(server, data)
    for stage in ("dept_head", "dept_leader"):
        sign(server, document["id"], stage)
    sign(server, document["id"], "legal_review", "变更或修正", "罚没金额计算有误，请更正。")
    corrected = copy.deepcopy(data)
    corrected["subject"] = data["subject"] + "（更正）"
    sign(server, document["id"], "issuance", data=corrected)
    sign(server, document["id"], "dept_head")
    sign(server, document["id"], "dept_leader")

    sign_in(page, server, "legal_review")
    item = page.locator(".inbox-item", has_text=document["doc_number"])
    expect(item).to_contain_text("第 2 轮")
    changes = item.locator(".changes")
    expect(changes).to_be_visible()
    expect(changes.locator("tbody tr")).to_have_count(1)
    expect(changes.locator('tr[data-pointer="/subject"] th')).to_have_text("事由")
    expect(changes.locator('tr[data-pointer="/subject"] .after')).to_have_text(corrected["subject"])
    history = item.locator(".history-box")
    expect(history).to_contain_text("第 1 轮 法制审核意见")
    expect(history).to_contain_text("变更或修正")
    expect(history).to_contain_text("罚没金额计算有误，请更正。")
    screenshot(page, "inbox-round-2")


# --------------------------------------------------------------------------- 6. wording and the due date


def test_wording_and_the_due_date_red_only_when_overdue(page: Page, server: Server, catalogue: Catalogue) -> None:
    sign_in(page, server, "case_system", f"/forms/{REVIEW}")
    expect(page.get_by_role("button", name="预览并送审")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("签发"))).to_have_count(0)
    page.goto("/forms/penalty-decision")
    expect(page.get_by_role("button", name="预览并签发")).to_be_visible()
    page.get_by_role("button", name="退出登录").click()

    waiting, overdue = (issue(server, unique_example(catalogue)) for _ in range(2))
    for document in (waiting, overdue):
        for stage in ("dept_head", "dept_leader"):
            sign(server, document["id"], stage)
    past = date.today() - timedelta(days=40)
    server.execute("UPDATE documents SET review_due = ? WHERE id = ?", json.dumps(
        {"stage": "legal_review", "starts": (past - timedelta(days=14)).isoformat(), "due": past.isoformat(),
         "extended_limit": (past + timedelta(days=14)).isoformat()}), overdue["id"])

    sign_in(page, server, "legal_review")
    on_time = page.locator(".inbox-item", has_text=waiting["doc_number"]).locator(".due-tag")
    late = page.locator(".inbox-item", has_text=overdue["doc_number"]).locator(".due-tag")
    expect(on_time).not_to_have_class(re.compile("tag-red"))
    expect(on_time).not_to_contain_text("已超期")
    expect(late).to_have_class(re.compile("tag-red"))
    expect(late).to_contain_text("已超期")

    page.goto(f"/documents/{waiting['id']}")
    due = page.locator(".facts .due")
    expect(due).to_contain_text("工作日已扣除周末和法定节假日")
    expect(due).not_to_contain_text("未扣除")
    expect(due.locator(".tag-red")).to_have_count(0)
    assert due.locator("strong").evaluate("e => getComputedStyle(e).color") != "rgb(184, 38, 29)"
    page.goto(f"/documents/{overdue['id']}")
    expect(page.locator(".facts .due .tag-red")).to_have_text("已超期")
    assert page.locator(".facts .due strong").evaluate("e => getComputedStyle(e).color") == "rgb(184, 38, 29)"
    screenshot(page, "document-overdue")

    # Once the review is signed, the period is done: green, with the day, never red.
    sign(server, overdue["id"], "legal_review")
    page.goto(f"/documents/{overdue['id']}")
    expect(due).to_contain_text("已完成")
    expect(due).to_contain_text(cn_date(datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()))
    expect(due.locator(".tag-red")).to_have_count(0)
    screenshot(page, "document-review-done")


# --------------------------------------------------------------------------- 6. the review table, version 3

OPINION_BOXES = ("承办部门负责人意见", "承办部门分管领导意见", "法制审核意见", "法制部门负责人意见", "分管法制的局领导意见",
                 "局长审批")
TYPICAL = "事实清楚，证据确凿，程序合法，同意。"


def final_pages(server: Server, document_id: str) -> list[str]:
    """The text of each page of the document's latest signed PDF, line breaks removed (labels wrap)."""
    with server.client("director") as http:
        pdf = http.get(f"/v1/documents/{document_id}/pdf").content
    return [re.sub(r"\s", "", page) for page in pdf_text(pdf).split("\f") if page.strip()]  # \s: U+3000 too


def boxes_on(page_text: str) -> list[str]:
    return [label for label in OPINION_BOXES if label in page_text]


def test_the_review_table_fits_one_page_and_prints_the_return_and_the_note(server: Server,
                                                                           catalogue: Catalogue) -> None:
    assert catalogue.get(REVIEW).version == "3"
    typical = issue(server, unique_example(catalogue))
    for stage in ("dept_head", "dept_leader", "legal_review", "legal_head", "legal_leader", "director"):
        sign(server, typical["id"], stage, opinion=TYPICAL)
    pages = final_pages(server, typical["id"])
    assert len(pages) == 1, "a typical case, all six opinions signed, is one page"
    assert boxes_on(pages[0]) == list(OPINION_BOXES)
    assert "退回记录" not in pages[0] and "送审说明" not in pages[0]

    returned = issue(server, unique_example(catalogue))
    for stage in ("dept_head", "dept_leader"):
        sign(server, returned["id"], stage, opinion=TYPICAL)
    sign(server, returned["id"], "legal_review", "补充调查", "请补充涉案饼干的进货来源。")
    sign(server, returned["id"], "issuance", opinion="已补充进货来源，见证据材料第七项。")
    for stage in ("dept_head", "dept_leader", "legal_review", "legal_head", "legal_leader", "director"):
        sign(server, returned["id"], stage, opinion=TYPICAL)
    pages = final_pages(server, returned["id"])
    whole = "".join(pages)
    assert "退回记录" in whole and "第1轮法制审核意见：补充调查。请补充涉案饼干的进货来源。（王法制，" in whole, whole
    assert "送审说明" in whole and "第2轮：已补充进货来源，见证据材料第七项。" in whole
    on_pages = [boxes_on(page) for page in pages]
    assert [label for labels in on_pages for label in labels] == list(OPINION_BOXES)
    assert all(len(labels) != 1 for labels in on_pages), f"an opinion box alone on a page: {on_pages}"
    last = next(labels for labels in reversed(on_pages) if labels)
    assert last[-3:] == list(OPINION_BOXES[-3:]), "the last three boxes stay together"
