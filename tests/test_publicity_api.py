"""Publicity over a real server (real LibreOffice): a record opened at issuance with its due date, the
rendition, recording publication, withdrawal, the listing by state, and every bad input refused with
a problem document that changes nothing. Also on PostgreSQL (the fixed-PDF converter): publicity's tables
and the public renditions' leaves on the other engine."""
from __future__ import annotations

import copy
import hashlib
from datetime import date, timedelta
from typing import Any

import httpx

from docgen.catalogue import Catalogue
from docgen.config import PROJECT_DIR, load_agency
from serving import Server
from test_operations import samples, value
from test_cases import client, server  # noqa: F401 - the case tests' servers: LibreOffice on SQLite, then PostgreSQL

CATALOGUE = Catalogue(PROJECT_DIR)
AGENCY = load_agency()


def decision(issued_on: date | None = None, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(CATALOGUE.get("penalty-decision").example)
    if issued_on is not None:
        data["issued_on"] = issued_on.isoformat()
        data["notice"]["served_on"] = (issued_on - timedelta(days=14)).isoformat()
    return {**data, **changes}


def issue(client: httpx.Client, template: str, data: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/documents", json={"template": template, "data": data})
    assert response.status_code == 201, response.text
    return response.json()


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def test_the_lifecycle_of_a_published_decision(server: Server, client: httpx.Client) -> None:
    today = date.today()
    doc = issue(client, "penalty-decision", decision(today))
    base = f"/v1/documents/{doc['id']}/publicity"
    record = client.get(base).json()
    due = AGENCY.calendar.add_working_days(today, 7)
    assert record["status"] == "due" and record["due_on"] == due.isoformat() and record["doc_number"] == doc["doc_number"]
    assert record["days_left"] == (due - today).days and "7个工作日" in record["rule"]["basis"]
    before = client.get(base).json()

    # published before the rendition exists; withdrawn before published; a span not in the document
    problem(client.post(f"{base}/published", json={"platform": "国家企业信用信息公示系统",
                                                    "url": "https://www.gsxt.gov.cn/x", "published_at": today.isoformat()}), 409)
    problem(client.post(f"{base}/withdraw", json={"reason": "复议撤销", "basis": "株政复决字〔2026〕1号"}), 409)
    bad = problem(client.post(f"{base}/rendition", json={"spans": [{"pointer": "/facts", "text": "并不存在的供货商",
                                                                       "reason": "商业秘密"}]}), 422)
    assert bad["errors"][0]["pointer"] == "/spans/0/text"
    assert client.get(base).json() == before  # nothing changed
    problem(client.get(f"{base}/pdf"), 404)

    logged = client.get("/v1/log").json()["size"]
    made = client.post(f"{base}/rendition", json={"spans": [{"pointer": "/facts", "text": "长沙市某食品有限公司",
                                                               "reason": "商业秘密：供货商"}]})
    assert made.status_code == 201, made.text
    assert made.json()["rendition"]["revision"] == 1 and "public_pdf" in made.json()["links"]
    pdf = client.get(f"{base}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["etag"]
    # the public rendition is a leaf of the transparency log, like every issued file
    assert client.get("/v1/log").json()["size"] == logged + 1
    leaf = client.get("/v1/log/proof/inclusion", params={"leaf": logged, "size": logged + 1}).json()["entry"]
    assert (leaf["kind"], leaf["document_id"], leaf["number"]) == ("public", doc["id"], 1)
    assert leaf["sha256"] == hashlib.sha256(pdf.content).hexdigest()

    # recording publication: bad fields named, then accepted with its period end (公示规定第十三条)
    bad = problem(client.post(f"{base}/published", json={"platform": "", "url": "gsxt", "published_at": "昨天"}), 422)
    assert {e["pointer"] for e in bad["errors"]} == {"/platform", "/url", "/published_at"}
    future = (today + timedelta(days=1)).isoformat()  # a publication not yet made cannot be recorded as made
    bad = problem(client.post(f"{base}/published", json={"platform": "国家企业信用信息公示系统",
                                                         "url": "https://www.gsxt.gov.cn/x", "published_at": future}), 422)
    assert [e["pointer"] for e in bad["errors"]] == ["/published_at"]
    published = client.post(f"{base}/published", json={"platform": "国家企业信用信息公示系统",
                                                        "url": "https://www.gsxt.gov.cn/x", "published_at": today.isoformat()})
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["status"] == "published" and body["published"]["on_time"]
    assert body["published"]["period_months"] == 36 and "第十三条" in body["published"]["period_note"]
    problem(client.post(f"{base}/published", json={"platform": "x", "url": "https://a", "published_at": today.isoformat()}), 409)

    # withdrawal: a reason is required; then it comes down within 3 working days, and nothing is deleted
    after = client.get(base).json()
    bad = problem(client.post(f"{base}/withdraw", json={"reason": " ", "basis": "株政复决字〔2026〕1号"}), 422)
    assert bad["errors"][0]["pointer"] == "/reason"
    bad = problem(client.post(f"{base}/withdraw", json={"reason": "复议撤销", "basis": "株政复决字〔2026〕1号",
                                                        "changed_on": (today + timedelta(days=1)).isoformat()}), 422)
    assert [e["pointer"] for e in bad["errors"]] == ["/changed_on"]
    assert client.get(base).json() == after
    withdrawn = client.post(f"{base}/withdraw", json={"reason": "行政复议决定撤销原处罚决定", "basis": "株政复决字〔2026〕1号",
                                                      "changed_on": today.isoformat()}).json()
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawn"]["on_time"]
    assert withdrawn["withdrawn"]["due_on"] == AGENCY.calendar.add_working_days(today, 3).isoformat()
    assert [e["kind"] for e in withdrawn["events"]] == ["opened", "rendition_made", "published", "withdrawn"]
    assert withdrawn["published"]["url"] == "https://www.gsxt.gov.cn/x"  # history kept
    listed = client.get("/v1/publicity", params={"status": "withdrawn"}).json()
    assert doc["id"] in [r["document_id"] for r in listed]
    assert client.get(f"{base}/pdf").status_code == 200  # the rendition stays on record


def test_due_and_overdue_are_listed_apart(client: httpx.Client) -> None:
    late = issue(client, "penalty-decision", decision())  # dated 2026-04-27: due 2026-05-09, long past
    fresh = issue(client, "penalty-decision", decision(date.today()))
    overdue = [r["document_id"] for r in client.get("/v1/publicity", params={"status": "overdue"}).json()]
    due = [r["document_id"] for r in client.get("/v1/publicity", params={"status": "due"}).json()]
    assert late["id"] in overdue and late["id"] not in due
    assert fresh["id"] in due and fresh["id"] not in overdue
    problem(client.get("/v1/publicity", params={"status": "gone"}), 422)


def test_documents_that_are_no_decision_to_publish_are_refused(client: httpx.Client) -> None:
    notice = issue(client, "penalty-notice", copy.deepcopy(CATALOGUE.get("penalty-notice").example))
    warning_only = {k: v for k, v in decision(penalties=[{"type": "警告"}]).items() if k != "payment"}
    warning = issue(client, "penalty-decision", warning_only)  # 公示规定第二条第二款: not published
    for doc in (notice, warning):
        base = f"/v1/documents/{doc['id']}/publicity"
        problem(client.get(base), 409)
        problem(client.post(f"{base}/rendition", json={}), 409)
        problem(client.post(f"{base}/published", json={"platform": "x", "url": "https://a", "published_at": "2026-12-01"}), 409)
    problem(client.get("/v1/documents/nosuchdocument/publicity"), 404)


def test_not_publishing_needs_a_reason_and_the_configured_role_s_signed_approval(server: Server,
                                                                                 client: httpx.Client) -> None:
    from docgen.chain import Link, verify_link_signature
    from docgen.trust import TrustBundle
    doc = issue(client, "penalty-decision", decision(date.today()))
    base = f"/v1/documents/{doc['id']}/publicity"
    before = client.get(base).json()
    assert problem(client.post(f"{base}/not-published", json={"reason": ""}), 422)["errors"][0]["pointer"] == "/reason"
    with server.client("legal_head") as head:
        problem(head.post(f"{base}/not-published/approval", json={"decision": "同意"}), 409)  # nothing proposed yet
    assert client.get(base).json() == before
    proposed = client.post(f"{base}/not-published", json={"reason": "涉及商业秘密，公开会损害第三方合法权益",
                                                          "basis": "《政府信息公开条例》第十五条"})
    assert proposed.status_code == 200 and proposed.json()["status"] == "due"
    with server.client("legal_review") as other:
        problem(other.post(f"{base}/not-published/approval", json={"decision": "同意"}), 403)
    with server.client("legal_head") as head:
        problem(head.post(f"{base}/not-published/approval", json={"decision": "不同意"}), 422)  # no opinion
        approved = head.post(f"{base}/not-published/approval", json={"decision": "同意", "opinion": "同意不予公开"})
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "not_published" and body["not_published"]["approver"] == "陈科长"
    link = Link.from_dict(body["not_published"]["link"])
    trust = TrustBundle.from_json(client.get("/v1/trust").content)
    assert verify_link_signature(link, trust.signer(link.certificate_sha256).certificate)
    assert link.role == "legal_head" and link.previous_file_sha256 == doc["sha256"]
    listed = [r["document_id"] for r in client.get("/v1/publicity", params={"status": "not_published"}).json()]
    assert doc["id"] in listed
    problem(client.post(f"{base}/rendition", json={}), 409)


def test_the_export_batch_holds_each_due_rendition_with_its_summary_rows(client: httpx.Client) -> None:
    import csv
    import io
    import json
    import zipfile
    doc = issue(client, "penalty-decision", decision(date.today()))
    assert client.post(f"/v1/documents/{doc['id']}/publicity/rendition", json={}).status_code == 201
    response = client.get("/v1/publicity/export")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    folder = names[0].split("/")[0]
    rows = json.loads(archive.read(f"{folder}/摘要.json"))
    row = next(r for r in rows if r["行政处罚决定书文号"] == doc["doc_number"])
    assert row["当事人"] == decision()["party"]["name"] and row["违法行为类型"] == decision()["violation"]
    pdf = archive.read(f"{folder}/{row['文件']}")
    import hashlib
    assert hashlib.sha256(pdf).hexdigest() == row["sha256"]
    table = list(csv.DictReader(io.StringIO(archive.read(f"{folder}/摘要.csv").decode("utf-8-sig"))))
    assert [r["sha256"] for r in table] == [r["sha256"] for r in rows]
    assert "摘要.csv" in archive.read(f"{folder}/说明.txt").decode("utf-8")
    assert all(decision()["party"]["phone"] not in json.dumps(r, ensure_ascii=False) for r in rows)


def test_a_public_rendition_verifies_over_http_alone_and_with_its_original(lo_server: Server) -> None:
    """The differences are read from the pages' text: real LibreOffice only (the fixed PDF has none)."""
    with lo_server.client() as client:
        doc = issue(client, "penalty-decision", decision(date.today()))
        base = f"/v1/documents/{doc['id']}/publicity"
        assert client.post(f"{base}/rendition", json={}).status_code == 201
        public, original = client.get(f"{base}/pdf").content, client.get(f"/v1/documents/{doc['id']}/pdf").content
        before = samples(lo_server)
        alone = client.post("/v1/verify/public", files={"file": ("public.pdf", public, "application/pdf")})
        assert alone.status_code == 200 and alone.json()["ok"] and alone.json()["original"] is None, alone.text
        both = client.post("/v1/verify/public", files={"file": ("public.pdf", public, "application/pdf"),
                                                       "original": ("original.pdf", original, "application/pdf")}).json()
        assert both["ok"] and both["differences"] >= 2 and both["doc_number"] == doc["doc_number"], both
        other = issue(client, "penalty-decision", decision(date.today()))
        wrong = client.post("/v1/verify/public", files={
            "file": ("public.pdf", public, "application/pdf"),
            "original": ("other.pdf", client.get(f"/v1/documents/{other['id']}/pdf").content, "application/pdf")}).json()
        assert not wrong["ok"] and wrong["failures"][0]["code"] == "public-original-mismatch"
    after = samples(lo_server)  # counted as every verification job is: two verified, one failed
    assert [value(after, "docgen_verification_jobs_total", outcome=o) -
            value(before, "docgen_verification_jobs_total", outcome=o) for o in ("verified", "failed")] == [2, 1]
