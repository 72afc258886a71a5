"""Statutory deadlines of a case, computed from the case and its issued documents' own dates.

Each deadline names its legal basis and answers one of four statuses:

- ``due``: still open (a limit not yet reached, or a waiting period still running);
- ``met``: the act happened in time (or, for a waiting period, not before it ended);
- ``missed``: the limit passed without the act, or the act came too early;
- ``unknown``: it cannot be said, with the ``reason`` (no service date on record, the
  calendar lacks a year for a period that protects the party, …).

Working days are the agency's calendar (``workdays.Calendar``). Where a count
runs through a year the calendar does not list, two cases differ:

- a period that protects the party by making the agency **wait** (陈述申辩, the
  hearing notice's lead time) is ``unknown``: counted Monday–Friday it could end a
  day or two early, and the agency would act while the party's time still runs;
- a **limit** on the agency (先行登记保存, 法制审核, 立案) is counted Monday–Friday
  and says so in its ``note``: usually a day or two early around a holiday, but a
  day late where the count crosses a 调休 weekend workday and not the holiday.

Periods in 日 (not 工作日) are calendar days, counted as 《市场监督管理行政处罚程序规定》
第八十条 says: the day the period starts from is not counted, so "within 90 days of 立案
on 1 March" ends 30 May; and a period whose last day is a 法定节假日 ends on the first day
after it. Which days that moves past is docgen's reading (docs/legal-notes.md): the
holidays of the agency calendar always; ordinary weekends only for a period of the
party's (the 15 days to pay), where moving the end later can only favour the party —
for a limit on the agency, counting a weekend as 法定节假日 could make it act late.
"""
from __future__ import annotations

import calendar as months
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Mapping

from ..storage import StoredDocument
from ..workdays import Calendar
from .case import Case

DUE, MET, MISSED, UNKNOWN = "due", "met", "missed", "unknown"
STATUS_LABELS = {DUE: "未到期", MET: "已遵守", MISSED: "已逾期", UNKNOWN: "无法确定"}
DECISIONS = ("penalty-decision", "no-penalty-decision")


@dataclass(frozen=True)
class Deadline:
    id: str
    """Stable id of the rule, suffixed with the document it was counted from where there are several."""
    title: str
    basis: str
    """The legal basis, article by article."""
    status: str
    start: str | None = None
    """The day the period is counted from (ISO date)."""
    due: str | None = None
    """The last day to act (a limit) or the last day of the waiting period (a wait)."""
    extended_due: str | None = None
    """The last day if the period is extended as the basis allows."""
    done_on: str | None = None
    """The day the act happened, when it did."""
    protects_party: bool = False
    reason: str | None = None
    """Why the status is ``unknown``, or a note on how the date was counted."""
    document_id: str | None = None

    @property
    def overdue(self) -> bool:
        return self.status == MISSED

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "status_label": STATUS_LABELS[self.status]}


@dataclass(frozen=True)
class Issued:
    """An issued document of the case with the payload it was signed with."""

    document: StoredDocument
    data: Mapping[str, Any]
    void: bool = False
    """Whether its chain ends in a void (作废, ``chain.VoidMark``): then it neither fulfils nor starts a
    deadline (``compute`` leaves it out), though the docket still lists it."""

    def day(self, *path: str) -> date | None:
        node: Any = self.data
        for part in path:
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        try:
            return date.fromisoformat(node) if isinstance(node, str) else None
        except ValueError:
            return None


@dataclass
class Counter:
    """Counts with the agency calendar and remembers whether a year it does not list was crossed."""

    calendar: Calendar
    unlisted: set[int] = field(default_factory=set)

    def working(self, start: date, days: int) -> date:
        end = self.calendar.add_working_days(start, days)
        self.unlisted |= set(self.calendar.unknown_years(start, end))
        return end

    def calendar_days(self, start: date, days: int, *, weekends: bool = False) -> tuple[date, date]:
        """A period of ``days`` 日 from ``start`` (not counted): (its ``days``-th day, the day it ends
        on once moved past 法定节假日 — the agency calendar's holidays, and with ``weekends`` any day
        off — 程序规定第八十条)."""
        last = start + timedelta(days=days)
        end = last
        while end in self.calendar.holidays or (weekends and not self.calendar.is_working_day(end)):
            end += timedelta(days=1)
        self.unlisted |= set(self.calendar.unknown_years(last, end))
        return last, end

    def note(self) -> str | None:
        if not self.unlisted:
            return None
        return (f"机关日历未列 {self._years()} 年的节假日安排，按周一至周五计算（未按节假日顺延），"
                "期限可能与实际相差一两天：请补充该年度日历")

    def unknown_note(self) -> str:
        """Why a period that protects the party is reported unknown rather than counted Monday–Friday."""
        return f"机关日历未列 {self._years()} 年的节假日安排，该期间保护当事人，不按周一至周五推算；请补充该年度日历"

    def _years(self) -> str:
        return "、".join(str(y) for y in sorted(self.unlisted))


def plus_days(start: date, days: int) -> date:
    """``days`` calendar days after ``start``, not moved past holidays (the statistics' buckets)."""
    return start + timedelta(days=days)


def plus_month(start: date) -> date:
    """One calendar month later; the month's last day where it has no such day (1月31日 → 2月28日)."""
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return date(year, month, min(start.day, months.monthrange(year, month)[1]))


def limit(today: date, due: date, done: date | None, extended: date | None = None) -> str:
    """The status of a limit: met if done by ``due`` (or ``extended``), missed once it passed undone."""
    last = extended or due
    if done is not None:
        return MET if done <= last else MISSED
    return DUE if today <= last else MISSED


def served_on(issued: list[Issued], document: Issued) -> date | None:
    """The service date of ``document``: as a later decision records it, or from a 送达回证 naming its
    文书编号 (or its title if it has none)."""
    number, title = document.document.doc_number, document.document.title
    for decision in issued:  # a decision records when its 告知书 was served (/notice/served_on)
        notice = decision.data.get("notice")
        if number and isinstance(notice, Mapping) and notice.get("number") == number and decision.day(
                "notice", "served_on"):
            return decision.day("notice", "served_on")
    for receipt in issued:
        if receipt.document.template_id != "service-receipt":
            continue
        for entry in receipt.data.get("documents", []):
            if (number and entry.get("number") == number) or (not number and entry.get("name") == title):
                return receipt.day("served_on")
    return None


def moved(last: date, end: date) -> str | None:
    """The note of a period whose last day fell on a 法定节假日 (程序规定第八十条)."""
    if end == last:
        return None
    return f"期间届满日 {last.isoformat()} 为法定节假日，依程序规定第八十条顺延至 {end.isoformat()}"


def notes(*parts: str | None) -> str | None:
    return "；".join(part for part in parts if part) or None


def compute(case: Case, issued: list[Issued], calendar: Calendar, today: date,
            archived_on: date | None = None) -> list[Deadline]:
    """Every deadline of the case as of ``today``; ``archived_on`` is the first volume's date.

    A void document (作废) is no act of the agency: it meets no deadline (a voided 行政处罚决定书 is no
    decision, a voided 送达回证 serves nothing) and starts none (a voided 告知书 opens no 陈述申辩 period).
    """
    issued = [i for i in issued if not i.void]
    found: list[Deadline] = []
    found += _filing(case, calendar, today)
    found += _decision(case, issued, calendar, today)
    found += _representation(issued, calendar, today)
    found += _hearing_notice(issued, calendar)
    found += _coercive(issued, calendar, today)
    found += _preservation(issued, calendar, today)
    found += _legal_review(issued, calendar, today)
    found += _payment(issued, calendar, today)
    found += _archiving(case, today, archived_on)
    return found


def _filing(case: Case, calendar: Calendar, today: date) -> Iterable[Deadline]:
    counter = Counter(calendar)
    start = case.day("discovered_on")
    due, extended = counter.working(start, 15), counter.working(start, 30)
    filed = case.day("filed_on")
    status = limit(today, due, filed, extended)
    note = counter.note()
    if status == MET and filed > due:
        note = "在延长期限内立案：须经市场监督管理部门负责人批准延长（程序规定第十八条）"
    yield Deadline("filing", "核查并决定是否立案", "《市场监督管理行政处罚程序规定》第十八条：自发现线索或者收到材料之日起"
                   "十五个工作日内核查，决定是否立案；特殊情况经负责人批准可延长十五个工作日（检测、检验、检疫、鉴定等时间不计入）",
                   status, start.isoformat(), due.isoformat(), extended.isoformat(), filed.isoformat(), reason=note)


def _decision(case: Case, issued: list[Issued], calendar: Calendar, today: date) -> Iterable[Deadline]:
    if case.data["procedure"] != "普通":
        return
    start = case.day("filed_on")
    counter = Counter(calendar)
    last, due = counter.calendar_days(start, 90)
    extended = counter.calendar_days(start, 120)[1]
    decision = next((i for i in issued if i.document.template_id in DECISIONS), None)
    done = decision.day("issued_on") if decision else None
    status = limit(today, due, done, extended)
    note = notes(moved(last, due), "中止、听证、公告和检测、检验、检疫、鉴定等时间不计入办案期限，本系统未扣除；"
                 "超过九十日须有负责人批准延长三十日的记录，再延长须集体讨论", counter.note())
    yield Deadline("decision", "作出处理决定", "《中华人民共和国行政处罚法》第六十条；《市场监督管理行政处罚程序规定》"
                   "第六十四条（九十日，经负责人批准可延长三十日）、第八十条（期间计算）", status, start.isoformat(),
                   due.isoformat(),
                   extended.isoformat(), done.isoformat() if done else None, reason=note,
                   document_id=decision.document.id if decision else None)


def _representation(issued: list[Issued], calendar: Calendar, today: date) -> Iterable[Deadline]:
    decision = next((i for i in issued if i.document.template_id in DECISIONS), None)
    decided = decision.day("issued_on") if decision else None
    for notice in (i for i in issued if i.document.template_id == "penalty-notice"):
        common = dict(id=f"representation:{notice.document.id}", title="陈述、申辩期间届满后方可作出决定",
                      basis="《市场监督管理行政处罚程序规定》第五十七条第二款：当事人自告知书送达之日起五个工作日内"
                            "未行使陈述、申辩权（或未要求听证）的，视为放弃此权利；《中华人民共和国行政处罚法》第四十四条、"
                            "第四十五条（陈述、申辩权）、第六十四条第一项（告知后五日内要求听证）、第八十五条（“五日”指工作日）",
                      protects_party=True, document_id=notice.document.id)
        served = served_on(issued, notice)
        if served is None:
            yield Deadline(status=UNKNOWN, reason="没有列明该告知书文书编号的送达回证，无法确定送达日期", **common)
            continue
        counter = Counter(calendar)
        end = counter.working(served, 5)
        if counter.unlisted:
            yield Deadline(status=UNKNOWN, start=served.isoformat(), reason=counter.unknown_note(), **common)
            continue
        if decided is not None:
            status = MET if decided > end else MISSED
        else:
            status = DUE if today <= end else MET
        yield Deadline(status=status, start=served.isoformat(), due=end.isoformat(),
                       done_on=decided.isoformat() if decided else None,
                       reason="当事人明确放弃或者已提出陈述申辩的，可以在期间届满前决定" if status == MISSED else None,
                       **common)


def _hearing_notice(issued: list[Issued], calendar: Calendar) -> Iterable[Deadline]:
    for notice in (i for i in issued if i.document.template_id == "hearing-notice"):
        common = dict(id=f"hearing-notice:{notice.document.id}", title="听证通知书在听证七个工作日前送达",
                      basis="《中华人民共和国行政处罚法》第六十四条第二项（举行听证的七日前通知）、第八十五条；"
                            "《市场监督管理行政处罚听证办法》（七个工作日）", protects_party=True,
                      document_id=notice.document.id)
        # The seven days run from the notice reaching the party: its own 送达日期 (version 2), or a 送达回证.
        served = notice.day("served_on") or served_on(issued, notice)
        sent, hearing = served or notice.day("issued_on"), notice.day("hearing", "date")
        if sent is None or hearing is None:
            yield Deadline(status=UNKNOWN, reason="通知书没有日期或者听证日期", **common)
            continue
        counter = Counter(calendar)
        earliest = counter.working(sent, 7)
        if counter.unlisted:
            yield Deadline(status=UNKNOWN, start=sent.isoformat(), reason=counter.unknown_note(), **common)
            continue
        if served is None and hearing >= earliest:  # early enough after the 通知日期; the service date decides
            yield Deadline(status=UNKNOWN, start=sent.isoformat(), due=earliest.isoformat(),
                           done_on=hearing.isoformat(),
                           reason="没有送达日期（通知书未载明，也没有列明其文书编号的送达回证）：七个工作日自送达之日起算，"
                                  "按通知日期计算为已遵守，实际送达晚于通知日期的可能不足", **common)
            continue
        yield Deadline(status=MET if hearing >= earliest else MISSED, start=sent.isoformat(),
                       due=earliest.isoformat(), done_on=hearing.isoformat(), **common)


def _coercive(issued: list[Issued], calendar: Calendar, today: date) -> Iterable[Deadline]:
    for measure in (i for i in issued if i.document.template_id == "coercive-measure-decision"):
        start = measure.day("start_on") or measure.day("issued_on")
        if start is None:
            continue
        number = measure.document.doc_number
        counter = Counter(calendar)
        # The decision's own 期限届满日期 (version 2), else its 期限（日） (version 1); never past 30 日.
        cap_last, cap = counter.calendar_days(start, 30)
        end_on = measure.day("end_on")
        term_last, term = (end_on, end_on) if end_on else counter.calendar_days(
            start, min(int(measure.data.get("term_days", 30)), 30))
        due = min(term, cap)
        base = min(term_last, cap_last)  # an extension runs from the term's own last day, not from the holiday's end
        extension = next((i for i in issued if i.document.template_id == "coercive-measure-extension"
                          and number and i.data.get("decision_number") == number), None)
        extended = None
        if extension is not None:  # its 延长后期限届满日期, else its 延长期限（日）; never 30 日 past the term
            longest = counter.calendar_days(base, 30)[1]
            until = extension.day("until") or counter.calendar_days(
                base, min(int(extension.data.get("extension_days", 30)), 30))[1]
            extended = min(until, longest)
        release = next((i for i in issued if i.document.template_id == "coercive-measure-release"
                        and number and i.data.get("decision_number") == number), None)
        done = release.day("released_on") or release.day("issued_on") if release else None
        yield Deadline(f"coercive:{measure.document.id}", f"查封、扣押期限（{number or measure.document.title}）",
                       "《中华人民共和国行政强制法》第二十五条：查封、扣押不得超过三十日；情况复杂的，经负责人批准可延长，"
                       "延长不得超过三十日（检测、检验、检疫、鉴定期间不计入）；以决定书、延长决定书载明的届满日期为准",
                       limit(today, due, done, extended), start.isoformat(), due.isoformat(),
                       extended.isoformat() if extended else None, done.isoformat() if done else None,
                       reason=None if extension or done else "以解除决定书的解除日期为准；延长须签发延长决定书",
                       document_id=measure.document.id)


def _preservation(issued: list[Issued], calendar: Calendar, today: date) -> Iterable[Deadline]:
    for notice in (i for i in issued if i.document.template_id == "evidence-preservation-notice"):
        start = notice.day("issued_on")
        if start is None:
            continue
        counter = Counter(calendar)
        due = counter.working(start, 7)
        later = [i for i in issued[issued.index(notice) + 1:] if i.document.template_id in
                 ("evidence-preservation-release", "coercive-measure-decision", "test-commission")]
        done = later[0].day("issued_on") if later else None
        yield Deadline(f"preservation:{notice.document.id}", "先行登记保存证据后七个工作日内作出处理决定",
                       "《中华人民共和国行政处罚法》第五十六条、第八十五条（“七日”指工作日）；《市场监督管理行政处罚程序规定》"
                       "第三十五条（七个工作日内采取记录复制、检测检验、依法扣押或者解除等措施，逾期自动解除）",
                       limit(today, due, done), start.isoformat(), due.isoformat(), None,
                       done.isoformat() if done else None, reason=counter.note(), document_id=notice.document.id)


def _legal_review(issued: list[Issued], calendar: Calendar, today: date) -> Iterable[Deadline]:
    for review in (i for i in issued if i.document.template_id == "case-review"):
        start = review.day("submitted_on")
        if start is None:
            continue
        counter = Counter(calendar)
        due = counter.working(start, 10)
        done = review.day("reviewed_on")
        status = limit(today, due, done)
        late = "特殊情况经负责人批准可以延长（第五十五条未规定延长上限）：有批准延长记录的，不属逾期" \
            if status == MISSED else None
        yield Deadline(f"legal-review:{review.document.id}", "法制审核十个工作日内完成",
                       "《市场监督管理行政处罚程序规定》第五十五条：自接到审核材料之日起十个工作日内完成审核；特殊情况下，"
                       "经市场监督管理部门负责人批准可以延长", status, start.isoformat(), due.isoformat(), None,
                       done.isoformat() if done else None, reason=notes(late, counter.note()),
                       document_id=review.document.id)
    for document in issued:  # the 重大行政执法决定法制审核表 records its own due dates when it reaches review
        review_due = document.document.review_due
        if not review_due or "due" not in review_due:
            continue
        yield Deadline(f"legal-review:{document.document.id}", "法制审核十个工作日内完成（重大行政执法决定）",
                       "株洲市市场监督管理局《全面推行行政执法“三项制度”有关工作的安排》第（三）部分“审核程序”第3项：法制部门在10个工作日内完成审核，"
                       "情况复杂的经分管局领导批准可以延长，最迟不得超过20个工作日；国办发〔2018〕118号", DUE,
                       review_due.get("starts"), review_due.get("due"), review_due.get("extended_limit"),
                       document_id=document.document.id)


def _payment(issued: list[Issued], calendar: Calendar, today: date) -> Iterable[Deadline]:
    for decision in (i for i in issued if i.document.template_id == "penalty-decision"):
        common = dict(id=f"payment:{decision.document.id}", title="当事人自收到处罚决定书之日起十五日内缴纳罚款",
                      basis="《中华人民共和国行政处罚法》第六十七条第三款；《市场监督管理行政处罚程序规定》第七十二条、"
                            "第八十条（届满日为法定节假日的顺延）", document_id=decision.document.id)
        served = served_on(issued, decision)
        if served is None:
            yield Deadline(status=UNKNOWN, reason="没有列明该决定书文书编号的送达回证，无法确定收到日期", **common)
            continue
        counter = Counter(calendar)
        last, due = counter.calendar_days(served, 15, weekends=True)  # the party's period: any day off moves it
        yield Deadline(status=DUE if today <= due else UNKNOWN, start=served.isoformat(), due=due.isoformat(),
                       reason=notes(moved(last, due), None if today <= due else "缴款情况不在本系统记录，请核对缴款凭证",
                                    counter.note()), **common)


def _archiving(case: Case, today: date, archived_on: date | None) -> Iterable[Deadline]:
    if not case.closed_at:
        return
    closed = date.fromisoformat(case.closed_at[:10])
    due = plus_month(closed)
    yield Deadline("archiving", "结案后一个月内立卷归档（一案一卷）",
                   "株洲市市场监督管理局《全面推行行政执法“三项制度”有关工作的安排》第（二）部分“严格记录归档”第1项：执法人员应在办结后1个月内整理装订成卷，做到一案一卷",
                   limit(today, due, archived_on), closed.isoformat(), due.isoformat(), None,
                   archived_on.isoformat() if archived_on else None)
