"""Chinese names for the identifiers the pages show (roles, kinds, times)."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from ..timefmt import instant

ROLES = {
    "case_system": "案件系统（承办部门）",
    "dept_head": "承办部门负责人",
    "dept_leader": "承办部门分管领导",
    "legal_review": "法制审核人员",
    "legal_head": "法制部门负责人",
    "legal_leader": "分管法制的局领导",
    "director": "局长",
}
KINDS = {"form": "审批表", "letter": "文书", "record": "笔录", "other": "其他"}
WEEKDAYS = "一二三四五六日"


def role(role_id: str) -> str:
    return ROLES.get(role_id, role_id)


def kind(kind_id: str) -> str:
    return KINDS.get(kind_id, kind_id)


def local_time(value: str | None, zone: ZoneInfo) -> str:
    """A stored UTC instant (``2026-11-27T00:25:00Z``) as the agency's wall clock, to the minute."""
    if not value:
        return ""
    try:
        moment = instant(value)
    except ValueError:
        return value
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def cn_date(value: str | None) -> str:
    """2026-03-05 → 2026年3月5日（星期四）, as the due dates are read out."""
    if not value:
        return ""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"
