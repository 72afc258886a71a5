"""The legal corrections of the catalogue review, one rule test each (docs/legal-notes.md).

Each test reads the current released version of the template concerned, renders it with
docxtpl (no LibreOffice needed: the words are what is checked) or validates payloads against
its schema as the service does (the shipped agency's calendar and choices), and fails if the
clause in question were printed or accepted as it was before the correction.
"""
from __future__ import annotations

import copy
import io
from datetime import date
from typing import Any

import pytest
from docx import Document

from docgen.catalogue import Catalogue, TemplateVersion
from docgen.config import PROJECT_DIR, calendar_of, load_agency
from docgen.rendering import RenderContext, render_docx
from docgen.workdays import Calendar

AGENCY = load_agency()
CATALOGUE = Catalogue(PROJECT_DIR, calendar_of(AGENCY), AGENCY.get("choices"))


def current(template_id: str) -> TemplateVersion:
    return CATALOGUE.get(template_id)


def paragraphs(release: TemplateVersion, data: dict[str, Any] | None = None, agency: dict[str, Any] | None = None,
               blank: bool = False) -> list[str]:
    """The rendered paragraphs of ``release`` (body and table cells, in order)."""
    payload = release.example if data is None and not blank else (data or {})
    number = "株市监〔2026〕1号" if release.numbered and not blank else ""
    docx = render_docx(release.path("template").read_bytes(),
                       RenderContext(data=payload, agency=agency or AGENCY, doc_number=number, blank=blank))
    document = Document(io.BytesIO(docx))
    found: list[str] = []

    def walk(container: Any) -> None:
        for block in container.iter_inner_content():
            if hasattr(block, "rows"):
                for row in block.rows:
                    for cell in row.cells:
                        walk(cell)
            else:
                found.append(block.text)
    walk(document)
    return found


def text(release: TemplateVersion, data: dict[str, Any] | None = None, **kwargs: Any) -> str:
    return "\n".join(paragraphs(release, data, **kwargs))


def issues(release: TemplateVersion, payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i.pointer, i.message) for i in CATALOGUE.validator(release).issues(payload)]


def pointers(release: TemplateVersion, payload: dict[str, Any]) -> set[str]:
    return {pointer for pointer, _ in issues(release, payload)}


def changed(release: TemplateVersion, **values: Any) -> dict[str, Any]:
    payload = copy.deepcopy(release.example)
    for key, value in values.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


def working_days_after(start: str, days: int) -> date:
    return CATALOGUE.calendar.add_working_days(date.fromisoformat(start), days)


# 1 当场行政处罚决定书: 复议前置 (行政复议法第23条) ---------------------------------------------------

def test_the_on_the_spot_decision_tells_the_party_to_apply_for_review_first() -> None:
    release = current("on-the-spot-penalty-decision")
    printed = text(release)
    assert "应当自收到本决定书之日起六十日内先向株洲市人民政府申请行政复议" in printed
    assert "对行政复议决定不服的，可以自收到行政复议决定书之日起十五日内依法向人民法院提起行政诉讼" in printed
    assert "也可以在六个月内" not in printed  # litigation is no longer offered as an alternative
    assert "行政处罚不停止执行，法律另有规定的除外" in printed
    entry = next(v for v in release_entries("on-the-spot-penalty-decision") if v["version"] == release.version)
    assert "行政复议法第23条" in entry["basis"]


def release_entries(template_id: str) -> list[dict[str, Any]]:
    import json
    manifest = json.loads((PROJECT_DIR / "templates" / "manifest.json").read_text(encoding="utf-8"))
    return next(e for e in manifest["templates"] if e["id"] == template_id)["versions"]


# 5 催告书 and 强制执行申请书: 十个工作日 (行政强制法第35、54、69条) ---------------------------------

def test_the_demand_gives_ten_working_days() -> None:
    release = current("performance-demand")
    printed = text(release)
    assert "自收到本催告书之日起十个工作日内履行下列义务" in printed
    assert "十日内" not in printed
    assert "十个工作日" in release.schema["description"] and "十日）" not in release.schema["description"]


def test_the_enforcement_application_waits_ten_working_days_after_the_demand() -> None:
    release = current("enforcement-application")
    printed = text(release)
    assert "催告书送达十个工作日后被申请人仍未履行义务" in printed
    assert "份报送人民法院，一份归档" in printed and "份送达" not in printed
    served = release.example["demand"]["served_on"]
    tenth = working_days_after(served, 10)
    assert "/issued_on" in pointers(release, changed(release, issued_on=tenth.isoformat()))
    assert "/issued_on" not in pointers(release, changed(release, issued_on=date.fromordinal(
        tenth.toordinal() + 1).isoformat()))


# 7 不予行政处罚决定书: 教育 (行政处罚法第33条第3款) ---------------------------------------------------

def test_education_is_required_unless_the_violation_did_not_happen() -> None:
    release = current("no-penalty-decision")
    assert release.example["education"] in text(release)
    assert ("/education", "教育（/education）为必填项") in issues(release, changed(release, education=None))
    none = changed(release, ground="违法事实不能成立", correction="立即改正", education="依法经营")
    assert {"/correction", "/education"} <= pointers(release, none)
    assert pointers(release, changed(release, ground="违法事实不能成立", correction=None, education=None)) == set()


# 10 行政处罚决定书: payment (第67条), 加处罚款 (第73条第3款), figures, 陈述申辩 period -------------------

def test_the_penalty_decision_names_both_ways_to_pay_and_stops_the_surcharge_during_review() -> None:
    printed = text(current("penalty-decision"))
    assert "到指定银行或者通过电子支付系统缴纳罚没款" in printed
    assert "申请行政复议或者提起行政诉讼的，加处罚款的数额在行政复议或者行政诉讼期间不予计算" in printed


def test_the_example_decision_confiscates_no_more_than_the_sales_revenue() -> None:
    example = current("penalty-decision").example
    confiscated = next(p for p in example["penalties"] if p["type"] == "没收违法所得")
    assert confiscated["amount"] == "280.00" and "销售收入280.00元" in example["facts"]
    assert "违法所得为已售出部分的销售收入280.00元" in example["facts"]


def test_no_decision_before_the_representation_period_has_run_out() -> None:
    release = current("penalty-decision")
    served = release.example["notice"]["served_on"]
    fifth = working_days_after(served, 5)
    assert "/issued_on" in pointers(release, changed(release, issued_on=fifth.isoformat()))
    assert pointers(release, changed(release, issued_on=date.fromordinal(fifth.toordinal() + 1).isoformat())) == set()


def test_a_second_review_body_is_offered_when_the_agency_has_one() -> None:
    release = current("penalty-decision")
    assert "向株洲市人民政府申请行政复议" in text(release)
    agency = {**AGENCY, "review_body_alternative": "株洲市天元区人民政府"}
    assert "向株洲市人民政府或者株洲市天元区人民政府申请行政复议" in text(release, agency=agency)


# 10 实施行政强制措施决定书 and its extension: dates within the law (行政强制法第25条) ---------------------

def test_the_measure_decision_prints_its_last_day_and_keeps_to_thirty_days() -> None:
    release = current("coercive-measure-decision")
    assert "期限：自2026年3月2日起至2026年3月31日止" in text(release)
    assert "/end_on" in pointers(release, changed(release, end_on="2026-04-01"))
    assert "/end_on" in pointers(release, changed(release, end_on="2026-03-01"))


def test_an_extension_is_at_most_thirty_days() -> None:
    release = current("coercive-measure-extension")
    original = release.example["original_until"]
    assert "由2026年4月16日届满延长至2026年5月6日止" in text(release)
    assert pointers(release, changed(release, until="2026-05-16")) == set()
    assert "/until" in pointers(release, changed(release, until="2026-05-17"))
    assert "/until" in pointers(release, changed(release, until=original))


# 10 清单: cited without a 文书编号 it does not have ------------------------------------------------------

@pytest.mark.parametrize("template_id", ["evidence-preservation-notice", "evidence-preservation-release",
                                         "seized-goods-transfer-notice"])
def test_the_inventory_is_cited_by_name_only(template_id: str) -> None:
    release = current(template_id)
    assert "［详见《场所/设施/财物清单》］" in text(release)
    assert "inventory_number" not in release.schema["properties"]
    assert not CATALOGUE.get("seizure-inventory").numbered


# 10 案件审核表: reviewers are not the handlers (程序规定第49条); 9: the agency fixes the review type -------

def test_a_handler_cannot_review_the_case() -> None:
    release = current("case-review")
    handler = release.example["handlers"][1]["name"]
    payload = changed(release, reviewers=[release.example["reviewers"][0], handler])
    assert [pointer for pointer, _ in issues(release, payload)] == ["/reviewers/1"]
    assert "程序规定第四十九条" in issues(release, payload)[0][1]


def test_the_shipped_agency_reviews_every_penalty_as_legal_review() -> None:
    release = current("case-review")
    assert release.example["review_type"] == "法制审核" and "法制审核表" in text(release)
    assert "/review_type" in pointers(release, changed(release, review_type="案件审核"))
    unlimited = Catalogue(PROJECT_DIR, calendar_of(AGENCY))
    assert unlimited.validator(release).issues(changed(release, review_type="案件审核")) == []


# 10 当事人: 统一社会信用代码 optional for an organisation without one, the licence named instead ------------

def test_an_organisation_without_a_credit_code_names_its_licence() -> None:
    release = current("penalty-decision")
    party = {key: value for key, value in release.example["party"].items() if key != "uscc"}
    assert pointers(release, changed(release, party=party)) == set()
    unnamed = {key: value for key, value in party.items() if key != "license_name"}
    assert "/party/license_name" in pointers(release, changed(release, party=unnamed))


# 2 The seal position on every letter ----------------------------------------------------------------

@pytest.mark.parametrize("release", [t.current for t in CATALOGUE.templates.values() if t.kind == "letter"
                                     and t.template_id != "major-decision-review"], ids=lambda r: r.key)
def test_every_letter_prints_the_seal_position_over_its_agency_name_and_date(release: TemplateVersion) -> None:
    for blank in (False, True):
        lines = [line.strip() for line in paragraphs(release, blank=blank)]
        at = lines.index("（印章）")
        assert lines[at + 1] == AGENCY["name"]
        assert lines[at + 2].endswith("日")


# 3 Hearing notice: seven working days from service (行政处罚法第64条、第85条) ------------------------------

def test_the_hearing_counts_from_service() -> None:
    release = current("hearing-notice")
    served = "2026-04-16"
    seventh = working_days_after(served, 7)
    late = changed(release, served_on=served, hearing={**release.example["hearing"],
                                                       "date": date.fromordinal(seventh.toordinal() - 1).isoformat()})
    assert "/hearing/date" in pointers(release, late)
    assert "送达" in dict(issues(release, late))["/hearing/date"]
    on_time = changed(release, served_on=served, hearing={**release.example["hearing"], "date": seventh.isoformat()})
    assert pointers(release, on_time) == set()
    assert "/served_on" in pointers(release, changed(release, served_on="2026-04-13"))  # before the notice


# 4 A year the calendar lacks: the deadline check is refused --------------------------------------------

def test_a_deadline_in_a_year_the_calendar_lacks_is_refused() -> None:
    release = current("hearing-notice")
    payload = changed(release, issued_on="2027-03-01", served_on="2027-03-01",
                      hearing={**release.example["hearing"], "date": "2027-03-31"})
    assert 2027 not in CATALOGUE.calendar.years
    [(pointer, message)] = [i for i in issues(release, payload) if i[0] == "/hearing/date"][:1]
    assert "无法核对" in message and "2027 年" in message
    known = Catalogue(PROJECT_DIR, Calendar.from_config({**AGENCY["calendar"],
                                                         "holidays": [*AGENCY["calendar"]["holidays"], "2027-01-01"]}))
    assert known.validator(release).issues(payload) == []


# 6 送达回证 -------------------------------------------------------------------------------------------

def test_the_service_receipt_records_agents_refusals_and_signatures() -> None:
    release = current("service-receipt")
    assert "转交送达" in release.schema["properties"]["method"]["enum"]
    blank = text(release, blank=True)
    for words in ("代 收 人", "与受送达人关系", "拒收事由", "送 达 人", "见 证 人"):
        assert words in blank
    assert blank.count("签名：") >= 3  # each 送达人 line and the 见证人
    left = changed(release, method="留置送达")
    assert ("/refusal", "拒收情况（/refusal）为必填项") in issues(release, left)
    left["refusal"] = {"reason": "拒绝签收", "date": "2026-04-28"}
    left["agent"] = {"name": "王小明", "relation": "单位收发室工作人员"}
    assert pointers(release, left) == set()
    printed = text(release, left)
    assert "拒绝签收　2026年4月28日" in printed and "与受送达人关系：单位收发室工作人员" in printed


def test_electronic_service_needs_a_signed_address_confirmation() -> None:
    release = current("service-receipt")
    electronic = changed(release, method="电子送达")
    assert "/address_confirmation" in pointers(release, electronic)
    electronic["address_confirmation"] = {"signed_on": "2026-03-02", "number": "株市监送确〔2026〕2号"}
    assert pointers(release, electronic) == set()
    assert "《送达地址确认书》（签署日期：2026年3月2日　编号：株市监送确〔2026〕2号）" in text(release, electronic)
    electronic["address_confirmation"]["signed_on"] = "2026-04-29"  # after the service
    assert "/address_confirmation/signed_on" in pointers(release, electronic)
    assert "/address_confirmation" in pointers(release, changed(
        release, address_confirmation={"signed_on": "2026-03-02"}))  # not for 直接送达


# 8 电子数据证据提取笔录 ----------------------------------------------------------------------------------

def test_the_electronic_evidence_record_offers_sha256_and_sm3_and_records_online_extraction() -> None:
    release = current("electronic-evidence-record")
    assert release.schema["properties"]["checksum_algorithm"]["enum"] == ["SHA-256", "SM3"]
    assert "/checksum_algorithm" in pointers(release, changed(release, checksum_algorithm="MD5"))
    assert "MD5" not in text(release, blank=True) and "SHA-1" not in text(release, blank=True)
    online = changed(release, methods=["网络在线提取"])
    assert "/online" in pointers(release, online)
    online["online"] = {"address": "https://shop.example.com/item/123", "environment": "取证专用计算机"}
    assert pointers(release, online) == set()
    assert "网络在线提取的网址（账号）：https://shop.example.com/item/123" in text(release, online)
    assert "电子数据取证暂行规定" in next(v for v in release_entries("electronic-evidence-record")
                                          if v["version"] == release.version)["basis"]
