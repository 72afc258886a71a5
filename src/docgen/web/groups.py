"""The catalogue's grouping of instruments by the stage of a case, read from ``templates/groups.json``.

Grouping is data so that the lead can file the ~50 instruments still to come
without touching code. The file maps a group's Chinese name to template ids,
in display order. Nothing may disappear from the catalogue because the file
lags behind the manifest: an instrument in no group is listed under 其他, and
an id the catalogue does not know (not released yet) is skipped.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..catalogue import Template
from ..errors import TemplateError

OTHER = "其他"
#: The stages of a case, shown in this order even while a stage has no instrument yet.
STAGES = ("案源", "调查", "强制措施", "抽样检测", "审核告知听证", "决定", "执行送达", "结案归档")


@dataclass(frozen=True)
class Group:
    title: str
    templates: tuple[Template, ...]


def load_groups(path: Path) -> dict[str, list[str]]:
    """The mapping in ``groups.json``; an absent file groups nothing (everything under 其他)."""
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise TemplateError(f"{path.name} 不是有效的 JSON：{exc}") from exc
    if not isinstance(raw, dict) or not all(
            isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in raw.values()):
        raise TemplateError(f"{path.name} 应为“分组名称 → 模板标识数组”的对象")
    return raw


def group(templates: Iterable[Template], mapping: dict[str, list[str]]) -> list[Group]:
    """The stages in order (then any extra group of the file), each with its known instruments, then 其他."""
    by_id = {template.template_id: template for template in templates}
    titles = [*STAGES, *(title for title in mapping if title not in STAGES and title != OTHER)]
    groups, placed = [], set()
    for title in titles:
        members = tuple(by_id[i] for i in mapping.get(title, []) if i in by_id)
        placed.update(t.template_id for t in members)
        groups.append(Group(title, members))
    rest = tuple(t for i, t in by_id.items() if i not in placed)
    listed_other = tuple(by_id[i] for i in mapping.get(OTHER, []) if i in by_id)
    others = listed_other + tuple(t for t in rest if t not in listed_other)
    if others:
        groups.append(Group(OTHER, others))
    return groups
