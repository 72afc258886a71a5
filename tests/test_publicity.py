"""Publicity (公示): the rules and deadlines on the agency calendar, redaction, and the public rendition
made for real (LibreOffice) from each example decision and maximal payloads, whose text layer leaks no
hidden value — also where the value recurs in other fields."""
from __future__ import annotations

import copy
import io
import json
import os
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import pytest
from pypdf import PdfReader

import pdftools
from docgen.agency import DEFAULT_PROFILE, Agency
from docgen.config import Settings, load_agency
from docgen.derivation import NAME, PublicManifest
from docgen.errors import ValidationFailed
from docgen.publicity import Span, rules
from docgen.publicity.redaction import REMOVED, redact, strings, matches
from docgen.sealing import manifest_bytes
from docgen.service import Service, authority
from payloads import RESIDENT_ID, maximal
from pyhanko.pdf_utils.reader import PdfFileReader

AGENCY = load_agency()
SETTINGS = AGENCY.publicity
DECISION = "penalty-decision"


# -- rules -------------------------------------------------------------------------------------------------

def decision(**changes: Any) -> dict[str, Any]:
    from docgen.catalogue import Catalogue
    from docgen.config import PROJECT_DIR
    example = copy.deepcopy(Catalogue(PROJECT_DIR).get(DECISION).example)
    return {**example, **changes}


def test_a_penalty_decision_is_published_within_7_working_days_on_the_agency_calendar() -> None:
    found = rules.applies(SETTINGS, DECISION, decision())
    assert found.publish and found.rule.working_days == 7
    # 2026-04-27 (Mon) + 7 working days: 28, 29, 30 April; 1–5 May 劳动节; 6, 7, 8 May; Saturday 9 May is a 调休 workday
    due, note = rules.due_on(AGENCY.calendar, date(2026, 4, 27), 7)
    assert (due, note) == (date(2026, 5, 9), None)
    due, note = rules.due_on(AGENCY.calendar, date(2027, 3, 1), 7)
    assert due == date(2027, 3, 10) and "2027" in note  # a year the calendar does not list: Monday–Friday, said so


def test_warning_only_decisions_and_other_instruments_are_not_published() -> None:
    assert rules.applies(SETTINGS, DECISION, decision(penalties=[{"type": "警告"}])).rule is None
    assert rules.applies(SETTINGS, DECISION, decision(penalties=[{"type": "警告"}, {"type": "罚款", "amount": "100.00"}])).publish
    assert rules.applies(SETTINGS, "penalty-notice", decision()).rule is None


def test_agency_listed_instruments_get_20_working_days_and_bad_settings_name_the_key() -> None:
    raw = json.loads(DEFAULT_PROFILE.read_text(encoding="utf-8"))
    listed = Agency.parse({**raw, "publicity": {"rules": [{"template": "no-penalty-decision"}]}})
    assert listed.publicity.rule("no-penalty-decision").working_days == 20
    for bad, key in (({"rules": [{"template": "x", "working_days": 0}]}, "publicity.rules[0].working_days"),
                     ({"redactions": {DECISION: [{"pointer": "party", "mask": "remove", "reason": "x"}]}},
                      f"publicity.redactions.{DECISION}[0].pointer"),
                     ({"withdraw_working_days": "3"}, "publicity.withdraw_working_days")):
        with pytest.raises(ValueError, match=key.replace("[", r"\[").replace("]", r"\]")):
            Agency.parse({**raw, "publicity": bad})


def test_a_minor_party_is_not_published() -> None:
    person = {"kind": "person", "name": "李小明", "id_number": "430202201001010015", "address": "株洲市某路1号"}
    found = rules.applies(SETTINGS, DECISION, decision(party=person))
    assert found.rule is not None and not found.publish and "未成年人" in found.withheld


def test_the_publication_period_is_3_months_or_3_years() -> None:
    published = date(2026, 5, 8)
    assert rules.period(SETTINGS, decision(), published).end == date(2029, 5, 8)
    criticism = decision(penalties=[{"type": "通报批评"}])
    assert rules.period(SETTINGS, criticism, published).end == date(2026, 8, 8)
    low = Agency.parse({**dict(AGENCY.profile), "seal_image": "", "publicity": {"low_fine_limit": "10000"}}).publicity
    fine = decision(penalties=[{"type": "罚款", "amount": "5000.00"}])
    assert rules.period(low, fine, published).months == 3
    assert rules.period(SETTINGS, fine, published).months == 36  # no threshold configured: 3 years, and said so
    assert "low_fine_limit" in rules.period(SETTINGS, fine, published).note


# -- redaction ---------------------------------------------------------------------------------------------

def test_masks_recurrences_and_spans() -> None:
    data = decision()
    data["facts"] += "当事人电话13907331234，再次核实13907331234。"
    data["evidence"] = [*data["evidence"], "银行流水显示账号1903020129200012345"]
    result = redact(data, SETTINGS.redactions[DECISION], [Span("/facts", "长沙市某食品有限公司", "商业秘密")])
    assert result.data["party"]["phone"] == "139＊＊＊＊1234"
    assert result.data["party"]["id_number"] == "4" + "＊" * 16 + "6"
    assert "13907331234" not in result.data["facts"] and "长沙市某食品有限公司" not in result.data["facts"]
    assert "1903020129200012345" not in result.data["evidence"][-1]
    kinds = {(r.pointer, r.kind) for r in result.redactions}
    assert {("/party/phone", "field"), ("/facts", "recurrence"), ("/facts", "span"),
            (f"/evidence/{len(data['evidence']) - 1}", "recurrence")} <= kinds
    assert data["party"]["phone"] == "13907331234"  # the original is untouched


def test_a_person_s_address_is_removed_an_organisation_s_kept() -> None:
    person = {"kind": "person", "name": "李大明", "id_number": RESIDENT_ID, "address": "株洲市荷塘区某小区3栋"}
    assert redact(decision(party=person), SETTINGS.redactions[DECISION]).data["party"]["address"] == REMOVED
    assert redact(decision(), SETTINGS.redactions[DECISION]).data["party"]["address"] == decision()["party"]["address"]


def test_a_span_that_is_not_in_the_document_is_refused_naming_it() -> None:
    with pytest.raises(ValidationFailed) as raised:
        redact(decision(), SETTINGS.redactions[DECISION],
               [Span("/facts", "不存在的文字", "商业秘密"), Span("/nowhere", "x", "y"), Span("/facts", "2026年3月2日", "")])
    assert [i.pointer for i in raised.value.issues] == ["/spans/0/text", "/spans/1/pointer", "/spans/2/reason"]


# -- the public rendition, for real --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def service(libreoffice: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    os.environ.setdefault("DOCGEN_CONVERTERS", "2")
    settings = Settings.from_env(tmp_path_factory.mktemp("publicity"))
    svc = Service(settings, authority(settings, create=True))
    svc.converter.start()
    try:
        yield svc
    finally:
        svc.converter.close()


def hidden_values(data: Any, spans: list[Span]) -> set[str]:
    """Every value a rule or a span hides (recomputed here from the rules, not from the redactor's list)."""
    kind = data["party"]["kind"]
    values = {text for at, text in strings(data)
              for rule in SETTINGS.redactions[DECISION] if matches(rule.pointer, at) and rule.when_party in (None, kind)}
    return values | {s.text for s in spans}


def payloads() -> Iterator[tuple[str, dict[str, Any], list[Span]]]:
    from docgen.catalogue import Catalogue
    from docgen.config import PROJECT_DIR
    catalogue = Catalogue(PROJECT_DIR)
    template = catalogue.templates[DECISION]
    for release in template.versions:  # every example the instrument has had, issued with the current version
        data = copy.deepcopy(release.example)
        # the phone, ID and account also written into free texts, a supplier's name marked as 商业秘密
        data["facts"] += f"经核实，当事人联系电话为{data['party']['phone']}，法定代表人身份证号码为{data['party']['id_number']}。"
        data["evidence"].append(f"银行回单一份，收款账号{data['payment']['account_number']}。")
        yield f"example-v{release.version}", data, [Span("/facts", "长沙市某食品有限公司", "商业秘密：供货商名称")]
    current = template.current
    for kind in ("organization", "person"):
        data = maximal(current.schema, catalogue.registry, kind, current.example).payload
        data["party"]["phone"] = "13907331234"
        data["facts"] = data["facts"] + "当事人电话13907331234。"
        data["penalties"] = [p for p in data["penalties"] if p["type"] != "警告"] or [{"type": "罚款", "amount": "100.00"}]
        yield f"maximal-{kind}", data, []


PAYLOADS = list(payloads())


@pytest.fixture(scope="module")
def made(service: Service) -> dict[str, tuple[Any, dict[str, Any], list[Span], bytes, bytes]]:
    """Each payload issued, and its public rendition made: (document, data, spans, original PDF, public PDF)."""
    principal, _, _ = service.principals.add("案件系统", ["case_system"])
    result = {}
    for name, data, spans in PAYLOADS:
        document = service.issuer.issue(principal.id, DECISION, None, data).document
        stored = service.renditions.make(principal.id, document.id, spans)
        original = service.storage.blobs.get(service.storage.stages(document.id)[-1].pdf_sha256)
        result[name] = (document, service.storage.payload(document.payload_sha256), spans, original,
                        service.storage.blobs.get(stored.pdf_sha256))
    return result


@pytest.mark.parametrize("name", [name for name, _, _ in PAYLOADS])
def test_the_public_text_layer_contains_no_hidden_value(made: dict[str, Any], name: str) -> None:
    document, data, spans, original, public = made[name]
    values = hidden_values(data, spans)
    assert values, "the payload hides nothing: the test would prove nothing"
    poppler = pdftools.squeezed(pdftools.text(public))
    extracted = pdftools.squeezed("".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(public)).pages))
    raw = public.decode("latin-1")
    for value in values:
        squeezed = pdftools.squeezed(value)
        assert squeezed not in poppler, f"{name}: {value!r} in pdftotext output"
        assert squeezed not in extracted, f"{name}: {value!r} in pypdf's text"
        assert value not in raw and value.encode("utf-16-be").decode("latin-1") not in raw
    served = pdftools.squeezed(pdftools.text(original))
    assert all(pdftools.squeezed(v) in served for v in values if v != data["party"].get("other_contact")), \
        "every hidden value is on the served decision: the test proves something"
    # what is not hidden is published: the party's name, the violation, the agency, and the summary comes first
    assert pdftools.squeezed(data["party"]["name"])[:20] in poppler
    assert poppler.startswith("行政处罚信息摘要")
    assert pdftools.squeezed(document.doc_number) in poppler
    assert "139＊＊＊＊1234" in poppler


@pytest.mark.parametrize("name", [name for name, _, _ in PAYLOADS])
def test_the_public_rendition_is_a_signed_pdfa_with_its_manifest(made: dict[str, Any], name: str,
                                                                 service: Service) -> None:
    import hashlib
    document, data, spans, original, public = made[name]
    assert pdftools.pdfa_part(public) is not None
    assert all(font["emb"] == "yes" for font in pdftools.fonts(public))
    manifest = PublicManifest.from_json(manifest_bytes(PdfFileReader(io.BytesIO(public)), NAME))
    assert manifest.original_pdf_sha256 == hashlib.sha256(original).hexdigest()
    assert manifest.original_payload_sha256 == document.payload_sha256
    assert public[:manifest.content_length] and hashlib.sha256(public[:manifest.content_length]).hexdigest() == manifest.content_sha256
    assert manifest.summary_pages >= 1
    assert manifest.verify_signature(service.authority.signer(manifest.principal_id).certificate)
    assert {e.pointer for e in manifest.redactions} >= {"/party/phone", "/facts"}
    serialized = manifest.to_json().decode("utf-8")
    for value in hidden_values(data, spans):
        assert value not in serialized


# -- proof of derivation ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [name for name, _, _ in PAYLOADS])
def test_the_public_rendition_verifies_alone_and_against_its_original(made: dict[str, Any], name: str,
                                                                      service: Service) -> None:
    from docgen.verify.public import verify_public
    document, data, spans, original, public = made[name]
    trust = service.trust_bundle()
    alone = verify_public("public.pdf", public, trust)
    assert alone.ok, alone.describe()
    both = verify_public("public.pdf", public, trust, ("original.pdf", original))
    assert both.ok and both.differences >= 3, both.describe()


def test_a_changed_text_a_wrong_original_or_changed_bytes_fail(made: dict[str, Any], service: Service,
                                                               monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import subprocess
    import sys
    import docgen.publicity.rendition as rendition
    from docgen.publicity.redaction import Redacted
    from docgen.verify.public import verify_public
    document, data, spans, original, public = made["example-v3"]
    trust = service.trust_bundle()
    other = made["example-v2"][3]
    assert [f["code"] for f in verify_public("p", public, trust, ("o", other)).failures] == ["public-original-mismatch"]
    tampered = bytearray(public)
    at = public.index(b"/Contents <") + 30
    tampered[at:at + 1] = b"0" if public[at:at + 1] != b"0" else b"1"
    assert not verify_public("p", bytes(tampered), trust).ok

    real = rendition.redact

    def fine_lowered(data: Any, rules: Any, spans: Any = ()) -> Redacted:  # a signed rendition that says something else
        out = real(data, rules, spans)
        changed = copy.deepcopy(out.data)
        changed["penalties"][-1]["amount"] = "500.00"
        return Redacted(changed, out.redactions)

    monkeypatch.setattr(rendition, "redact", fine_lowered)
    stored = service.renditions.make(document.created_by, document.id, spans)
    forged = service.storage.blobs.get(stored.pdf_sha256)
    assert verify_public("p", forged, trust).ok  # the agency's signature is genuine …
    report = verify_public("p", forged, trust, ("o", original))
    assert {f["code"] for f in report.failures} == {"public-text-differs"}  # … but the text did not come from the original
    # the command line: exit 0 for the genuine pair, 1 for the forged one
    (tmp_path / "trust.json").write_bytes(trust.to_json())
    for pdf, code in ((public, 0), (forged, 1)):
        (tmp_path / "public.pdf").write_bytes(pdf)
        (tmp_path / "original.pdf").write_bytes(original)
        done = subprocess.run([sys.executable, "-m", "docgen.cli", "--data-dir", str(tmp_path), "verify",
                               str(tmp_path / "public.pdf"), "--original", str(tmp_path / "original.pdf"),
                               "--trust", str(tmp_path / "trust.json")], capture_output=True, text=True)
        assert done.returncode == code, done.stdout + done.stderr


def test_a_manifest_whose_text_fields_are_not_text_is_refused_as_material() -> None:
    """A crafted ``docgen-public.json`` with a list where the template's id belongs: refused by the parser
    (a VerificationError the report shows), never passed on to the catalogue (it was a 500 on /verify)."""
    import json

    from docgen.derivation import FORMAT
    from docgen.errors import VerificationError

    good = {"format": FORMAT, "document_id": "d1", "installation_id": "i1", "template": "penalty-decision",
            "template_version": "3", "doc_number": None, "original_pdf_sha256": "0" * 64,
            "original_payload_sha256": "0" * 64, "content_sha256": "0" * 64, "content_length": 10,
            "summary_pages": 1, "revision": 1, "redactions": [], "time": "2026-12-03T00:00:00Z",
            "signer_name": "周局长", "principal_id": "p1", "certificate_sha256": "0" * 64, "signature": "AA=="}
    assert PublicManifest.from_json(json.dumps(good).encode()).template == "penalty-decision"
    for name, value in (("template", ["penalty-decision"]), ("template_version", 3), ("doc_number", {"n": 1}),
                        ("signer_name", None)):
        with pytest.raises(VerificationError, match=name):
            PublicManifest.from_json(json.dumps({**good, name: value}).encode())
