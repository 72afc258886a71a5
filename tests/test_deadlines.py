"""Case deadlines counted as the texts say (``cases/deadlines.compute``, no server): the hearing notice's
seven working days from its service, a seizure's own end date, 程序规定第八十条's holiday rule, and the
法制审核 extension without an invented cap. ``tests/test_cases.py`` checks the same over HTTP."""
from __future__ import annotations

from datetime import date
from typing import Any

from docgen.cases.case import Case
from docgen.cases.deadlines import Issued, compute
from docgen.storage import StoredDocument
from docgen.workdays import DEFAULT, Calendar

#: 国庆 2026 as the agency calendar would list it (the days off), so that a period ending on 1 October moves.
NATIONAL_DAY = Calendar(holidays=frozenset(date(2026, 10, day) for day in range(1, 8)),
                        workdays=frozenset({date(2026, 9, 20), date(2026, 10, 10)}))


def case(filed_on: str = "2026-03-04", procedure: str = "普通") -> Case:
    data = {"discovered_on": filed_on, "filed_on": filed_on, "procedure": procedure, "party": {"name": "某商行"},
            "cause": "涉嫌销售过期食品", "source": "投诉举报", "officers": []}
    return Case("c1", "株市监案〔2026〕1号", "open", data, "2026-03-04T00:00:00+00:00", "p1",
                "2026-03-04T00:00:00+00:00")


def issued(template: str, data: dict[str, Any], number: str | None = None, n: int = 1) -> Issued:
    document = StoredDocument(f"d{template}{n}", template, "2", {}, template, number, "0" * 64,
                              "2026-03-04T00:00:00+00:00", "p1")
    return Issued(document, data)


def by_rule(found: list, rule: str) -> Any:
    (deadline,) = [d for d in found if d.id.split(":")[0] == rule]
    return deadline


def test_the_hearing_notice_counts_seven_working_days_from_its_service() -> None:
    # Notice dated Wed 1 April, served Fri 10 April, hearing Tue 14 April: seven working days from the
    # 通知日期 would be met (10 April), from the service they end Tue 21 April: too soon.
    notice = issued("hearing-notice", {"issued_on": "2026-04-01", "served_on": "2026-04-10",
                                       "hearing": {"date": "2026-04-14"}})
    deadline = by_rule(compute(case(), [notice], DEFAULT, date(2026, 4, 2)), "hearing-notice")
    assert (deadline.status, deadline.start, deadline.due) == ("missed", "2026-04-10", "2026-04-21")
    on_time = issued("hearing-notice", {"issued_on": "2026-04-01", "served_on": "2026-04-10",
                                        "hearing": {"date": "2026-04-21"}})
    assert by_rule(compute(case(), [on_time], DEFAULT, date(2026, 4, 2)), "hearing-notice").status == "met"


def test_a_hearing_notice_without_a_service_date_is_unknown_unless_too_soon_even_from_its_date() -> None:
    notice = issued("hearing-notice", {"issued_on": "2026-04-01", "hearing": {"date": "2026-04-14"}})
    deadline = by_rule(compute(case(), [notice], DEFAULT, date(2026, 4, 2)), "hearing-notice")
    assert deadline.status == "unknown" and "没有送达日期" in deadline.reason
    too_soon = issued("hearing-notice", {"issued_on": "2026-04-01", "hearing": {"date": "2026-04-03"}})
    assert by_rule(compute(case(), [too_soon], DEFAULT, date(2026, 4, 2)), "hearing-notice").status == "missed"
    # a 送达回证 naming the notice gives the date
    numbered = issued("hearing-notice", {"issued_on": "2026-04-01", "hearing": {"date": "2026-04-14"}}, "听〔2026〕1号")
    receipt = issued("service-receipt", {"served_on": "2026-04-02",
                                         "documents": [{"name": "听证通知书", "number": "听〔2026〕1号"}]})
    deadline = by_rule(compute(case(), [numbered, receipt], DEFAULT, date(2026, 4, 2)), "hearing-notice")
    assert (deadline.status, deadline.start, deadline.due) == ("met", "2026-04-02", "2026-04-13")


def test_a_seizure_ends_on_the_decision_s_own_date_and_the_extension_s() -> None:
    measure = issued("coercive-measure-decision", {"start_on": "2026-03-02", "end_on": "2026-03-20",
                                                   "issued_on": "2026-03-02"}, "强〔2026〕3号")
    release = issued("coercive-measure-release", {"decision_number": "强〔2026〕3号", "released_on": "2026-03-25"},
                     "解〔2026〕1号")
    deadline = by_rule(compute(case(), [measure, release], DEFAULT, date(2026, 4, 1)), "coercive")
    assert (deadline.due, deadline.extended_due, deadline.status) == ("2026-03-20", None, "missed")
    extension = issued("coercive-measure-extension", {"decision_number": "强〔2026〕3号",
                                                      "original_until": "2026-03-20", "until": "2026-04-10"})
    deadline = by_rule(compute(case(), [measure, extension, release], DEFAULT, date(2026, 4, 1)), "coercive")
    assert (deadline.due, deadline.extended_due, deadline.status) == ("2026-03-20", "2026-04-10", "met")
    # version 1: a term in days, at most 30 (the start day not counted)
    old = issued("coercive-measure-decision", {"start_on": "2026-03-02", "term_days": 45, "issued_on": "2026-03-02"})
    assert by_rule(compute(case(), [old], DEFAULT, date(2026, 3, 3)), "coercive").due == "2026-04-01"


def test_a_period_in_days_ending_on_a_holiday_moves_past_it_and_the_party_s_past_a_weekend() -> None:
    # 立案 3 July 2026: the 90th day is 1 October (国庆), so the limit ends 8 October.
    deadline = by_rule(compute(case("2026-07-03"), [], NATIONAL_DAY, date(2026, 7, 10)), "decision")
    assert deadline.due == "2026-10-08" and "第八十条" in deadline.reason and "2026-10-01" in deadline.reason
    assert "第六十四条" in deadline.basis
    # a limit on the agency ending on an ordinary Saturday (8 March + 90 = Sat 6 June) does not move
    assert by_rule(compute(case("2026-03-08"), [], NATIONAL_DAY, date(2026, 3, 9)), "decision").due == "2026-06-06"
    # the party's 15 days to pay ending on Saturday 6 June move to Monday 8 June
    decision = issued("penalty-decision", {"issued_on": "2026-05-20"}, "罚〔2026〕9号")
    receipt = issued("service-receipt", {"served_on": "2026-05-22",
                                         "documents": [{"name": "行政处罚决定书", "number": "罚〔2026〕9号"}]})
    payment = by_rule(compute(case(), [decision, receipt], NATIONAL_DAY, date(2026, 5, 25)), "payment")
    assert payment.due == "2026-06-08" and "2026-06-06" in payment.reason and "第八十条" in payment.basis


def test_the_legal_review_has_ten_working_days_and_no_invented_cap_on_the_extension() -> None:
    review = issued("case-review", {"submitted_on": "2026-03-02", "reviewed_on": "2026-03-20"})
    deadline = by_rule(compute(case(), [review], DEFAULT, date(2026, 3, 25)), "legal-review")
    assert (deadline.due, deadline.extended_due, deadline.status) == ("2026-03-16", None, "missed")
    assert "未规定延长上限" in deadline.reason and "二十个工作日" not in deadline.basis + deadline.reason
    prompt = issued("case-review", {"submitted_on": "2026-03-02", "reviewed_on": "2026-03-16"})
    assert by_rule(compute(case(), [prompt], DEFAULT, date(2026, 3, 25)), "legal-review").status == "met"


def test_representation_cites_the_rule_that_sets_five_working_days() -> None:
    notice = issued("penalty-notice", {"issued_on": "2026-04-01", "served_on": "2026-04-01"}, "告〔2026〕1号")
    receipt = issued("service-receipt", {"served_on": "2026-04-01",
                                         "documents": [{"name": "行政处罚告知书", "number": "告〔2026〕1号"}]})
    deadline = by_rule(compute(case(), [notice, receipt], DEFAULT, date(2026, 4, 2)), "representation")
    assert "第五十七条第二款" in deadline.basis and deadline.due == "2026-04-08"


def test_a_limit_through_an_unlisted_year_says_it_may_be_off_either_way() -> None:
    deadline = by_rule(compute(case("2030-01-02"), [], NATIONAL_DAY, date(2030, 1, 3)), "filing")
    assert "2030" in deadline.reason and "相差一两天" in deadline.reason and "不会偏晚" not in deadline.reason


def test_a_void_document_fulfils_and_starts_no_deadline() -> None:
    """A void (作废) 解除决定书 does not end a seizure, a void 送达回证 serves nothing, a void 告知书 opens no period."""
    from dataclasses import replace

    measure = issued("coercive-measure-decision", {"issued_on": "2026-04-01", "start_on": "2026-04-01",
                                                   "end_on": "2026-04-30"}, "扣〔2026〕1号")
    release = issued("coercive-measure-release", {"decision_number": "扣〔2026〕1号", "released_on": "2026-04-20",
                                                  "issued_on": "2026-04-20"})
    today = date(2026, 6, 1)
    assert by_rule(compute(case(), [measure, release], DEFAULT, today), "coercive").status == "met"
    seizure = by_rule(compute(case(), [measure, replace(release, void=True)], DEFAULT, today), "coercive")
    assert seizure.done_on is None and seizure.status == "missed"
    notice = issued("penalty-notice", {"issued_on": "2026-04-01"}, "告〔2026〕1号")
    receipt = issued("service-receipt", {"served_on": "2026-04-02",
                                         "documents": [{"name": "行政处罚告知书", "number": "告〔2026〕1号"}]})
    assert by_rule(compute(case(), [notice, receipt], DEFAULT, today), "representation").start == "2026-04-02"
    unserved = by_rule(compute(case(), [notice, replace(receipt, void=True)], DEFAULT, today), "representation")
    assert unserved.status == "unknown" and unserved.start is None
    assert not [d for d in compute(case(), [replace(notice, void=True), receipt], DEFAULT, today)
                if d.id.startswith("representation")]


def test_a_seizure_extension_runs_from_the_term_s_own_last_day_not_from_the_holiday_s_end() -> None:
    # 1 September + 30 = 1 October (国庆): the term ends 8 October; the extension's 30 days run from 1 October.
    measure = issued("coercive-measure-decision", {"start_on": "2026-09-01", "term_days": 30,
                                                   "issued_on": "2026-09-01"}, "强〔2026〕5号")
    extension = issued("coercive-measure-extension", {"decision_number": "强〔2026〕5号", "extension_days": 30})
    deadline = by_rule(compute(case(), [measure, extension], NATIONAL_DAY, date(2026, 9, 2)), "coercive")
    assert (deadline.due, deadline.extended_due) == ("2026-10-08", "2026-10-31")
