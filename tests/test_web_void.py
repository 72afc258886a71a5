"""Voiding (作废) in a real browser (Chromium via Playwright) against the real server: the 局长 voids a
decision on its page after a confirmation, the number register shows the number void with its reason,
and the latest file, downloaded from the page, verifies on /verify as void.
Screenshots go to ``tests/artifacts/``."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from docgen.catalogue import Catalogue
from pdftools import text as pdf_text
from serving import PEOPLE, Server
from test_web import browser, page, screenshot, sign_in  # noqa: F401  (fixtures)
from test_web_officers import issue, unique_example

DECISION = "penalty-decision"
REASON = "编号误用：同一决定重复签发，以另号为准"


def stages_of(server: Server, document_id: str) -> int:
    return server.rows("SELECT COUNT(*) FROM stages WHERE document_id = ?", document_id)[0][0]


def test_a_void_on_the_page_shows_in_the_register_and_verifies_as_void(page: Page, server: Server,
                                                                      catalogue: Catalogue, tmp_path: Path) -> None:
    document = issue(server, unique_example(catalogue, DECISION), DECISION)
    number = document["doc_number"]

    # Who may not void does not see the form.
    sign_in(page, server, "case_system", f"/documents/{document['id']}")
    expect(page.locator("h1")).to_have_text("行政处罚决定书")
    expect(page.locator("#void")).to_have_count(0)
    page.get_by_role("button", name="退出登录").click()

    sign_in(page, server, "director", f"/documents/{document['id']}")
    form = page.locator("#void")
    expect(form).to_contain_text("作废不可撤销")
    expect(form.get_by_label(re.compile("确认作废"))).to_be_visible()
    expect(form.get_by_label(re.compile("确认作废"))).not_to_be_checked()
    expect(form.locator("label[for=void-confirm]")).to_contain_text(number)

    # Neither a reason nor the confirmation: refused, said beside each field, nothing stored.
    form.get_by_role("button", name="作废本文书").click()
    expect(page.locator("#void-error")).to_contain_text("作废未成功")
    expect(form.locator("#void-reason-error")).to_contain_text("作废原因")
    expect(form.locator("#void-confirm-error")).to_contain_text("请勾选确认")
    assert stages_of(server, document["id"]) == 1
    form.get_by_label("作废原因").fill(REASON)
    form.get_by_role("button", name="作废本文书").click()
    expect(form.locator("#void-confirm-error")).to_be_visible()
    expect(form.get_by_label("作废原因")).to_have_value(REASON)  # what was typed is kept
    assert stages_of(server, document["id"]) == 1

    form.get_by_label(re.compile("确认作废")).check()
    form.get_by_role("button", name="作废本文书").click()
    page.wait_for_url(re.compile(r"voided=1"))
    banner = page.locator("#void-banner")
    expect(banner).to_contain_text("本文书已作废")
    expect(banner).to_contain_text(f"文书编号 {number} 不再使用")
    expect(banner.locator(".void-reason")).to_have_text(REASON)
    expect(banner).to_contain_text(PEOPLE["director"][0])
    expect(page.locator(".facts")).to_contain_text("已作废")
    expect(page.locator("#void")).to_have_count(0)
    last = page.locator("#stages tbody tr").last
    expect(last).to_contain_text("作废")
    expect(last).to_contain_text(REASON)
    screenshot(page, "void-document")

    # The downloads stay: the issued file as it was, and the latest, which is the stamped void stage.
    with page.expect_download() as first:
        page.get_by_label("下载第 0 环节（签发）PDF").click()
    assert hashlib.sha256(Path(first.value.path()).read_bytes()).hexdigest() == document["sha256"]
    with page.expect_download() as latest:
        page.get_by_role("link", name="下载最新 PDF").click()
    latest_pdf = tmp_path / "latest.pdf"
    latest_pdf.write_bytes(Path(latest.value.path()).read_bytes())
    if server.converter == "libreoffice":
        assert "作废" in pdf_text(latest_pdf.read_bytes())

    # The register, reached from the document page: the number is void, with its reason.
    page.get_by_role("link", name="查看编号登记").click()
    page.wait_for_url(re.compile(r"/numbers\?"))
    expect(page.locator("h1")).to_have_text("文书编号登记")
    row = page.locator(f'#register tr[data-number="{number}"]')
    expect(row).to_contain_text("已作废")
    expect(row.locator(".void-reason")).to_have_text(REASON)
    expect(row).to_contain_text(PEOPLE["director"][0])
    expect(row.get_by_role("link", name="行政处罚决定书")).to_have_attribute("href", f"/documents/{document['id']}")
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="编号登记")).to_have_attribute(
        "aria-current", "page")
    screenshot(page, "void-register")

    # The downloaded latest file alone verifies, as void.
    page.goto("/verify")
    page.get_by_label("环节 PDF 文件").set_input_files(str(latest_pdf))
    page.get_by_role("button", name="开始验证").click()
    report = page.locator("#report")
    expect(report.locator(".verdict")).to_contain_text("验证通过")
    expect(report.locator(".verdict")).to_contain_text("文书已作废")
    void = report.locator("#verify-void")
    expect(void).to_contain_text("已作废")
    expect(void.locator(".void-reason")).to_have_text(REASON)
    expect(report.locator(".verify-stage").last).to_contain_text("第 1 环节　作废")
    expect(report.locator(".plain-report pre")).to_contain_text(f"效力：已作废：{REASON}")
    screenshot(page, "void-verify")


def test_the_register_page_names_a_wrong_prefix_or_year(page: Page, server: Server) -> None:
    sign_in(page, server, "dept_head", "/numbers")
    expect(page.get_by_label("文书编号前缀")).to_be_visible()
    page.goto("/numbers?prefix=株市监没有&year=2026")
    expect(page.locator("#prefix-error")).to_contain_text("不是本机关配置的前缀")
    page.goto("/numbers?prefix=株市监处罚&year=二〇二六")
    expect(page.locator("#year-error")).to_contain_text("年份")
    page.get_by_label("年份").fill("2001")
    page.get_by_role("button", name="查看登记").click()
    expect(page.locator(".register")).to_contain_text("2001 年尚未使用该前缀的编号")
