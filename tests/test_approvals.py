"""Approval stages through the real API, then verified offline with the command line.

Every test runs against a LibreOffice server and against the fake converter's (``api_server``, see
conftest.py); what the pages show is read back only from LibreOffice's PDFs (``typeset``)."""
from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

import httpx
import pytest

import pdftools
from docgen.catalogue import Catalogue
from docgen.config import calendar_of, load_agency
from docgen.workdays import Calendar, add_working_days
from serving import PEOPLE, Server, run_cli
from tiers import CONVERTERS, LIBREOFFICE

REVIEW = "major-decision-review"
OPINIONS = {
    "dept_head": ("同意", "同意送法制审核。"),
    "dept_leader": ("同意", "同意。"),
    "legal_review": ("同意", "事实清楚，证据确凿，程序合法，同意扣押。"),
    "legal_head": ("同意", "同意审核意见。"),
    "legal_leader": ("同意", "同意。"),
    "director": ("同意", "同意实施扣押。"),
}


def create_review(server: Server, catalogue: Catalogue) -> dict:
    with server.client() as http:
        response = http.post("/v1/documents", json={"template": REVIEW, "data": catalogue.get(REVIEW).example})
    assert response.status_code == 201, response.text
    return response.json()


def approve(server: Server, document_id: str, who: str, stage: str, decision: str | None,
            opinion: str | None = None, **extra) -> httpx.Response:
    with server.client(who) as http:
        return http.post(f"/v1/documents/{document_id}/approvals",
                         json={"stage": stage, "decision": decision, "opinion": opinion, **extra})



@pytest.fixture(scope="module")
def approved(api_server: Server, catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A review table taken through all six stages by six principals; every stage PDF on disk."""
    document = create_review(api_server, catalogue)
    for stage, (decision, opinion) in OPINIONS.items():
        response = approve(api_server, document["id"], stage, stage, decision, opinion)
        assert response.status_code == 201, response.text
    folder = tmp_path_factory.mktemp("stages")
    with api_server.client("director") as http:
        stages = http.get(f"/v1/documents/{document['id']}/stages").json()
        paths = []
        for stage in stages:
            path = folder / f"stage-{stage['index']}.pdf"
            path.write_bytes(http.get(stage["links"]["pdf"]).content)
            paths.append(path)
        record = http.get(f"/v1/documents/{document['id']}").json()
        latest = http.get(f"/v1/documents/{document['id']}/pdf").content
    trust = folder / "trust.json"
    trust.write_text(run_cli("--data-dir", str(api_server.data_dir), "trust", "export").stdout, encoding="utf-8")
    return {"document": document, "stages": stages, "paths": paths, "record": record, "latest": latest,
            "trust": trust, "typeset": api_server.converter == LIBREOFFICE}


def test_six_opinions_in_order_each_issue_a_signed_pdf(approved: dict) -> None:
    stages = approved["stages"]
    assert [s["stage"] for s in stages] == ["issuance", *OPINIONS]
    assert [s["signer"] for s in stages] == [PEOPLE[s["role"]][0] for s in stages]
    assert len({s["sha256"] for s in stages}) == 7
    assert approved["latest"] == approved["paths"][-1].read_bytes()
    assert approved["record"]["next_stage"] is None
    if not approved["typeset"]:
        return  # the fake converter's page shows no data: the chain above is what it can test
    final_text = pdftools.body_text(approved["latest"])
    for stage, (_, opinion) in OPINIONS.items():
        assert pdftools.contains(final_text, opinion), stage
        assert pdftools.contains(final_text, PEOPLE[stage][0]), stage
    first_opinion_page = pdftools.body_text(approved["paths"][1].read_bytes())
    assert pdftools.contains(first_opinion_page, OPINIONS["dept_head"][1])
    assert not pdftools.contains(first_opinion_page, OPINIONS["director"][1])


def test_review_period_is_due_ten_working_days_after_reaching_the_legal_department(approved: dict) -> None:
    due = approved["record"]["review_due"]
    start = date.fromisoformat(due["starts"])
    assert due["stage"] == "legal_review"
    calendar = calendar_of(load_agency())  # the test server's agency: the shipped profile
    assert due["due"] == calendar.add_working_days(start, 10).isoformat()
    assert due["extended_limit"] == calendar.add_working_days(start, 20).isoformat()


@pytest.fixture(scope="module", params=CONVERTERS)
def holiday_server(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Calendar]]:
    """A server whose agency profile makes the next working days holidays and a Saturday a 调休 workday."""
    today = datetime.now(ZoneInfo(load_agency()["timezone"])).date()
    days = [today + timedelta(days=n) for n in range(-1, 15)]
    config = {"holidays": [d.isoformat() for d in days if d.weekday() < 5 and d > today][:4],
              "workdays": [d.isoformat() for d in days if d.weekday() == 5][-1:]}
    folder = tmp_path_factory.mktemp("holidays")
    agency_file = folder / "agency.json"
    agency_file.write_text(json.dumps({**load_agency(), "calendar": config}, ensure_ascii=False), encoding="utf-8")
    server = Server(folder / "data", DOCGEN_AGENCY_FILE=str(agency_file), DOCGEN_CONVERTER=request.param)
    yield server, Calendar.from_config(config)
    server.stop()


def test_review_period_skips_the_agency_holidays(holiday_server: tuple[Server, Calendar],
                                                  catalogue: Catalogue) -> None:
    """The 法制审核 period counts the configured calendar: its holidays are not working days and
    its 调休 Saturday is one, so the due dates differ from Monday–Friday counting."""
    server, calendar = holiday_server
    document = create_review(server, catalogue)
    for stage in ("dept_head", "dept_leader"):
        decision, opinion = OPINIONS[stage]
        response = approve(server, document["id"], stage, stage, decision, opinion)
        assert response.status_code == 201, response.text
    with server.client("legal_review") as http:
        due = http.get(f"/v1/documents/{document['id']}").json()["review_due"]
    start = date.fromisoformat(due["starts"])
    assert any(day > start for day in calendar.holidays)
    assert due["due"] == calendar.add_working_days(start, 10).isoformat()
    assert due["extended_limit"] == calendar.add_working_days(start, 20).isoformat()
    assert due["due"] != add_working_days(start, 10).isoformat()


def test_offline_verification_of_the_whole_set_and_of_the_latest_alone(approved: dict) -> None:
    paths = [str(p) for p in approved["paths"]]
    full = run_cli("verify", *paths, "--trust", str(approved["trust"]), "--json")
    assert full.returncode == 0, full.stdout + full.stderr
    report = json.loads(full.stdout)
    assert report["ok"] and report["complete"] and len(report["stages"]) == 7
    assert [s["signer_name"] for s in report["stages"]][-1] == PEOPLE["director"][0]
    latest = run_cli("verify", paths[-1], "--trust", str(approved["trust"]))
    assert latest.returncode == 0 and "周局长" in latest.stdout


def test_offline_verification_fails_on_a_changed_byte_and_on_bad_usage(approved: dict, tmp_path: Path) -> None:
    data = bytearray(approved["paths"][3].read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered = tmp_path / "stage-3.pdf"
    tampered.write_bytes(bytes(data))
    paths = [str(p) for p in approved["paths"]]
    paths[3] = str(tampered)
    failed = run_cli("verify", *paths, "--trust", str(approved["trust"]), "--json")
    assert failed.returncode == 1
    assert not json.loads(failed.stdout)["ok"]
    assert run_cli("verify", paths[-1], "--trust", str(tmp_path / "missing.json")).returncode == 2
    assert run_cli("verify", "--trust", str(approved["trust"])).returncode == 2


def test_verify_endpoint_reports_in_chinese(api_server: Server, approved: dict) -> None:
    files = [("files", (p.name, p.read_bytes(), "application/pdf")) for p in approved["paths"]]
    with httpx.Client(base_url=api_server.url, timeout=60) as http:
        report = http.post("/v1/verify", files=files).json()
        assert report["ok"] and "周局长" in report["summary"]
        trust = http.get("/v1/trust").json()
    assert trust["format"] == "docgen-trust/1"
    assert {s["name"] for s in trust["signers"]} >= {name for name, _ in PEOPLE.values()}


def test_authentication_and_roles(api_server: Server, catalogue: Catalogue) -> None:
    document = create_review(api_server, catalogue)
    with httpx.Client(base_url=api_server.url, timeout=60) as anonymous:
        missing = anonymous.get(f"/v1/documents/{document['id']}")
        assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
        bad = anonymous.get(f"/v1/documents/{document['id']}", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
    with api_server.client("dept_head") as officer:
        created = officer.post("/v1/documents", json={"template": REVIEW, "data": catalogue.get(REVIEW).example})
        assert created.status_code == 403
        assert officer.get(f"/v1/documents/{document['id']}").status_code == 200
    wrong_role = approve(api_server, document["id"], "dept_leader", "dept_head", "同意")
    assert wrong_role.status_code == 403


def test_out_of_order_bad_decisions_and_missing_reasons(api_server: Server, catalogue: Catalogue) -> None:
    document = create_review(api_server, catalogue)
    early = approve(api_server, document["id"], "legal_review", "legal_review", "同意", "同意")
    assert early.status_code == 409 and "dept_head" in early.json()["detail"]
    unknown = approve(api_server, document["id"], "dept_head", "dept_head", "原则同意")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["pointer"] == "/decision"
    no_reason = approve(api_server, document["id"], "dept_head", "dept_head", "不同意", "  ")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["pointer"] == "/opinion"
    with api_server.client("dept_head") as http:
        assert len(http.get(f"/v1/documents/{document['id']}/stages").json()) == 1


def test_concurrent_approvals_of_one_stage_exactly_one_succeeds(api_server: Server, catalogue: Catalogue) -> None:
    document = create_review(api_server, catalogue)
    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(lambda n: approve(api_server, document["id"], "dept_head", "dept_head", "同意",
                                                f"第{n}份意见").status_code, range(4)))
    assert sorted(codes) == [201, 409, 409, 409]
    repeated = approve(api_server, document["id"], "dept_head", "dept_head", "同意")
    assert repeated.status_code == 409


def test_returned_table_is_resubmitted_in_a_new_round_of_the_same_chain(api_server: Server, catalogue: Catalogue,
                                                                       tmp_path: Path) -> None:
    document = create_review(api_server, catalogue)
    for stage in ("dept_head", "dept_leader"):
        assert approve(api_server, document["id"], stage, stage, *OPINIONS[stage]).status_code == 201
    returned = approve(api_server, document["id"], "legal_review", "legal_review", "补充调查", "请补充购货凭证。")
    assert returned.status_code == 201
    corrected = copy.deepcopy(catalogue.get(REVIEW).example)
    corrected["summary"] += "\n补充材料：购货凭证两份。"
    not_yet = approve(api_server, document["id"], "dept_head", "dept_head", "同意")
    assert not_yet.status_code == 409
    resubmitted = approve(api_server, document["id"], "case_system", "issuance", None, data=corrected)
    assert resubmitted.status_code == 201 and resubmitted.json()["round"] == 2
    for stage, (decision, opinion) in OPINIONS.items():
        assert approve(api_server, document["id"], stage, stage, decision, opinion).status_code == 201
    with api_server.client() as http:
        record = http.get(f"/v1/documents/{document['id']}").json()
        latest = http.get(record["links"]["pdf"]).content
    assert record["data"] == corrected and record["doc_number"] == document["doc_number"]
    assert [s["round"] for s in record["stages"]] == [1] * 4 + [2] * 7
    if api_server.converter == LIBREOFFICE:  # the fake converter's page shows no data
        text = pdftools.body_text(latest)
        assert pdftools.contains(text, "补充材料：购货凭证两份。")
        # The boxes show only the new round's opinions; the return is printed once, as 退回记录 (version 3).
        flat = "".join(text.split())
        assert flat.count("请补充购货凭证。") == 1
        assert "第1轮法制审核意见：补充调查。请补充购货凭证。（王法制，" in flat, flat
        assert "法制审核意见同意事实清楚，证据确凿，程序合法，同意扣押。" in flat
    trust = tmp_path / "trust.json"
    trust.write_text(run_cli("--data-dir", str(api_server.data_dir), "trust", "export").stdout, encoding="utf-8")
    (tmp_path / "latest.pdf").write_bytes(latest)
    verified = run_cli("verify", str(tmp_path / "latest.pdf"), "--trust", str(trust), "--json")
    assert verified.returncode == 0, verified.stdout
    assert [s["round"] for s in json.loads(verified.stdout)["stages"]] == [1] * 4 + [2] * 7
