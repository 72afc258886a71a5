#!/usr/bin/env python3
"""Author the DOCX templates of the enforcement instruments and release them.

Usage (from the project root)::

    .venv/bin/python tools/build_templates.py
        Release every instrument version described below that is not yet in
        templates/manifest.json: write its template.docx and its manifest entry.
    .venv/bin/python tools/build_templates.py --check
        Exit 1, naming them, if released templates differ from what their builders
        now make (a shared block changed: those instruments need new versions).
    .venv/bin/python tools/build_templates.py --preview DIR [--only ID ...]
        Write the template, the rendered example and the rendered blank form of
        each version to DIR, for looking at; nothing under templates/ changes.

Why a program rather than DOCX files edited in Word: every instrument shares
the same building blocks (page setup, agency header, 文书编号, party block,
remedy clause, signature and seal lines, "第 X 页 共 Y 页" footer). Written
once as functions they stay identical across instruments, and every Jinja tag
is written as one run, so docxtpl never meets a tag that Word split in two.

Released versions are immutable (docs/architecture.md): the manifest pins the
sha256 of every file a version depends on, and documents already issued cite
it. This tool therefore never rewrites a version that is in the manifest; a
change is a new version number in ``INSTRUMENTS``. The schema and the example
payload of a version are hand-written files (schemas/<id>/<v>.schema.json,
templates/<id>/<v>/example.json); before releasing, the tool checks that the
example validates and that the example and the blank form both render.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

from authoring.blocks import MANIFEST, ROOT, Builder, Instrument  # noqa: E402
from authoring.instruments import INSTRUMENTS  # noqa: E402
from legal_basis import legal_basis  # noqa: E402

# Release ---------------------------------------------------------------------------------

CHECK_AGENCY = {"name": "株洲市市场监督管理局", "review_body": "株洲市人民政府", "court": "株洲市天元区人民法院",
                "address": "株洲市天元区长江南路1号", "phone": "0731-28888888"}
LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|None|Undefined")


def author(instrument: Instrument) -> bytes:
    builder = Builder(instrument.layout, instrument.title)
    instrument.build(builder)
    return builder.to_bytes()


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def referenced_schemas(schema: dict) -> list[str]:
    """The shared-definition files a schema's $refs point into (their hashes are pinned too)."""
    found = set(re.findall(r'"\$ref":\s*"https://docgen\.example/schemas/([^"#/]+)/([^"#]+)',
                           json.dumps(schema)))
    return sorted(f"schemas/{name}/{version}.schema.json" for name, version in found)


def document_text(docx: bytes) -> str:
    """All text of a DOCX (body, headers, footers) for the leftover-tag check."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        xml = "".join(archive.read(name).decode("utf-8") for name in archive.namelist()
                      if name.startswith("word/") and name.endswith(".xml"))
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


def check(instrument: Instrument, template: bytes) -> dict[str, bytes]:
    """Validate the example and render it and the blank form; refuse on any problem."""
    from docgen.catalogue import schema_registry
    from docgen.rendering import RenderContext, render_docx
    from docgen.validation import compile_validator

    paths = instrument.paths()
    schema = load_json(ROOT / paths["schema"])
    example = load_json(ROOT / paths["example"])
    issues = compile_validator(schema, schema_registry(ROOT)).issues(example)
    if issues:
        raise SystemExit(f"{instrument.id}: example.json 不符合 schema：" +
                         "; ".join(f"{i.pointer} {i.message}" for i in issues))
    number = "株市监〔2026〕1号" if instrument.numbered else ""
    renders = {
        "example": render_docx(template, RenderContext(data=example, agency=CHECK_AGENCY, doc_number=number)),
        "blank": render_docx(template, RenderContext(data={}, agency=CHECK_AGENCY, blank=True)),
    }
    for name, docx in renders.items():
        leftover = LEFTOVER.search(document_text(docx))
        if leftover:
            raise SystemExit(f"{instrument.id}: rendered {name} still contains {leftover.group(0)!r}")
    if "_" in document_text(renders["example"]).replace("&#95;", ""):
        raise SystemExit(f"{instrument.id}: rendered example contains a stray underscore")
    return renders


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def release(instrument: Instrument, manifest: dict, today: str, basis: str = "") -> None:
    """Write template.docx and the manifest entry of a version not yet released.

    Earlier versions are retired: they still render and verify the documents issued
    with them (and their pending approvals), but nothing new is issued with them.

    ``basis`` (the legal basis, see tools/legal_basis.py) is recorded in the version
    entry when given: the citation belongs to the release, since a later version may
    be made under amended provisions.
    """
    paths = instrument.paths()
    template = author(instrument)
    check(instrument, template)
    target = ROOT / paths["template"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(template)
    files = [*paths.values(), *referenced_schemas(load_json(ROOT / paths["schema"]))]
    entry = next((e for e in manifest["templates"] if e["id"] == instrument.id), None)
    if entry is None:
        entry = {"id": instrument.id, "title": instrument.title, "kind": instrument.kind,
                 "numbered": instrument.numbered, "versions": []}
        manifest["templates"].append(entry)
    version = {"version": instrument.version, "status": "active", "released": today}
    if basis:
        version["basis"] = basis
    for earlier in entry["versions"]:  # a new version supersedes: new documents use it
        if earlier["status"] == "active":
            earlier["status"] = "retired"
    entry["versions"].append({**version, "files": paths, "sha256": {name: sha256(ROOT / name) for name in files}})


def released(manifest: dict, instrument: Instrument) -> bool:
    return any(v["version"] == instrument.version for e in manifest["templates"] if e["id"] == instrument.id
               for v in e["versions"])


def preview(instruments: Sequence[Instrument], directory: Path) -> None:
    """Template, example and blank renderings to look at, without releasing anything."""
    directory.mkdir(parents=True, exist_ok=True)
    for instrument in instruments:
        template = author(instrument)
        renders = check(instrument, template)
        (directory / f"{instrument.id}.template.docx").write_bytes(template)
        for name, docx in renders.items():
            (directory / f"{instrument.id}.{name}.docx").write_bytes(docx)
        print(f"{instrument.id}: preview written to {directory}")


def stale(instruments: Sequence[Instrument], manifest: dict) -> list[str]:
    """Released versions whose builder no longer produces their template: a shared block or
    a builder changed, and each instrument concerned needs a new version to carry it."""
    return [f"{i.id} 版本 {i.version}" for i in instruments
            if released(manifest, i) and author(i) != (ROOT / i.paths()["template"]).read_bytes()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preview", type=Path, help="write previews to this directory; release nothing")
    parser.add_argument("--only", nargs="*", default=None, help="instrument ids to consider")
    parser.add_argument("--check", action="store_true",
                        help="release nothing; exit 1 if a released template differs from what its builder makes")
    args = parser.parse_args(argv)
    chosen = [i for i in INSTRUMENTS if args.only is None or i.id in args.only]
    if args.preview:
        preview(chosen, args.preview)
        return 0
    manifest = load_json(MANIFEST) if MANIFEST.exists() else {"templates": []}
    if args.check:
        changed = stale(chosen, manifest)
        for name in changed:
            print(f"{name} 已发布，但构建代码现在生成的模板与之不同：请在其模块中为它新增版本。")
        return 1 if changed else 0
    today = dt.date.today().isoformat()
    for instrument in chosen:
        if released(manifest, instrument):
            print(f"{instrument.id} 版本 {instrument.version} 已发布，发布后不可修改，未覆盖"
                  f"（如需修改请新增版本）。")
            continue
        release(instrument, manifest, today, basis=legal_basis(instrument))
        print(f"{instrument.id} 版本 {instrument.version} 已发布。")
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    if not MANIFEST.exists() or MANIFEST.read_text(encoding="utf-8") != text:
        MANIFEST.parent.mkdir(parents=True, exist_ok=True)
        MANIFEST.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
