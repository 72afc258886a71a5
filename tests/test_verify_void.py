"""The offline verifier and a void (作废) stage: a genuine void verifies and is reported as void;
a void in a role the trust bundle does not allow, without its reason, or followed by another stage,
does not conform. Real keys and seals on the fake converter's PDF/A (no LibreOffice needed)."""
from __future__ import annotations

import datetime as dt
import json
import os

import pytest

from docgen import chain, sealing
from docgen.catalogue import Catalogue
from docgen.config import PROJECT_DIR
from docgen.fixedpdf import FixedPdfConverter
from docgen.pki import Authority, MasterKey, Signer
from docgen.stamping import StampLine, stamp_docx, stamp_pages
from docgen.trust import TrustBundle
from docgen.verify import FailureCode, verify
from docgen.voiding import void_stamp_docx
from docgen.workflow import VOID, VOID_DECISION

AGENCY = "株洲市市场监督管理局"
WORKFLOWS = Catalogue(PROJECT_DIR).workflows()
REVIEW = {stage.id: stage.role for stage in WORKFLOWS["major-decision-review@1"]}
REASON = "送审材料有误，撤回重新制作"
BASE = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(hours=1)


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return Authority.create(tmp_path_factory.mktemp("pki") / "authority", AGENCY, MasterKey(os.urandom(32)))


@pytest.fixture(scope="module")
def people(authority: Authority) -> dict[str, Signer]:
    return {"issuance": authority.issue_signer("cs", "执法支队一大队", ["case_system"]),
            "dept_head": authority.issue_signer("zw", "张伟", ["dept_head"]),
            "director": authority.issue_signer("zl", "赵磊", ["director"])}


@pytest.fixture(scope="module")
def converter() -> FixedPdfConverter:
    fake = FixedPdfConverter()
    fake.start()
    return fake


def build(authority: Authority, people: dict[str, Signer], converter: FixedPdfConverter,
          steps: list[tuple[str, str, str | None, str | None]]) -> list[bytes]:
    """Stage files for (stage, signer key, decision, opinion) steps; a void stage's page is the
    previous page stamped, as ``Stages.stamped`` makes it."""
    files: list[bytes] = []
    manifest = None
    for index, (stage, who, decision, opinion) in enumerate(steps):
        signer = people[who]
        when = chain.format_time(BASE + dt.timedelta(minutes=index))
        if stage == VOID:
            previous = manifest.last
            stamp = converter.convert(void_stamp_docx(opinion or "", signer.name, "2026-12-03"))
            content = stamp_pages(files[-1][: previous.content_length], stamp, over=True)
            role = "director" if who == "director" else REVIEW.get(who, who)
        else:
            content = converter.convert(stamp_docx((StampLine(f"{stage}-{index}", 12),), (0, 0, 0)))
            role = REVIEW[stage]
        if manifest is None:
            manifest = chain.start(content, document_id="MDR-VOID-1", installation_id=authority.installation_id,
                                   template="major-decision-review", template_version="1", signer=signer,
                                   time=when, role=role)
        else:
            manifest = chain.extend(manifest, files[-1], content, stage=stage, role=role, signer=signer,
                                    decision=decision, opinion=opinion, time=when)
        files.append(sealing.seal(content, manifest, signer, authority.root_certificate))
    return files


def bundle(authority: Authority, void_roles: tuple[str, ...] = ("director",)) -> TrustBundle:
    return TrustBundle.from_json(TrustBundle.build(authority, WORKFLOWS, void_roles=void_roles).to_json())


SENT = [("issuance", "issuance", None, None), ("dept_head", "dept_head", "同意", "同意。")]


def test_a_genuine_void_verifies_and_is_reported_void(authority, people, converter) -> None:
    files = build(authority, people, converter, [*SENT, (VOID, "director", VOID_DECISION, REASON)])
    report = verify([("latest.pdf", files[-1])], bundle(authority))
    assert report.ok, report.describe()
    assert report.void is not None and report.void.reason == REASON and report.void.signer == "赵磊"
    assert report.void.index == 2 and report.void.role == "director"
    assert report.summary() == "INTACT:TRUSTED,CONFORMS,FINISHED,VOID"
    assert report.status()["void"]["summary"] == f"已作废：{REASON}（赵磊，{report.void.time}）"
    assert [s.label for s in report.stages][-1] == "作废" and report.stages[-1].ok
    text = report.describe()
    assert f"效力：已作废：{REASON}" in text and "审批流程：已作废" in text
    # Every file, and completeness asked for: a void ends the workflow.
    complete = verify([(f"stage-{n}.pdf", data) for n, data in enumerate(files)], bundle(authority),
                      require_complete=True)
    assert complete.ok and complete.completeness, complete.describe()
    # The earlier files alone say nothing of a void that came later.
    before = verify([("stage-1.pdf", files[1])], bundle(authority))
    assert before.ok and before.void is None and "VOID" not in before.summary()


def test_a_void_in_a_role_the_bundle_does_not_allow_does_not_conform(authority, people, converter) -> None:
    files = build(authority, people, converter, [*SENT, (VOID, "dept_head", VOID_DECISION, REASON)])
    report = verify([("latest.pdf", files[-1])], bundle(authority))
    assert report.intact and report.trusted and not report.conforms
    assert FailureCode.WRONG_ROLE in {f.code for f in report.failures if f.stage_index == 2}
    assert report.summary() == "INTACT:TRUSTED,NONCONFORMING,UNFINISHED,VOID"
    assert "但验证未通过，无法确认" in report.describe()

    genuine = build(authority, people, converter, [*SENT, (VOID, "director", VOID_DECISION, REASON)])
    old = json.loads(bundle(authority).to_json())
    del old["void_roles"]  # a bundle exported before voiding existed allows no one to void
    report = verify([("latest.pdf", genuine[-1])], TrustBundle.from_json(json.dumps(old)))
    assert not report.conforms
    assert any("信任包没有规定可作废文书的角色" in f.message for f in report.failures), report.describe()


def test_a_void_without_reason_or_decision_or_followed_by_a_stage_does_not_conform(authority, people,
                                                                                    converter) -> None:
    blank = build(authority, people, converter, [*SENT, (VOID, "director", "同意", None)])
    report = verify([("latest.pdf", blank[-1])], bundle(authority))
    messages = [f.message for f in report.failures if f.code == FailureCode.WORKFLOW_VIOLATION]
    assert any("没有写明作废原因" in m for m in messages) and any("应为“作废”" in m for m in messages), messages

    after = build(authority, people, converter, [("issuance", "issuance", None, None),
                                                 (VOID, "director", VOID_DECISION, REASON),
                                                 ("dept_head", "dept_head", "同意", "同意。")])
    report = verify([("latest.pdf", after[-1])], bundle(authority))
    assert not report.conforms and report.void is None
    assert any(f.stage_index == 2 and "作废，其后不应再有环节" in f.message for f in report.failures), report.describe()


def test_a_bundle_with_a_malformed_void_roles_is_refused(authority) -> None:
    raw = json.loads(bundle(authority).to_json())
    assert raw["void_roles"] == ["director"]
    with pytest.raises(Exception, match="void_roles"):
        TrustBundle.from_json(json.dumps({**raw, "void_roles": "director"}))
