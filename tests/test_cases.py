"""Cases (一案一卷) over a real server: numbering, search, corrections, data entered once, timeline,
deadlines and closing, with real LibreOffice conversions of the documents issued for a case."""
from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from pypdf import PdfReader

import pdftools

from docgen.catalogue import Catalogue
from serving import Server, agency_today, docgen
from tiers import LIBREOFFICE, POSTGRES

ORG = {"kind": "organization", "name": "株洲市天元区鑫盛食品贸易有限公司", "license_name": "营业执照",
       "uscc": "91430211MA4L00123K", "address": "湖南省株洲市天元区泰山路188号", "legal_representative": "王建国",
       "id_number": "430202198503124516", "phone": "13907331234"}
OFFICERS = [{"name": "刘洋", "certificate_number": "43020021001"},
            {"name": "陈静", "certificate_number": "43020021002"}]


def case_data(**changes: Any) -> dict[str, Any]:
    data = {"cause": "涉嫌经营超过保质期的食品", "party": copy.deepcopy(ORG), "officers": copy.deepcopy(OFFICERS),
            "source": "投诉", "discovered_on": "2026-03-02", "filed_on": "2026-03-04", "procedure": "普通"}
    return {**data, **changes}


def unique_party(name: str) -> dict[str, Any]:
    return {**copy.deepcopy(ORG), "name": name}


@pytest.fixture(scope="module", params=[pytest.param(LIBREOFFICE, marks=pytest.mark.libreoffice), POSTGRES])
def server(request: pytest.FixtureRequest) -> Server:
    """Every case test runs on the LibreOffice server (SQLite), then on PostgreSQL with the fixed PDF."""
    return request.getfixturevalue("lo_server" if request.param == LIBREOFFICE else "pg_fake_server")


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


def count(server: Server, table: str) -> int:
    return server.rows(f"SELECT COUNT(*) FROM {table}")[0][0]


def without(example: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in example.items() if k not in keys}


def seq(number: str) -> int:
    return int(number.split("〕")[1].removesuffix("号"))


def open_case(client: httpx.Client, **changes: Any) -> dict[str, Any]:
    response = client.post("/v1/cases", json=case_data(**changes))
    assert response.status_code == 201, response.text
    return response.json()


def issue(client: httpx.Client, template: str, data: dict[str, Any], case_id: str | None) -> httpx.Response:
    body: dict[str, Any] = {"template": template, "data": data}
    if case_id is not None:
        body["case_id"] = case_id
    return client.post("/v1/documents", json=body)


def test_a_case_gets_the_next_gap_free_number_of_its_year(server: Server, client: httpx.Client) -> None:
    first = open_case(client, party=unique_party("株洲市编号测试商行"))
    year = agency_today().year
    assert first["number"].startswith(f"株市监立〔{year}〕") and first["status"] == "open"
    assert first["party"]["name"] == "株洲市编号测试商行" and first["officers"] == OFFICERS
    with ThreadPoolExecutor(6) as pool:
        numbers = list(pool.map(lambda n: open_case(client, party=unique_party(f"株洲市并发商行{n}"))["number"],
                                range(6)))
    assert sorted(seq(n) for n in numbers) == list(range(seq(first["number"]) + 1, seq(first["number"]) + 7))
    fetched = client.get(f"/v1/cases/{first['id']}").json()
    assert fetched == first


def test_bad_case_data_is_refused_with_pointers_and_nothing_is_stored(server: Server, client: httpx.Client) -> None:
    before, last = count(server, "cases"), open_case(client)["number"]
    bad_party = {**copy.deepcopy(ORG), "uscc": "91430211MA4L00123X"}
    cases = [
        (case_data(officers=OFFICERS[:1]), "/officers"),
        (case_data(party=bad_party), "/party/uscc"),
        (case_data(cause="经营过期食品"), "/cause"),
        (case_data(filed_on="2026-03-01"), "/filed_on"),
        (case_data(discovered_on="2026-02-30"), "/discovered_on"),
        (without(case_data(), "procedure"), "/procedure"),
        ({**case_data(), "extra": 1}, "/extra"),
    ]
    for body, pointer in cases:
        response = client.post("/v1/cases", json=body)
        assert response.status_code == 422, (pointer, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert pointer in [e["pointer"] for e in problem["errors"]], (pointer, problem)
        assert all(e["message"] for e in problem["errors"])
    assert count(server, "cases") == before + 1
    assert seq(open_case(client)["number"]) == seq(last) + 1  # no number was consumed by a refusal
    assert client.post("/v1/cases", json=case_data(), headers={"Authorization": ""}).status_code == 401
    with server.client("legal_review") as officer:
        assert officer.post("/v1/cases", json=case_data()).status_code == 403
    assert client.get(f"/v1/cases/{uuid.uuid4().hex}").status_code == 404


def test_search_by_party_code_number_status_and_pages(server: Server, client: httpx.Client) -> None:
    tag = uuid.uuid4().hex[:6]
    opened = [open_case(client, party=unique_party(f"株洲市检索{tag}商行{n}")) for n in range(3)]
    found = client.get("/v1/cases", params={"party": f"检索{tag}"}).json()
    assert found["total"] == 3 and [c["id"] for c in found["items"]] == [c["id"] for c in reversed(opened)]
    page = client.get("/v1/cases", params={"party": f"检索{tag}", "limit": 1, "offset": 1}).json()
    assert page["total"] == 3 and [c["id"] for c in page["items"]] == [opened[1]["id"]]
    by_number = client.get("/v1/cases", params={"number": opened[0]["number"]}).json()
    assert [c["id"] for c in by_number["items"]] == [opened[0]["id"]]
    by_code = client.get("/v1/cases", params={"party": ORG["uscc"], "limit": 200}).json()
    assert {c["id"] for c in opened} <= {c["id"] for c in by_code["items"]}
    assert client.get("/v1/cases", params={"party": "%"}).json()["total"] == 0  # LIKE wildcards are literal
    assert client.get("/v1/cases", params={"status": "closed", "party": f"检索{tag}"}).json()["total"] == 0
    assert client.get("/v1/cases", params={"limit": 0}).status_code == 422


def test_a_correction_is_an_event_and_never_alters_an_issued_document(server: Server, client: httpx.Client,
                                                                       catalogue: Catalogue) -> None:
    case = open_case(client, party=unique_party("株洲市更正测试商行"))
    example = catalogue.get("case-filing-approval").example
    issued = issue(client, "case-filing-approval", without(example, "party", "handlers", "cause", "source"),
                   case["id"])
    assert issued.status_code == 201, issued.text
    pdf_before = client.get(issued.json()["links"]["pdf"]).content
    patched = client.patch(f"/v1/cases/{case['id']}", json={"cause": "涉嫌经营标签不符合规定的食品"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["cause"] == "涉嫌经营标签不符合规定的食品" and patched.json()["number"] == case["number"]
    timeline = client.get(f"/v1/cases/{case['id']}/timeline").json()
    updated = [e for e in timeline if e["kind"] == "updated"]
    assert updated[0]["detail"]["changes"] == {"cause": {"from": "涉嫌经营超过保质期的食品",
                                                         "to": "涉嫌经营标签不符合规定的食品"}}
    assert client.get(issued.json()["links"]["pdf"]).content == pdf_before
    document = client.get(f"/v1/documents/{issued.json()['id']}").json()
    assert document["data"]["cause"] == "涉嫌经营超过保质期的食品"
    bad = client.patch(f"/v1/cases/{case['id']}", json={"party": {**ORG, "uscc": "123"}})
    assert bad.status_code == 422 and "/party/uscc" in [e["pointer"] for e in bad.json()["errors"]]
    assert client.get(f"/v1/cases/{case['id']}").json()["party"]["name"] == "株洲市更正测试商行"
    assert client.patch(f"/v1/cases/{case['id']}", json={}).status_code == 400
    assert client.patch(f"/v1/cases/{uuid.uuid4().hex}", json={"cause": "涉嫌其他"}).status_code == 404


def test_documents_issued_for_a_case_take_its_data_once(server: Server, client: httpx.Client,
                                                        catalogue: Catalogue) -> None:
    case = open_case(client, party=unique_party("株洲市录入一次商行"))
    filing = catalogue.get("case-filing-approval").example
    first = issue(client, "case-filing-approval", without(filing, "party", "handlers", "cause", "source"), case["id"])
    assert first.status_code == 201, first.text
    stored = client.get(f"/v1/documents/{first.json()['id']}").json()["data"]
    assert stored["party"]["name"] == "株洲市录入一次商行" and stored["handlers"] == OFFICERS
    assert stored["cause"] == case["cause"] and stored["source"] == "投诉"
    notice = catalogue.get("penalty-notice").example
    explicit = {**without(notice), "party": unique_party("株洲市显式当事人商行")}  # given explicitly: it wins
    second = issue(client, "penalty-notice", explicit, case["id"])
    assert second.status_code == 201, second.text
    assert client.get(f"/v1/documents/{second.json()['id']}").json()["data"]["party"]["name"] == "株洲市显式当事人商行"
    prefill = client.get(f"/v1/cases/{case['id']}/prefill/collective-discussion-record").json()
    assert prefill["data"] == {"party_name": "株洲市录入一次商行",
                               "case_cause": "株洲市录入一次商行涉嫌经营超过保质期的食品案"}
    letters = client.get(f"/v1/cases/{case['id']}/prefill/inquiry-notice").json()["data"]
    assert letters["case"] == {"party_name": "株洲市录入一次商行", "cause": "涉嫌经营超过保质期的食品"}
    listed = client.get(f"/v1/cases/{case['id']}/documents").json()
    assert [d["id"] for d in listed] == [first.json()["id"], second.json()["id"]]
    assert listed[1]["doc_number"] == second.json()["doc_number"]
    found = client.get("/v1/cases", params={"doc_number": second.json()["doc_number"]}).json()
    assert [c["id"] for c in found["items"]] == [case["id"]]

    documents, numbers = count(server, "documents"), count(server, "number_reservations")
    unknown = issue(client, "penalty-notice", without(notice, "party"), uuid.uuid4().hex)
    assert unknown.status_code == 404 and "没有案件" in unknown.json()["detail"]
    invalid = issue(client, "penalty-notice", {**without(notice, "party"), "issued_on": "2026-13-01"}, case["id"])
    assert invalid.status_code == 422 and "/data/issued_on" in [e["pointer"] for e in invalid.json()["errors"]]
    assert (count(server, "documents"), count(server, "number_reservations")) == (documents, numbers)


@pytest.fixture(scope="module")
def director(server: Server) -> httpx.Client:
    """An officer with the 机关负责人 role that the 结案审批表's last stage needs."""
    token = json.loads(docgen(server.data_dir, "principals", "add", "--name", "吴局长", "--role", "agency_head",
                              "--json", env=server.env))["token"]
    with httpx.Client(base_url=server.url, timeout=120, headers={"Authorization": f"Bearer {token}"}) as http:
        yield http


def test_deadlines_from_the_documents_own_dates(server: Server, client: httpx.Client, catalogue: Catalogue) -> None:
    case = open_case(client, party=unique_party("株洲市期限测试商行"), discovered_on="2026-03-02",
                     filed_on="2026-03-04")
    notice = catalogue.get("penalty-notice").example
    issued_notice = issue(client, "penalty-notice", without(notice, "party"), case["id"]).json()
    decision = catalogue.get("penalty-decision").example
    decision = {**without(decision, "party"), "issued_on": "2026-04-27",
                "notice": {**decision["notice"], "number": issued_notice["doc_number"], "served_on": "2026-04-10"}}
    issued_decision = issue(client, "penalty-decision", decision, case["id"])
    assert issued_decision.status_code == 201, issued_decision.text
    deadlines = {d["id"].split(":")[0]: d for d in client.get(f"/v1/cases/{case['id']}/deadlines").json()}
    filing = deadlines["filing"]
    assert (filing["status"], filing["due"], filing["extended_due"]) == ("met", "2026-03-23", "2026-04-14")
    assert "第十八条" in filing["basis"]
    assert (deadlines["decision"]["status"], deadlines["decision"]["due"]) == ("met", "2026-06-02")
    assert "第六十条" in deadlines["decision"]["basis"]
    representation = deadlines["representation"]
    # served Friday 10 April 2026; five working days: 13–17 April
    assert (representation["status"], representation["due"], representation["protects_party"]) == \
        ("met", "2026-04-17", True)
    assert deadlines["payment"]["status"] == "unknown" and "送达回证" in deadlines["payment"]["reason"]


def test_a_party_protecting_period_in_a_year_without_calendar_is_unknown(server: Server, client: httpx.Client,
                                                                         catalogue: Catalogue) -> None:
    case = open_case(client, party=unique_party("株洲市未知日历商行"), discovered_on="2030-01-02",
                     filed_on="2030-01-04")
    notice = issue(client, "penalty-notice", {**without(catalogue.get("penalty-notice").example, "party"),
                                              "issued_on": "2030-01-07"}, case["id"])
    assert notice.status_code == 201, notice.text
    receipt = catalogue.get("service-receipt").example
    receipt = {**receipt, "documents": [{"name": "行政处罚告知书", "number": notice.json()["doc_number"]}],
               "served_on": "2030-01-08"}
    assert issue(client, "service-receipt", receipt, case["id"]).status_code == 201
    deadlines = {d["id"].split(":")[0]: d for d in client.get(f"/v1/cases/{case['id']}/deadlines").json()}
    representation = deadlines["representation"]
    assert representation["status"] == "unknown" and representation["due"] is None
    assert "2030" in representation["reason"] and "不按周一至周五推算" in representation["reason"]
    filing = deadlines["filing"]  # a limit on the agency: counted Monday–Friday, with the note
    assert filing["status"] == "met" and filing["due"] == "2030-01-23" and "2030" in filing["reason"]


def test_overdue_cases_are_found_across_cases(server: Server, client: httpx.Client) -> None:
    late = open_case(client, party=unique_party("株洲市逾期立案商行"), discovered_on="2026-01-05",
                     filed_on="2026-03-02", procedure="简易")  # 简易: no 90-day decision limit to run out
    deadlines = client.get("/v1/deadlines", params={"overdue": "true"}).json()
    mine = [d for d in deadlines if d["case_id"] == late["id"]]
    assert [d["id"] for d in mine] == ["filing"] and mine[0]["status"] == "missed"
    assert mine[0]["case_number"] == late["number"] and mine[0]["party_name"] == "株洲市逾期立案商行"
    before = client.get("/v1/deadlines", params={"due_before": "2026-02-01"}).json()
    assert all(d["due"] < "2026-02-01" for d in before) and late["id"] in {d["case_id"] for d in before}
    found = client.get("/v1/cases", params={"overdue": "true", "party": "逾期立案"}).json()
    assert [c["id"] for c in found["items"]] == [late["id"]] and found["items"][0]["overdue"] == 1
    assert client.get("/v1/deadlines", params={"due_before": "tomorrow"}).status_code == 422


def approved_closing(server: Server, client: httpx.Client, director: httpx.Client, catalogue: Catalogue,
                     case: dict[str, Any], *, checked: bool = False) -> None:
    """Issue the case's 结案审批表 and sign its two stages; ``checked``: also that closing waits for the last."""
    closing = catalogue.get("case-closing-approval").example
    form = issue(client, "case-closing-approval", without(closing, "party", "handlers", "case_cause", "filed_on"),
                 case["id"])
    assert form.status_code == 201, form.text
    assert form.json()["id"] and client.get(f"/v1/documents/{form.json()['id']}").json()["data"]["filed_on"] == \
        case["filed_on"]
    with server.client("dept_head") as head:
        signed = head.post(f"/v1/documents/{form.json()['id']}/approvals", json={"stage": "dept_head", "decision": "同意"})
        assert signed.status_code == 201, signed.text
    if checked:
        assert client.post(f"/v1/cases/{case['id']}/close").status_code == 409  # not yet the last stage
    signed = director.post(f"/v1/documents/{form.json()['id']}/approvals",
                           json={"stage": "agency_head", "decision": "同意"})
    assert signed.status_code == 201, signed.text


def test_closing_needs_the_approved_closing_form_then_refuses_documents(
        server: Server, client: httpx.Client, director: httpx.Client, catalogue: Catalogue) -> None:
    case = open_case(client, party=unique_party("株洲市结案测试商行"))
    early = client.post(f"/v1/cases/{case['id']}/close")
    assert early.status_code == 409 and "结案审批表" in early.json()["detail"]
    approved_closing(server, client, director, catalogue, case, checked=True)
    closed = client.post(f"/v1/cases/{case['id']}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["closed_at"]
    assert closed.json()["warnings"] == [] and closed.json()["uncovered_media"] == []  # no 音像记录 to describe
    documents = count(server, "documents")
    refused = issue(client, "penalty-notice", without(catalogue.get("penalty-notice").example, "party"), case["id"])
    assert refused.status_code == 409 and case["number"] in refused.json()["detail"]
    assert count(server, "documents") == documents
    # the one instrument a closed case takes is the 移交清单 (test_case_media issues one); this case has no
    # 音像记录 to hand over, so it gets past the closed case and is refused on its empty list
    transfer = issue(client, "av-originals-transfer", {"date": "2026-08-20"}, case["id"])
    assert transfer.status_code == 422 and [e["pointer"] for e in transfer.json()["errors"]] == ["/data/media"], \
        transfer.text
    assert client.patch(f"/v1/cases/{case['id']}", json={"cause": "涉嫌其他违法行为"}).status_code == 409
    assert client.post(f"/v1/cases/{case['id']}/close").status_code == 409
    kinds = [e["kind"] for e in client.get(f"/v1/cases/{case['id']}/timeline").json()]
    assert kinds[0] == "created" and kinds.count("stage") == 2 and kinds[-1] == "closed"
    archiving = [d for d in client.get(f"/v1/cases/{case['id']}/deadlines").json() if d["id"] == "archiving"]
    assert archiving[0]["status"] == "due" and "一案一卷" in archiving[0]["basis"]


def test_openapi_documents_the_case_bodies(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/v1/cases"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CaseFields")
    assert post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/CaseBody")
    for path in ("/v1/cases/{case_id}/deadlines", "/v1/deadlines", "/v1/cases/{case_id}/timeline",
                 "/v1/cases/{case_id}/documents", "/v1/cases/{case_id}/close"):
        assert path in spec["paths"]
    fields = spec["components"]["schemas"]["CaseFields"]["properties"]
    assert set(fields) == {"cause", "party", "officers", "source", "discovered_on", "filed_on", "procedure",
                           "department"}
    assert "case_id" in spec["components"]["schemas"]["DocumentRequest"]["properties"]


def closed_case_with_documents(server: Server, client: httpx.Client, director: httpx.Client,
                               catalogue: Catalogue, name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A case with a filing form, notice, its receipt, decision, a record and an approved closing form; closed."""
    case = open_case(client, party=unique_party(name))
    example = catalogue.get
    issued = []

    def add(template: str, data: dict[str, Any]) -> dict[str, Any]:
        response = issue(client, template, data, case["id"])
        assert response.status_code == 201, response.text
        issued.append(response.json())
        return response.json()

    add("case-filing-approval", without(example("case-filing-approval").example, "party", "handlers", "cause"))
    notice = add("penalty-notice", without(example("penalty-notice").example, "party"))
    add("on-site-record", without(example("on-site-record").example, "party", "inspectors"))
    add("service-receipt", {**example("service-receipt").example,
                            "documents": [{"name": "行政处罚告知书", "number": notice["doc_number"]}]})
    decision = example("penalty-decision").example
    add("penalty-decision", {**without(decision, "party"),
                             "notice": {**decision["notice"], "number": notice["doc_number"]}})
    closing = add("case-closing-approval",
                  without(example("case-closing-approval").example, "party", "handlers", "case_cause", "filed_on"))
    with server.client("dept_head") as head:
        assert head.post(f"/v1/documents/{closing['id']}/approvals",
                         json={"stage": "dept_head", "decision": "同意"}).status_code == 201
    assert director.post(f"/v1/documents/{closing['id']}/approvals",
                         json={"stage": "agency_head", "decision": "同意"}).status_code == 201
    assert client.post(f"/v1/cases/{case['id']}/close").status_code == 200
    return case, issued


VOLUME_ORDER = {"archive_number": "Z015-2026-D30-0099", "retention": "定期30年",
                "result": "没收违法所得356元，罚款50,000元", "checked_by": "周敏"}


def test_a_volume_before_closing_is_refused_and_nothing_is_stored(server: Server, client: httpx.Client) -> None:
    case = open_case(client, party=unique_party("株洲市未结案装订商行"))
    before = count(server, "case_volumes")
    response = client.post(f"/v1/cases/{case['id']}/volume", json=VOLUME_ORDER)
    assert response.status_code == 409 and "尚未结案" in response.json()["detail"]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert client.post(f"/v1/cases/{uuid.uuid4().hex}/volume", json=VOLUME_ORDER).status_code == 404
    bad = client.post(f"/v1/cases/{case['id']}/volume", json={**VOLUME_ORDER, "retention": "五年"})
    assert bad.status_code == 422 and "/retention" in [e["pointer"] for e in bad.json()["errors"]]
    assert count(server, "case_volumes") == before


def test_a_closed_case_is_bound_into_one_signed_volume_that_verifies_offline(
        server: Server, client: httpx.Client, director: httpx.Client, catalogue: Catalogue, tmp_path: Path) -> None:
    case, issued = closed_case_with_documents(server, client, director, catalogue, "株洲市装订测试商行")
    built = client.post(f"/v1/cases/{case['id']}/volume", json=VOLUME_ORDER)
    assert built.status_code == 201, built.text
    volume = built.json()
    pdf = client.get(volume["links"]["pdf"]).content
    assert hashlib.sha256(pdf).hexdigest() == volume["sha256"]
    proof = client.get("/v1/log/proof/inclusion", params={"leaf": volume["log_index"], "size": volume["log_index"] + 1})
    assert proof.status_code == 200 and proof.json()["entry"]["kind"] == "volume"  # a leaf, as every issued file
    assert proof.json()["entry"]["sha256"] == volume["sha256"] and proof.json()["entry"]["document_id"] == case["id"]
    originals = {d["id"]: client.get(f"/v1/documents/{d['id']}/pdf").content for d in issued}
    # 第七十八条: 立案审批表, the decision, the notice followed by its 回证, the record; 副卷: the closing form
    titles = [d["template"] for d in volume["documents"]]
    assert titles == ["case-filing-approval", "penalty-decision", "penalty-notice", "service-receipt",
                      "on-site-record", "case-closing-approval"]
    assert [d["section"] for d in volume["documents"]] == ["正卷"] * 5 + ["副卷"]
    reader = PdfReader(BytesIO(pdf))
    document_pages = sum(pdftools.pages(p) for p in originals.values())
    assert len(reader.pages) == volume["pages"] == document_pages + 3  # cover, index, 备考表
    assert volume["documents"][0]["pages"] == [3, 2 + pdftools.pages(originals[volume["documents"][0]["document_id"]])]
    assert pdftools.pdfa_part(pdf) == ("3", "B")
    for page in reader.pages:  # a 页号 on every page: the last content stream draws it
        assert page.get_contents() is not None
        assert page["/Contents"][-1].get_object().get_data().startswith(b"Q q 0 G")
    if server.converter == LIBREOFFICE:  # the fixed PDF of the fake converter shows no index
        index = pdftools.text(pdf).split("\f")[1]
        for entry in volume["documents"]:
            first, last = entry["pages"]
            assert pdftools.contains(index, f"{first}-{last}" if last > first else str(first))
    outline = [item.title if not isinstance(item, list) else [i.title for i in item] for item in reader.outline]
    assert outline[:3] == ["卷宗封面", "卷内文件目录", "正卷"] and outline[-1] == "卷内备考表" and "副卷" in outline
    attached = {name: data[0] for name, data in reader.attachments.items()}
    manifest = json.loads(attached["docgen-volume.json"])
    assert manifest["case"]["number"] == case["number"] and manifest["documents"] == volume["documents"]
    for entry in manifest["documents"]:
        assert attached[entry["file"]] == originals[entry["document_id"]]
        assert hashlib.sha256(attached[entry["file"]]).hexdigest() == entry["sha256"]

    (tmp_path / "volume.pdf").write_bytes(pdf)
    (tmp_path / "trust.json").write_bytes(client.get("/v1/trust").content)
    verified = subprocess.run([sys.executable, "-m", "docgen.cli", "verify", str(tmp_path / "volume.pdf"),
                               "--trust", str(tmp_path / "trust.json")], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "验证通过" in verified.stdout and case["number"] in verified.stdout
    tampered = bytearray(pdf)
    position = pdf.index(b"/Type /Page") + 1
    tampered[position] ^= 0x01
    (tmp_path / "tampered.pdf").write_bytes(bytes(tampered))
    refused = subprocess.run([sys.executable, "-m", "docgen.cli", "verify", str(tmp_path / "tampered.pdf"),
                              "--trust", str(tmp_path / "trust.json"), "--json"], capture_output=True, text=True)
    assert refused.returncode == 1, refused.stdout

    again = client.post(f"/v1/cases/{case['id']}/volume", json=VOLUME_ORDER)  # nothing new: never rewritten
    assert again.status_code == 409 and "没有新的文书" in again.json()["detail"]
    listed = client.get(f"/v1/cases/{case['id']}/volumes").json()
    assert [v["sha256"] for v in listed] == [volume["sha256"]]
    assert client.get(volume["links"]["pdf"]).content == pdf
    timeline = client.get(f"/v1/cases/{case['id']}/timeline").json()
    assert timeline[-1]["kind"] == "volume_built" and timeline[-1]["detail"]["volume"] == 1
    archiving = [d for d in client.get(f"/v1/cases/{case['id']}/deadlines").json() if d["id"] == "archiving"][0]
    assert archiving["status"] == "met" and archiving["done_on"]


def test_a_stage_signed_after_the_volume_makes_volume_two_and_volume_one_stays(
        server: Server, client: httpx.Client, director: httpx.Client, catalogue: Catalogue, tmp_path: Path) -> None:
    case = open_case(client, party=unique_party("株洲市第二卷商行"))
    matter = issue(client, "case-matter-approval",
                   without(catalogue.get("case-matter-approval").example, "party", "handlers", "cause"), case["id"])
    assert matter.status_code == 201, matter.text
    closing = issue(client, "case-closing-approval", without(catalogue.get("case-closing-approval").example,
                                                            "party", "handlers", "case_cause", "filed_on"), case["id"])
    with server.client("dept_head") as head:
        assert head.post(f"/v1/documents/{closing.json()['id']}/approvals",
                         json={"stage": "dept_head", "decision": "同意"}).status_code == 201
    assert director.post(f"/v1/documents/{closing.json()['id']}/approvals",
                         json={"stage": "agency_head", "decision": "同意"}).status_code == 201
    assert client.post(f"/v1/cases/{case['id']}/close").status_code == 200
    first = client.post(f"/v1/cases/{case['id']}/volume", json=VOLUME_ORDER)
    assert first.status_code == 201, first.text
    first_pdf = client.get(first.json()["links"]["pdf"]).content
    with server.client("dept_head") as head:  # the 有关事项审批表 is signed after the volume was bound
        assert head.post(f"/v1/documents/{matter.json()['id']}/approvals",
                         json={"stage": "dept_head", "decision": "同意"}).status_code == 201
    second = client.post(f"/v1/cases/{case['id']}/volume", json=VOLUME_ORDER)
    assert second.status_code == 201, second.text
    assert second.json()["volume"] == 2
    assert [(d["document_id"], d["stage"]) for d in second.json()["documents"]] == [(matter.json()["id"], 1)]
    assert client.get(first.json()["links"]["pdf"]).content == first_pdf
    (tmp_path / "volume-2.pdf").write_bytes(client.get(second.json()["links"]["pdf"]).content)
    (tmp_path / "trust.json").write_bytes(client.get("/v1/trust").content)
    verified = subprocess.run([sys.executable, "-m", "docgen.cli", "verify", str(tmp_path / "volume-2.pdf"),
                               "--trust", str(tmp_path / "trust.json")], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "第 2 卷" in verified.stdout


def void(server: Server, document_id: str, reason: str) -> dict[str, Any]:
    with server.client("director") as director:  # the agency's void role (局长)
        response = director.post(f"/v1/documents/{document_id}/void", json={"reason": reason})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_void_document_fulfils_no_deadline_and_the_docket_still_lists_it(
        server: Server, client: httpx.Client, catalogue: Catalogue) -> None:
    case = open_case(client, party=unique_party("株洲市作废期限商行"), discovered_on="2026-03-02",
                     filed_on="2026-03-04")
    notice = issue(client, "penalty-notice", without(catalogue.get("penalty-notice").example, "party"), case["id"]).json()
    receipt = {**catalogue.get("service-receipt").example,
               "documents": [{"name": "行政处罚告知书", "number": notice["doc_number"]}], "served_on": "2026-04-10"}
    receipt = issue(client, "service-receipt", receipt, case["id"])
    assert receipt.status_code == 201, receipt.text
    example = catalogue.get("penalty-decision").example
    decision = issue(client, "penalty-decision", {**without(example, "party"), "issued_on": "2026-04-27", "notice": {
        **example["notice"], "number": notice["doc_number"], "served_on": "2026-04-10"}}, case["id"])
    assert decision.status_code == 201, decision.text

    def deadlines() -> dict[str, dict[str, Any]]:
        return {d["id"].split(":")[0]: d for d in client.get(f"/v1/cases/{case['id']}/deadlines").json()}

    before = deadlines()
    assert before["decision"]["status"] == "met" and before["decision"]["document_id"] == decision.json()["id"]
    assert before["representation"]["status"] == "met" and "payment" in before

    void(server, decision.json()["id"], "决定书引用的告知书有误，重新制作")
    after = deadlines()  # no decision on record: the 90 (+30) days from 立案 ran out without one
    assert (after["decision"]["status"], after["decision"]["done_on"], after["decision"]["document_id"]) == \
        ("missed", None, None)
    assert "payment" not in after  # a void decision has no fine to pay
    # the 告知书's service is still on record through the 送达回证: its period ended with no decision after it
    assert after["representation"]["start"] == "2026-04-10" and after["representation"]["done_on"] is None
    void(server, receipt.json()["id"], "回证所列文书有误")
    unserved = deadlines()["representation"]  # a void 送达回证 serves nothing
    assert unserved["status"] == "unknown" and "送达回证" in unserved["reason"]

    listed = [d["id"] for d in client.get(f"/v1/cases/{case['id']}/documents").json()]
    assert listed == [notice["id"], receipt.json()["id"], decision.json()["id"]]  # still in the docket
    voids = [e for e in client.get(f"/v1/cases/{case['id']}/timeline").json() if e["detail"].get("stage") == "void"]
    assert {(e["detail"]["document_id"], e["detail"]["label"]) for e in voids} == \
        {(decision.json()["id"], "作废"), (receipt.json()["id"], "作废")}  # within one second: either order


def test_a_volume_binds_a_void_document_as_its_stamped_latest_file_and_verifies_offline(
        server: Server, client: httpx.Client, director: httpx.Client, catalogue: Catalogue, tmp_path: Path) -> None:
    case, issued = closed_case_with_documents(server, client, director, catalogue, "株洲市作废装订商行")
    record = next(d for d in issued if d["template"] == "on-site-record")
    voided = void(server, record["id"], "笔录记错现场，另行制作")
    latest = client.get(f"/v1/documents/{record['id']}/pdf").content
    assert hashlib.sha256(latest).hexdigest() == voided["stage"]["sha256"] != record["sha256"]
    built = client.post(f"/v1/cases/{case['id']}/volume", json=VOLUME_ORDER)
    assert built.status_code == 201, built.text
    volume = built.json()
    entry = next(d for d in volume["documents"] if d["document_id"] == record["id"])
    assert entry["stage"] == 1 and entry["sha256"] == voided["stage"]["sha256"]  # the stamped void stage
    pdf = client.get(volume["links"]["pdf"]).content
    attached = {name: data[0] for name, data in PdfReader(BytesIO(pdf)).attachments.items()}
    assert attached[entry["file"]] == latest
    if server.converter == LIBREOFFICE:  # the stamp's word is on the bound pages (the fixed PDF has no text)
        first, last = entry["pages"]
        pages = pdftools.text(pdf).split("\f")[first - 1:last]
        assert all("作废" in page for page in pages)
    (tmp_path / "volume.pdf").write_bytes(pdf)
    (tmp_path / "trust.json").write_bytes(client.get("/v1/trust").content)
    verified = subprocess.run([sys.executable, "-m", "docgen.cli", "verify", str(tmp_path / "volume.pdf"),
                               "--trust", str(tmp_path / "trust.json")], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "验证通过" in verified.stdout and "已作废：笔录记错现场" in verified.stdout
    report = json.loads(subprocess.run([sys.executable, "-m", "docgen.cli", "verify", str(tmp_path / "volume.pdf"),
                                        "--trust", str(tmp_path / "trust.json"), "--json"],
                                       capture_output=True, text=True, check=True).stdout)
    original = next(o for o in report["originals"] if o["document_id"] == record["id"])
    assert original["ok"] and original["void"]["reason"] == "笔录记错现场，另行制作"
    assert all(o["void"] is None for o in report["originals"] if o["document_id"] != record["id"])
