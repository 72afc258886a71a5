"""The publicity pages in a real browser (Chromium via Playwright) on the real test server: due and overdue
decisions with their countdowns, the original and the public rendition side by side, a span that is not in
the document refused beside its form, mark as published, withdraw, and the case page's publicity state."""
from __future__ import annotations

import re
import zipfile

from typing import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from serving import Server, agency_today
from test_case_pages import browser, signed_in  # noqa: F401 - the module's Chromium
from test_cases import case_data, unique_party
from test_publicity_api import decision


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:  # noqa: F811
    with signed_in(browser, server, "case_system", "/publicity", r"/publicity$") as signed:
        yield signed


def test_the_publicity_page_from_due_to_withdrawn(page: Page, client: httpx.Client) -> None:
    case = client.post("/v1/cases", json=case_data(party=unique_party("株洲市公示流程试点商行"))).json()
    today = agency_today()
    data = {k: v for k, v in decision(today).items() if k != "party"}
    fresh = client.post("/v1/documents", json={"template": "penalty-decision", "case_id": case["id"], "data": data})
    assert fresh.status_code == 201, fresh.text
    fresh = fresh.json()
    late = client.post("/v1/documents", json={"template": "penalty-decision", "data": decision()}).json()

    page.goto("/publicity")
    row = page.locator(f"tr[data-document='{fresh['id']}']")
    expect(row.locator(".countdown")).to_contain_text("还剩")
    expect(page.locator(f"tr[data-document='{late['id']}'] .countdown")).to_contain_text("逾期")
    row.get_by_role("link").click()
    expect(page.locator("#original-pages img")).not_to_have_count(0)
    expect(page.locator("#public-pages")).to_contain_text("尚未生成公示文本")

    form = page.locator("#rendition-form")
    chosen = form.get_by_label("字段").locator("option:checked")  # the decision's fields by their titles
    expect(chosen).not_to_have_text(re.compile(r"^/"))
    assert chosen.get_attribute("value") == "/facts"
    form.get_by_label("要隐去的文字").fill("并不存在的公司")
    form.get_by_label("理由").fill("商业秘密")
    form.get_by_role("button", name="生成公示文本").click()
    expect(page.locator("#rendition-form .field-error")).to_contain_text("没有要隐去的文字")
    page.locator("#rendition-form").get_by_label("要隐去的文字").fill("长沙市某食品有限公司")
    page.locator("#rendition-form").get_by_role("button", name="生成公示文本").click()
    expect(page.locator("#done-notice")).to_have_text("已生成公示文本")
    expect(page.locator("#public-pages img")).not_to_have_count(0)
    expect(page.locator("#side-by-side")).to_be_visible()
    tags = page.locator("section[aria-labelledby=side-title] .tag").all_inner_texts()
    assert tags and not [t for t in tags if t.startswith("/")], tags  # hidden values named by field title
    detail = page.url
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the redactions and the list fit its width
    for target in (detail, "/publicity"):
        page.goto(target)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{target} is {width} px wide at 390 px"
    expect(page.locator("#publicity-filter a[aria-current=page]")).to_have_text("待办（已作废待撤回、逾期、待公示）")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(detail)

    published = page.locator("#published-form")
    published.get_by_label("公示地址").fill("https://www.gsxt.gov.cn/公示/1")
    published.get_by_role("button", name="标记为已公示").click()
    expect(page.locator("#publicity-state")).to_have_text("已公示")
    expect(page.locator("#period")).to_contain_text("第十三条")

    page.locator("#withdraw-form").get_by_role("button", name="撤回").click()
    expect(page.locator("#withdraw-form .field-error").first).to_contain_text("须说明理由")
    page.locator("#withdraw-form").get_by_label("理由").fill("行政复议决定撤销原处罚决定")
    page.locator("#withdraw-form").get_by_label("依据").fill("株政复决字〔2026〕3号")
    page.locator("#withdraw-form").get_by_role("button", name="撤回").click()
    expect(page.locator("#publicity-state")).to_have_text("已撤回")
    expect(page.locator("#publicity-history li")).to_have_count(4)
    history = page.locator("#publicity-history li")  # in Chinese, never the stored kinds
    for item, said in zip(history.all(), ("登记公示记录", "生成公示文本", "已公示（国家企业信用信息公示系统）",
                                          "撤回公示：行政复议决定撤销原处罚决定")):
        expect(item).to_contain_text(said)
    assert not any(kind in page.locator("#publicity-history").inner_text()
                   for kind in ("opened", "rendition_made", "published", "withdrawn"))

    page.goto(f"/cases/{case['id']}")
    expect(page.locator("#case-publicity li")).to_contain_text("已撤回")


def test_a_voided_decision_on_the_pages_is_void_or_due_for_withdrawal(page: Page, server: Server,
                                                                     client: httpx.Client) -> None:
    from test_publicity_api import VOID_REASON, void

    today = agency_today()
    due = client.post("/v1/documents", json={"template": "penalty-decision", "data": decision(today)}).json()
    shown = client.post("/v1/documents", json={"template": "penalty-decision", "data": decision(today)}).json()
    base = f"/v1/documents/{shown['id']}/publicity"
    assert client.post(f"{base}/rendition", json={}).status_code == 201
    assert client.post(f"{base}/published", json={"platform": "国家企业信用信息公示系统", "url": "https://www.gsxt.gov.cn/p",
                                                   "published_at": today.isoformat()}).status_code == 200
    for doc in (due, shown):
        void(server, doc["id"])

    page.goto("/publicity")  # the to-do list: the one still up, due for withdrawal, first; the void one gone
    expect(page.locator(f"tr[data-document='{due['id']}']")).to_have_count(0)
    first = page.locator("#publicity-table tbody tr").first
    expect(first).to_have_attribute("data-state", "withdraw_due")
    expect(first.locator(".countdown")).to_contain_text("撤回")
    page.goto("/publicity?status=void")
    expect(page.locator(f"tr[data-document='{due['id']}']")).to_contain_text("已作废（不再公示）")

    page.goto(f"/publicity/{due['id']}")
    expect(page.locator("#publicity-state")).to_have_text("已作废（不再公示）")
    expect(page.locator("#void")).to_contain_text(VOID_REASON)
    for form in ("#rendition-form", "#published-form", "#withdraw-form"):
        expect(page.locator(form)).to_have_count(0)

    page.goto(f"/publicity/{shown['id']}")
    expect(page.locator("#publicity-state")).to_have_text("已作废待撤回")
    expect(page.locator("#void")).to_contain_text("非法定期限")
    expect(page.locator("#rendition-form")).to_have_count(0)
    withdraw = page.locator("#withdraw-form")
    expect(withdraw.locator("#withdraw-first")).to_have_text("请先在公示平台撤下该决定，再在此登记撤回。")
    expect(withdraw.get_by_label("依据")).to_have_value(f"文书已作废：{VOID_REASON}")
    withdraw.get_by_role("button", name="撤回").click()
    expect(page.locator("#publicity-state")).to_have_text("已撤回")
    expect(page.locator("#withdrawn")).to_contain_text(f"文书已作废：{VOID_REASON}")


def test_the_export_link_downloads_the_batch_for_a_signed_in_officer(page: Page, server: Server,
                                                                     client: httpx.Client) -> None:
    """导出待公示批次 on the page: the API's ZIP with the session (no token), never the 未认证 page."""
    today = agency_today()
    made = client.post("/v1/documents", json={"template": "penalty-decision", "data": decision(today)}).json()
    assert client.post(f"/v1/documents/{made['id']}/publicity/rendition", json={}).status_code == 201
    page.goto("/publicity")
    link = page.locator("#export-link")
    expect(link).to_have_text("导出待公示批次")
    with page.expect_download() as info:
        link.click()
    archive = zipfile.ZipFile(info.value.path())
    names = archive.namelist()
    assert any(name.endswith("/摘要.csv") for name in names) and any(name.endswith("/说明.txt") for name in names)
    assert any(made["doc_number"] in name for name in names if "/pdf/" in name), names
    signed_out = httpx.get(f"{server.url}/publicity/export", follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/login?next=")
