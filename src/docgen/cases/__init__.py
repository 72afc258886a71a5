"""Cases (一案一卷): the case a document belongs to, entered once, with its timeline and deadlines.

``case``: the case record, its 案件编号 and events (``CaseStore``);
``fill``: the case's data merged into an instrument's payload (录入一次化);
``deadlines``: the statutory deadlines computed from the issued documents.
"""
from .case import Case, CaseStore, CaseEvent

__all__ = ["Case", "CaseStore", "CaseEvent"]
