"""Signed, hash-chained stage PDFs: real keys, real PDF/A-3 from LibreOffice, a real 7-link chain,
and a tamper corpus in which every case must be caught with its own failure code.

Every test runs twice in the full suite: on content PDFs LibreOffice converts now, and on the fake
converter's (the PDF/A-3b LibreOffice made once, see ``docgen.fixedpdf``), which is all the fast
tier (``make test-fast``) has."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import re
import stat
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from docgen import chain, sealing, verify as verifier_package
from docgen.chain import Link, Manifest
from docgen.errors import Conflict, KeyStoreError, VerificationError
from docgen.pki import DOCUMENT_SIGNING, Authority, MasterKey, Signer, issued_by
from docgen.catalogue import Catalogue
from docgen.config import PROJECT_DIR
from docgen.trust import TrustBundle
from docgen.verify import CODES, FailureCode, VerificationReport, verify
from docgen.fixedpdf import FixedPdfConverter
from tiers import CONVERTERS, LIBREOFFICE

AGENCY = "株洲市市场监督管理局"
TEMPLATE, VERSION = "major-decision-review", "1"
WORKFLOWS = Catalogue(PROJECT_DIR).workflows()
REVIEW_TABLE_WORKFLOW = WORKFLOWS["major-decision-review@1"]
STAGES = [stage.id for stage in REVIEW_TABLE_WORKFLOW]  # issuance + the six opinions
LABELS = {stage.id: stage.label for stage in REVIEW_TABLE_WORKFLOW}
PEOPLE = {
    "issuance": ("case-system", "执法支队一大队", ["case_system"]),
    "dept_head": ("zhang-wei", "张伟", ["dept_head"]),
    "dept_leader": ("li-na", "李娜", ["dept_leader"]),
    "legal_review": ("wang-fang", "王芳", ["legal_review"]),
    "legal_head": ("liu-yang", "刘洋", ["legal_head"]),
    "legal_leader": ("chen-jing", "陈静", ["legal_leader"]),
    "director": ("zhao-lei", "赵磊", ["director"]),
}
OPINION = "经审核，事实清楚，证据确凿，依据《市场监督管理行政处罚程序规定》第12条，同意。"
BASE = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(hours=1)


def at(minutes: int) -> str:
    return chain.format_time(BASE + dt.timedelta(minutes=minutes))


# --------------------------------------------------------------------------- content PDFs (LibreOffice)


def review_table_docx(opinions: int, subject: str) -> bytes:
    """A small 法制审核表 with the first ``opinions`` stages filled in, as a new rendering would be."""
    document = Document()
    document.add_paragraph("重大行政执法决定法制审核表")
    document.add_paragraph(f"事由：{subject}")
    for stage in STAGES[1:]:
        filled = STAGES.index(stage) <= opinions
        document.add_paragraph(f"{LABELS[stage]}：{'同意。' + PEOPLE[stage][1] if filled else '＿＿＿＿'}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module", params=CONVERTERS)
def contents(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Content PDF/A-3b files, one LibreOffice run for all (or the fake converter): ``stage-<k>`` and
    ``other-<k>``."""
    work = tmp_path_factory.mktemp("contents")
    sources = []
    for k in range(7):
        for prefix, subject in (("stage", "对某公司涉嫌违法生产的设备实施查封"), ("other", "对某超市实施行政检查")):
            path = work / f"{prefix}-{k}.docx"
            path.write_bytes(review_table_docx(k, subject))
            sources.append(str(path))
    if request.param == LIBREOFFICE:
        pdf_a3 = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"3"}}'
        subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{work}/profile",
                        "--convert-to", pdf_a3, "--outdir", str(work), *sources],
                       check=True, capture_output=True, timeout=240)
        result = {Path(source).stem: Path(source).with_suffix(".pdf").read_bytes() for source in sources}
    else:
        fake = FixedPdfConverter()
        fake.start()
        result = {Path(source).stem: fake.convert(Path(source).read_bytes()) for source in sources}
    assert len(set(result.values())) == len(result), "every content PDF differs from the others"
    assert all(pdf.startswith(b"%PDF-") for pdf in result.values())
    assert b"pdfaid:part>3<" in result["stage-0"] or b'pdfaid:part="3"' in result["stage-0"]
    return result


# --------------------------------------------------------------------------- keys and chains


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return Authority.create(tmp_path_factory.mktemp("pki") / "authority", AGENCY, MasterKey(os.urandom(32)))


@pytest.fixture(scope="module")
def people(authority: Authority) -> dict[str, Signer]:
    return {stage: authority.issue_signer(*PEOPLE[stage]) for stage in STAGES}


@pytest.fixture(scope="module")
def bundle(authority: Authority, people: dict[str, Signer]) -> TrustBundle:
    return TrustBundle.from_json(TrustBundle.build(authority, WORKFLOWS).to_json())


@pytest.fixture(scope="module")
def outsider(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    """Another installation: its own data dir, root and signers."""
    return Authority.create(tmp_path_factory.mktemp("pki-other") / "authority", AGENCY, MasterKey(os.urandom(32)))


Step = tuple[str, str | None]  # (stage id, decision)
APPROVE_ALL: list[Step] = [("issuance", None)] + [(stage, "同意") for stage in STAGES[1:]]


def build(contents: dict[str, bytes], signers: dict[str, Signer], root: x509.Certificate,
          steps: list[Step] = APPROVE_ALL, *, document_id: str = "MDR-2026-0001", prefix: str = "stage",
          installation_id: str, times: list[str] | None = None,
          signer_for: Callable[[int, str], Signer] | None = None,
          roots: Callable[[int], x509.Certificate] | None = None) -> list[bytes]:
    """Stage PDFs through the public API: start/extend the chain, then seal each content PDF."""
    files: list[bytes] = []
    manifest: Manifest | None = None
    for index, (stage, decision) in enumerate(steps):
        content = contents[f"{prefix}-{min(index, 6)}"]
        signer = signer_for(index, stage) if signer_for else signers[stage]
        when = times[index] if times else at(index)
        role = next(s.role for s in REVIEW_TABLE_WORKFLOW if s.id == stage)
        if manifest is None:
            manifest = chain.start(content, document_id=document_id, installation_id=installation_id,
                                   template=TEMPLATE, template_version=VERSION, signer=signer, time=when,
                                   stage=stage, role=role)
        else:
            manifest = chain.extend(manifest, files[-1], content, stage=stage, role=role, signer=signer,
                                    decision=decision, opinion=OPINION if decision else None, time=when)
        reason = LABELS[stage] + (f"：{decision}" if decision else "")
        root_cert = roots(index) if roots else root
        files.append(sealing.seal(content, manifest, signer, root_cert, reason=reason, location=AGENCY))
    return files


@pytest.fixture(scope="module")
def stage_files(contents, people, authority) -> list[bytes]:
    return build(contents, people, authority.root_certificate, installation_id=authority.installation_id)


def named(files: list[bytes]) -> list[tuple[str, bytes]]:
    return [(f"stage-{index}.pdf", data) for index, data in enumerate(files)]


def failing(report: VerificationReport, code: str) -> list:
    assert not report.ok, report.describe()
    assert code in report.codes, report.describe()
    return [failure for failure in report.failures if failure.code == code]


def flip(data: bytes, position: int, new: int | None = None) -> bytes:
    value = data[position] ^ 0x01 if new is None else new
    assert value != data[position]
    return data[:position] + bytes([value]) + data[position + 1:]


# --------------------------------------------------------------------------- pki


def test_master_key_from_env_hex_or_base64(tmp_path: Path) -> None:
    raw = bytes(range(32))
    assert MasterKey.from_env_or_file(tmp_path, {"DOCGEN_MASTER_KEY": raw.hex()}).key == raw
    assert MasterKey.from_env_or_file(tmp_path, {"DOCGEN_MASTER_KEY": base64.b64encode(raw).decode()}).key == raw
    assert not (tmp_path / "master.key").exists()
    with pytest.raises(KeyStoreError):
        MasterKey.from_env_or_file(tmp_path, {"DOCGEN_MASTER_KEY": "00" * 16})


def test_master_key_file_is_created_0600_and_wider_permissions_are_refused(tmp_path: Path) -> None:
    first = MasterKey.from_env_or_file(tmp_path / "data", {})
    path = tmp_path / "data" / "master.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first.key) == 32
    assert MasterKey.from_env_or_file(tmp_path / "data", {}) == first
    path.chmod(0o644)
    with pytest.raises(KeyStoreError, match="0600"):
        MasterKey.from_env_or_file(tmp_path / "data", {})


def test_authority_certificates_and_encrypted_keys(tmp_path: Path) -> None:
    key = MasterKey(os.urandom(32))
    created = Authority.create(tmp_path / "ca", AGENCY, key)
    with pytest.raises(Conflict):
        Authority.create(tmp_path / "ca", AGENCY, key)
    root = created.root_certificate
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == f"{AGENCY} 电子文书根证书"
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = root.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    assert (root.not_valid_after_utc - root.not_valid_before_utc).days >= 30 * 365

    signer = created.issue_signer("wang-fang", "王芳", ["legal_review", "legal_head"])
    cert = signer.certificate
    assert issued_by(cert, root) and signer.roles == ("legal_review", "legal_head")
    assert signer.certificate_sha256 == hashlib.sha256(cert.public_bytes(
        Encoding.DER)).hexdigest()
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    ekus = set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert {DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION} <= ekus
    assert 3650 <= (cert.not_valid_after_utc - cert.not_valid_before_utc).days <= 3660

    key_file = tmp_path / "ca" / "signers" / "wang-fang.key.pem"
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in (tmp_path / "ca" / "root.key.pem").read_bytes()

    loaded = Authority.load(tmp_path / "ca", key)
    assert loaded.installation_id == created.installation_id
    again = loaded.signer("wang-fang")
    assert (again.name, again.roles, again.principal_id) == ("王芳", signer.roles, "wang-fang")
    assert again.certificate_sha256 == signer.certificate_sha256
    assert loaded.signer("wang-fang") is again  # cached
    with pytest.raises(KeyStoreError):
        Authority.load(tmp_path / "ca", MasterKey(os.urandom(32)))

    rotated = loaded.issue_signer("wang-fang", "王芳", ["legal_review"])
    shas = {identity.certificate_sha256 for identity in loaded.identities()}
    assert {signer.certificate_sha256, rotated.certificate_sha256} <= shas  # old certificates stay trusted


# --------------------------------------------------------------------------- chain


def test_link_hash_is_canonical_json_and_signature_covers_every_field(people: dict[str, Signer]) -> None:
    content = b"%PDF-1.6 not really"
    manifest = chain.start(content, document_id="D1", installation_id="I1", template=TEMPLATE,
                           template_version=VERSION, signer=people["issuance"], time=at(0))
    link = manifest.last
    payload = {k: v for k, v in json.loads(manifest.to_json())["links"][0].items() if k != "signature"}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert link.link_sha256 == hashlib.sha256(canonical).hexdigest()
    assert chain.verify_link_signature(link, people["issuance"].certificate)
    assert not chain.verify_link_signature(link, people["director"].certificate)
    for field, value in (("opinion", "改"), ("index", 1), ("time", at(5)), ("content_length", 1)):
        assert not chain.verify_link_signature(replace(link, **{field: value}), people["issuance"].certificate)
    assert Manifest.from_json(manifest.to_json()) == manifest

    nxt = chain.extend(manifest, b"signed file 0", b"content 1", stage="issuance", role="case_system",
                       signer=people["issuance"], time=at(1))
    assert (nxt.last.round, nxt.last.index) == (2, 1)
    assert nxt.last.previous_link_sha256 == link.link_sha256
    assert nxt.last.previous_file_sha256 == hashlib.sha256(b"signed file 0").hexdigest()
    assert manifest.is_prefix_of(nxt) and not nxt.is_prefix_of(manifest)


@pytest.mark.parametrize("mutate", [
    lambda d: d.update(extra=1),
    lambda d: d["links"][0].update(index="0"),
    lambda d: d["links"][0].update(time="2026-11-26 23:59:01"),
    lambda d: d["links"][0].pop("signature"),
    lambda d: d.update(format="docgen-chain/2"),
])
def test_manifest_parser_is_strict(people: dict[str, Signer], mutate) -> None:
    manifest = chain.start(b"x", document_id="D1", installation_id="I1", template=TEMPLATE,
                           template_version=VERSION, signer=people["issuance"])
    data = json.loads(manifest.to_json())
    mutate(data)
    with pytest.raises(VerificationError):
        Manifest.from_json(json.dumps(data))
    with pytest.raises(VerificationError, match="重复"):
        Manifest.from_json(b'{"format":"docgen-chain/1","format":"docgen-chain/1","links":[]}')


@pytest.mark.parametrize("text, reason", [
    ('{"format":"docgen-chain/1","links":' + "[" * 5000 + "]" * 5000 + "}", "嵌套过深"),
    ('{"format":"docgen-chain/1","links":[{"opinion":"\\ud800"}]}', "代理项"),
    ('{"format":"docgen-chain/1","links":[' + "9" * 5000 + "]}", "不是有效的 JSON"),
    ('{"format":"docgen-chain/1","links":[NaN]}', "不是有效的 JSON"),
    (b'{"format":"docgen-chain/1","links":["\xed\xa0\x80"]}', "UTF-8"),
])
def test_manifest_parser_turns_depth_encoding_and_value_errors_into_verification_errors(text, reason) -> None:
    with pytest.raises(VerificationError, match=reason):
        Manifest.from_json(text)


def test_trust_bundle_parser_refuses_deep_nesting_and_lone_surrogates(bundle: TrustBundle) -> None:
    with pytest.raises(VerificationError, match="嵌套过深"):
        TrustBundle.from_json("[" * 100_000 + "]" * 100_000)
    raw = bundle.to_json().decode("utf-8").replace(bundle.agency, "\\ud800", 1)
    with pytest.raises(VerificationError, match="代理项"):
        TrustBundle.from_json(raw)


# --------------------------------------------------------------------------- trust bundle


def test_trust_bundle_round_trip_and_validation(bundle: TrustBundle, people: dict[str, Signer]) -> None:
    again = TrustBundle.from_json(bundle.to_json())
    assert again.installation_id == bundle.installation_id
    assert {s.certificate_sha256 for s in again.signers} >= {p.certificate_sha256 for p in people.values()}
    assert [s.id for s in again.workflows[f"{TEMPLATE}@{VERSION}"]] == STAGES
    raw = json.loads(bundle.to_json())
    assert set(raw["signers"][0]) == {"principal_id", "name", "roles", "certificate", "certificate_sha256",
                                      "not_before", "not_after"}
    for mutate in (lambda d: d.update(format="x"),
                   lambda d: d["signers"][0].update(roles=["director"]),
                   lambda d: d["signers"][0].update(certificate_sha256="0" * 64),
                   lambda d: d["workflows"][f"{TEMPLATE}@{VERSION}"][0].update(id="dept_head"),
                   lambda d: d.update(root_certificate="-----BEGIN CERTIFICATE-----\nAAAA\n")):
        broken = json.loads(bundle.to_json())
        mutate(broken)
        with pytest.raises(VerificationError):
            TrustBundle.from_json(json.dumps(broken, ensure_ascii=False))
    with pytest.raises(VerificationError):
        TrustBundle.from_json(b"not json")


# --------------------------------------------------------------------------- sealing


def test_seal_appends_manifest_and_signature_to_an_untouched_content_prefix(
        contents: dict[str, bytes], stage_files: list[bytes]) -> None:
    for index, data in enumerate(stage_files):
        content = contents[f"stage-{index}"]
        assert data.startswith(content)
        manifest = sealing.read_manifest(data)
        assert manifest is not None and manifest.last.index == index and len(manifest.links) == index + 1
        assert manifest.last.content_length == len(content)
    assert sealing.read_manifest(contents["stage-0"]) is None

    final = PdfReader(io.BytesIO(stage_files[-1]))
    root = final.trailer["/Root"]
    spec = root["/AF"][0].get_object()
    assert spec["/AFRelationship"] == "/Data" and spec["/UF"] == sealing.MANIFEST_NAME
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/application/json"
    assert "/ModDate" in spec["/EF"]["/F"].get_object()["/Params"]
    # PDF/A stays intact: XMP and /Info as LibreOffice wrote them, no PDF 2.0 version bump.
    original = PdfReader(io.BytesIO(contents["stage-6"]))
    assert root["/Metadata"].get_object().get_data() == \
        original.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert final.metadata == original.metadata
    assert root.get("/Version") in (None, "/1.7")
    assert "/ISO_" not in root.get("/Extensions", {})
    fields = final.get_fields()
    assert list(fields) == ["docgen-6"]
    signature = fields["docgen-6"]["/V"]
    assert signature["/SubFilter"] == "/ETSI.CAdES.detached" and signature["/Name"] == PEOPLE["director"][1]
    assert signature["/Reason"] == "局长审批：同意"


def test_seal_refuses_a_manifest_that_does_not_describe_the_content(
        contents: dict[str, bytes], people: dict[str, Signer], authority: Authority) -> None:
    manifest = chain.start(contents["stage-0"], document_id="D", installation_id=authority.installation_id,
                           template=TEMPLATE, template_version=VERSION, signer=people["issuance"])
    with pytest.raises(ValueError):
        sealing.seal(contents["stage-1"], manifest, people["issuance"], authority.root_certificate)
    with pytest.raises(ValueError):
        sealing.seal(contents["stage-0"], manifest, people["director"], authority.root_certificate)


def test_seal_cms_is_the_one_pyhanko_builds(stage_files: list[bytes], people: dict[str, Signer],
                                            authority: Authority) -> None:
    """Sealing assembles the CMS from a shape taken from pyHanko's own: the same DER but for the
    document digest and the signature value, and pyHanko validates the result."""
    import asyncio

    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import signers
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    fast = sealing._cms_signer(people["issuance"], authority.root_certificate)
    assert sealing._cms_signer(people["issuance"], authority.root_certificate) is fast
    shape = fast.shape()
    assert shape is not None and fast.bytes_reserved()
    digest = hashlib.sha256(b"document").digest()
    attributes = PdfCMSSignedAttributes(signing_time=dt.datetime.now(dt.timezone.utc))
    ours = asyncio.run(fast.async_sign(digest, "sha256", use_pades=True, signed_attr_settings=attributes))
    theirs = asyncio.run(signers.SimpleSigner.async_sign(fast, digest, "sha256", use_pades=True,
                                                         signed_attr_settings=attributes))
    for cms in (ours, theirs):
        signature = cms["content"]["signer_infos"][0]["signature"].native
        assert shape.assemble(digest, signature) == cms.dump()
    assert ours["content"]["signer_infos"][0]["signed_attrs"].dump() == \
        theirs["content"]["signer_infos"][0]["signed_attrs"].dump()

    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(
        authority.root_certificate.public_bytes(Encoding.DER))])
    for data in (stage_files[0], stage_files[-1]):
        signatures = PdfFileReader(io.BytesIO(data)).embedded_signatures
        for embedded in signatures:
            status = validate_pdf_signature(embedded, context)
            assert status.bottom_line and status.intact and status.valid, status.pretty_print_details()


# --------------------------------------------------------------------------- happy paths


def test_latest_file_alone_verifies(stage_files: list[bytes], bundle: TrustBundle) -> None:
    report = verify([("final.pdf", stage_files[-1])], bundle)
    assert report.ok and not report.failures, report.describe()
    assert len(report.stages) == 7 and report.final_index == 6 and report.complete
    assert [s.stage for s in report.stages] == STAGES and all(s.ok for s in report.stages)
    assert [s.signer_name for s in report.stages] == [PEOPLE[s][1] for s in STAGES]
    assert report.files[0].is_final and report.files[0].stage_index == 6
    assert report.document_id == "MDR-2026-0001" and report.template == TEMPLATE
    text = report.describe()
    assert "验证结论：通过" in text and "局长审批" in text and "吊销" in text
    json.dumps(report.to_dict(), ensure_ascii=False)


def test_full_set_of_seven_verifies_in_any_order(stage_files: list[bytes], bundle: TrustBundle) -> None:
    files = named(stage_files)
    report = verify(list(reversed(files)), bundle)
    assert report.ok, report.describe()
    assert [f.is_final for f in report.files] == [True] + [False] * 6
    assert sorted(f.stage_index for f in report.files) == list(range(7))


def test_an_earlier_stage_alone_verifies_as_an_incomplete_chain(stage_files, bundle) -> None:
    report = verify([("s3.pdf", stage_files[3])], bundle)
    assert report.ok and report.final_index == 3 and not report.complete


def test_a_partial_set_of_genuine_files_verifies_through_the_latest_links(stage_files, bundle) -> None:
    """Stages 1 and 3 alone: the latest file's links vouch for 0 and 2; no “缺少环节”."""
    report = verify([("s1.pdf", stage_files[1]), ("s3.pdf", stage_files[3])], bundle)
    assert report.ok and not report.failures, report.describe()
    assert (report.intact, report.trusted, report.conforms, report.complete) == (True, True, True, False)
    assert [(s.index, s.file) for s in report.stages] == [(0, None), (1, "s1.pdf"), (2, None), (3, "s3.pdf")]
    summary = report.status()
    assert report.summary() == summary["summary"] == "INTACT:TRUSTED,CONFORMS,UNFINISHED"
    assert summary["stages_given_as_files"] == [1, 3] and summary["stages_checked_through_links"] == [0, 2]
    assert summary["completeness"] is None and summary["failures"] == {a: [] for a in
                                                                       ("intact", "trusted", "conforms", "complete")}
    assert "缺少环节" not in report.describe() and "仅经最新文件的链条核验的环节：0、2" in report.describe()
    json.dumps(report.to_dict(), ensure_ascii=False)


def test_completeness_is_asked_for_and_then_reported_apart(stage_files, bundle) -> None:
    partial = verify([("s1.pdf", stage_files[1]), ("s3.pdf", stage_files[3])], bundle, require_complete=True)
    assert not partial.ok and (partial.intact, partial.trusted, partial.conforms) == (True, True, True)
    assert partial.completeness is False
    missing = failing(partial, "stage-missing")
    assert [f.stage_index for f in missing] == [0, 2] and {f.concerns.value for f in missing} == {"complete"}
    failing(partial, "workflow-unfinished")
    assert partial.summary() == "INTACT:TRUSTED,CONFORMS,UNFINISHED,INCOMPLETE"
    assert partial.status()["failures"]["complete"] == ["stage-missing", "workflow-unfinished"]
    assert "材料完整 ✗" in partial.describe()
    every = verify(named(stage_files), bundle, require_complete=True)
    assert every.ok and every.complete and every.completeness, every.describe()
    assert every.summary() == "INTACT:TRUSTED,CONFORMS,FINISHED,COMPLETE"
    latest_alone = verify([("s6.pdf", stage_files[6])], bundle, require_complete=True)
    assert [f.stage_index for f in failing(latest_alone, "stage-missing")] == list(range(6))
    assert "workflow-unfinished" not in latest_alone.codes


def test_each_question_fails_on_its_own(contents, people, authority, bundle, stage_files) -> None:
    files = build(contents, people, authority.root_certificate, installation_id=authority.installation_id,
                  signer_for=lambda i, stage: people["legal_review"] if stage == "dept_head" else people[stage])
    wrong_role = verify([("final.pdf", files[-1])], bundle)
    assert (wrong_role.intact, wrong_role.trusted, wrong_role.conforms) == (True, True, False)
    assert wrong_role.status()["failures"]["conforms"] == ["wrong-role"]
    assert wrong_role.summary() == "INTACT:TRUSTED,NONCONFORMING,UNFINISHED"
    changed = verify([("final.pdf", flip(stage_files[-1], len(stage_files[-1]) // 3))], bundle)
    assert not changed.intact and not changed.ok and changed.summary() == "INVALID"


def test_failures_keep_the_technical_detail_apart(bundle, stage_files) -> None:
    no_size = verify([("no-size.pdf", stage_files[1].replace(b"/Size", b"/Sizz"))], bundle)
    [failure] = failing(no_size, "unreadable-pdf")  # once shown as “文件不是可读取的 PDF：'/Size'”
    assert failure.message == "文件不是可读取的 PDF" and "'/Size'" in (failure.detail or "")
    assert "'/Size'" not in "".join(f.message for f in no_size.failures)
    report = verify([("junk.pdf", b"%PDF-1.7 nonsense")], bundle)
    [failure] = failing(report, "unreadable-pdf")
    assert failure.message == "文件不是可读取的 PDF" and failure.detail and "Error" in failure.detail
    assert report.to_dict()["failures"][0] == {"code": "unreadable-pdf", "message": "文件不是可读取的 PDF",
                                               "stage_index": None, "file": "junk.pdf", "detail": failure.detail,
                                               "aspect": "intact"}


def test_returned_table_continues_the_same_chain_in_a_new_round(contents, people, authority, bundle) -> None:
    steps = [("issuance", None), ("dept_head", "同意"), ("dept_leader", "同意"), ("legal_review", "补充调查"),
             ("issuance", None), ("dept_head", "同意"), ("dept_leader", "同意"), ("legal_review", "变更或修正"),
             ("issuance", None)] + [(stage, "同意") for stage in STAGES[1:]]
    files = build(contents, people, authority.root_certificate, steps, installation_id=authority.installation_id,
                  document_id="MDR-2026-0002")
    report = verify(named(files), bundle)
    assert report.ok and report.complete, report.describe()
    assert [s.round for s in report.stages] == [1] * 4 + [2] * 4 + [3] * 7


def test_byte_changed_in_content_stream(stage_files, bundle) -> None:
    data = stage_files[-1]
    position = data.index(b"stream", data.index(b"/Filter/FlateDecode")) + 20
    report = verify([("final.pdf", flip(data, position))], bundle)
    failing(report, "signature-invalid")
    failing(report, "content-mismatch")


def test_byte_changed_in_manifest(stage_files, bundle) -> None:
    data = stage_files[-1]
    position = data.rindex("第12条".encode()) + len("第1".encode())  # 12 → 13 in the director's opinion
    report = verify([("final.pdf", flip(data, position, ord("3")))], bundle)
    failing(report, "signature-invalid")
    assert failing(report, "link-signature-invalid")[0].stage_index == 6


def _contents_hex(data: bytes) -> tuple[int, int]:
    match = re.search(rb"/Contents <([0-9A-F]+)>", data[-12000:])
    assert match
    start = len(data) - 12000 + match.start(1)
    return start, start + len(match.group(1))


def test_byte_changed_in_signature_value(stage_files, bundle) -> None:
    data = stage_files[-1]
    start, end = _contents_hex(data)
    der_hex = data[start:end].rstrip(b"0")
    position = start + len(der_hex) - 8  # inside ECDSA s, the last value of the CMS
    new = b"0123456789ABCDEF"[(b"0123456789ABCDEF".index(data[position:position + 1]) + 1) % 16]
    failing(verify([("final.pdf", flip(data, position, new))], bundle), "signature-invalid")


@pytest.mark.parametrize("where", ["padding", "lowercase", "embedded-root"])
def test_changes_pyhanko_alone_would_miss_in_contents(stage_files, bundle, authority, where) -> None:
    """/Contents is outside the signed byte range: padding, hex case, the copy of the root certificate."""
    data = stage_files[-1]
    start, end = _contents_hex(data)
    if where == "padding":
        tampered = flip(data, end - 5, ord("7"))
    elif where == "lowercase":
        position = start + data[start:end].index(b"A")
        tampered = flip(data, position, ord("a"))
    else:
        root_hex = authority.root_certificate.public_bytes(Encoding.DER).hex().upper().encode()
        position = data.index(root_hex, start) + len(root_hex) - 6  # in the root's own signature
        new = b"1" if data[position:position + 1] != b"1" else b"2"
        tampered = flip(data, position, new[0])
    failing(verify([("final.pdf", tampered)], bundle), "signature-malformed")


def test_file_resaved_by_another_pdf_tool(stage_files, bundle) -> None:
    out = io.BytesIO()
    PdfWriter(clone_from=PdfReader(io.BytesIO(stage_files[-1]))).write(out)
    report = verify([("resaved.pdf", out.getvalue())], bundle)
    failing(report, "signature-invalid")
    failing(report, "content-mismatch")


def test_manifest_edited_and_file_rewritten(stage_files, bundle) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(stage_files[-1])))
    spec = writer.root_object["/AF"][0].get_object()
    stream = spec["/EF"]["/F"].get_object()
    manifest = json.loads(stream.get_data())
    manifest["links"][6]["opinion"] = "不同意。"
    manifest["links"][6]["decision"] = "不同意"
    stream.set_data(json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())
    out = io.BytesIO()
    writer.write(out)
    report = verify([("edited.pdf", out.getvalue())], bundle)
    failing(report, "signature-invalid")
    assert failing(report, "link-signature-invalid")[0].stage_index == 6


def test_bytes_appended_after_signing(stage_files, bundle) -> None:
    writer = PdfWriter(PdfReader(io.BytesIO(stage_files[-1])), incremental=True)
    writer.add_metadata({"/Subject": "改过"})
    out = io.BytesIO()
    writer.write(out)
    assert out.getvalue().startswith(stage_files[-1])
    failing(verify([("appended.pdf", out.getvalue())], bundle), "signature-coverage")


def test_second_signature_on_a_stage_file(stage_files, bundle, people, authority) -> None:
    doubled = sealing.sign(stage_files[-1], people["director"], authority.root_certificate, field_name="extra")
    failing(verify([("doubled.pdf", doubled)], bundle), "signature-count")


def test_content_pdf_without_manifest_or_signature(contents, bundle) -> None:
    report = verify([("plain.pdf", contents["stage-0"])], bundle)
    failing(report, "manifest-missing")
    failing(report, "signature-missing")
    failing(verify([("junk.pdf", b"%PDF-1.7 nonsense")], bundle), "unreadable-pdf")
    failing(verify([], bundle), "no-files")


# --------------------------------------------------------------------------- tamper corpus: sets


def test_stage_from_another_document_mixed_into_a_set(contents, people, authority, stage_files, bundle) -> None:
    other = build(contents, people, authority.root_certificate, installation_id=authority.installation_id,
                  document_id="MDR-2026-0099", prefix="other")
    files = named(stage_files) + [("other-2.pdf", other[2])]
    failures = failing(verify(files, bundle), "mixed-documents")
    assert [f.file for f in failures] == ["other-2.pdf"]


def test_stage_missing_from_a_set(stage_files, bundle) -> None:
    files = [item for item in named(stage_files) if item[0] != "stage-3.pdf"]
    assert [f.stage_index for f in failing(verify(files, bundle, require_complete=True), "stage-missing")] == [3]


def test_stage_file_replaced_by_another_stage(stage_files, bundle) -> None:
    files = named(stage_files)
    files[2] = ("stage-2.pdf", stage_files[4])
    report = verify(files, bundle, require_complete=True)
    assert {f.stage_index for f in failing(report, "duplicate-stage")} == {4}
    assert [f.stage_index for f in failing(report, "stage-missing")] == [2]


def test_forked_stage_file_in_a_set(contents, people, authority, stage_files, bundle) -> None:
    """A genuine, validly signed stage 2 — but not the one stage 3 was built on."""
    prefix = sealing.read_manifest(stage_files[1])
    assert prefix is not None
    forked = chain.extend(prefix, stage_files[1], contents["stage-2"], stage="dept_leader", role="dept_leader",
                          signer=people["dept_leader"], decision="同意", opinion="另一份意见", time=at(2))
    fork = sealing.seal(contents["stage-2"], forked, people["dept_leader"], authority.root_certificate)
    assert verify([("fork.pdf", fork)], bundle).ok  # alone it is a valid chain
    files = named(stage_files)
    files[2] = ("stage-2.pdf", fork)
    report = verify(files, bundle)
    assert [f.stage_index for f in failing(report, "file-mismatch")] == [2]
    assert [f.stage_index for f in failing(report, "manifest-mismatch")] == [2]


# --------------------------------------------------------------------------- tamper corpus: links


def test_link_signed_by_a_key_outside_the_bundle(contents, people, authority, outsider, bundle) -> None:
    intruder = outsider.issue_signer("wang-fang", "王芳", ["legal_review"])
    files = build(contents, people, authority.root_certificate, installation_id=authority.installation_id,
                  signer_for=lambda i, stage: intruder if i == 3 else people[stage],
                  roots=lambda i: outsider.root_certificate if i == 3 else authority.root_certificate)
    report = verify([("final.pdf", files[-1])], bundle)
    assert [f.stage_index for f in failing(report, "signer-unknown")] == [3]
    assert report.stages[3].ok is False and report.stages[4].ok
    failing(verify([("stage-3.pdf", files[3])], bundle), "signature-untrusted")


def test_certificate_in_the_bundle_not_issued_by_its_root(contents, people, authority, outsider, bundle) -> None:
    intruder = outsider.issue_signer("liu-yang", "刘洋", ["legal_head"])
    raw = json.loads(bundle.to_json())
    raw["signers"].append({"principal_id": "liu-yang", "name": "刘洋", "roles": ["legal_head"],
                           "certificate": intruder.certificate.public_bytes(Encoding.PEM).decode(),
                           "certificate_sha256": intruder.certificate_sha256,
                           "not_before": "", "not_after": ""})
    smuggled = TrustBundle.from_json(json.dumps(raw, ensure_ascii=False))
    files = build(contents, people, authority.root_certificate, installation_id=authority.installation_id,
                  signer_for=lambda i, stage: intruder if i == 4 else people[stage],
                  roots=lambda i: outsider.root_certificate if i == 4 else authority.root_certificate)
    report = verify([("final.pdf", files[-1])], smuggled)
    assert [f.stage_index for f in failing(report, "untrusted-certificate")] == [4]


def test_genuine_signer_of_the_wrong_role(contents, people, authority, bundle) -> None:
    files = build(contents, people, authority.root_certificate, installation_id=authority.installation_id,
                  signer_for=lambda i, stage: people["legal_review"] if stage == "dept_head" else people[stage])
    report = verify([("final.pdf", files[-1])], bundle)
    assert {f.stage_index for f in failing(report, "wrong-role")} == {1}
    assert "link-signature-invalid" not in report.codes  # the signatures themselves are genuine


def test_link_time_before_the_previous_link(contents, people, authority, bundle) -> None:
    times = [at(0), at(10), at(20), at(30), at(25), at(40), at(50)]
    files = build(contents, people, authority.root_certificate, installation_id=authority.installation_id,
                  times=times)
    report = verify([("final.pdf", files[-1])], bundle)
    assert [f.stage_index for f in failing(report, "time-order")] == [4]


def test_link_time_outside_the_certificate_validity(contents, people, authority, bundle) -> None:
    times = [at(0), at(1), "2020-01-01T00:00:00Z", at(3), at(4), at(5), at(6)]
    files = build(contents, people, authority.root_certificate, installation_id=authority.installation_id,
                  times=times)
    report = verify([("final.pdf", files[-1])], bundle)
    assert [f.stage_index for f in failing(report, "certificate-expired")] == [2]


def test_document_from_another_installation(contents, outsider, bundle) -> None:
    theirs = {stage: outsider.issue_signer(f"x-{PEOPLE[stage][0]}", *PEOPLE[stage][1:]) for stage in STAGES}
    files = build(contents, theirs, outsider.root_certificate, installation_id=outsider.installation_id)
    assert verify([("final.pdf", files[-1])], TrustBundle.build(outsider, WORKFLOWS)).ok
    report = verify([("final.pdf", files[-1])], bundle)
    assert {f.stage_index for f in failing(report, "foreign-installation")} == set(range(7))
    failing(report, "signer-unknown")
    failing(report, "signature-untrusted")


@pytest.mark.parametrize("steps, bad_index", [
    ([("issuance", None), ("dept_head", "同意"), ("legal_review", "同意")], 2),           # skipped a stage
    ([("issuance", None), ("dept_head", "同意"), ("dept_leader", "同意"), ("legal_review", "补充调查"),
      ("legal_head", "同意")], 4),                                                       # ignored a return
    ([("issuance", None), ("dept_head", "原则同意")], 1),                                 # unknown decision
    ([("dept_head", "同意")], 0),                                                          # no issuance first
])
def test_workflow_violations(contents, people, authority, bundle, steps, bad_index) -> None:
    files = build(contents, people, authority.root_certificate, steps, installation_id=authority.installation_id)
    report = verify([("final.pdf", files[-1])], bundle)
    assert bad_index in {f.stage_index for f in failing(report, "workflow-violation")}


def test_link_index_gap_and_broken_link(contents, people, authority, bundle, stage_files) -> None:
    base = sealing.read_manifest(stage_files[2])
    assert base is not None
    last = base.last
    def link(**changes) -> Link:
        fields = {k: v for k, v in last.to_dict().items()
                  if k not in ("signature", "signer_name", "principal_id", "certificate_sha256")}
        fields.update(stage="dept_leader", role="dept_leader", decision="同意", opinion="x", time=at(9),
                      index=last.index + 1, previous_link_sha256=last.link_sha256,
                      previous_file_sha256=hashlib.sha256(stage_files[2]).hexdigest(),
                      content_sha256=hashlib.sha256(contents["stage-3"]).hexdigest(),
                      content_length=len(contents["stage-3"]))
        fields.update(changes)
        return chain.sign_link(**fields, signer=people["legal_review"])
    for changes, code in (({"index": 5}, "stage-missing"), ({"previous_link_sha256": "0" * 64}, "broken-link")):
        manifest = Manifest(base.links + (link(stage="legal_review", role="legal_review", **changes),))
        sealed = sealing.seal(contents["stage-3"], manifest, people["legal_review"], authority.root_certificate)
        failing(verify([("final.pdf", sealed)], bundle), code)


def test_every_failure_code_is_documented() -> None:
    """Codes are ``FailureCode`` members, each with a plain message; none is typed by hand."""
    sources = "".join(path.read_text(encoding="utf-8")
                      for path in Path(verifier_package.__file__).parent.glob("*.py") if path.name != "models.py")
    used = set(re.findall(r"FailureCode\.([A-Z_]+)", sources))
    assert used and used <= {code.name for code in FailureCode}, used - {code.name for code in FailureCode}
    assert not re.findall(r'(?:fail|Failure)\("([a-z-]+)"', sources)
    assert set(CODES) == {code.value for code in FailureCode} and all(CODES.values())


# --------------------------------------------------------------------------- property: any byte


@pytest.fixture(scope="module")
def regions(stage_files: list[bytes]) -> dict[str, tuple[int, int]]:
    data = stage_files[-1]
    start, end = _contents_hex(data)
    manifest_at = data.index(b'{"format":"docgen-chain/1"')
    return {"contents": (start - 1, end + 1), "manifest": (manifest_at, data.index(b"endstream", manifest_at)),
            "tail": (len(data) - 300, len(data))}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_byte_change_fails_verification(stage_files, bundle, regions, data) -> None:
    which = data.draw(st.sampled_from([6, 3]), label="stage file")
    original = stage_files[which]
    region = data.draw(st.sampled_from(["anywhere", "contents", "manifest", "tail"]), label="region")
    if which == 6 and region != "anywhere":
        low, high = regions[region]
    else:
        low, high = 0, len(original)
    position = data.draw(st.integers(low, high - 1), label="position")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != original[position]), label="new byte")
    report = verify([("mutated.pdf", flip(original, position, new))], bundle)
    assert not report.ok, f"undetected change at {position}: {original[position]:#x} → {new:#x}"
