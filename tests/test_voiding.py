"""Voiding (作废) and the 文书编号 register through the real API, the void verified offline.

Every test runs against a LibreOffice server and against the fake converter's (``api_server``, see
conftest.py); the stamp's words on the page are read back only from LibreOffice's PDFs."""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import httpx
import pytest

import pdftools
from docgen.catalogue import Catalogue
from docgen.config import load_agency
from serving import PEOPLE, Server, agency_today, run_cli
from tiers import LIBREOFFICE

DECISION = "penalty-decision"
REVIEW = "major-decision-review"
AGENCY = load_agency()
PREFIX = AGENCY.numbering.prefix(DECISION)
YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year
REASON = "编号误用：同一案件的决定书重复签发，以株市监处罚另号为准"


def issue(server: Server, catalogue: Catalogue, template: str = DECISION) -> dict:
    with server.client() as http:
        created = http.post("/v1/documents", json={"template": template, "data": catalogue.get(template).example})
    assert created.status_code == 201, created.text
    return created.json()


def void(server: Server, document_id: str, body: object, who: str = "director") -> httpx.Response:
    with server.client(who) as http:
        return http.post(f"/v1/documents/{document_id}/void", json=body)


def stage_count(server: Server, document_id: str) -> int:
    return server.rows("SELECT COUNT(*) FROM stages WHERE document_id = ?", document_id)[0][0]


def register(server: Server, **params: object) -> httpx.Response:
    with server.client("dept_head") as http:  # any principal may read the register
        return http.get("/v1/numbers", params=params)



@pytest.fixture(scope="module")
def voided(api_server: Server, catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A 行政处罚决定书 issued and voided by the 局长; its files and the trust bundle on disk."""
    document = issue(api_server, catalogue)
    response = void(api_server, document["id"], {"reason": f"  {REASON} "})
    assert response.status_code == 201, response.text
    folder = tmp_path_factory.mktemp("void")
    with api_server.client() as http:
        latest = http.get(f"/v1/documents/{document['id']}/pdf")
        first = http.get(f"/v1/documents/{document['id']}/stages/0/pdf")
        record = http.get(f"/v1/documents/{document['id']}").json()
        (folder / "latest.pdf").write_bytes(latest.content)
        (folder / "trust.json").write_bytes(http.get("/v1/trust").content)
    return {"document": document, "response": response, "latest": latest, "first": first, "record": record,
            "folder": folder, "typeset": api_server.converter == LIBREOFFICE}


def test_void_adds_a_signed_stage_to_the_same_chain(voided: dict) -> None:
    response, document = voided["response"], voided["document"]
    body = response.json()
    assert body["void"]["reason"] == REASON  # blanks around it trimmed
    assert body["void"]["signer"] == PEOPLE["director"][0] and body["void"]["role"] == "director"
    assert body["doc_number"] == document["doc_number"] and body["void"]["index"] == 1
    stage = body["stage"]
    assert (stage["stage"], stage["label"], stage["decision"], stage["opinion"]) == ("void", "作废", "作废", REASON)
    assert response.headers["location"] == f"/v1/documents/{document['id']}/stages/1/pdf"

    record = voided["record"]
    assert record["void"] == body["void"] and record["next_stage"] is None and record["stage_count"] == 2
    assert record["stages"][1]["link_sha256"] == stage["link_sha256"]
    assert record["doc_number"] == document["doc_number"]  # the number stays the document's
    # Downloads stay: the issued file as it was, the latest is the void stage's.
    assert voided["first"].status_code == 200 and voided["first"].headers["etag"].strip('"') == document["sha256"]
    assert voided["latest"].headers["etag"].strip('"') == stage["sha256"] != document["sha256"]
    if voided["typeset"]:
        text = pdftools.text(voided["latest"].content)
        assert "作废" in text and pdftools.contains(text, "编号误用")
        assert pdftools.contains(text, document["doc_number"])  # the issued page beneath the stamp


def test_the_latest_file_verifies_as_void(voided: dict) -> None:
    folder, document = voided["folder"], voided["document"]
    result = run_cli("verify", str(folder / "latest.pdf"), "--trust", str(folder / "trust.json"), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    status = report["status"]
    assert status["ok"] and status["conforms"] and status["complete"]
    assert status["summary"] == "INTACT:TRUSTED,CONFORMS,FINISHED,VOID"
    assert status["void"]["reason"] == REASON and status["void"]["signer"] == PEOPLE["director"][0]
    assert status["void"]["summary"].startswith(f"已作废：{REASON}")
    assert [s["stage"] for s in report["stages"]] == ["issuance", "void"]
    assert report["stages"][1]["label"] == "作废" and report["stages"][1]["ok"]
    if voided["typeset"]:
        assert status["document"]["number"] == document["doc_number"]
    text = run_cli("verify", str(folder / "latest.pdf"), "--trust", str(folder / "trust.json"))
    assert text.returncode == 0
    assert f"效力：已作废：{REASON}" in text.stdout and "审批流程：已作废" in text.stdout


def test_the_register_shows_the_void_number_with_its_reason(voided: dict, api_server: Server,
                                                              catalogue: Catalogue) -> None:
    after = issue(api_server, catalogue)  # a later number is issued as usual
    response = register(api_server, prefix=PREFIX, year=YEAR)
    assert response.status_code == 200, response.text
    body = response.json()
    numbers = body["numbers"]
    assert [n["seq"] for n in numbers] == list(range(1, len(numbers) + 1))  # every number, in order
    assert all(n["number"] == f"{PREFIX}〔{YEAR}〕{n['seq']}号" for n in numbers)
    by_number = {n["number"]: n for n in numbers}
    entry = by_number[voided["document"]["doc_number"]]
    assert entry["status"] == "void" and entry["label"] == "已作废"
    assert entry["document_id"] == voided["document"]["id"] and entry["void"]["reason"] == REASON
    assert entry["void"]["signer"] == PEOPLE["director"][0] and entry["void"]["time"]
    assert by_number[after["doc_number"]]["status"] == "issued"
    assert by_number[after["doc_number"]]["void"] is None
    assert body["counts"]["void"] >= 1 and sum(body["counts"].values()) == len(numbers)
    assert register(api_server, prefix=PREFIX).json()["year"] == YEAR  # the year defaults to this one


def test_void_refusals_store_nothing(api_server: Server, catalogue: Catalogue) -> None:
    document = issue(api_server, catalogue)
    document_id = document["id"]
    assert void(api_server, "0" * 32, {"reason": REASON}).status_code == 404
    wrong = void(api_server, document_id, {"reason": REASON}, who="case_system")
    assert wrong.status_code == 403 and wrong.headers["content-type"] == "application/problem+json"
    assert void(api_server, document_id, {"reason": ""}, who="legal_review").status_code == 403  # role first
    for body in ({}, {"reason": None}, {"reason": "  "}, {"reason": "因" * 501}, {"reason": "a\u0001b"}):
        refused = void(api_server, document_id, body)
        assert refused.status_code == 422, (body, refused.text)
        assert [e["pointer"] for e in refused.json()["errors"]] == ["/reason"], refused.text
    refused = void(api_server, document_id, {"reason": REASON, "by": "x"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["pointer"] == "/by"
    with httpx.Client(base_url=api_server.url) as anonymous:
        assert anonymous.post(f"/v1/documents/{document_id}/void", json={"reason": REASON}).status_code == 401
    assert stage_count(api_server, document_id) == 1  # nothing half-written

    assert void(api_server, document_id, {"reason": REASON}).status_code == 201
    again = void(api_server, document_id, {"reason": "再次作废"})
    assert again.status_code == 409 and "已于" in again.json()["detail"] and REASON in again.json()["detail"]
    assert stage_count(api_server, document_id) == 2


def test_two_voids_at_once_store_one(api_server: Server, catalogue: Catalogue) -> None:
    document = issue(api_server, catalogue)
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda n: void(api_server, document["id"], {"reason": f"{REASON}（{n}）"}), range(2)))
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert stage_count(api_server, document["id"]) == 2


def test_voiding_a_table_under_review_ends_its_workflow(api_server: Server, catalogue: Catalogue) -> None:
    document = issue(api_server, catalogue, REVIEW)
    with api_server.client("dept_head") as http:
        signed = http.post(f"/v1/documents/{document['id']}/approvals",
                           json={"stage": "dept_head", "decision": "同意", "opinion": "同意。"})
    assert signed.status_code == 201, signed.text
    assert void(api_server, document["id"], {"reason": "送审有误，撤回重新制作"}).status_code == 201
    with api_server.client("dept_leader") as http:
        late = http.post(f"/v1/documents/{document['id']}/approvals",
                         json={"stage": "dept_leader", "decision": "同意", "opinion": "同意。"})
        record = http.get(f"/v1/documents/{document['id']}").json()
    assert late.status_code == 409 and "作废" in late.json()["detail"]
    assert record["next_stage"] is None and [s["stage"] for s in record["stages"]] == ["issuance", "dept_head", "void"]
    assert stage_count(api_server, document["id"]) == 3


def test_the_register_validates_its_parameters(api_server: Server) -> None:
    for params, pointer in (({"prefix": "株市监没有"}, "/prefix"), ({}, "/prefix"),
                            ({"prefix": PREFIX, "year": "二〇二六"}, "/year"), ({"prefix": PREFIX, "year": 1800}, "/year")):
        response = register(api_server, **params)
        assert response.status_code == 422, (params, response.text)
        assert pointer in [e["pointer"] for e in response.json()["errors"]], response.text
    assert httpx.get(api_server.url + "/v1/numbers", params={"prefix": PREFIX}).status_code == 401
    assert register(api_server, prefix=PREFIX, year=2001).json()["numbers"] == []


def test_the_register_shows_numbers_in_flight(api_server: Server) -> None:
    """Reservations a document in flight holds, and a number released below one of them (a failed
    issuance), as the register shows them; written straight into the database, for a prefix no
    other test issues, and removed again."""
    prefix = AGENCY.numbering.prefix("jurisdiction-designation-notice")
    for seq in (1, 3):
        api_server.execute("INSERT INTO number_reservations (prefix, year, seq, reserved_at) VALUES (?, ?, ?, ?)",
                           prefix, YEAR, seq, time.time())
    try:
        numbers = register(api_server, prefix=prefix, year=YEAR).json()["numbers"]
    finally:
        api_server.execute("DELETE FROM number_reservations WHERE prefix = ?", prefix)
    assert [(n["seq"], n["status"]) for n in numbers] == [(1, "reserved"), (2, "free"), (3, "reserved")]
    assert numbers[0]["reserved_at"] and numbers[0]["document_id"] is None


def test_the_openapi_documents_void_and_the_register(api_server: Server) -> None:
    spec = httpx.get(api_server.url + "/openapi.json").json()
    assert "/v1/documents/{document_id}/void" in spec["paths"] and "/v1/numbers" in spec["paths"]
    assert "VoidBody" in spec["components"]["schemas"] and "NumberRegisterBody" in spec["components"]["schemas"]


def test_downloads_of_a_void_document_keep_their_names(voided: dict) -> None:
    assert "filename*" in voided["latest"].headers["content-disposition"]
    assert Path(voided["folder"] / "latest.pdf").read_bytes()[:5] == b"%PDF-"


@dataclass(frozen=True)
class Here:
    """docgen's service in this process with the fixed-PDF converter, its case system and its director."""

    service: Any
    officer: Any
    director: Any
    decision: dict[str, Any]
    """A 行政处罚决定书 of today, its 告知书 served two weeks ago: its publicity record opens ``due``."""

    def issue(self) -> Any:
        return self.service.issuer.issue(self.officer.id, DECISION, None, self.decision).document


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalogue: Catalogue) -> Iterator[Here]:
    from docgen.config import Settings
    from docgen.service import Service, authority

    monkeypatch.setenv("DOCGEN_CONVERTER", "fake")
    settings = Settings.from_env(tmp_path / "data")
    service = Service(settings, authority(settings, create=True))
    service.converter.start()
    try:
        example = catalogue.get(DECISION).example
        served = (agency_today() - timedelta(days=14)).isoformat()
        yield Here(service, service.principals.add("承办人", ["case_system"])[0],
                   service.principals.add("周局长", ["director"])[0],
                   {**example, "issued_on": agency_today().isoformat(), "notice": {**example["notice"], "served_on": served}})
    finally:
        service.converter.close()
        service.close()


def test_the_void_and_its_publicity_change_commit_together(here: Here, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the service, with the fixed-PDF converter: a failure inside the void's writing transaction after the
    publicity record changed leaves neither the stage nor the change; then the void goes through with both."""
    service, director = here.service, here.director
    document = here.issue()
    assert service.publicity.get(document.id).status == "due"
    real = service.publicity.voided

    def voided_then_fail(conn, document_id, mark):  # noqa: ANN001, ANN202
        assert real(conn, document_id, mark).status == "void"  # the change was made in this transaction
        raise RuntimeError("disk gone")

    monkeypatch.setattr(service.publicity, "voided", voided_then_fail)
    with pytest.raises(RuntimeError):
        service.voider.void(director, document.id, REASON)
    assert len(service.storage.stages(document.id)) == 1
    record = service.publicity.get(document.id)
    assert record.status == "due" and record.void is None and [e["kind"] for e in record.events] == ["opened"]
    monkeypatch.setattr(service.publicity, "voided", real)
    stage = service.voider.void(director, document.id, REASON)
    record = service.publicity.get(document.id)
    assert record.status == "void" and record.void["stage_index"] == stage.idx == 1
    assert [e["kind"] for e in record.events] == ["opened", "voided"]
    assert service.publicity.list("due") == [] and service.publicity.list("overdue") == []


def test_a_decision_voided_by_the_previous_release_is_reconciled_at_start(here: Here,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The previous release voided a decision without touching its publicity record (still due, or still
    published): the next start (``Service.claim``) gives each record what a void does now, once."""
    service = here.service
    due, published = here.issue(), here.issue()
    with service.storage.db.transaction() as conn:  # as if published on the platform before the void
        conn.execute("UPDATE publicity_records SET status = 'published' WHERE document_id = ?", (published.id,))
    monkeypatch.setattr(service.voider, "publicity", None)  # the previous release's void
    for document in (due, published):
        service.voider.void(here.director, document.id, REASON)
    assert [service.publicity.get(d.id).status for d in (due, published)] == ["due", "published"]
    assert service.publicity.get(published.id).state(agency_today()) == "published"

    service.claim()
    today = agency_today()
    record = service.publicity.get(due.id)
    assert (record.status, record.void["stage_index"], record.void["reason"]) == ("void", 1, REASON)
    assert [e["kind"] for e in record.events] == ["opened", "voided"]
    record = service.publicity.get(published.id)
    assert record.state(today) == "withdraw_due" and record.void["withdraw_due_on"] >= today.isoformat()
    assert service.publicity.reconcile_voids() == 0  # once
    assert [e["kind"] for e in service.publicity.get(due.id).events] == ["opened", "voided"]
