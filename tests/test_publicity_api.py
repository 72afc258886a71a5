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
from serving import Server, agency_today
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
    today = agency_today()
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
    fresh = issue(client, "penalty-decision", decision(agency_today()))
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
    doc = issue(client, "penalty-decision", decision(agency_today()))
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
    doc = issue(client, "penalty-decision", decision(agency_today()))
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
        doc = issue(client, "penalty-decision", decision(agency_today()))
        base = f"/v1/documents/{doc['id']}/publicity"
        assert client.post(f"{base}/rendition", json={}).status_code == 201
        public, original = client.get(f"{base}/pdf").content, client.get(f"/v1/documents/{doc['id']}/pdf").content
        before = samples(lo_server)
        alone = client.post("/v1/verify/public", files={"file": ("public.pdf", public, "application/pdf")})
        assert alone.status_code == 200 and alone.json()["ok"] and alone.json()["original"] is None, alone.text
        both = client.post("/v1/verify/public", files={"file": ("public.pdf", public, "application/pdf"),
                                                       "original": ("original.pdf", original, "application/pdf")}).json()
        assert both["ok"] and both["differences"] >= 2 and both["doc_number"] == doc["doc_number"], both
        other = issue(client, "penalty-decision", decision(agency_today()))
        wrong = client.post("/v1/verify/public", files={
            "file": ("public.pdf", public, "application/pdf"),
            "original": ("other.pdf", client.get(f"/v1/documents/{other['id']}/pdf").content, "application/pdf")}).json()
        assert not wrong["ok"] and wrong["failures"][0]["code"] == "public-original-mismatch"
    after = samples(lo_server)  # counted as every verification job is: two verified, one failed
    assert [value(after, "docgen_verification_jobs_total", outcome=o) -
            value(before, "docgen_verification_jobs_total", outcome=o) for o in ("verified", "failed")] == [2, 1]


# -- a void (作废) is not a decision: it is not published, and a published one comes down -----------------

VOID_REASON = "编号误用：决定书重复签发，以另号为准"


def void(server: Server, document_id: str, reason: str = VOID_REASON) -> dict[str, Any]:
    with server.client("director") as director:
        response = director.post(f"/v1/documents/{document_id}/void", json={"reason": reason})
    assert response.status_code == 201, response.text
    return response.json()


def listed(client: httpx.Client, status: str) -> list[str]:
    response = client.get("/v1/publicity", params={"status": status})
    assert response.status_code == 200, response.text
    return [r["document_id"] for r in response.json()]


def test_a_due_decision_voided_is_no_longer_due_and_cannot_be_published(server: Server, client: httpx.Client) -> None:
    late = issue(client, "penalty-decision", decision())  # overdue since May
    fresh = issue(client, "penalty-decision", decision(agency_today()))
    assert late["id"] in listed(client, "overdue") and fresh["id"] in listed(client, "due")
    assert client.post(f"/v1/documents/{fresh['id']}/publicity/rendition", json={}).status_code == 201
    for doc in (late, fresh):
        voided = void(server, doc["id"])
        base = f"/v1/documents/{doc['id']}/publicity"
        record = client.get(base).json()
        assert (record["status"], record["status_label"], record["days_left"]) == ("void", "已作废（不再公示）", None)
        assert record["void"]["reason"] == VOID_REASON and record["void"]["signer"] == "周局长"
        assert record["void"]["stage_index"] == voided["void"]["index"] == 1
        assert record["void"]["time"] == voided["void"]["time"] and record["void"]["status_before"] == "due"
        assert [e["kind"] for e in record["events"]] == (["opened", "voided"] if doc is late
                                                         else ["opened", "rendition_made", "voided"])
        assert record["events"][-1]["detail"]["reason"] == VOID_REASON and record["events"][-1]["actor"]
        for status in ("due", "overdue"):
            assert doc["id"] not in listed(client, status)
        assert doc["id"] in listed(client, "void")
        # nothing more is published or rendered: 409 naming the void, and nothing changes
        for path, body in (("published", {"platform": "国家企业信用信息公示系统", "url": "https://www.gsxt.gov.cn/x",
                                           "published_at": agency_today().isoformat()}), ("rendition", {})):
            refused = problem(client.post(f"{base}/{path}", json=body), 409)
            assert "作废" in refused["detail"] and VOID_REASON in refused["detail"], refused
        problem(client.post(f"{base}/withdraw", json={"reason": "复议撤销", "basis": "株政复决字〔2026〕3号"}), 409)
        problem(client.post(f"{base}/not-published", json={"reason": "涉及商业秘密"}), 409)
        assert client.get(base).json() == record
    import io
    import json
    import zipfile
    archive = zipfile.ZipFile(io.BytesIO(client.get("/v1/publicity/export").content))
    rows = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith("摘要.json"))))
    assert fresh["doc_number"] not in [r["行政处罚决定书文号"] for r in rows]  # its rendition is not in the batch


def test_a_published_decision_voided_is_due_for_withdrawal_then_withdrawn(server: Server, client: httpx.Client) -> None:
    today = agency_today()
    doc = issue(client, "penalty-decision", decision(today))
    base = f"/v1/documents/{doc['id']}/publicity"
    assert client.post(f"{base}/rendition", json={}).status_code == 201
    assert client.post(f"{base}/published", json={"platform": "国家企业信用信息公示系统", "url": "https://www.gsxt.gov.cn/v",
                                                   "published_at": today.isoformat()}).status_code == 200
    voided = void(server, doc["id"])
    record = client.get(base).json()
    voided_on = date.fromisoformat(record["void"]["voided_on"])
    due = AGENCY.calendar.add_working_days(voided_on, AGENCY.publicity.withdraw_working_days)
    assert (record["status"], record["status_label"]) == ("withdraw_due", "已作废待撤回")
    assert record["void"]["withdraw_due_on"] == due.isoformat() and record["days_left"] == (due - today).days
    assert "非法定" in record["void"]["rule"] and record["void"]["status_before"] == "published"
    assert record["void"]["stage_index"] == voided["void"]["index"]
    assert record["published"]["url"] == "https://www.gsxt.gov.cn/v"  # still up until withdrawn
    assert doc["id"] in listed(client, "withdraw_due") and doc["id"] not in listed(client, "published")
    refused = problem(client.post(f"{base}/rendition", json={}), 409)  # no correction of a void decision
    assert VOID_REASON in refused["detail"]
    problem(client.post(f"{base}/published", json={"platform": "x", "url": "https://a", "published_at": today.isoformat()}), 409)
    assert client.get(base).json() == record

    withdrawn = client.post(f"{base}/withdraw", json={})  # reason, basis and the void's day prefilled
    assert withdrawn.status_code == 200, withdrawn.text
    body = withdrawn.json()
    assert body["status"] == "withdrawn" and body["days_left"] is None
    entry = body["withdrawn"]
    assert entry["basis"] == f"文书已作废：{VOID_REASON}" and entry["reason"] == "文书已作废，不再公示"
    assert entry["changed_on"] == voided_on.isoformat() and entry["due_on"] == due.isoformat() and entry["on_time"]
    assert "非法定" in entry["rule"] and "第十一条" in entry["rule"]
    assert [e["kind"] for e in body["events"]] == ["opened", "rendition_made", "published", "voided", "withdrawn"]
    assert doc["id"] not in listed(client, "withdraw_due") and doc["id"] in listed(client, "withdrawn")


def test_a_withheld_or_withdrawn_decision_voided_gets_the_event_only(server: Server, client: httpx.Client) -> None:
    today = agency_today()
    withheld = issue(client, "penalty-decision", decision(today))
    base = f"/v1/documents/{withheld['id']}/publicity"
    assert client.post(f"{base}/not-published", json={"reason": "涉及商业秘密", "basis": "政府信息公开条例第十五条"}).status_code == 200
    with server.client("legal_head") as head:
        assert head.post(f"{base}/not-published/approval", json={"decision": "同意"}).status_code == 200
    withdrawn = issue(client, "penalty-decision", decision(today))
    other = f"/v1/documents/{withdrawn['id']}/publicity"
    assert client.post(f"{other}/rendition", json={}).status_code == 201
    assert client.post(f"{other}/published", json={"platform": "国家企业信用信息公示系统", "url": "https://www.gsxt.gov.cn/w",
                                                    "published_at": today.isoformat()}).status_code == 200
    assert client.post(f"{other}/withdraw", json={"reason": "复议撤销", "basis": "株政复决字〔2026〕2号"}).status_code == 200
    for doc, path, status in ((withheld, base, "not_published"), (withdrawn, other, "withdrawn")):
        before = client.get(path).json()
        void(server, doc["id"])
        after = client.get(path).json()
        assert after["status"] == status and after["void"] is None
        assert after["events"][:-1] == before["events"] and after["events"][-1]["kind"] == "voided"
        assert after["events"][-1]["detail"]["status_before"] == status


def test_the_openapi_lists_the_void_states(client: httpx.Client) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    status = schemas["PublicityBody"]["properties"]["status"]
    assert {"void", "withdraw_due", "due", "overdue"} <= set(status["enum"])
    assert "void" in schemas["PublicityBody"]["properties"]
