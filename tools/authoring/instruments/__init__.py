"""Every instrument version the authoring tool knows, from each group's module.

core: the review table and the core of a penalty case; early: 案源、管辖、调查、先行登记保存
(items 1–20 of the 2021 list); measures: 行政强制、抽样检测、责令、审核 (21–36); closing:
告知、听证、决定、执行、送达、结案归档 (37–56); inspection: the 行政检查 instruments after the 司法部
2025 《行政检查文书基本格式文本（试行）》; avrecords: 音像记录说明 and 音像记录原件移交清单.
"""
from __future__ import annotations

from authoring.instruments import avrecords, closing, core, early, inspection, measures

INSTRUMENTS = (core.INSTRUMENTS + early.INSTRUMENTS + measures.INSTRUMENTS + closing.INSTRUMENTS
               + inspection.INSTRUMENTS + avrecords.INSTRUMENTS)
