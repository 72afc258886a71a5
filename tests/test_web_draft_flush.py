"""An e-form edit made just before the page goes away is not lost (Chromium via Playwright, real server).

The e-form saves its draft 300 ms after the last edit. An edit followed at once by a reload, a link
to another page or a closed tab used to be lost with the pending timer; the page now sends the pending
draft when it is hidden (``pagehide``, ``visibilitychange``) with ``fetch(…, {keepalive: true})``.
Each step below leaves the page at once; to make that certain on a slow machine, the page's 300 ms
timer is first stretched to a minute (``hold_the_debounce``), so only the flush can have saved the edit.
Without the flush the first reload below shows the draft without the edit (checked against the old
eform.js)."""
from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from serving import Server
from test_web import REVIEW, browser, page, sign_in  # noqa: F401  (fixtures)



def hold_the_debounce(page: Page) -> None:
    """The e-form's 300 ms save timer (and only it) becomes a minute on this page."""
    page.evaluate("""() => { const later = window.setTimeout;
        window.setTimeout = (f, ms, ...rest) => later(f, ms === 300 ? 60000 : ms, ...rest); }""")


def in_tab(page: Page) -> str:
    return page.evaluate("JSON.stringify(Object.entries(sessionStorage))")


def stored(server: Server, draft_id: str) -> str | None:
    """The draft's 事由 as the server holds it, once the flushed save has landed (or None after 5 s)."""
    deadline = time.monotonic() + 5
    with server.client("case_system") as http:
        while time.monotonic() < deadline:
            subject = http.get(f"/v1/drafts/{draft_id}").json()["data"].get("subject")
            if subject is not None and subject.endswith("（改）"):
                return subject
            time.sleep(0.1)
    return None


def test_an_edit_made_just_before_leaving_the_page_is_saved(page: Page, server: Server) -> None:
    sign_in(page, server, "case_system", f"/forms/{REVIEW}")
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    page.get_by_label("事由").fill("拟对某公司实施扣押")
    expect(page.locator("#draft-state")).to_contain_text("草稿已保存到服务器", timeout=10_000)
    page.wait_for_url(re.compile(r"draft=dr[0-9a-f]+"))
    draft_id = re.search(r"draft=(dr[0-9a-f]+)", page.url).group(1)

    # An edit, then a reload at once: the reloaded form shows it, and the server has it.
    hold_the_debounce(page)
    page.get_by_label("事由").fill("拟对某公司实施扣押（改）")
    page.reload()
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    expect(page.get_by_label("事由")).to_have_value("拟对某公司实施扣押（改）")
    assert stored(server, draft_id) == "拟对某公司实施扣押（改）"
    assert "拟对某公司" not in in_tab(page)  # the handed-over copy was taken

    # An edit, then a link to another page at once; back on the form later, the edit is there.
    hold_the_debounce(page)
    page.get_by_label("事由").fill("拟对某公司实施查封（改）")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="文书目录").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "拟对某公司" not in in_tab(page)  # another page drops what was handed over
    assert stored(server, draft_id) == "拟对某公司实施查封（改）"  # by the keepalive PUT
    page.goto(f"/forms/{REVIEW}?draft={draft_id}")
    expect(page.get_by_label("事由")).to_have_value("拟对某公司实施查封（改）")

    # The very first edit of a new form, then a reload at once: restored, and moved to the server.
    page.goto(f"/forms/{REVIEW}")
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    hold_the_debounce(page)
    page.get_by_label("事由").fill("拟对另一公司实施扣押（改）")
    page.reload()
    expect(page.get_by_label("事由")).to_have_value("拟对另一公司实施扣押（改）")
    page.wait_for_url(re.compile(r"draft=dr[0-9a-f]+"))
    fresh = re.search(r"draft=(dr[0-9a-f]+)", page.url).group(1)
    assert fresh != draft_id and stored(server, fresh) == "拟对另一公司实施扣押（改）"
    assert "拟对另一公司" not in in_tab(page)

    # The tab hidden (another tab, the window minimised), the page still alive: the edit is sent then.
    hold_the_debounce(page)
    page.get_by_label("事由").fill("拟对另一公司实施查封（改）")
    page.evaluate("""() => { Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
        document.dispatchEvent(new Event("visibilitychange")); }""")
    assert stored(server, fresh) == "拟对另一公司实施查封（改）"
    assert "拟对另一公司" not in in_tab(page)  # the page lives on: nothing handed over

    # A form the officer did not touch leaves nothing behind.
    page.goto(f"/forms/{REVIEW}")
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    page.reload()
    expect(page.get_by_label("事由")).to_have_value("")
    assert in_tab(page) == "[]"


def test_an_edit_kept_in_the_tab_after_the_sign_in_lapsed_never_reaches_another_officer(page: Page,
                                                                                         server: Server) -> None:
    """Officer A's sign-in lapses with an edit unsaved: the tab keeps it (A signs in again and gets it), but
    another officer B signing in in the same tab opens the same form blank; the copy was A's."""
    import json

    from serving import docgen

    other = json.loads(docgen(server.data_dir, "principals", "add", "--name", "另一承办人", "--role",
                              "case_system", "--json", env=server.env))["token"]
    sign_in(page, server, "case_system", f"/forms/{REVIEW}")
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    page.get_by_label("事由").fill("甲承办人的草稿")
    expect(page.locator("#draft-state")).to_contain_text("草稿已保存到服务器", timeout=10_000)
    hold_the_debounce(page)
    page.context.clear_cookies()  # the sign-in lapses
    page.get_by_label("事由").fill("甲承办人的草稿（改）")
    page.reload()  # signed out now: the edit is kept in this tab, as before sign-in
    expect(page.get_by_label("事由")).to_have_value("甲承办人的草稿（改）")
    assert "甲承办人" in in_tab(page)

    page.goto(f"/login?next=/forms/{REVIEW}")  # officer B, in the same tab
    page.get_by_label("访问令牌").fill(other)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(re.compile(re.escape(f"/forms/{REVIEW}") + r"$"))
    expect(page.locator("#eform[data-ready]")).to_be_attached()
    expect(page.get_by_label("事由")).to_have_value("")
    assert "甲承办人" not in in_tab(page)
