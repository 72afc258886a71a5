"""A public rendition (公示文本) on /verify in a real browser (Chromium via Playwright) on the real server
(LibreOffice: the comparison with the original reads the pages' text): a decision's rendition made, both
files downloaded from the officers' pages, then the rendition verified alone, with its original, and with
another decision's original, each report read in Chinese. Screenshots go to ``tests/artifacts/``."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from serving import Server, agency_today
from test_publicity_api import decision
from test_web import browser, page, screenshot, sign_in  # noqa: F401  (fixtures)
from test_web_officers import issue, tag

DECISION = "penalty-decision"


def published_decision(server: Server) -> tuple[dict, dict]:
    """A decision with a party no other test uses, and its first public rendition (made through the API)."""
    data = decision(agency_today())
    data["party"] = {**data["party"], "name": f"株洲市荷塘区{tag()}食品商行有限公司"}
    document = issue(server, data, DECISION)
    with server.client() as http:
        made = http.post(f"/v1/documents/{document['id']}/publicity/rendition", json={})
    assert made.status_code == 201, made.text
    return document, made.json()["rendition"]


def download(page: Page, link_name: str, to: Path) -> Path:
    with page.expect_download() as got:
        page.get_by_role("link", name=link_name).click()
    to.write_bytes(Path(got.value.path()).read_bytes())
    return to


def verify(page: Page, file: Path, original: Path | None = None) -> None:
    page.goto("/verify")
    page.get_by_label("环节 PDF 文件").set_input_files(str(file))
    if original is not None:
        page.get_by_label("原件（核验公示文本时可选）").set_input_files(str(original))
    page.get_by_role("button", name="开始验证").click()
    expect(page.locator("#report")).to_be_visible()


def test_a_public_rendition_verifies_on_the_page_alone_with_its_original_and_not_with_another(
        page: Page, server: Server, tmp_path: Path) -> None:
    document, rendition = published_decision(server)
    other = issue(server, {**decision(agency_today()), "party": {**decision()["party"],
                                                               "name": f"株洲市芦淞区{tag()}副食店有限公司"}}, DECISION)
    number = document["doc_number"]
    hidden = {r["pointer"] for r in rendition["redactions"]}
    assert {"/party/phone", "/party/id_number"} <= hidden, rendition  # the rules hide them (公示规定第五条)

    # Both files as an officer downloads them from the pages.
    sign_in(page, server, "case_system", f"/publicity/{document['id']}")
    public = download(page, "下载公示文本 PDF", tmp_path / "public.pdf")
    page.goto(f"/documents/{document['id']}")
    original = download(page, "下载最新 PDF", tmp_path / "original.pdf")
    page.goto(f"/documents/{other['id']}")
    wrong = download(page, "下载最新 PDF", tmp_path / "wrong.pdf")
    page.get_by_role("button", name="退出登录").click()  # verifying needs no sign-in

    # Alone: the agency's signature and the signed manifest; no text compared.
    verify(page, public)
    report = page.locator("#report")
    expect(report).to_have_attribute("data-kind", "public")
    expect(report.locator(".verdict")).to_contain_text("验证通过")
    verdict = report.locator("#public-verdict")
    expect(verdict).to_contain_text("株洲市市场监督管理局签名")
    expect(verdict).to_contain_text(f"源自文书编号 {number} 的决定书")
    expect(verdict).to_contain_text(f"隐去 {len(rendition['redactions'])} 处内容")
    expect(verdict).to_contain_text("未提供原件，没有比对文字")
    expect(report.locator("#public-doc-number")).to_have_text(number)
    fields = report.locator("#public-hidden")
    expect(fields).to_contain_text(f"清单列明 {len(rendition['redactions'])} 处")
    phone = fields.locator('li[data-pointer="/party/phone"]')
    expect(phone.locator("strong")).to_have_text("当事人 › 联系电话")  # the field's title, as the document page names it
    expect(phone).to_contain_text("/party/phone")
    expect(phone).to_contain_text("139＊＊＊＊1234")
    expect(phone).not_to_contain_text(decision()["party"]["phone"])  # the value itself is nowhere on the page
    expect(fields.locator('li[data-pointer="/party/id_number"] strong')).to_have_text(
        "当事人 › 身份证（其他有效证件）号码")
    expect(report.locator("#public-original")).to_have_text("未提供原件")
    expect(report.locator(".plain-report pre")).to_contain_text("结论：验证通过")
    assert decision()["party"]["id_number"] not in page.content()
    screenshot(page, "verify-public-alone")

    # With its original: the original is the one named, and every difference is a listed redaction.
    verify(page, public, original)
    expect(report.locator(".verdict")).to_contain_text("验证通过")
    expect(verdict).to_contain_text("已与原件 original.pdf 比对：原件正是清单所指的那一份，其签批链条有效")
    expect(verdict).to_contain_text(re.compile(r"两者文字的 \d+ 处差异均为清单列明的隐去内容，此外没有任何不同"))
    expect(report.locator("#public-original")).to_contain_text(re.compile(r"原件 original.pdf：\d+ 处差异，均为清单列明的隐去内容"))
    expect(report.locator("#public-problems")).to_have_count(0)
    screenshot(page, "verify-public-original")

    # With another decision's original: refused, saying which original was expected.
    verify(page, public, wrong)
    expect(report.locator(".verdict")).to_contain_text("验证未通过")
    expect(verdict).to_contain_text("公示文本本身有效：由株洲市市场监督管理局签名")  # what still holds
    expect(verdict).to_contain_text("但与原件 wrong.pdf 的核验未通过：发现 1 个问题")
    problem = report.locator('#public-problems li[data-code="public-original-mismatch"]')
    expect(problem).to_contain_text("所给原件不是公示文本清单所指的那份原件")
    expect(problem).to_contain_text(f"上传的原件 wrong.pdf 不是本公示文本所依据的原件：清单所指的是文书编号 {number}")
    expect(report.locator("#public-doc-number")).to_have_text(number)
    screenshot(page, "verify-public-wrong-original")

    # A rendition changed after signing (one digit of its creation date): nothing it says is taken as shown.
    data = public.read_bytes()
    at = re.search(rb"/CreationDate \(D(?::|\\072)(\d)", data).start(1)  # the year's first digit (":" may be escaped)
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(data[:at] + (b"3" if data[at:at + 1] != b"3" else b"4") + data[at + 1:])
    verify(page, changed)
    expect(report.locator(".verdict")).to_contain_text("验证未通过")
    expect(verdict).to_contain_text("下列文书信息为公示文本清单所载，未能证实")
    expect(report.locator("#public-doc-number")).to_have_text(f"{number}（清单记载，未经证实）")
    expect(report.locator('#public-problems li[data-code="public-content-mismatch"]')).to_contain_text(
        "公示文本的内容与清单记载的哈希、长度或机关不符")

    # An original with an ordinary document, and a rendition among other files: named on their fields.
    verify_form = page.locator("#verify-form")
    page.goto("/verify")
    page.get_by_label("环节 PDF 文件").set_input_files(str(original))
    page.get_by_label("原件（核验公示文本时可选）").set_input_files(str(wrong))
    page.get_by_role("button", name="开始验证").click()
    expect(verify_form.locator("#original-error")).to_contain_text("原件只用于核验公示文本")
    expect(page.locator("#report")).to_have_count(0)
    page.get_by_label("环节 PDF 文件").set_input_files([str(public), str(original)])
    page.get_by_role("button", name="开始验证").click()
    expect(verify_form.locator("#files-error")).to_contain_text("公示文本（public.pdf）请单独核验")
