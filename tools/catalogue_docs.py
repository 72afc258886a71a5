#!/usr/bin/env python3
"""Write docs/instruments.md, the catalogue of released instruments, from the manifest.

Usage (from the project root)::

    .venv/bin/python tools/catalogue_docs.py           # (re)write docs/instruments.md
    .venv/bin/python tools/catalogue_docs.py --check   # exit 1 if it is out of date

The page is generated rather than written so that it cannot drift from what is
released: every template in ``templates/manifest.json`` with its title, kind,
current version, the signature stages of that version's workflow, and its legal
basis. The basis is the version's ``basis`` in the manifest (recorded at
release by tools/build_templates.py); versions released before that field
existed fall back to the citation in their build function's docstring
(tools/legal_basis.py). ``tests/test_catalogue_docs.py`` fails when the page is
stale.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tools"))

from docgen.catalogue import Catalogue, TemplateVersion  # noqa: E402
from legal_basis import legal_basis  # noqa: E402

OUTPUT = Path("docs") / "instruments.md"
KINDS = {"form": "表格", "letter": "文书", "record": "笔录", "other": "其他"}
NO_BASIS = "—（未注明）"


@dataclass(frozen=True)
class Row:
    """One instrument as the page shows it."""

    template_id: str
    title: str
    kind: str
    numbered: bool
    current: str
    released: str
    other_versions: tuple[str, ...]
    stages: tuple[str, ...]
    basis: str


def authored_basis() -> Callable[[str, str], str]:
    """Citations from the build functions, by (id, version): the fallback for old releases."""
    try:
        from authoring.instruments import INSTRUMENTS
    except Exception:  # noqa: BLE001 - authoring needs python-docx; without it, no fallback
        return lambda template_id, version: ""
    found = {(i.id, i.version): legal_basis(i) for i in INSTRUMENTS}
    return lambda template_id, version: found.get((template_id, version), "")


def rows(root: Path) -> list[Row]:
    """Every template of the manifest, in manifest order."""
    catalogue = Catalogue(root)
    manifest = json.loads((root / "templates" / "manifest.json").read_text(encoding="utf-8"))
    recorded = {(entry["id"], version["version"]): version.get("basis", "")
                for entry in manifest["templates"] for version in entry["versions"]}
    fallback = authored_basis()
    result = []
    for template in catalogue.templates.values():
        current = template.current
        released = next(v.get("released", "") for e in manifest["templates"] if e["id"] == template.template_id
                        for v in e["versions"] if v["version"] == current.version)
        others = tuple(f"{v.version}（{'现行' if v.status == 'active' else '停用'}）"
                       for v in template.versions if v is not current)
        basis = recorded.get((template.template_id, current.version)) or fallback(template.template_id,
                                                                                 current.version)
        result.append(Row(template.template_id, template.title, template.kind, template.numbered,
                          current.version, released, others, stages(current), basis))
    return result


def stages(release: TemplateVersion) -> tuple[str, ...]:
    return tuple(stage.label for stage in release.workflow.stages)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(rows: Sequence[Row]) -> str:
    """The Markdown page (deterministic: same manifest, same bytes)."""
    lines = [
        "# 执法文书目录",
        "",
        "<!-- 由 tools/catalogue_docs.py 根据 templates/manifest.json 生成，请勿手工修改；"
        "重新生成：.venv/bin/python tools/catalogue_docs.py -->",
        "",
        f"已发布 {len(rows)} 种文书。类型：{'，'.join(f'`{k}` {v}' for k, v in KINDS.items())}。"
        "“编号”指由本服务分配文书编号。审批环节取自现行版本的审批流程（templates/_workflows/），"
        "依次签署。法律依据中“程序规定”指《市场监督管理行政处罚程序规定》。",
        "",
        "| 模板 | 名称 | 类型 | 编号 | 现行版本 | 审批环节 | 法律依据 |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        version = f"{row.current}（{row.released}）" if row.released else row.current
        if row.other_versions:
            version += "；另有 " + "、".join(row.other_versions)
        lines.append("| " + " | ".join(_cell(value) for value in (
            f"`{row.template_id}`", row.title, f"{KINDS.get(row.kind, row.kind)}（`{row.kind}`）",
            "是" if row.numbered else "否", version, " → ".join(row.stages), row.basis or NO_BASIS)) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if out of date")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    found = rows(args.root)
    text = render(found)
    target = args.root / OUTPUT
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{OUTPUT} 已过期，请运行 .venv/bin/python tools/catalogue_docs.py", file=sys.stderr)
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"已写入 {target}（{len(found)} 种文书）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
