"""The figures of the 行政执法统计年报, each a named computation over the signed record.

A figure is a cell of a table: its value and the ids of the documents it counts
(and, for deadlines, the cases), so every number can be expanded to what it was
computed from. Tables are registered in ``REGISTRY`` in the order the report
prints them; a new table is one more ``register(TableSpec(…))`` and appears in
the JSON, the workbook, the report and the page without touching them.

Every figure is dated by a date the signed record carries — a decision's
决定日期 (``issued_on``), the day a 审批表 was approved (its last stage's signed
time), the day of the 法制审核 stage — and counted in that day's year and month.
The rules are stated, with their legal basis, beside each table below and in
``docs/legal-notes.md``.

A void document (作废: its chain ends in a void stage) is no decision: every
figure counts through ``Snapshot.of``, which leaves it out; the 行政处罚 table
and the 公示 table count voided decisions apart, in a row of their own outside
the 合计 (docgen's control, not a statistical rule).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Callable, Iterable, Mapping

from ..cases.case import SOURCES
from ..cases.deadlines import MET, MISSED, DUE, UNKNOWN, STATUS_LABELS, plus_days
from .records import Record, Snapshot

Value = int | str


@dataclass(frozen=True)
class Cell:
    value: Value
    """A count, or an amount in 元 (``"12345.00"``), or a share (``"66.7%"``)."""
    documents: tuple[str, ...] = ()
    """The documents this figure counts, sorted."""
    cases: tuple[str, ...] = ()
    """The cases it counts, where it counts cases (deadlines)."""


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    cells: Mapping[str, Cell]


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    basis: str
    """What is counted and the legal basis of the categories."""
    columns: tuple[tuple[str, str], ...]
    """(id, title) of each column."""
    rows: tuple[Row, ...]

    def cell(self, row: str, column: str) -> Cell | None:
        return next((r.cells.get(column) for r in self.rows if r.id == row), None)


@dataclass(frozen=True)
class TableSpec:
    id: str
    title: str
    build: Callable[[Snapshot, int], Table]


@dataclass(frozen=True)
class Hit:
    """One thing counted: the document that shows it, the day it is dated by, and what it is."""

    document: str
    day: date
    group: str = ""
    amount: Decimal | None = None
    case: str | None = None


REGISTRY: list[TableSpec] = []

#: Figures the issue asks for that this installation cannot yet compute from a signed record, with why.
OMITTED: list[dict[str, str]] = []


def register(spec: TableSpec) -> None:
    """Add a table (replacing one of the same id), in print order."""
    for index, existing in enumerate(REGISTRY):
        if existing.id == spec.id:
            REGISTRY[index] = spec
            return
    REGISTRY.append(spec)


def compute(snapshot: Snapshot, year: int) -> list[Table]:
    return [spec.build(snapshot, year) for spec in REGISTRY]


# Building cells -----------------------------------------------------------------------------------

def count(hits: Iterable[Hit]) -> Cell:
    hits = list(hits)
    return Cell(len(hits), tuple(sorted({h.document for h in hits})))


def total(hits: Iterable[Hit]) -> Cell:
    hits = [h for h in hits if h.amount is not None]
    return Cell(money(sum((h.amount for h in hits), Decimal(0))), tuple(sorted({h.document for h in hits})))


def share(part: list[Hit], whole: list[Hit]) -> Cell:
    text = f"{Decimal(len(part) * 100) / len(whole):.1f}%" if whole else "—"
    return Cell(text, tuple(sorted({h.document for h in part})))


def money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def in_year(hits: Iterable[Hit], year: int) -> list[Hit]:
    return [h for h in hits if h.day.year == year]


def grouped(hits: Iterable[Hit]) -> dict[str, list[Hit]]:
    groups: dict[str, list[Hit]] = defaultdict(list)
    for hit in hits:
        groups[hit.group].append(hit)
    return groups


def counts_table(id_: str, title: str, basis: str, hits: list[Hit], rows: Iterable[tuple[str, str]],
                 column: str = "件数") -> Table:
    """One column of counts, a row per group (every listed group, zero or not) and a 合计 row."""
    groups = grouped(hits)
    built = [Row(key, label, {"count": count(groups.get(key, []))}) for key, label in rows]
    built.append(Row("total", "合计", {"count": count(hits)}))
    return Table(id_, title, basis, (("count", column),), tuple(built))


def plain(values: Iterable[str]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


# What is counted ----------------------------------------------------------------------------------

UNKNOWN_SOURCE = "未注明"
PENALTY_KINDS = ("警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级", "吊销许可证件",
                 "吊销营业执照", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "其他行政处罚")
AMOUNT_KINDS = ("罚款", "没收违法所得")
NO_PENALTY_GROUNDS = ("违法事实不能成立", "违法行为轻微并及时改正，没有造成危害后果", "初次违法且危害后果轻微并及时改正",
                      "当事人有证据足以证明没有主观过错", "违法行为超过行政处罚追责期限", "其他依法不予行政处罚的情形")
CLOSING_GROUNDS = ("行政处罚决定执行完毕", "人民法院裁定终结执行", "案件终止调查", "作出不予行政处罚或者移送决定",
                   "其他应予结案的情形")
MEASURES = ("查封", "扣押")
REVIEW_DECISIONS = (("A", "同意"), ("B", "补充调查"), ("C", "变更或修正"), ("D", "不予作出"), ("E", "不同意"),
                    ("F", "移送"), ("G", "其他"))
CASE_REVIEW_CONCLUSIONS = ("同意", "建议纠正", "建议补充调查", "其他意见和建议")
INSPECTIONS = ("on-site-record", "inspection-record", "inspection-sampling-record", "inspection-survey-record",
               "inspection-inquiry-record")


def filings(s: Snapshot, decision: str) -> list[Hit]:
    """立案 or 不予立案: an approved 立案/不予立案审批表, dated by its approval, grouped by 案件来源."""
    return [Hit(r.id, r.approved_on, str(r.value("source")), case=r.case_id)
            for r in s.of("case-filing-approval") if r.approved_on and r.value("decision") == decision]


def summary_decisions(s: Snapshot) -> list[Hit]:
    """简易程序: each 当场行政处罚决定书 (行政处罚法第51条; no 立案)."""
    return [Hit(r.id, r.day("issued_on"), UNKNOWN_SOURCE, case=r.case_id)
            for r in s.of("on-the-spot-penalty-decision") if r.day("issued_on")]


def closings(s: Snapshot) -> list[Hit]:
    """结案: an approved 结案审批表, dated by its approval; ``group`` the 案件来源 of its case's 立案."""
    source: dict[str | None, str] = {}
    for filed in sorted(filings(s, "立案"), key=lambda h: (h.day, h.document)):  # the case's first 立案
        source.setdefault(filed.case, filed.group)
    return [Hit(r.id, r.approved_on, source.get(r.case_id, UNKNOWN_SOURCE) if r.case_id else UNKNOWN_SOURCE,
                case=r.case_id)
            for r in s.of("case-closing-approval") if r.approved_on]


def closing_grounds(s: Snapshot) -> list[Hit]:
    return [Hit(r.id, r.approved_on, str(r.value("ground"))) for r in s.of("case-closing-approval") if r.approved_on]


def penalties(s: Snapshot) -> list[Hit]:
    """One hit per decision and 处罚种类 (行政处罚法第9条), with the sum of that kind's amounts."""
    hits = []
    for r in s.of("penalty-decision"):
        day = r.day("issued_on")
        kinds: dict[str, Decimal | None] = {}
        for item in r.value("penalties") or []:
            kind, amount = item.get("type"), item.get("amount")
            if kind not in kinds:
                kinds[kind] = None
            if amount is not None:
                kinds[kind] = (kinds[kind] or Decimal(0)) + Decimal(str(amount))
        hits += [Hit(r.id, day, str(kind), amount) for kind, amount in kinds.items() if day]
    for r in s.of("on-the-spot-penalty-decision"):
        fine = r.value("fine")
        if r.day("issued_on"):
            amount = Decimal(str(fine)) if r.value("penalty") == "罚款" and fine is not None else None
            hits.append(Hit(r.id, r.day("issued_on"), str(r.value("penalty")), amount))
    return hits


def decisions(s: Snapshot) -> list[Hit]:
    """行政处罚决定: each 行政处罚决定书 and 当场行政处罚决定书, by 决定日期."""
    return [Hit(r.id, r.day("issued_on"), r.template_id)
            for r in s.of("penalty-decision", "on-the-spot-penalty-decision") if r.day("issued_on")]


def voided_decisions(s: Snapshot) -> list[Hit]:
    """行政处罚决定书 and 当场行政处罚决定书 voided (作废), by their 决定日期: counted apart, never as decisions."""
    return [Hit(r.id, r.day("issued_on"), r.template_id)
            for r in s.voided("penalty-decision", "on-the-spot-penalty-decision") if r.day("issued_on")]


def no_penalties(s: Snapshot) -> list[Hit]:
    return [Hit(r.id, r.day("issued_on"), str(r.value("ground"))) for r in s.of("no-penalty-decision")
            if r.day("issued_on")]


WITHIN_30, WITHIN_60, OVER_60, RUNNING = "within_30", "within_60", "over_60", "running"
DURATIONS = ((WITHIN_30, "30日以内"), (WITHIN_60, "31至60日"), (OVER_60, "超过60日"),
             (RUNNING, "至判断日尚未届满"))


def coercive(s: Snapshot) -> list[Hit]:
    """Each 实施行政强制措施决定书 by 文书日期, ``group`` its duration against 行政强制法第25条.

    The measure runs from 期限起算日期 to the 解除日期 of the 解除决定书 naming its
    文号, else to the 延长决定书's new end, else to its own 期限届满日期; the day it
    starts from is not counted, as in ``cases/deadlines.py``. A measure neither
    released nor ended by the snapshot's day is ``running``.
    """
    later: dict[tuple[str, str], Record] = {}
    for r in s.of("coercive-measure-extension", "coercive-measure-release"):
        later.setdefault((r.template_id, str(r.value("decision_number"))), r)
    hits = []
    for r in s.of("coercive-measure-decision"):
        start, day = r.day("start_on") or r.day("issued_on"), r.day("issued_on")
        if not (start and day):
            continue
        release = later.get(("coercive-measure-release", str(r.doc_number)))
        extension = later.get(("coercive-measure-extension", str(r.doc_number)))
        end = (release.day("released_on") if release else None) or (
            extension.day("until") if extension else None) or r.day("end_on") or start
        if release is None and end > s.as_of:
            bucket = RUNNING
        elif end <= plus_days(start, 30):
            bucket = WITHIN_30
        elif end <= plus_days(start, 60):
            bucket = WITHIN_60
        else:
            bucket = OVER_60
        hits.append(Hit(r.id, day, f"{r.value('measure')}:{bucket}", case=r.case_id))
    return hits


def coercive_follow_ups(s: Snapshot, template: str) -> list[Hit]:
    return [Hit(r.id, r.day("issued_on"), str(r.value("measure"))) for r in s.of(template) if r.day("issued_on")]


def hearings(s: Snapshot) -> dict[str, list[Hit]]:
    """告知听证权利 (告知书 offering it), 要求听证 (each 听证通知书, by the day it was asked for), 举行听证 (听证笔录)."""
    return {
        "offered": [Hit(r.id, r.day("issued_on"), "offered") for r in s.of("penalty-notice")
                    if r.value("hearing_available") is True and r.day("issued_on")],
        "requested": [Hit(r.id, r.day("requested_on") or r.day("issued_on"), "requested")
                      for r in s.of("hearing-notice") if r.day("requested_on") or r.day("issued_on")],
        "held": [Hit(r.id, r.day("hearing", "date"), "held") for r in s.of("hearing-record")
                 if r.day("hearing", "date")],
    }


@dataclass(frozen=True)
class ReviewHit(Hit):
    days: int = 0
    """Working days the review took."""


def major_reviews(s: Snapshot) -> list[ReviewHit]:
    """Each 法制审核意见 signed on a 重大行政执法决定法制审核表 (every round), dated by its signing.

    The days taken are working days from the day the table reached the legal department
    (the 承办部门分管领导 stage of the same round) to the day of the opinion.
    """
    hits = []
    for r in s.of("major-decision-review"):
        for stage in r.stages:
            if stage.stage != "legal_review":
                continue
            start = next((p.day for p in reversed(r.stages[:stage.index])
                          if p.stage == "dept_leader" and p.round == stage.round), stage.day)
            hits.append(ReviewHit(r.id, stage.day, str(stage.decision), days=s.calendar.working_days_between(
                start, stage.day)))
    return hits


def case_reviews(s: Snapshot) -> list[ReviewHit]:
    """Each 案件审核/法制审核表 of 审核类别 法制审核, by 审核日期; days from 送审日期."""
    hits = []
    for r in s.of("case-review"):
        start, end = r.day("submitted_on"), r.day("reviewed_on")
        if r.value("review_type") == "法制审核" and start and end:
            hits.append(ReviewHit(r.id, end, str(r.value("conclusion")), days=s.calendar.working_days_between(start, end)))
    return hits


def transfers(s: Snapshot) -> list[Hit]:
    hits = []
    for r in s.of("case-transfer-letter"):
        group = "market" if r.value("market_regulator") is True else "administrative"
        hits.append(Hit(r.id, r.day("issued_on"), group))
    for r in s.of("criminal-case-transfer"):
        addressee = str(r.value("addressee") or "")
        group = "police" if "公安" in addressee else "procuratorate" if "检察" in addressee else "judicial"
        hits.append(Hit(r.id, r.day("issued_on"), group))
    return [h for h in hits if h.day]


def recorded_events(s: Snapshot) -> dict[str, list[tuple[Hit, bool]]]:
    """现场检查, 查封扣押 and 听证, each with whether its case has a 音像记录 of that day."""
    recorded = {(m.case_id, m.day) for m in s.media}

    def events(templates: tuple[str, ...], *path: str) -> list[tuple[Hit, bool]]:
        found = []
        for r in s.of(*templates):
            day = r.day(*path)
            if day:
                found.append((Hit(r.id, day, case=r.case_id), (r.case_id, day) in recorded))
        return found

    return {"inspection": events(INSPECTIONS, "date"),
            "seizure": events(("coercive-measure-decision",), "start_on"),
            "hearing": events(("hearing-record",), "hearing", "date")}


# The tables ---------------------------------------------------------------------------------------

def cases_table(s: Snapshot, year: int) -> Table:
    columns = (("total", "合计"), *plain(SOURCES), (UNKNOWN_SOURCE, UNKNOWN_SOURCE))
    rows = []
    for id_, title, hits in (("filed", "立案（普通程序）", filings(s, "立案")),
                             ("summary", "当场处罚（简易程序，不立案）", summary_decisions(s)),
                             ("not_filed", "不予立案", filings(s, "不予立案")),
                             ("closed", "结案", closings(s))):
        hits = in_year(hits, year)
        groups = grouped(hits)
        cells = {"total": count(hits)} | {key: count(groups.get(key, [])) for key, _ in columns[1:]}
        rows.append(Row(id_, title, cells))
    return Table("cases", "案件受理与办结", "立案、不予立案、结案以机关负责人批准（审批表最后一个环节“同意”）之日计；"
                 "案件来源取自立案/不予立案审批表；结案按其案件的立案审批表计来源；简易程序为当场行政处罚决定书"
                 "（行政处罚法第五十一条，不立案）。", columns, tuple(rows))


def closing_table(s: Snapshot, year: int) -> Table:
    return counts_table("closing", "结案情形", "经批准的结案审批表，按结案情形（市场监督管理行政处罚程序规定第七十七条）。",
                        in_year(closing_grounds(s), year), plain(CLOSING_GROUNDS))


def penalties_table(s: Snapshot, year: int) -> Table:
    hits = in_year(penalties(s), year)
    groups = grouped(hits)
    rows = []
    for kind in PENALTY_KINDS:
        cells = {"count": count(groups.get(kind, []))}
        if kind in AMOUNT_KINDS:
            cells["amount"] = total(groups.get(kind, []))
        rows.append(Row(kind, kind, cells))
    every = in_year(decisions(s), year)
    rows.append(Row("decisions", "行政处罚决定书合计（含当场处罚）", {
        "count": count(every), "amount": total(h for h in hits if h.group in AMOUNT_KINDS)}))
    rows.append(Row("voided", "另：已作废的决定书（不计入以上各行）", {"count": count(in_year(voided_decisions(s), year))}))
    return Table("penalties", "行政处罚（按种类）", "行政处罚决定书与当场行政处罚决定书，按决定日期；一份决定含几种处罚即在几行"
                 "各计一次；种类为行政处罚法第九条（暂扣、吊销许可证件与吊销营业执照分列）；金额为罚款、没收违法所得之和"
                 "（没收非法财物的文书不载价值，只计件数）。已作废的文书不是作出的决定，不计入任何一表，在本表另列其数"
                 "（本系统的规则）。", (("count", "决定书件数"), ("amount", "金额（元）")), tuple(rows))


def no_penalty_table(s: Snapshot, year: int) -> Table:
    return counts_table("no_penalty", "不予行政处罚（按情形）", "不予行政处罚决定书，按决定日期与不予处罚的情形"
                        "（行政处罚法第三十三条、第三十六条、第四十条；市场监督管理行政处罚程序规定第六十条）。",
                        in_year(no_penalties(s), year), plain(NO_PENALTY_GROUNDS))


def coercive_table(s: Snapshot, year: int) -> Table:
    hits = in_year(coercive(s), year)
    extensions = grouped(in_year(coercive_follow_ups(s, "coercive-measure-extension"), year))
    releases = grouped(in_year(coercive_follow_ups(s, "coercive-measure-release"), year))
    columns = (("decisions", "决定"), ("extended", "延长决定"), ("released", "解除决定"), *DURATIONS)
    rows = []
    for measure in (*MEASURES, ""):
        mine = [h for h in hits if not measure or h.group.startswith(f"{measure}:")]
        cells = {"decisions": count(mine),
                 "extended": count(h for m, hs in extensions.items() if not measure or m == measure for h in hs),
                 "released": count(h for m, hs in releases.items() if not measure or m == measure for h in hs)}
        cells |= {key: count(h for h in mine if h.group.endswith(f":{key}")) for key, _ in DURATIONS}
        rows.append(Row(measure or "total", measure or "合计", cells))
    return Table("coercive", "行政强制措施", "实施行政强制措施决定书按文书日期、按种类计；期限自期限起算日期起算（当日不计），"
                 "至解除决定书的解除日期，未解除的至延长后或原定的期限届满日期，对照行政强制法第二十五条的三十日与延长后"
                 "六十日；延长、解除决定按其文书日期计。", columns, tuple(rows))


def hearings_table(s: Snapshot, year: int) -> Table:
    found = hearings(s)
    rows = tuple(Row(key, title, {"count": count(in_year(found[key], year))}) for key, title in (
        ("offered", "告知听证权利（行政处罚告知书）"), ("requested", "当事人要求听证（听证通知书，按提出日期）"),
        ("held", "举行听证（听证笔录，按听证日期）")))
    return Table("hearings", "听证", "行政处罚法第六十三条、第六十四条。", (("count", "件数"),), rows)


REVIEW_LIMITS = (("within_10", "10个工作日内"), ("within_20", "11至20个工作日（延长）"), ("over_20", "超过20个工作日"))


def review_bucket(days: int) -> str:
    return "within_10" if days <= 10 else "within_20" if days <= 20 else "over_20"


def legal_review_table(s: Snapshot, year: int) -> Table:
    major = in_year(major_reviews(s), year)
    groups = grouped(major)
    rows = [Row(letter, f"{letter} {decision}", {"count": count(groups.get(decision, []))})
            for letter, decision in REVIEW_DECISIONS]
    rows.append(Row("total", "合计", {"count": count(major)}))
    return Table("legal_review", "重大行政执法决定法制审核（审核意见 A–G）", "重大行政执法决定法制审核表的每一次法制审核意见"
                 "（每轮一次），按签署日期；A–G 为《三项制度工作安排》所列的七种审核意见。", (("count", "件数"),), tuple(rows))


def case_review_table(s: Snapshot, year: int) -> Table:
    return counts_table("case_review", "案件法制审核（案件审核/法制审核表）", "审核类别为法制审核的案件审核/法制审核表，"
                        "按审核日期与审核结论（市场监督管理行政处罚程序规定第五十五条）。",
                        in_year(case_reviews(s), year), plain(CASE_REVIEW_CONCLUSIONS))


def review_days_table(s: Snapshot, year: int) -> Table:
    kinds = (("major", "重大行政执法决定法制审核表", in_year(major_reviews(s), year)),
             ("case", "案件审核/法制审核表", in_year(case_reviews(s), year)))
    columns = tuple((key, title) for key, title, _ in kinds)
    rows = [Row(bucket, label, {key: count(h for h in hits if review_bucket(h.days) == bucket)
                                for key, _, hits in kinds}) for bucket, label in REVIEW_LIMITS]
    longest = max((h.days for _, _, hits in kinds for h in hits), default=-1)
    rows += [Row(f"days_{n}", f"{n}个工作日", {key: count(h for h in hits if h.days == n) for key, _, hits in kinds})
             for n in range(longest + 1)]
    return Table("review_days", "法制审核用时（工作日）", "自送审（重大决定：送达法制部门，即承办部门分管领导签署之日）"
                 "至审核意见之日的工作日数（当日不计，按本机关日历）；对照 10 个工作日，延长不超过 20 个工作日"
                 "（《三项制度工作安排》；国办发〔2018〕118号）。", columns, tuple(rows))


TRANSFER_ROWS = (("market", "移送其他市场监督管理部门（案件移送函）"), ("administrative", "移送其他行政机关（案件移送函）"),
                 ("police", "移送公安机关（涉嫌犯罪案件移送书）"), ("procuratorate", "移送检察机关（涉嫌犯罪案件移送书）"),
                 ("judicial", "移送其他司法机关（涉嫌犯罪案件移送书）"))


def transfers_table(s: Snapshot, year: int) -> Table:
    return counts_table("transfers", "案件移送", "案件移送函按受移送单位是否为市场监督管理部门；涉嫌犯罪案件移送书按受移送"
                        "机关名称含“公安”或“检察”（行政执法机关移送涉嫌犯罪案件的规定）；按成文日期。",
                        in_year(transfers(s), year), TRANSFER_ROWS)


MEDIA_ROWS = (("inspection", "现场检查（现场笔录、现场检查笔录）"), ("seizure", "查封、扣押（实施行政强制措施决定书）"),
              ("hearing", "听证（听证笔录）"))


def media_table(s: Snapshot, year: int) -> Table:
    found = recorded_events(s)
    rows = []
    for key, title in MEDIA_ROWS:
        events = [(h, has) for h, has in found[key] if h.day.year == year]
        whole = [h for h, _ in events]
        part = [h for h, has in events if has]
        rows.append(Row(key, title, {"events": count(whole), "recorded": count(part), "share": share(part, whole)}))
    return Table("media", "音像记录覆盖", "执法全过程记录（《三项制度工作安排》第（二）部分第2项）：事件当日其案件有音像记录的，计为有记录；"
                 "未归入案件的文书没有音像记录。", (("events", "事件数"), ("recorded", "有音像记录"), ("share", "覆盖率")),
                 tuple(rows))


DEADLINE_COLUMNS = tuple((status, STATUS_LABELS[status]) for status in (MET, MISSED, DUE, UNKNOWN))


def deadlines_table(s: Snapshot, year: int) -> Table:
    rows_ = [d for d in s.deadlines if d.day.year == year]
    kinds: dict[str, str] = {}
    for d in sorted(rows_, key=lambda d: (d.kind, d.title)):
        kinds.setdefault(d.kind, d.title)
    rows = []
    for kind, title in sorted(kinds.items()):
        cells = {}
        for status, _ in DEADLINE_COLUMNS:
            mine = [d for d in rows_ if d.kind == kind and d.status == status]
            cells[status] = Cell(len(mine), tuple(sorted({d.document_id for d in mine if d.document_id})),
                                 tuple(sorted({d.case_id for d in mine})))
        rows.append(Row(kind, title, cells))
    return Table("deadlines", "法定期限遵守情况", f"各案件的法定期限（cases/deadlines.py，各有法律依据），按到期日（无到期日的"
                 f"按起算日）所在年度；以 {s.as_of.isoformat()} 为判断日。", DEADLINE_COLUMNS, tuple(rows))


def activity(s: Snapshot) -> dict[str, tuple[str, list[Hit]]]:
    """The counts shown by month and by department (and in the charts)."""
    return {"filed": ("立案", filings(s, "立案")),
            "closed": ("结案", closings(s)),
            "decisions": ("行政处罚决定", decisions(s)),
            "no_penalty": ("不予处罚", no_penalties(s)),
            "coercive": ("行政强制措施", coercive(s)),
            "reviews": ("法制审核", [*major_reviews(s), *case_reviews(s)])}


def monthly_table(s: Snapshot, year: int) -> Table:
    measures = activity(s)
    columns = tuple((key, title) for key, (title, _) in measures.items())
    rows = tuple(Row(f"{month:02d}", f"{month}月", {key: count(h for h in hits if h.day.year == year and h.day.month == month)
                                                    for key, (_, hits) in measures.items()}) for month in range(1, 13))
    return Table("monthly", "按月统计", "各项按其计数日期所在月份（日期规则见各表）；行政处罚决定含当场处罚。", columns, rows)


def departments_table(s: Snapshot, year: int) -> Table:
    columns = tuple((key, title) for key, (title, _) in activity(s).items()) + (("amount", "罚没金额（元）"),)
    rows = []
    for department in s.departments():
        mine = s.only(department)
        cells = {key: count(in_year(hits, year)) for key, (_, hits) in activity(mine).items()}
        cells["amount"] = total(h for h in in_year(penalties(mine), year) if h.group in AMOUNT_KINDS)
        rows.append(Row(department, department, cells))
    return Table("departments", "按承办部门统计", "文书按其案件的承办部门归属；未注明承办部门或未归入案件的单列。",
                 columns, tuple(rows))


#: The publicity (公示) outcomes, one row each: every record falls in exactly one.
PUBLICITY_ROWS = (("on_time", "按期公示"), ("late", "逾期公示"), ("overdue", "逾期尚未公示"), ("pending", "尚未到期、尚未公示"),
                  ("approved", "经批准不予公开"), ("automatic", "依规则不予公开（如涉及未成年人）"))


def publicity_outcome(record, as_of: date) -> str:
    """The row a publicity record counts in, judged on ``as_of`` (a withdrawn decision by how it was published)."""
    if record.published_on_time is not None:
        return "on_time" if record.published_on_time else "late"
    if record.status == "not_published":
        return "automatic" if record.withheld == "automatic" else "approved"
    return "overdue" if record.due_on < as_of else "pending"


def publicity_table(s: Snapshot, year: int) -> Table:
    """Every record of a decision dated in the year in one outcome row; a voided decision's (作废) in none of
    them, nor in 合计 or 其中：已撤回, but counted apart (whether it was due, published or withdrawn when voided)."""
    mine = [p for p in s.publicity if p.decided_on.year == year]
    hits = [Hit(p.document_id, p.decided_on, publicity_outcome(p, s.as_of)) for p in mine if not p.void]
    withdrawn = [Hit(p.document_id, p.decided_on) for p in mine if p.status == "withdrawn" and not p.void]
    voided = [Hit(p.document_id, p.decided_on) for p in mine if p.void]
    table = counts_table("publicity", "行政执法公示",
                         "应公示的行政处罚决定（公示规定第二条；《三项制度工作安排》第（一）部分第3项：自作出之日起7个工作日内，其他执法决定20个工作日内），"
                         "按决定日期计入年度；按期与否以登记的公示日期对照公示期限；不予公开须经批准（《三项制度工作安排》第（一）部分第4项），"
                         "批准为签名记录。已撤回的（公示规定第十一条）仍按其公示情况计入，另列其数。决定已作废的不是应公示的决定，"
                         "不计入各行与合计，另列其数（本系统的规则）。", hits, PUBLICITY_ROWS)
    return replace(table, rows=table.rows + (Row("withdrawn", "其中：已撤回", {"count": count(withdrawn)}),
                                             Row("void", "另：决定已作废（不再公示，不计入合计）", {"count": count(voided)})))


for _spec in (TableSpec("cases", "案件受理与办结", cases_table), TableSpec("closing", "结案情形", closing_table),
              TableSpec("penalties", "行政处罚（按种类）", penalties_table),
              TableSpec("no_penalty", "不予行政处罚（按情形）", no_penalty_table),
              TableSpec("coercive", "行政强制措施", coercive_table), TableSpec("hearings", "听证", hearings_table),
              TableSpec("legal_review", "重大行政执法决定法制审核", legal_review_table),
              TableSpec("case_review", "案件法制审核", case_review_table),
              TableSpec("review_days", "法制审核用时", review_days_table),
              TableSpec("transfers", "案件移送", transfers_table), TableSpec("media", "音像记录覆盖", media_table),
              TableSpec("deadlines", "法定期限遵守情况", deadlines_table),
              TableSpec("publicity", "行政执法公示", publicity_table),
              TableSpec("monthly", "按月统计", monthly_table), TableSpec("departments", "按承办部门统计", departments_table)):
    register(_spec)
