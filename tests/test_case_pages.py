"""The case pages in a real browser (Chromium via Playwright) on the real test server: search, the case
page with its deadlines (missed in red, with their basis), a photo uploaded through the form and shown as
a thumbnail, and an instrument opened from the case with the case's data already filled in."""
from __future__ import annotations

import re
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from serving import Server
from test_case_media import META
from test_cases import VOLUME_ORDER, approved_closing, case_data, director, unique_party  # noqa: F401 - director: a fixture

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@contextmanager
def signed_in(browser: Browser, server: Server, who: str, target: str, landed: str) -> Iterator[Page]:
    """A fresh profile signed in as ``who``, landed on ``target`` (the URL matching ``landed``); fails
    on any script error or CSP violation."""
    context = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.goto(f"/login?next={quote(target, safe='')}")
    page.get_by_label("访问令牌").fill(server.tokens[who])
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(re.compile(landed))
    yield page
    context.close()
    assert not errors, errors


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    """A fresh profile signed in as the case system."""
    with signed_in(browser, server, "case_system", "/cases", r"/cases$") as page:
        yield page


@pytest.fixture(scope="module")
def late_case(client: httpx.Client) -> dict:
    """A case filed long after the 15 (+15) working days of 第十八条: its filing deadline is missed."""
    response = client.post("/v1/cases", json=case_data(party=unique_party("株洲市页面测试商行"),
                                                       discovered_on="2026-01-05", filed_on="2026-03-02",
                                                       procedure="简易"))
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def photo(client: httpx.Client, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("page-photo")
    (directory / "form.pdf").write_bytes(client.get("/v1/templates/penalty-notice/versions/2/blank").content)
    subprocess.run(["pdftoppm", "-jpeg", "-r", "30", "-f", "1", "-l", "1", "-singlefile",
                    str(directory / "form.pdf"), str(directory / "现场照片")], check=True)
    return directory / "现场照片.jpg"


def test_search_finds_the_case_and_its_page_shows_the_missed_deadline_in_red(page: Page, late_case: dict) -> None:
    page.get_by_label("当事人或统一社会信用代码").fill("页面测试")
    page.get_by_label("有逾期期限").check()
    page.get_by_role("button", name="查找").click()
    expect(page.locator("#case-count")).to_contain_text("共 1 件")
    row = page.locator("#case-table tbody tr")
    expect(row).to_contain_text(late_case["number"])
    expect(row.locator(".tag-red")).to_contain_text("1 项已逾期")
    row.get_by_role("link", name=late_case["number"]).click()
    page.wait_for_url(re.compile(f"/cases/{late_case['id']}$"))
    filing = page.locator('[data-deadline="filing"]')
    expect(filing.locator(".tag-red")).to_have_text("已逾期")
    expect(filing.locator(".basis")).to_contain_text("第十八条")
    color = filing.locator(".tag-red").evaluate("e => getComputedStyle(e).color")
    assert color != "rgb(0, 0, 0)"
    expect(page.locator("#timeline li").first).to_contain_text(late_case["number"])


def test_a_photo_uploaded_on_the_case_page_shows_as_a_thumbnail(page: Page, late_case: dict, photo: Path) -> None:
    page.goto(f"/cases/{late_case['id']}")
    form = page.locator("#media-form")
    form.get_by_label("记录内容").fill("货架上超过保质期的饼干")
    form.get_by_label("记录时间").fill("2026-03-02 10:20")
    form.get_by_label("地点").fill("当事人仓库")
    form.get_by_label("执法人员").fill("刘洋、陈静")
    form.get_by_label("记录人员").fill("陈静")
    form.get_by_label("拟证明目的").fill("证明经营超过保质期的食品")
    form.get_by_label("设备").fill("执法记录仪")
    form.get_by_label("文件（照片、录音或录像）").set_input_files(str(photo))
    form.get_by_role("button", name="上传").click()
    page.wait_for_url(re.compile(r"\?done=media$"))
    thumbnail = page.locator("#media-list img.thumb").last
    expect(thumbnail).to_have_attribute("alt", "货架上超过保质期的饼干")
    thumbnail.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    expect(page.locator("#timeline li[data-kind=media_added]")).to_have_count(1)
    # no 音像记录说明 prints it yet: the record says so, and the closing panel reminds (never refuses)
    expect(page.locator("#media-list li").last).to_contain_text("未出具音像记录说明")
    expect(page.locator("#media-warning")).to_contain_text("尚未出具音像记录说明")


def test_metadata_missing_on_the_page_is_shown_beside_its_field(page: Page, late_case: dict, photo: Path) -> None:
    page.goto(f"/cases/{late_case['id']}")
    count = page.locator("#media-list li").count()
    form = page.locator("#media-form")
    form.get_by_label("记录内容").fill("只填了内容")
    form.get_by_label("文件（照片、录音或录像）").set_input_files(str(photo))
    form.get_by_role("button", name="上传").click()
    expect(page.locator("#media-form .field-error").first).to_be_visible()
    # the error sits right under its own field, worded without the API's JSON pointer
    place, error = page.locator("#media-place"), page.locator("#media-place-error")
    expect(error).to_have_text("地点为必填项")
    expect(place).to_have_attribute("aria-invalid", "true")
    field_box, error_box = place.bounding_box(), error.bounding_box()
    assert field_box is not None and error_box is not None
    assert field_box["y"] + field_box["height"] <= error_box["y"] < field_box["y"] + field_box["height"] + 40
    assert abs(error_box["x"] - field_box["x"]) < 4
    assert "（/" not in page.locator("#media-form").inner_text()
    expect(page.locator("#media-file-again")).to_contain_text("请重新选择文件")
    expect(page.locator("#media-form").get_by_label("记录内容")).to_have_value("只填了内容")
    assert page.locator("#media-list li").count() == count


def test_an_instrument_opened_from_the_case_is_prefilled(page: Page, late_case: dict) -> None:
    page.goto(f"/cases/{late_case['id']}")
    page.locator("#offered").get_by_role("link", name="立案/不予立案审批表").click()
    page.wait_for_url(re.compile(rf"/forms/case-filing-approval\?case={late_case['id']}$"))
    form = page.locator("form[data-ready=true]")
    expect(form).to_be_visible()
    expect(page.get_by_role("status").or_(page.locator(".notice")).first).to_contain_text(late_case["number"])
    party = page.locator('[data-pointer="/party"]')
    expect(party.get_by_label("统一社会信用代码")).to_have_value(late_case["party"]["uscc"])
    expect(page.locator('[data-pointer="/cause"]').locator("input, textarea").first).to_have_value(
        late_case["cause"])
    expect(page.locator('[data-pointer="/handlers/1"]').get_by_label("执法证号")).to_have_value(
        late_case["officers"][1]["certificate_number"])


def test_a_closed_case_offers_the_transfer_list_alone(browser: Browser, server: Server, client: httpx.Client,
                                                      director: httpx.Client, catalogue, photo: Path) -> None:
    """After 结案 the originals go to the archive with the bound file: the page offers the 移交清单 and its form
    opens from the case; any other instrument opened from the closed case is refused, naming it."""
    case = client.post("/v1/cases", json=case_data(party=unique_party("株洲市结案移交页面商行"))).json()
    stored = client.post(f"/v1/cases/{case['id']}/media", data=META,
                         files={"file": ("现场照片.jpg", photo.read_bytes(), "image/jpeg")})
    assert stored.status_code == 201, stored.text
    approved_closing(server, client, director, catalogue, case)
    assert client.post(f"/v1/cases/{case['id']}/close").status_code == 200
    with signed_in(browser, server, "case_system", f"/cases/{case['id']}", rf"/cases/{case['id']}$") as page:
        offered = page.locator("#offered")
        expect(offered.locator("a")).to_have_text(["音像记录原件移交清单"])
        expect(page.get_by_role("heading", name="案件已结案，不能再制作其他文书；音像记录原件须随案卷移交档案管理部门，请制作："
                                ).first).to_be_visible()
        # the reminders stay after closing: no 说明 prints the record, no 移交清单 lists it
        expect(page.locator("#media-warning")).to_contain_text("尚未出具音像记录说明")
        expect(page.locator("#transfer-warning")).to_contain_text("有 1 项音像记录尚未制作移交清单")
        # the volume form: each label above its input
        volume = page.locator("#volume-form")
        label, field = volume.locator("label[for=volume-result]").bounding_box(), volume.get_by_label("处理结果").bounding_box()
        assert label is not None and field is not None and label["y"] + label["height"] <= field["y"] + 1
        assert page.locator("#volume-done").count() == 0
        offered.get_by_role("link", name="音像记录原件移交清单").click()
        page.wait_for_url(re.compile(rf"/forms/av-originals-transfer\?case={case['id']}$"))
        expect(page.locator("form[data-ready=true]")).to_be_visible()
        expect(page.get_by_role("status").or_(page.locator(".notice")).first).to_contain_text(case["number"])
        page.goto(f"/forms/penalty-notice?case={case['id']}")
        expect(page.locator("main")).to_contain_text("已结案")
        expect(page.get_by_role("heading", name="无法完成", level=1)).to_be_visible()
        expect(page.locator("#back-to-case")).to_have_attribute("href", f"/cases/{case['id']}")
        page.goto(f"/forms/penalty-notice?case={'0' * 32}")  # no such case: nothing to go back to
        expect(page.get_by_role("heading", name="未找到", level=1)).to_be_visible()
        expect(page.locator("#back-to-case")).to_have_count(0)
        # bound, with nothing new since: the page says so instead of offering a build that would be refused
        built = client.post(f"/v1/cases/{case['id']}/volume", json=VOLUME_ORDER)
        assert built.status_code == 201, built.text
        page.goto(f"/cases/{case['id']}")
        expect(page.locator("#volume-done")).to_contain_text("已装订第 1 卷")
        expect(page.locator("#volume-form")).to_have_count(0)


def test_the_note_opened_from_the_case_lists_its_records_and_is_issued_into_it(page: Page, client: httpx.Client,
                                                                              photo: Path) -> None:
    """音像记录说明 opened from the case: its 音像记录 are filled in from the stored rows (the officer cannot be
    asked for a SHA-256), and the form issues into the case with the photo's hash pinned."""
    case = client.post("/v1/cases", json=case_data(party=unique_party("株洲市音像说明页面商行"))).json()
    stored = client.post(f"/v1/cases/{case['id']}/media", data=META,
                         files={"file": ("现场照片.jpg", photo.read_bytes(), "image/jpeg")})
    assert stored.status_code == 201, stored.text
    page.goto(f"/cases/{case['id']}")
    page.locator("#offered").get_by_role("link", name="音像记录说明").click()
    page.wait_for_url(re.compile(rf"/forms/av-record-note\?case={case['id']}$"))
    expect(page.locator("form[data-ready=true]")).to_be_visible()
    item = page.locator('[data-pointer="/media/0"]')
    expect(item.locator('[data-pointer="/media/0/content"]').locator("input, textarea").first).to_have_value(
        META["content"])
    digest = item.locator('[data-pointer="/media/0/sha256"]').locator("input, textarea").first
    expect(digest).to_have_value(stored.json()["sha256"])
    expect(digest).not_to_be_editable()  # taken from the stored record: shown, never typed
    kind = item.locator('[data-pointer="/media/0/kind"]').locator("select")
    expect(kind).to_be_disabled()
    expect(kind.locator("option:checked")).to_have_text("照片")
    page.get_by_label("制作日期").fill("2026-03-03")
    page.get_by_role("button", name=re.compile("^预览并")).click()
    expect(page.locator("#preview")).to_be_visible(timeout=120_000)
    page.get_by_role("button", name=re.compile("^确认")).click()
    expect(page.locator("#issued")).to_be_visible(timeout=120_000)
    documents = client.get(f"/v1/cases/{case['id']}/documents").json()
    (note,) = [d for d in documents if d["template"] == "av-record-note"]
    data = client.get(f"/v1/documents/{note['id']}").json()["data"]
    assert [m["sha256"] for m in data["media"]] == [stored.json()["sha256"]]
    page.goto(f"/cases/{case['id']}")  # the record now says it is printed, linking the 说明
    issued = page.locator("#media-list li").first.locator("a.media-note")
    expect(issued).to_have_text("已出具音像记录说明")
    expect(issued).to_have_attribute("href", f"/documents/{note['id']}")
    expect(page.locator("#media-warning")).to_have_count(0)


def test_no_sideways_scrolling_on_a_phone(page: Page, late_case: dict, photo: Path) -> None:
    """At 390 px the case list is one card per case and the case page fits: nothing wider than the screen."""
    page.set_viewport_size({"width": 390, "height": 844})
    for target in ("/cases", f"/cases/{late_case['id']}"):
        page.goto(target)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{target} is {width} px wide at 390 px"
    page.goto("/cases")
    cell = page.locator("#case-table tbody tr").first.locator("td").first
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"案件编号"'
