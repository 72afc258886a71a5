"""The template linter: the released catalogue is clean, and every check fires on a broken copy.

Each broken copy is the real catalogue copied to a temporary directory with one
deliberate mistake, made the way it happens in practice (a typo in Word, a run
split by Word, an edited example), and the manifest re-pinned where the test is
not about hashes, so that exactly the intended check has something to say.
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from copy import deepcopy
from pathlib import Path
from typing import Callable

import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from docgen import cli
from docgen.catalogue import Catalogue
from docgen.config import PROJECT_DIR, load_agency
from docgen.lint import Check, LintReport, Problem, Severity, lint_catalogue, lint_version

AGENCY = load_agency()
CURRENT = {template_id: template.current for template_id, template in Catalogue(PROJECT_DIR).templates.items()}


class BrokenCopy:
    """The catalogue copied into a temporary directory, to be broken on purpose."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(PROJECT_DIR / "templates", root / "templates")
        shutil.copytree(PROJECT_DIR / "schemas", root / "schemas")

    def file(self, template_id: str, role: str) -> Path:
        manifest = json.loads((self.root / "templates" / "manifest.json").read_text(encoding="utf-8"))
        entry = next(e for e in manifest["templates"] if e["id"] == template_id)
        return self.root / entry["versions"][-1]["files"][role]

    def edit_xml(self, template_id: str, old: str, new: str, part: str = "word/document.xml") -> None:
        """Replace the first ``old`` in one part of the template, as a hand edit would."""
        path = self.file(template_id, "template")
        def change(xml: str) -> str:
            assert old in xml, f"{old!r} not in {part}"
            return xml.replace(old, new, 1)
        path.write_bytes(rewrite_part(path.read_bytes(), part, change))
        self.repin(path)

    def edit_docx(self, template_id: str, change: Callable[[Document], None]) -> None:
        path = self.file(template_id, "template")
        document = Document(io.BytesIO(path.read_bytes()))
        change(document)
        out = io.BytesIO()
        document.save(out)
        path.write_bytes(out.getvalue())
        self.repin(path)

    def edit_json(self, template_id: str, role: str, change: Callable[[dict], None], repin: bool = True) -> None:
        path = self.file(template_id, role)
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        if repin:
            self.repin(path)

    def edit_manifest(self, change: Callable[[dict], None]) -> None:
        path = self.root / "templates" / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        change(manifest)
        path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")

    def repin(self, path: Path) -> None:
        """Record the file's new hash, so that only the mistake under test is found."""
        name = str(path.relative_to(self.root))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        def change(manifest: dict) -> None:
            for entry in manifest["templates"]:
                for version in entry["versions"]:
                    if name in version["sha256"]:
                        version["sha256"][name] = digest
        self.edit_manifest(change)

    def lint(self, template_id: str) -> list[Problem]:
        catalogue = Catalogue(self.root)
        return lint_version(catalogue, catalogue.get(template_id), AGENCY)


def rewrite_part(docx: bytes, part: str, change: Callable[[str], str]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                data = change(data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data)
    return out.getvalue()


def run_with(document: Document, text: str):  # noqa: ANN201 - a python-docx run
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            if run.text == text:
                return run
    raise AssertionError(f"no run {text!r}")


def split_run(document: Document, text: str, at: int, between: OxmlElement | None = None) -> None:
    """Split the run holding ``text`` in two at ``at``, as Word does (optionally with an element between)."""
    run = run_with(document, text)
    second = deepcopy(run._r)
    run.text = text[:at]
    second.find(qn("w:t")).text = text[at:]
    run._r.addnext(second)
    if between is not None:
        run._r.addnext(between)


def only(problems: list[Problem], check: Check) -> list[Problem]:
    return [p for p in problems if p.check is check]


@pytest.fixture()
def broken(tmp_path: Path) -> BrokenCopy:
    return BrokenCopy(tmp_path)


# The real catalogue ------------------------------------------------------------------------


@pytest.mark.catalogue
def test_the_released_catalogue_has_no_errors(catalogue: Catalogue) -> None:
    report = lint_catalogue(PROJECT_DIR, AGENCY)
    released = [v.key for t in catalogue.templates.values() for v in t.versions]
    assert list(report.versions) == released
    assert report.ok, report.describe()
    assert report.exit_status == 0


@pytest.mark.catalogue
def test_the_command_lints_and_still_lists(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["templates", "lint", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and not [p for p in result["problems"] if p["severity"] == "error"]
    assert cli.main(["templates", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {row["id"] for row in listed} >= {"penalty-decision", "on-site-record"}


@pytest.mark.catalogue
def test_the_command_fails_on_a_broken_catalogue(broken: BrokenCopy, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    broken.edit_xml("penalty-decision", "{{ data.party.name }}", "{{ data.party.nmae }}")
    monkeypatch.setenv("DOCGEN_CATALOGUE_DIR", str(broken.root))
    assert cli.main(["templates", "lint"]) == 1
    out = capsys.readouterr().out
    assert f"{CURRENT['penalty-decision'].key} [placeholder]" in out and "data.party.nmae" in out


# placeholder -------------------------------------------------------------------------------


def test_a_misspelt_field_is_found_with_its_paragraph(broken: BrokenCopy) -> None:
    broken.edit_xml("penalty-decision", "{{ data.party.name }}", "{{ data.party.nmae }}")
    [problem] = only(broken.lint("penalty-decision"), Check.PLACEHOLDER)
    assert problem.key == CURRENT["penalty-decision"].key and problem.severity is Severity.ERROR
    assert problem.where.part == "word/document.xml" and problem.where.paragraph
    assert problem.where.snippet == "{{ data.party.nmae }}"
    assert "nmae" in problem.message and "license_name" in problem.message  # says what exists


def test_a_loop_variable_is_checked_against_the_item_schema(broken: BrokenCopy) -> None:
    broken.edit_xml("on-site-record", "{{ o.certificate_number }}", "{{ o.certificate_no }}")
    [problem] = only(broken.lint("on-site-record"), Check.PLACEHOLDER)
    assert problem.where.snippet == "{{ o.certificate_no }}"
    assert "data.inspectors[]" in problem.message


def test_a_name_outside_the_rendering_context_is_found(broken: BrokenCopy) -> None:
    broken.edit_xml("penalty-notice", "{{ agency.name }}", "{{ agnecy.name }}")
    [problem] = only(broken.lint("penalty-notice"), Check.PLACEHOLDER)
    assert "agnecy" in problem.message and problem.where.snippet == "{{ agnecy.name }}"


def test_an_unknown_agency_field_and_filter_are_found(broken: BrokenCopy) -> None:
    broken.edit_xml("penalty-decision", "{{ agency.court }}", "{{ agency.courts }}")
    broken.edit_xml("penalty-decision", "data.issued_on|cn_date", "data.issued_on|cn_dates")
    messages = [p.message for p in only(broken.lint("penalty-decision"), Check.PLACEHOLDER)]
    assert any("courts" in m and "review_body" in m for m in messages)
    assert any("cn_dates" in m for m in messages)


def test_a_stage_missing_from_the_workflow_is_a_warning(broken: BrokenCopy) -> None:
    broken.edit_xml("major-decision-review", "approvals.director.decision", "approvals.directr.decision")
    [problem] = only(broken.lint("major-decision-review"), Check.PLACEHOLDER)
    assert problem.severity is Severity.WARNING and "directr" in problem.message
    assert LintReport((CURRENT["major-decision-review"].key,), (problem,)).exit_status == 0


# unused-required ---------------------------------------------------------------------------


def test_a_required_field_the_template_never_reads_is_found(broken: BrokenCopy) -> None:
    broken.edit_xml("penalty-decision", "{{ data.violation }}", "{{ data.violated_provisions }}")
    [problem] = only(broken.lint("penalty-decision"), Check.UNUSED_REQUIRED)
    assert problem.severity is Severity.ERROR and problem.where.pointer == "/violation"
    assert "data.violation" in problem.message


# numbering ---------------------------------------------------------------------------------


def test_a_numbered_template_without_a_prefix_is_found(broken: BrokenCopy) -> None:
    def number(manifest: dict) -> None:
        next(e for e in manifest["templates"] if e["id"] == "service-receipt")["numbered"] = True
    broken.edit_manifest(number)
    [problem] = only(broken.lint("service-receipt"), Check.NUMBERING)
    assert "service-receipt" in problem.message and problem.severity is Severity.ERROR


# example -----------------------------------------------------------------------------------


def test_an_example_that_does_not_validate_is_found(broken: BrokenCopy) -> None:
    broken.edit_json("penalty-notice", "example", lambda example: example.pop("violation"))
    problems = only(broken.lint("penalty-notice"), Check.EXAMPLE)
    assert [p.where.pointer for p in problems] == ["/violation"]
    assert problems[0].where.file == CURRENT["penalty-notice"].files["example"]


# split-tag ---------------------------------------------------------------------------------


def test_a_tag_split_across_runs_is_found(broken: BrokenCopy) -> None:
    broken.edit_docx("penalty-decision", lambda d: split_run(d, "{{ data.violation }}", 8))
    [problem] = only(broken.lint("penalty-decision"), Check.SPLIT_TAG)
    assert problem.where.snippet == "{{ data.violation }}" and problem.where.paragraph
    assert "run" in problem.message and "拆" in problem.message


def test_a_delimiter_broken_by_an_xml_element_is_found(broken: BrokenCopy) -> None:
    proof = OxmlElement("w:proofErr")
    proof.set(qn("w:type"), "spellStart")
    broken.edit_docx("penalty-decision", lambda d: split_run(d, "{{ data.violation }}", 1, proof))
    [problem] = only(broken.lint("penalty-decision"), Check.SPLIT_TAG)
    assert problem.where.snippet == "{{ data.violation }}"


def test_a_tag_across_two_paragraphs_is_found(broken: BrokenCopy) -> None:
    broken.edit_xml("penalty-decision", "{{ data.violation }}",
                    "{{ data.violation</w:t></w:r></w:p><w:p><w:r><w:t> }}")
    problems = only(broken.lint("penalty-decision"), Check.SPLIT_TAG)
    assert len(problems) == 2  # opened and never closed, then closed and never opened
    assert problems[1].where.paragraph == problems[0].where.paragraph + 1


def test_a_footer_is_checked_too(broken: BrokenCopy) -> None:
    broken.edit_xml("on-site-record", "当事人：", "{{ data.party.nam }}当事人：", part="word/footer1.xml")
    [problem] = only(broken.lint("on-site-record"), Check.PLACEHOLDER)
    assert problem.where.part == "word/footer1.xml"


# syntax and render -------------------------------------------------------------------------


def test_a_tag_jinja_cannot_parse_is_found(broken: BrokenCopy) -> None:
    broken.edit_xml("service-receipt", "{{ data.addressee }}", "{{ data.addressee + }}")
    problems = broken.lint("service-receipt")
    assert only(problems, Check.SYNTAX) and only(problems, Check.RENDER)


def test_a_template_that_fails_to_render_is_found(broken: BrokenCopy) -> None:
    broken.edit_xml("service-receipt", "{{ data.addressee }}", "{{ data.addressee ~ (1 // (blank and 0)) }}")
    problems = only(broken.lint("service-receipt"), Check.RENDER)
    assert len(problems) == 2 and all("渲染失败" in p.message for p in problems)  # example and blank form


def test_a_tag_left_in_the_rendered_text_is_found(broken: BrokenCopy) -> None:
    broken.edit_xml("service-receipt", "{{ data.addressee }}", "{{ data.addressee ~ '{{' }}")
    problems = only(broken.lint("service-receipt"), Check.RENDER)
    assert problems and all("{{" in p.message for p in problems)


# manifest ----------------------------------------------------------------------------------


def test_a_drifted_or_missing_file_is_found(broken: BrokenCopy) -> None:
    broken.edit_json("penalty-notice", "example", lambda example: example.update(violation="改过"), repin=False)
    broken.file("service-receipt", "template").unlink()
    drifted = only(broken.lint("penalty-notice"), Check.MANIFEST)
    assert [p.where.file for p in drifted] == [CURRENT["penalty-notice"].files["example"]]
    missing = only(broken.lint("service-receipt"), Check.MANIFEST)
    assert any(p.where.file == CURRENT["service-receipt"].files["template"] for p in missing)


def test_an_unpinned_shared_definition_is_found(broken: BrokenCopy) -> None:
    def unpin(manifest: dict) -> None:
        entry = next(e for e in manifest["templates"] if e["id"] == "penalty-notice")
        del entry["versions"][-1]["sha256"]["schemas/_defs/1.schema.json"]
    broken.edit_manifest(unpin)
    [problem] = only(broken.lint("penalty-notice"), Check.MANIFEST)
    assert "schemas/_defs/1.schema.json" in problem.message


@pytest.mark.catalogue
def test_problems_explain_themselves(broken: BrokenCopy) -> None:
    broken.edit_xml("penalty-decision", "{{ data.party.name }}", "{{ data.party.nmae }}")
    report = lint_catalogue(broken.root, AGENCY)
    [problem] = [p for p in report.errors if p.check is Check.PLACEHOLDER]
    text = str(problem)
    release = CURRENT["penalty-decision"]
    assert text.startswith(f"错误 {release.key} [placeholder] {release.files['template']}:")
    assert problem.to_dict()["why"] == Check.PLACEHOLDER.why
    assert Check.PLACEHOLDER.why in report.describe() and report.exit_status == 1
