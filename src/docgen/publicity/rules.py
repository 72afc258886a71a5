"""Which issued decisions are published (公示), by when, and for how long.

The rules are agency settings (``agency.PublicitySettings``); by default the
seed's: a 行政处罚决定书 (the instrument of 普通程序; 当场处罚 has its own) is
published within 7 working days of its date, unless its only penalty is a
warning (《市场监督管理行政处罚信息公示规定》第二条第二款), and any other
instrument the agency lists within 20. Working days are the agency calendar's.

- Withdrawal after a change or revocation: 3 working days (公示规定第十一条).
- Withdrawal after a void (作废, ``voiding.py``): the same 3 working days from the
  void's day — docgen's analogy, not a rule: 第十一条 names 变更、撤销、确认违法或者
  确认无效, and a void is none of these [U].
- Publication period (公示规定第十三条): 3 months for 通报批评 or a 较低数额罚款
  (the threshold is the province's, ``low_fine_limit``), otherwise 3 years,
  counted from the day of publication; a 限制开展生产经营活动 or 限制从业 longer
  than 3 years runs as long as the restriction (said in the note, not computed:
  the payload does not type the restriction's length).
- Not published at all: a natural person under 18 on the decision's date (the
  浙江 rule the reference cites, 《浙江省行政处罚结果信息网上公开暂行办法》第七条 [S]).
"""
from __future__ import annotations

import calendar as months
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ..agency import PublicitySettings, PublicityRule
from ..workdays import Calendar

WARNING = "警告"
CRITICISM = "通报批评"
FINE = "罚款"
RESTRICTIONS = ("限制开展生产经营活动", "限制从业")
PERIOD_BASIS = "《市场监督管理行政处罚信息公示规定》第十三条"
WITHDRAW_BASIS = "《市场监督管理行政处罚信息公示规定》第十一条：行政处罚决定被依法变更、撤销、确认违法或者确认无效的，三个工作日内撤回公示信息并说明理由"
VOID_WITHDRAW_BASIS = ("本系统参照《市场监督管理行政处罚信息公示规定》第十一条，自作废之日起在撤回期限"
                       "（publicity.withdraw_working_days，默认三个工作日）内撤回公示信息；作废不属于该条所列变更、撤销、确认违法或者确认无效，此期限为本系统的内部控制，非法定期限")
MINOR_BASIS = "《浙江省行政处罚结果信息网上公开暂行办法》第七条（涉及未成年人的案件不予公开；参照，非本省规定）"


@dataclass(frozen=True)
class Applicability:
    """Whether a document must be published: its rule, or why not."""

    rule: PublicityRule | None
    withheld: str | None = None
    """Why a matching decision is nonetheless not published (a minor party), with its basis."""

    @property
    def publish(self) -> bool:
        return self.rule is not None and self.withheld is None


def applies(settings: PublicitySettings, template_id: str, data: Any) -> Applicability:
    """The rule a freshly issued document falls under, if any (``None``: not a decision to publish)."""
    rule = settings.rule(template_id)
    if rule is None:
        return Applicability(None)
    penalties = [p.get("type") for p in data.get("penalties", []) if isinstance(p, dict)]
    if rule.unless == "warning_only" and penalties and all(t == WARNING for t in penalties):
        return Applicability(None)
    minor = minor_party(data)
    if minor:
        return Applicability(rule, f"当事人为未成年人（{minor}），不予公开：{MINOR_BASIS}")
    return Applicability(rule)


def minor_party(data: Any) -> str | None:
    """A natural-person party under 18 on the decision date, read from a resident ID's birth date."""
    party = data.get("party") if isinstance(data, dict) else None
    if not isinstance(party, dict) or party.get("kind") != "person":
        return None
    number, on = str(party.get("id_number", "")), decision_date(data)
    if party.get("id_type", "居民身份证") != "居民身份证" or len(number) != 18 or on is None:
        return None
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return f"作出决定时 {age} 周岁" if age < 18 else None


def decision_date(data: Any) -> date | None:
    value = data.get("issued_on") if isinstance(data, dict) else None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def due_on(calendar: Calendar, start: date, working_days: int) -> tuple[date, str | None]:
    """``start`` plus the working days, and a note when the calendar lacks a year (counted Monday–Friday:
    usually earlier around a holiday, but a day later across a 调休 weekend workday)."""
    due = calendar.add_working_days(start, working_days)
    unknown = calendar.unknown_years(start, due)
    note = (f"机关日历未列 {'、'.join(map(str, unknown))} 年的节假日安排，按周一至周五计算，期限可能与实际相差一两天：请补充该年度日历"
            if unknown else None)
    return due, note


def plus_months(start: date, count: int) -> date:
    """``count`` calendar months later; the month's last day where it has no such day."""
    total = start.month - 1 + count
    year, month = start.year + total // 12, total % 12 + 1
    return date(year, month, min(start.day, months.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    months: int
    end: date
    note: str


def period(settings: PublicitySettings, data: Any, published_on: date) -> Period:
    """How long the published decision stays up (公示规定第十三条), from the day it was published."""
    penalties = [p for p in data.get("penalties", []) if isinstance(p, dict)]
    kinds = {p.get("type") for p in penalties}
    limit = _amount(settings.low_fine_limit)
    fines = [_amount(p.get("amount")) for p in penalties if p.get("type") == FINE]
    low_fine = limit is not None and all(f is not None and f <= limit for f in fines)
    short = bool(kinds) and kinds <= {CRITICISM, FINE, WARNING} and (FINE not in kinds or low_fine)
    note = f"{PERIOD_BASIS}：" + ("仅受到通报批评或者较低数额罚款的，公示满三个月停止公示" if short
                                 else "其他行政处罚信息公示满三年停止公示")
    if FINE in kinds and limit is None:
        note += "（本机关尚未设定本省“较低数额罚款”的标准，罚款按三年计；请系统管理员在机关配置 publicity.low_fine_limit 中补充）"
    if kinds & set(RESTRICTIONS):
        note += "；限制开展生产经营活动、限制从业超过三年的，按实际限制期限公示（第十三条第三款），请人工核对"
    count = 3 if short else 36
    return Period(count, plus_months(published_on, count), note)


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        return None
