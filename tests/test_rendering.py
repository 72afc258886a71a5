"""The fast renderer makes docxtpl's document: every released template, example and blank form,
part for part; payload keys named like dict methods; the fallback to docxtpl's own path."""
from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from docx import Document

from docgen import rendering
from docgen.catalogue import Catalogue, TemplateVersion
from docgen.config import PROJECT_DIR, load_agency
from docgen.errors import RenderFailed
from docgen.rendering import RenderContext, render_docx

CATALOGUE = Catalogue(PROJECT_DIR)
RELEASES = [release for template in CATALOGUE.templates.values() for release in template.versions]
# The current version of each template in every tier; the older releases (which only re-render the
# documents issued with them) in the full suite, as the other sweeps over every release are.
SWEEP = [pytest.param(release, id=release.key, marks=() if release.version == CATALOGUE.get(release.template_id).version
                      else pytest.mark.catalogue) for release in RELEASES]
AGENCY = load_agency()
NASTY = "甲<乙>&丙 \"引号\" '单' {{ data.x }} {_{ {% if %} 第一行\n第二行\r\n\t缩进 _下划线_ ]]>"


def members(docx: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        assert archive.testzip() is None
        return [(name, archive.read(name)) for name in archive.namelist()]


def assert_same_document(template: bytes, context: RenderContext) -> bytes:
    fast = render_docx(template, context)
    reference = rendering._render_with_docxtpl(template, context)
    fast_members, reference_members = members(fast), members(reference)
    assert [name for name, _ in fast_members] == [name for name, _ in reference_members]
    for (name, data), (_, expected) in zip(fast_members, reference_members):
        assert data == expected, f"{name} differs from docxtpl's"
    return fast


def contexts(release: TemplateVersion) -> dict[str, RenderContext]:
    return {
        "example": RenderContext(data=release.example, agency=AGENCY,
                                 doc_number="株市监处罚〔2026〕1号" if release.numbered else "",
                                 extra={"approvals": {}}),
        "blank": RenderContext(data={}, agency=AGENCY, blank=True),
    }


@pytest.mark.parametrize("release", SWEEP)
@pytest.mark.parametrize("kind", ["example", "blank"])
def test_every_part_is_docxtpls(release: TemplateVersion, kind: str) -> None:
    assert rendering._prepare(release.template_bytes) is not None, "the fast path must handle released templates"
    assert_same_document(release.template_bytes, contexts(release)[kind])


def _replace_strings(value: Any, text: str) -> Any:
    if isinstance(value, str):
        return text if not re.fullmatch(r"[\d.\-:T+]+", value) else value  # keep dates and amounts valid
    if isinstance(value, dict):
        return {key: _replace_strings(item, text) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_strings(item, text) for item in value]
    return value


@pytest.mark.parametrize("release", SWEEP)
def test_markup_and_control_characters_in_values_render_as_docxtpl_does(release: TemplateVersion) -> None:
    data = _replace_strings(release.example, NASTY)
    approvals = {stage.id: {"decision": "同意", "opinion": NASTY, "signer": "王<法>制", "date": "2026-03-05"}
                 for stage in release.workflow.stages[1:]}
    docx = assert_same_document(release.template_bytes, RenderContext(
        data=data, agency=AGENCY, doc_number="株市监处罚〔2026〕1号", extra={"approvals": approvals}))
    document = members(docx)[[name for name, _ in members(docx)].index("word/document.xml")][1].decode()
    assert "甲&lt;乙&gt;&amp;丙" in document and "{_{" in document.replace("&#95;", "_")


def small_template(*paragraphs: str, title: str | None = None) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.sections[0].footer.paragraphs[0].text = "页脚 {{ data.items }}"
    if title is not None:
        document.core_properties.title = title
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def document_text(docx: bytes) -> str:
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", dict(members(docx))["word/document.xml"].decode()))


def test_payload_keys_named_like_dict_methods_print_the_value() -> None:
    template = small_template(
        "{{ data.items }}|{{ data.keys }}|{{ data.values }}|{{ data.get }}|{{ data.party.update }}|{{ data.copy }}",
        "{% for row in data.items %}[{{ row.name }}]{% endfor %}",
        "{% for key, value in data.plain.items() %}{{ key }}={{ value }};{% endfor %}{{ data.plain.get('a') }}",
        "{{ agency.items }}",
    )
    data = {"items": [{"name": "扣押物品一"}, {"name": "扣押物品二"}], "keys": "钥匙", "values": "价值",
            "get": "获取", "party": {"update": "更新"}, "copy": "副本", "plain": {"a": "1", "b": "2"}}
    docx = assert_same_document(template, RenderContext(data=data, agency={"items": "机关条目"}))
    text = document_text(docx)
    assert "[{'name'" in text or "&#39;" in text  # the list itself, printed (and escaped)
    assert "|钥匙|价值|获取|更新|副本" in text
    assert "[扣押物品一][扣押物品二]" in text
    assert "a=1;b=2;1" in text  # without such a key, the dict's own methods still work
    assert "机关条目" in text
    assert "bound method" not in text and "built-in method" not in text
    assert "页脚 [{" in dict(members(docx))["word/footer1.xml"].decode()  # headers and footers too


def test_missing_keys_named_like_dict_methods_still_fall_back_to_jinja() -> None:
    template = small_template("{{ data.title }}|{{ data.missing }}|{{ data.missing.items }}|")
    text = document_text(render_docx(template, RenderContext(data={"title": "标题"}, agency={})))
    assert text.startswith("标题|||")
    blank = document_text(render_docx(template, RenderContext(data={}, agency={}, blank=True)))
    assert blank.startswith(f"{rendering.BLANK_LINE}|{rendering.BLANK_LINE}|")


def test_sandbox_still_refuses_unsafe_attributes() -> None:
    template = small_template("[{{ data.__class__.__mro__ }}][{{ data.x.__class__ }}][{{ data.pop }}]")
    docx = assert_same_document(template, RenderContext(data={"x": 1}, agency={}))
    text = document_text(docx)
    assert text.startswith("[][]") and "class" not in text


def test_template_with_a_tag_in_its_properties_uses_docxtpl_itself() -> None:
    template = small_template("正文 {{ data.name }}", title="{{ data.name }}")
    assert rendering._prepare(template) is None
    docx = assert_same_document(template, RenderContext(data={"name": "某公司"}, agency={}))
    assert "<dc:title>某公司</dc:title>" in dict(members(docx))["docProps/core.xml"].decode()


def test_broken_template_fails_the_same_way_on_both_paths() -> None:
    template = small_template("{% if data.x %}未闭合")
    with pytest.raises(RenderFailed) as fast:
        render_docx(template, RenderContext(data={}, agency={}))
    with pytest.raises(RenderFailed) as reference:
        rendering._render_with_docxtpl(template, RenderContext(data={}, agency={}))
    assert str(fast.value) == str(reference.value)


def test_not_a_docx_is_refused_as_before() -> None:
    with pytest.raises(Exception) as fast:
        render_docx(b"not a zip", RenderContext(data={}, agency={}))
    with pytest.raises(Exception) as reference:
        rendering._render_with_docxtpl(b"not a zip", RenderContext(data={}, agency={}))
    assert type(fast.value) is type(reference.value)
