"""Verification as an archive uses it: a partial set of genuine stage files through the command
line and ``POST /v1/verify`` of the real server, completeness asked for explicitly, and hostile
manifests and trust bundles that once made the server answer 500."""
from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader, PdfWriter

from docgen import sealing
from docgen.catalogue import Catalogue
from docgen.verify._content import read_facts
from serving import Server, run_cli

REVIEW = "major-decision-review"
TITLE = "重大行政执法决定法制审核表"
SIGNED = ("dept_head", "dept_leader", "legal_review")  # stages 1–3 of 7: the workflow is unfinished



@pytest.fixture(scope="module")
def chain(server: Server, catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A review table signed up to 法制审核意见 (stages 0–3 of 0–6), every stage PDF on disk."""
    with server.client() as http:
        created = http.post("/v1/documents", json={"template": REVIEW, "data": catalogue.get(REVIEW).example})
    assert created.status_code == 201, created.text
    document = created.json()
    for stage in SIGNED:
        with server.client(stage) as http:
            signed = http.post(f"/v1/documents/{document['id']}/approvals",
                               json={"stage": stage, "decision": "同意", "opinion": "同意。"})
        assert signed.status_code == 201, signed.text
    folder = tmp_path_factory.mktemp("partial")
    paths = []
    with server.client() as http:
        for stage in http.get(f"/v1/documents/{document['id']}/stages").json():
            path = folder / f"stage-{stage['index']}.pdf"
            path.write_bytes(http.get(stage["links"]["pdf"]).content)
            paths.append(path)
        trust = folder / "trust.json"
        trust.write_bytes(http.get("/v1/trust").content)
    assert len(paths) == 4
    return {"document": document, "paths": paths, "trust": trust}


def post_verify(server: Server, paths: list[Path], **form: str) -> httpx.Response:
    files = [("files", (p.name, p.read_bytes(), "application/pdf")) for p in paths]
    with httpx.Client(base_url=server.url, timeout=120) as http:
        return http.post("/v1/verify", files=files, data=form)


def assert_partial_verified(report: dict, document: dict) -> None:
    status = report["status"]
    assert report["ok"] and status["ok"], report.get("summary")
    assert (status["intact"], status["trusted"], status["conforms"], status["complete"]) == (True, True, True, False)
    assert status["stages_given_as_files"] == [1, 3] and status["stages_checked_through_links"] == [0, 2]
    assert status["document"]["number"] == document["doc_number"] and status["document"]["title"] == TITLE
    assert [s["file"] and Path(s["file"]).name for s in report["stages"]] == [None, "stage-1.pdf", None, "stage-3.pdf"]
    assert report["failures"] == [] and status["summary"] == "INTACT:TRUSTED,CONFORMS,UNFINISHED"


# --------------------------------------------------------------------------- a partial set verifies


def test_cli_verifies_stages_one_and_three_and_names_the_document(chain: dict) -> None:
    paths = [str(chain["paths"][1]), str(chain["paths"][3])]
    result = run_cli("verify", *paths, "--trust", str(chain["trust"]), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert_partial_verified(json.loads(result.stdout), chain["document"])
    text = run_cli("verify", *paths, "--trust", str(chain["trust"]))
    assert text.returncode == 0
    assert f"文书：{TITLE}，文书编号 {chain['document']['doc_number']}" in text.stdout
    assert "提供了文件的环节：1、3；仅经最新文件的链条核验的环节：0、2" in text.stdout
    assert "缺少环节" not in text.stdout and "审批流程：尚未完成" in text.stdout


def test_cli_complete_reports_the_missing_files_and_the_unfinished_workflow(chain: dict) -> None:
    paths = [str(chain["paths"][1]), str(chain["paths"][3])]
    result = run_cli("verify", *paths, "--trust", str(chain["trust"]), "--complete", "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    status = report["status"]
    assert not status["ok"] and status["completeness"] is False
    assert (status["intact"], status["trusted"], status["conforms"]) == (True, True, True)
    assert status["failures"]["complete"] == ["stage-missing", "workflow-unfinished"]
    assert [f["stage_index"] for f in report["failures"] if f["code"] == "stage-missing"] == [0, 2]
    every = run_cli("verify", *map(str, chain["paths"]), "--trust", str(chain["trust"]), "--complete", "--json")
    assert every.returncode == 1  # every file, but the workflow has not ended: still incomplete
    assert json.loads(every.stdout)["status"]["failures"]["complete"] == ["workflow-unfinished"]


def test_api_verifies_the_partial_set_and_checks_completeness_when_asked(server: Server, chain: dict) -> None:
    given = [chain["paths"][1], chain["paths"][3]]
    response = post_verify(server, given)
    assert response.status_code == 200, response.text
    report = response.json()
    assert_partial_verified(report, chain["document"])
    assert "验证结论：通过" in report["summary"]
    complete = post_verify(server, given, complete="true")
    assert complete.status_code == 200, complete.text
    status = complete.json()["status"]
    assert not status["ok"] and status["completeness"] is False and status["intact"]
    assert status["failures"]["complete"] == ["stage-missing", "workflow-unfinished"]


@pytest.mark.parametrize("template", ["penalty-decision", "service-receipt", "seizure-inventory"])
def test_the_report_reads_the_number_of_this_document_and_no_other(server: Server, catalogue: Catalogue,
                                                                  tmp_path: Path, template: str) -> None:
    """A numbered decision shows its own 文书编号; a 送达回证 or 财物清单 (unnumbered) cites another
    document's number on its first page, which must not be taken for its own."""
    with server.client() as http:
        created = http.post("/v1/documents", json={"template": template, "data": catalogue.get(template).example})
        assert created.status_code == 201, created.text
        document = created.json()
        path = tmp_path / f"{template}.pdf"
        path.write_bytes(http.get(document["links"]["pdf"]).content)
    assert (document["doc_number"] is None) == (not catalogue.template(template).numbered)
    status = post_verify(server, [path]).json()["status"]
    assert status["ok"]
    assert status["document"] == {"id": document["id"], "number": document["doc_number"], "title": document["title"],
                                  "template": template, "template_version": document["version"]}
    pdf = path.read_bytes()
    assert PdfReader(io.BytesIO(pdf)).metadata["/Keywords"] == f"文书编号：{document['doc_number'] or ''}"
    # A file issued before the number was recorded in /Keywords: read from the page, the same number.
    assert read_facts(without_keywords(pdf)) == (document["title"], document["doc_number"])


def without_keywords(pdf: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    writer.metadata = None
    writer.add_metadata({key: value for key, value in reader.metadata.items() if key != "/Keywords"})
    out = io.BytesIO()
    writer.write(out)
    assert "/Keywords" not in PdfReader(io.BytesIO(out.getvalue())).metadata
    return out.getvalue()


# --------------------------------------------------------------------------- hostile inputs over HTTP


def with_manifest(pdf: bytes, manifest: bytes) -> bytes:
    """``pdf`` rewritten with ``manifest`` as its embedded ``docgen-chain.json``."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    spec = writer.root_object["/AF"][0].get_object()
    spec["/EF"]["/F"].get_object().set_data(manifest)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def surrogate_opinion(genuine: bytes) -> bytes:
    """The genuine manifest with a lone surrogate (as a JSON escape) in the last opinion: every
    field still well-formed, so parsing succeeds and only encoding it again fails."""
    text = genuine.decode("utf-8")
    assert text.count('"opinion":"同意。"') == 3
    return text.replace('"opinion":"同意。"', '"opinion":"\\ud800"').encode("utf-8")


@pytest.mark.parametrize("make, reason", [
    (lambda genuine: b'{"format":"docgen-chain/1","links":' + b"[" * 5000 + b"]" * 5000 + b"}", "嵌套过深"),
    (surrogate_opinion, "代理项"),
    (lambda genuine: b'{"format":"docgen-chain/1","links":[' + b"9" * 5000 + b"]}", "不是有效的 JSON"),
], ids=["nested-5000", "lone-surrogate", "5000-digit-number"])
def test_hostile_manifest_in_a_pdf_is_a_verification_failure(server: Server, chain: dict, tmp_path: Path,
                                                            make, reason: str) -> None:
    genuine = chain["paths"][3].read_bytes()
    path = tmp_path / "hostile.pdf"
    path.write_bytes(with_manifest(genuine, make(sealing.read_manifest(genuine).to_json())))
    response = post_verify(server, [path])
    assert response.status_code == 200, response.text
    report = response.json()
    assert not report["ok"] and not report["status"]["intact"]
    [invalid] = [f for f in report["failures"] if f["code"] == "manifest-invalid"]
    assert invalid["message"] == "签批链条清单格式错误" and reason in invalid["detail"]
    assert httpx.get(server.url + "/healthz").status_code == 200


@pytest.mark.parametrize("bundle, reason", [
    (b"[" * 100_000 + b"]" * 100_000, "嵌套过深"),
    ("agency-surrogate", "代理项"),
    (b'{"format":"docgen-trust/1","agency":' + b"7" * 5000 + b"}", "不是有效的 JSON"),
    (b"\xff\xfe{}", "UTF-8"),
], ids=["nested-100000", "lone-surrogate", "5000-digit-number", "not-utf-8"])
def test_hostile_trust_bundle_upload_is_a_422_problem(server: Server, chain: dict, bundle: bytes | str,
                                                      reason: str) -> None:
    if bundle == "agency-surrogate":  # the genuine bundle, its agency name replaced by "\ud800"
        genuine = json.loads(chain["trust"].read_bytes())
        bundle = chain["trust"].read_bytes().replace(json.dumps(genuine["agency"], ensure_ascii=False).encode(),
                                                     b'"\\ud800"')
        assert b"ud800" in bundle
    files = [("files", ("stage-3.pdf", chain["paths"][3].read_bytes(), "application/pdf")),
             ("trust", ("trust.json", bundle, "application/json"))]
    with httpx.Client(base_url=server.url, timeout=120) as http:
        response = http.post("/v1/verify", files=files)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "/problems/verification-input-invalid" and reason in problem["detail"]
