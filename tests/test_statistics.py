"""The annual statistics against a generated year of 300 cases: every figure is checked against a count
made here, independently, from the raw rows and payloads (SQLite and the blob files), and over HTTP.

The year is issued through the real service path (validation, numbering, sealing, signing) with the
fixed-PDF converter; the signing clock is set to each act's day (``tests/statyear.py``).
"""
from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import pytest

import statyear
from docgen.cases.case import Query
from pg import fresh_database
from serving import Server, agency_today
from test_case_pages import browser, signed_in  # noqa: F401 - browser: the module-scoped Chromium fixture

#: A generated year of 300 cases through the service: a system test, in `make test` (not the fast tier).
pytestmark = pytest.mark.system

YEAR = 2026
ZONE = ZoneInfo("Asia/Shanghai")
AGENCY = json.loads((Path(__file__).parents[1] / "src/docgen/defaults/agency.json").read_text(encoding="utf-8"))
HOLIDAYS = {date.fromisoformat(d) for d in AGENCY["calendar"]["holidays"]}
WORKDAYS = {date.fromisoformat(d) for d in AGENCY["calendar"]["workdays"]}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[statyear.Year]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOCGEN_CONVERTER", "fake")
        data_dir = tmp_path_factory.mktemp("statistics") / "data"
        year = statyear.open_year(data_dir)
        patch.setattr(statyear.chain, "utc_now", statyear.patched_clock(year))
        statyear.generate(year, 300)
        # A document row whose stages were never stored (a crash before the commit) is not part of the record.
        digest = year.service.storage.blobs.put(json.dumps(year.example("penalty-decision")).encode())
        with year.service.storage.db.transaction() as conn:
            conn.execute("INSERT INTO documents (id, template_id, template_version, template_sha256, title, doc_number,"
                         " payload_sha256, created_at, created_by) VALUES ('unsigned', 'penalty-decision', '3', '{}',"
                         " '行政处罚决定书', NULL, ?, '2026-05-01T00:00:00+00:00', 'x')", (digest,))
        yield year
        year.service.converter.close()


# The independent count ----------------------------------------------------------------------------

def local_day(time: str) -> date:
    return datetime.fromisoformat(time.replace("Z", "+00:00")).astimezone(ZONE).date()


def working_days(start: date, end: date) -> int:
    days, n = 0, 1
    while start + timedelta(days=n) <= end:
        d = start + timedelta(days=n)
        days += d in WORKDAYS or (d.weekday() < 5 and d not in HOLIDAYS)
        n += 1
    return days


def raw_documents(data_dir: Path) -> list[dict[str, Any]]:
    """Every signed document straight from the database and the blob files."""
    db = sqlite3.connect(data_dir / "docgen.sqlite3")
    cases = {cid: json.loads(data) for cid, data in db.execute("SELECT id, data FROM cases")}
    bound = dict(db.execute("SELECT document_id, case_id FROM case_documents"))
    docs = []
    for doc_id, template, number in db.execute("SELECT id, template_id, doc_number FROM documents"):
        stages = db.execute("SELECT link, payload_sha256 FROM stages WHERE document_id = ? ORDER BY idx",
                            (doc_id,)).fetchall()
        if not stages:
            continue
        digest = stages[-1][1]
        payload = json.loads((data_dir / "blobs" / digest[:2] / digest[2:]).read_bytes())
        case_id = bound.get(doc_id)
        docs.append({"id": doc_id, "template": template, "number": number, "data": payload, "case": case_id,
                     "department": cases[case_id].get("department", "（未注明承办部门）") if case_id else "（未注明承办部门）",
                     "links": [json.loads(link) for link, _ in stages]})
    return docs


def day_of(doc: dict[str, Any], *path: str) -> date | None:
    node: Any = doc["data"]
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return date.fromisoformat(node) if isinstance(node, str) else None


def approved(doc: dict[str, Any]) -> date | None:
    last = doc["links"][-1]
    return local_day(last["time"]) if last["stage"] == "agency_head" and last["decision"] == "同意" else None


Expected = dict[tuple[str, str, str], tuple[Any, set[str]]]


def tally(expected: Expected, key: tuple[str, str, str], doc: str, amount: Decimal | None = None) -> None:
    value, docs = expected.get(key, (Decimal(0) if amount is not None else 0, set()))
    expected[key] = (value + (amount if amount is not None else 1), docs | {doc})


def is_void(doc: dict[str, Any]) -> bool:
    """The chain ends in a void (作废) link: no decision, counted nowhere but apart."""
    return doc["links"][-1]["stage"] == "void"


def expect(docs: list[dict[str, Any]], media: set[tuple[str, date]], year: int) -> Expected:
    """Every figure but the deadlines, counted from the raw payloads (documents counted once per cell);
    a void document counts only in the 行政处罚 table's own row for voided decisions."""
    e: Expected = {}
    for d in docs:
        if is_void(d) and d["template"] in ("penalty-decision", "on-the-spot-penalty-decision") \
                and day_of(d, "issued_on").year == year:
            tally(e, ("penalties", "voided", "count"), d["id"])
    docs = [d for d in docs if not is_void(d)]
    filed_source = {}
    for d in sorted(docs, key=lambda d: d["id"]):
        t, data = d["template"], d["data"]
        if t == "case-filing-approval" and approved(d):
            row = "filed" if data["decision"] == "立案" else "not_filed"
            if row == "filed" and d["case"]:
                filed_source.setdefault(d["case"], (approved(d), d["id"], data["source"]))
                filed_source[d["case"]] = min(filed_source[d["case"]], (approved(d), d["id"], data["source"]))
            if approved(d).year == year:
                tally(e, ("cases", row, "total"), d["id"])
                tally(e, ("cases", row, data["source"]), d["id"])
                if row == "filed":
                    tally(e, ("monthly", f"{approved(d).month:02d}", "filed"), d["id"])
        if t == "on-the-spot-penalty-decision" and day_of(d, "issued_on").year == year:
            tally(e, ("cases", "summary", "total"), d["id"])
            tally(e, ("cases", "summary", "未注明"), d["id"])
    for d in docs:
        t, data, i = d["template"], d["data"], d["id"]
        if t == "case-closing-approval" and approved(d) and approved(d).year == year:
            source = filed_source.get(d["case"], (None, None, "未注明"))[2]
            for key in (("cases", "closed", "total"), ("cases", "closed", source), ("closing", data["ground"], "count"),
                        ("closing", "total", "count"), ("monthly", f"{approved(d).month:02d}", "closed")):
                tally(e, key, i)
        if t in ("penalty-decision", "on-the-spot-penalty-decision") and day_of(d, "issued_on").year == year:
            issued = day_of(d, "issued_on")
            tally(e, ("penalties", "decisions", "count"), i)
            tally(e, ("monthly", f"{issued.month:02d}", "decisions"), i)
            items = data["penalties"] if t == "penalty-decision" else [
                {"type": data["penalty"], **({"amount": data["fine"]} if data["penalty"] == "罚款" else {})}]
            for kind in {item["type"] for item in items}:
                tally(e, ("penalties", kind, "count"), i)
            for item in items:
                if item["type"] in ("罚款", "没收违法所得"):
                    tally(e, ("penalties", item["type"], "amount"), i, Decimal(item["amount"]))
                    tally(e, ("penalties", "decisions", "amount"), i, Decimal(item["amount"]))
        if t == "no-penalty-decision" and day_of(d, "issued_on").year == year:
            for key in (("no_penalty", data["ground"], "count"), ("no_penalty", "total", "count"),
                        ("monthly", f"{day_of(d, 'issued_on').month:02d}", "no_penalty")):
                tally(e, key, i)
        if t == "coercive-measure-decision" and day_of(d, "issued_on").year == year:
            start = day_of(d, "start_on")
            release = [x for x in docs if x["template"] == "coercive-measure-release"
                       and x["data"]["decision_number"] == d["number"]]
            extension = [x for x in docs if x["template"] == "coercive-measure-extension"
                         and x["data"]["decision_number"] == d["number"]]
            end = (day_of(release[0], "released_on") if release else
                   day_of(extension[0], "until") if extension else day_of(d, "end_on"))
            as_of = min(agency_today(), date(year, 12, 31))
            length = (end - start).days
            bucket = ("running" if not release and end > as_of else "within_30" if length <= 30
                      else "within_60" if length <= 60 else "over_60")
            for row in (data["measure"], "total"):
                tally(e, ("coercive", row, "decisions"), i)
                tally(e, ("coercive", row, bucket), i)
            tally(e, ("monthly", f"{day_of(d, 'issued_on').month:02d}", "coercive"), i)
        for template, column in (("coercive-measure-extension", "extended"), ("coercive-measure-release", "released")):
            if t == template and day_of(d, "issued_on").year == year:
                tally(e, ("coercive", data["measure"], column), i)
                tally(e, ("coercive", "total", column), i)
        if t == "penalty-notice" and data["hearing_available"] is True and day_of(d, "issued_on").year == year:
            tally(e, ("hearings", "offered", "count"), i)
        if t == "hearing-notice" and day_of(d, "requested_on").year == year:
            tally(e, ("hearings", "requested", "count"), i)
        if t == "hearing-record" and day_of(d, "hearing", "date").year == year:
            tally(e, ("hearings", "held", "count"), i)
        if t == "major-decision-review":
            letters = dict(zip(statyear.REVIEW, "ABCDEFG"))
            for n, link in enumerate(d["links"]):
                if link["stage"] != "legal_review" or local_day(link["time"]).year != year:
                    continue
                reached = [local_day(x["time"]) for x in d["links"][:n]
                           if x["stage"] == "dept_leader" and x["round"] == link["round"]][-1]
                days = working_days(reached, local_day(link["time"]))
                review(e, "major", letters[link["decision"]], "legal_review", days, i, local_day(link["time"]))
        if t == "case-review" and data["review_type"] == "法制审核" and day_of(d, "reviewed_on").year == year:
            days = working_days(day_of(d, "submitted_on"), day_of(d, "reviewed_on"))
            review(e, "case", data["conclusion"], "case_review", days, i, day_of(d, "reviewed_on"))
        if t == "case-transfer-letter" and day_of(d, "issued_on").year == year:
            row = "market" if data["market_regulator"] else "administrative"
            tally(e, ("transfers", row, "count"), i)
            tally(e, ("transfers", "total", "count"), i)
        if t == "criminal-case-transfer" and day_of(d, "issued_on").year == year:
            row = ("police" if "公安" in data["addressee"] else "procuratorate" if "检察" in data["addressee"]
                   else "judicial")
            tally(e, ("transfers", row, "count"), i)
            tally(e, ("transfers", "total", "count"), i)
        events = {"inspection": ("on-site-record", "inspection-record", "inspection-sampling-record",
                                 "inspection-survey-record", "inspection-inquiry-record"),
                  "seizure": ("coercive-measure-decision",), "hearing": ("hearing-record",)}
        paths = {"inspection": ("date",), "seizure": ("start_on",), "hearing": ("hearing", "date")}
        for row, templates in events.items():
            if t in templates and day_of(d, *paths[row]).year == year:
                tally(e, ("media", row, "events"), i)
                if (d["case"], day_of(d, *paths[row])) in media:
                    tally(e, ("media", row, "recorded"), i)
    return e


def review(e: Expected, kind: str, outcome: str, table: str, days: int, doc: str, day: date) -> None:
    tally(e, (table, outcome, "count"), doc)
    tally(e, (table, "total", "count"), doc)
    tally(e, ("review_days", "within_10" if days <= 10 else "within_20" if days <= 20 else "over_20", kind), doc)
    tally(e, ("review_days", f"days_{days}", kind), doc)
    tally(e, ("monthly", f"{day.month:02d}", "reviews"), doc)


def raw_media(data_dir: Path) -> set[tuple[str, date]]:
    db = sqlite3.connect(data_dir / "docgen.sqlite3")
    return {(case_id, date.fromisoformat(json.loads(meta)["recorded_at"][:10]))
            for case_id, meta in db.execute("SELECT case_id, metadata FROM case_media")}


def cells(result: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(t["id"], r["id"], c): cell for t in result["tables"] for r in t["rows"] for c, cell in r["cells"].items()}


def value(v: Any) -> Any:
    return f"{v.quantize(Decimal('0.01'))}" if isinstance(v, Decimal) else v


# The tests ----------------------------------------------------------------------------------------

def test_every_figure_matches_an_independent_count(generated: statyear.Year) -> None:
    from docgen.statistics.annual import annual

    service = generated.service
    assert set(generated.issued) == set(service.catalogue.templates), "every instrument is issued"
    assert len(service.cases.search(Query())) >= 300
    data_dir = service.settings.data_dir
    docs = raw_documents(data_dir)
    result = annual(service, YEAR).to_dict()
    got = cells(result)
    expected = expect(docs, raw_media(data_dir), YEAR)
    expect_publicity(expected, docs, data_dir, YEAR, date.fromisoformat(result["as_of"]))
    for key, (count, ids) in expected.items():
        assert key in got, key
        assert got[key]["value"] == value(count), key
        assert set(got[key]["documents"]) == ids, key
    unexpected = {k: c["value"] for k, c in got.items() if k[0] not in ("deadlines", "departments")
                  and k not in expected and c["value"] not in (0, "0.00", "—") and k[2] != "share"}
    assert not unexpected  # every non-zero figure was counted here too
    for row in ("inspection", "seizure", "hearing"):  # the shares follow from the two counts
        events, recorded = (expected.get(("media", row, c), (0, set()))[0] for c in ("events", "recorded"))
        assert got[("media", row, "share")]["value"] == (f"{Decimal(recorded * 100) / events:.1f}%" if events else "—")
    # outcomes spanned: every 处罚种类, 不予处罚 ground, A–G opinion, transfer kind, duration bucket is non-zero
    for table, rows, column in (("penalties", statyear.KINDS, "count"), ("no_penalty", statyear.NO_PENALTY, "count"),
                                ("legal_review", "ABCDEFG", "count"),
                                ("transfers", ("market", "administrative", "police", "procuratorate", "judicial"), "count"),
                                ("review_days", ("within_10", "within_20", "over_20"), "major")):
        for row in rows:
            assert got[(table, row, column)]["value"], (table, row)
    for bucket in ("within_30", "within_60", "over_60"):
        assert got[("coercive", "total", bucket)]["value"], bucket
    assert "unsigned" not in {d for c in got.values() for d in c["documents"]}
    assert result["omitted"] == []
    # publicity: every outcome occurs, and the records are exactly the decisions the rule selects
    for row in ("on_time", "late", "overdue", "approved", "withdrawn", "void"):
        assert got[("publicity", row, "count")]["value"], row
    # voids: the generated year voided decisions, notices and 当场 decisions, and they count apart
    voided = {d["template"] for d in docs if is_void(d)}
    assert {"penalty-decision", "penalty-notice", "on-the-spot-penalty-decision"} <= voided
    assert set(generated.voided) == {d["id"] for d in docs if is_void(d)}
    assert got[("penalties", "voided", "count")]["value"]
    apart = {("penalties", "voided", "count"), ("publicity", "void", "count")}
    assert not set(generated.voided) & {d for k, c in got.items() if k not in apart for d in c["documents"]}


def expect_publicity(e: Expected, docs: list[dict[str, Any]], data_dir: Path, year: int, as_of: date) -> None:
    """The publicity table from the raw records, checked first against the rule that opens them (公示规定第二条:
    a 行政处罚决定书 whose penalties are not all 警告)."""
    db = sqlite3.connect(data_dir / "docgen.sqlite3")
    rows = {r[0]: r[1:] for r in db.execute("SELECT document_id, status, decided_on, due_on, detail FROM publicity_records")}
    decisions = {d["id"] for d in docs if d["template"] == "penalty-decision"
                 and {p["type"] for p in d["data"]["penalties"]} != {"警告"}}
    assert set(rows) == decisions
    voided = {d["id"] for d in docs if is_void(d)}
    before_void = set()
    for doc, (status, decided_on, due_on, detail) in sorted(rows.items()):
        if date.fromisoformat(decided_on).year != year:
            continue
        detail = json.loads(detail)
        if doc in voided:  # no decision to publish: counted apart, in no outcome and not in 合计
            tally(e, ("publicity", "void", "count"), doc)
            if status == "void":  # voided while due
                assert detail["void"]["status_before"] == "due" and "published" not in detail
            elif status == "published":  # still up: due for withdrawal 3 working days after the void
                assert detail["void"]["withdraw_due_on"] > detail["void"]["voided_on"]
            else:
                assert status in ("withdrawn", "not_published") and "void" not in detail
            before_void.add(status)
            continue
        if "published" in detail:
            published = date.fromisoformat(detail["published"]["published_at"][:10])
            row = "on_time" if published <= date.fromisoformat(due_on) else "late"
        elif status == "not_published":
            assert detail["not_published"]["status"] == "approved" and detail["not_published"]["link"]["decision"] == "同意"
            row = "approved"
        else:
            assert status == "due"
            row = "overdue" if date.fromisoformat(due_on) < as_of else "pending"
        tally(e, ("publicity", row, "count"), doc)
        tally(e, ("publicity", "total", "count"), doc)
        if status == "withdrawn":
            tally(e, ("publicity", "withdrawn", "count"), doc)
    assert {"void", "published"} <= before_void  # voided both while due and once published


def test_departments_and_deadlines(generated: statyear.Year) -> None:
    from docgen.cases.docket import Docket
    from docgen.statistics.annual import annual

    service = generated.service
    docs = raw_documents(service.settings.data_dir)
    media = raw_media(service.settings.data_dir)
    result = annual(service, YEAR).to_dict()
    got = cells(result)
    departments = sorted({d["department"] for d in docs})
    assert result["departments"] == departments
    measures = ("filed", "closed", "decisions", "no_penalty", "coercive", "reviews")
    for department in departments:
        mine = [d for d in docs if d["department"] == department]
        expected = expect(mine, media, YEAR)
        for measure in measures:
            total = sum(expected.get(("monthly", f"{m:02d}", measure), (0, set()))[0] for m in range(1, 13))
            assert got[("departments", department, measure)]["value"] == total, (department, measure)
        amount = expected.get(("penalties", "decisions", "amount"), (Decimal(0), set()))[0]
        assert got[("departments", department, "amount")]["value"] == value(Decimal(amount))
        only = cells(annual(service, YEAR, department).to_dict())
        assert only[("penalties", "decisions", "count")]["value"] == expected.get(
            ("penalties", "decisions", "count"), (0,))[0]
    # deadlines: each case's deadlines as the case API computes them, judged on the year's day
    docket = Docket(service.cases, service.storage, service.catalogue, service.settings.calendar,
                    service.settings.agency.timezone)
    as_of = date.fromisoformat(result["as_of"])
    tallies: dict[tuple[str, str], set[str]] = defaultdict(set)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for case in service.cases.search(Query()):
        if not service.cases.document_ids(case.id):
            continue
        for deadline in docket.deadlines(case, as_of):
            day = deadline.due or deadline.start
            if day and date.fromisoformat(day).year == YEAR:
                counts[(deadline.id.split(":")[0], deadline.status)] += 1
                tallies[(deadline.id.split(":")[0], deadline.status)].add(case.id)
    shown = {(k[1], k[2]): c for k, c in got.items() if k[0] == "deadlines"}
    assert {k: c["value"] for k, c in shown.items() if c["value"]} == dict(counts)
    assert {k: set(c["cases"]) for k, c in shown.items() if c["value"]} == dict(tallies)


def test_same_data_same_figures_and_an_empty_year(generated: statyear.Year) -> None:
    from docgen.statistics.annual import annual

    first = annual(generated.service, YEAR).to_dict()
    assert json.dumps(first, ensure_ascii=False) == json.dumps(annual(generated.service, str(YEAR)).to_dict(),
                                                               ensure_ascii=False)
    empty = annual(generated.service, 2019).to_dict()
    assert [t["id"] for t in empty["tables"]] == [t["id"] for t in first["tables"]]
    assert {c["value"] for c in cells(empty).values()} <= {0, "0.00", "—"}
    assert not [k for k, c in cells(empty).items() if c["documents"] or c["cases"]]


@pytest.fixture(scope="module")
def stat_server(generated: statyear.Year) -> Iterator[Server]:
    """A real server on the generated year (fixed-PDF converter: nothing here converts)."""
    server = Server(generated.service.settings.data_dir, generated.tokens, DOCGEN_CONVERTER="fake")
    yield server
    server.stop()


def test_http_statistics(generated: statyear.Year, stat_server: Server) -> None:
    from docgen.statistics.annual import annual

    server = stat_server
    with server.client("legal_review") as http:
        answer = http.get("/v1/statistics", params={"year": YEAR})
        assert answer.status_code == 200, answer.text
        assert answer.json() == annual(generated.service, YEAR).to_dict()
        department = answer.json()["departments"][0]
        one = http.get("/v1/statistics", params={"year": YEAR, "department": department}).json()
        assert one == annual(generated.service, YEAR, department).to_dict()
        assert http.get("/v1/statistics", params={"year": 2019}).status_code == 200
        for bad in ("2999", "20x6", "26", "1999", ""):
            problem = http.get("/v1/statistics", params={"year": bad})
            assert problem.status_code == 422, bad
            assert problem.headers["content-type"].startswith("application/problem+json")
            assert [e["pointer"] for e in problem.json()["errors"]] == ["/year"], problem.json()
        missing = http.get("/v1/statistics")
        assert missing.status_code == 422 and "year" in missing.text
    assert server.client().get("/v1/statistics", params={"year": YEAR}, headers={"Authorization": ""}
                               ).status_code == 401


def test_the_same_figures_from_postgresql(generated: statyear.Year, tmp_path: Path) -> None:
    """The generated year moved to PostgreSQL (``transfer.export``/``import_``, what ``docgen export`` and
    ``import`` run): a server there answers with exactly the figures computed from the SQLite original.
    (Not the CLI import: it re-verifies every chain, and this year was signed on a clock set before its
    certificates were issued; ``test_migrations`` covers the re-verification.)"""
    from docgen import transfer
    from docgen.statistics.annual import annual
    from docgen.storage import Storage

    data_dir = generated.service.settings.data_dir
    exported = transfer.export(generated.service.storage, tmp_path / "dump")
    with fresh_database() as url:
        target = Storage(data_dir, url)  # the same blob directory: the bytes are there already
        try:
            moved = transfer.import_(target, tmp_path / "dump")
        finally:
            target.db.close()
        assert moved.rows == {table: n for table, n in exported.rows.items() if n}
        assert moved.rows["documents"] > 1000
        server = Server(data_dir, generated.tokens, DOCGEN_CONVERTER="fake", DOCGEN_DATABASE_URL=url)
        try:
            with server.client("legal_review") as http:
                answer = http.get("/v1/statistics", params={"year": YEAR})
            assert answer.status_code == 200, answer.text
            assert answer.json() == annual(generated.service, YEAR).to_dict()
        finally:
            server.stop()


def test_workbook_opens_with_openpyxl(generated: statyear.Year) -> None:
    import io

    import openpyxl

    from docgen.statistics.annual import annual
    from docgen.statistics.workbook import workbook

    result = annual(generated.service, YEAR)
    data = workbook(result)
    book = openpyxl.load_workbook(io.BytesIO(data))
    again = openpyxl.load_workbook(io.BytesIO(workbook(annual(generated.service, YEAR))))
    assert [list(sheet.values) for sheet in book] == [list(sheet.values) for sheet in again]  # same figures, same cells
    assert book.sheetnames[0] == "说明" and book.sheetnames[-1] == "文书清单"
    assert len(book.sheetnames) == len(result.tables) + 2
    penalties = book["行政处罚（按种类）"]
    rows = {row[0]: row[1:] for row in penalties.iter_rows(min_row=4, values_only=True)}
    table = result.table("penalties")
    for row in table.rows:
        assert rows[row.title][0] == row.cells["count"].value
        if "amount" in row.cells:
            assert rows[row.title][1] == Decimal(row.cells["amount"].value)
    listed = {(r[0], r[1], r[2]): r[4] for r in book["文书清单"].iter_rows(min_row=2, values_only=True)}
    fines = table.cell("罚款", "count")
    assert listed[(table.title, "罚款", "决定书件数")].split("、") == list(fines.documents)
    empty = openpyxl.load_workbook(io.BytesIO(workbook(annual(generated.service, 2019))))
    assert empty["行政处罚（按种类）"]["B4"].value == 0


def test_command_line_json(generated: statyear.Year, tmp_path: Path) -> None:
    from docgen.statistics.annual import annual
    from serving import docgen

    out = tmp_path / "report.json"
    docgen(generated.service.settings.data_dir, "statistics", "--year", str(YEAR), "-o", str(out))
    assert json.loads(out.read_text(encoding="utf-8")) == annual(generated.service, YEAR).to_dict()


def test_report_pdf_passes_the_page_checks(generated: statyear.Year, libreoffice: None, tmp_path: Path) -> None:
    """The PDF/A report through the real LibreOffice converter, checked as the instruments are."""
    import os
    import subprocess
    import sys

    import pagelayout
    import pdftools
    from docgen.statistics.annual import annual
    from docgen.statistics.report import report_docx

    out = tmp_path / "report.pdf"
    environment = {k: v for k, v in os.environ.items() if k != "DOCGEN_CONVERTER"}
    subprocess.run([sys.executable, "-m", "docgen.cli", "--data-dir", str(generated.service.settings.data_dir),
                    "statistics", "--year", str(YEAR), "-o", str(out)], check=True, env=environment)
    pdf = out.read_bytes()
    assert pdftools.pdfa_part(pdf) == ("3", "B")
    assert all(row["emb"] == "yes" for row in pdftools.fonts(pdf))
    docx = report_docx(annual(generated.service, YEAR), "株洲市市场监督管理局")
    headers, footers = pagelayout.margin_texts(docx)
    pages = pagelayout.read_pages(pdf)
    assert not pagelayout.violations(pages, pagelayout.Geometry.of_docx(docx), footers, headers)
    text = pdftools.text(pdf)
    assert pdftools.contains(text, f"株洲市市场监督管理局{YEAR}年度行政执法统计年报")
    fines = annual(generated.service, YEAR).table("penalties").cell("罚款", "amount").value
    whole, cents = fines.split(".")
    assert pdftools.contains(text, f"{int(whole):,}.{cents}")
    assert pdftools.contains(text, "行政执法公示") and not pdftools.contains(text, "未列入")  # the publicity table is in


def test_statistics_page_in_a_browser(generated: statyear.Year, stat_server: Server, browser: Any) -> None:
    """Sign in, read the year, open a figure's documents, filter by department, and a bad year."""
    from docgen.statistics.annual import annual

    result = annual(generated.service, YEAR)
    with signed_in(browser, stat_server, "legal_review", f"/statistics?year={YEAR}", r"/statistics\?year=") as page:
        read_the_page(page, generated, result)


def read_the_page(page: Any, generated: statyear.Year, result: Any) -> None:
    import re

    from playwright.sync_api import expect

    from docgen.statistics.annual import annual

    expect(page.get_by_role("heading", name="行政执法统计年报")).to_be_visible()
    expect(page.locator("#omitted-publicity")).to_have_count(0)
    for image in page.locator(".stat-charts img").all():  # the three charts drew
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    fines = result.table("penalties").cell("罚款", "count")
    row = page.locator("#table-penalties tbody tr", has=page.get_by_role("rowheader", name="罚款", exact=True))
    row.locator("button.figure").first.click()
    drill = page.locator("#drill")
    expect(drill).to_be_visible()
    expect(drill.locator("#drill-title")).to_contain_text(f"{fines.value} 份文书")
    expect(drill.locator("li a")).to_have_count(len(fines.documents))
    hrefs = {link.get_attribute("href") for link in drill.locator("li a").all()}
    assert hrefs == {f"/documents/{i}" for i in fines.documents}
    with page.expect_download() as saved:  # the workbook, ready to send
        page.locator("#export-xlsx").click()
    assert saved.value.suggested_filename == f"{YEAR}年度行政执法统计年报.xlsx"
    import io

    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(Path(saved.value.path()).read_bytes()))
    assert book.sheetnames[1:-1] == [t.title.replace("/", "－") for t in result.tables]
    department = result.departments[0]
    page.locator("#stat-department").select_option(department)
    page.get_by_role("button", name="统计").click()
    page.wait_for_url(re.compile(r"department="))
    only = annual(generated.service, YEAR, department).table("penalties").cell("decisions", "count").value
    total_row = page.locator("#table-penalties tbody tr", has=page.get_by_role(
        "rowheader", name="行政处罚决定书合计（含当场处罚）"))
    expect(total_row.locator("td").first).to_have_text(str(only))
    page.locator("#stat-year").fill("2999")
    with page.expect_response(lambda response: "year=2999" in response.url) as refused:
        page.get_by_role("button", name="统计").click()
    assert refused.value.status == 422
    expect(page.locator("#stat-year-error")).to_contain_text("尚未到来")


def test_a_case_department_fills_the_review_tables(generated: statyear.Year) -> None:
    """The case's 承办部门 is entered once: the 案件审核/法制审核表 issued for the case takes it as 办案机构."""
    service = generated.service
    case = next(c for c in service.cases.search(Query()) if c.data.get("department"))
    release = service.catalogue.get("case-review")
    data = generated.example("case-review")
    del data["department"]
    filled = service.cases.fill(case.id, release, data)
    assert filled["department"] == case.data["department"]
