"""Benchmark: the HTTP API against the raw warm converter and cold soffice, in one run.

Prints latency (p50/p95) and documents per second for the 行政处罚决定书 through
the API at 1 and 2 concurrent clients, the warm-converter ceiling on the same
DOCX, and a cold ``soffice --convert-to pdf`` per document, then the ratios
the targets are stated in, and the cost of verifying a 7-stage signature
chain offline against one conversion. Absolute times move between runs on a shared
machine; the ratios, measured side by side, are what to compare.

Many servers (``--servers-only`` runs just this part): on one PostgreSQL database
(a fresh ``docgen_test_…`` database, dropped after), two server processes with
one converter each against one process with two converters, same clients, same
machine; and the cost of a 文书编号 (reserve → wait for the turn → commit) per
document under contention, SQLite beside PostgreSQL (threads of one process, and
for PostgreSQL also two processes).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from io import BytesIO
from typing import Callable

import httpx
from pypdf import PdfReader


sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving import Server  # noqa: E402  (the same real server the tests use)
from pg import fresh_database  # noqa: E402
from docgen.catalogue import Catalogue  # noqa: E402
from docgen.config import PACKAGE_DIR, PROJECT_DIR, load_agency  # noqa: E402
from docgen.conversion import ConverterPool  # noqa: E402
from docgen.rendering import RenderContext, render_docx  # noqa: E402
from docgen.trust import TrustBundle  # noqa: E402
from docgen.verify import verify  # noqa: E402
from tlog_bench import bench_log  # noqa: E402

TEMPLATE = "penalty-decision"


def run(task: Callable[[int], None], count: int, clients: int) -> dict[str, float]:
    """Run ``task`` ``count`` times from ``clients`` threads; latency and throughput."""
    latencies: list[float] = []

    def timed(index: int) -> None:
        start = time.perf_counter()
        task(index)
        latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as executor:
        list(executor.map(timed, range(count)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000,
        "docs_per_s": count / elapsed,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (its own threads, not its children: the converters)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_api(data: dict, count: int, work: Path) -> dict[str, dict[str, float]]:
    server = Server(work / "api-data", DOCGEN_CONVERTERS="2")
    try:
        with server.client() as client:
            def issue(_: int) -> None:
                response = client.post("/v1/documents", json={"template": TEMPLATE, "data": data})
                response.raise_for_status()
                client.get(response.json()["links"]["pdf"]).raise_for_status()

            run(issue, 6, 2)  # warm-up: first conversions of a fresh profile are slow
            before = cpu_seconds(server.process.pid)
            results = {"api_1_client": run(issue, count, 1), "api_2_clients": run(issue, count, 2)}
            # The API process's own CPU per document (issue + download), LibreOffice excluded:
            # the CPU that competes with the converters, and far less noisy than throughput.
            cpu_ms = (cpu_seconds(server.process.pid) - before) * 1000 / (2 * count)
            results["api_server_cpu"] = {"p50_ms": cpu_ms, "p95_ms": cpu_ms, "docs_per_s": 1000 / cpu_ms}
        results.update(bench_verification(server, count))
        return results
    finally:
        server.stop()


def bench_verification(server: Server, count: int) -> dict[str, dict[str, float]]:
    """Offline verification of a review table approved through all six stages (a 7-link chain)."""
    review = Catalogue(PROJECT_DIR).get("major-decision-review")
    with server.client() as client:
        document = client.post("/v1/documents", json={"template": review.template_id, "data": review.example})
        document_id = document.json()["id"]
        for stage in review.workflow.stages[1:]:
            with server.client(stage.role) as officer:
                officer.post(f"/v1/documents/{document_id}/approvals",
                             json={"stage": stage.id, "decision": "同意", "opinion": "同意。"}).raise_for_status()
        stages = client.get(f"/v1/documents/{document_id}/stages").json()
        files = [(f"stage-{s['index']}.pdf", client.get(s["links"]["pdf"]).content) for s in stages]
        trust = TrustBundle.from_json(client.get("/v1/trust").content)
    assert verify(files, trust).ok
    return {"verify_latest_of_7": run(lambda _: verify(files[-1:], trust), count, 1),
            "verify_all_7_files": run(lambda _: verify(files, trust), count, 1)}


#: Templates issued for the volume benchmark's case, round-robin (letters, records, forms of ~1–4 pages).
VOLUME_TEMPLATES = ("penalty-decision", "penalty-notice", "on-site-record", "inquiry-record", "service-receipt",
                    "coercive-measure-decision", "investigation-report", "case-review")


def bench_volume(documents: int, photos: int, work: Path) -> tuple[dict[str, dict[str, float]], int]:
    """Volume assembly for a closed case of ``documents`` issued documents and ``photos`` uploaded photos:
    ms per page of the volume, and the volume's pages."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from serving import docgen  # noqa: PLC0415
    catalogue = Catalogue(PROJECT_DIR)
    server = Server(work / "volume-data", DOCGEN_CONVERTERS="2")
    try:
        director = json.loads(docgen(server.data_dir, "principals", "add", "--name", "吴局长", "--role",
                                     "agency_head", "--json"))["token"]
        with server.client() as client:
            example = catalogue.get("case-filing-approval").example
            case = client.post("/v1/cases", json={
                "cause": "涉嫌经营超过保质期的食品", "party": example["party"], "officers": example["handlers"],
                "source": "投诉", "discovered_on": "2026-03-02", "filed_on": "2026-03-04", "procedure": "普通"})
            case.raise_for_status()
            case_id = case.json()["id"]

            def issue(template: str) -> str:  # the case fills what the example would repeat: typed once
                filled = client.get(f"/v1/cases/{case_id}/prefill/{template}").json()["data"]
                data = {k: v for k, v in catalogue.get(template).example.items() if k not in filled}
                response = client.post("/v1/documents", json={"template": template, "data": data, "case_id": case_id})
                response.raise_for_status()
                return response.json()["id"]

            with ThreadPoolExecutor(max_workers=2) as pool:
                list(pool.map(issue, [VOLUME_TEMPLATES[n % len(VOLUME_TEMPLATES)] for n in range(documents - 1)]))
            closing = issue("case-closing-approval")
            for role, stage in (("dept_head", "dept_head"), (None, "agency_head")):
                officer = server.client(role) if role else httpx.Client(
                    base_url=server.url, timeout=120, headers={"Authorization": f"Bearer {director}"})
                with officer:
                    officer.post(f"/v1/documents/{closing}/approvals",
                                 json={"stage": stage, "decision": "同意"}).raise_for_status()
            blank = client.get("/v1/templates/penalty-decision/versions/2/blank").content
            (work / "blank.pdf").write_bytes(blank)
            subprocess.run(["pdftoppm", "-jpeg", "-r", "100", "-f", "1", "-l", "1", "-singlefile",
                            str(work / "blank.pdf"), str(work / "photo")], check=True)
            photo = (work / "photo.jpg").read_bytes()
            meta = {"content": "现场照片", "recorded_at": "2026-03-02 10:20", "place": "当事人仓库",
                    "officers": "刘洋、陈静", "recorder": "陈静", "purpose": "证明现场状况", "device": "相机"}
            for n in range(photos):
                client.post(f"/v1/cases/{case_id}/media", data=meta,
                            files={"file": (f"photo-{n}.jpg", photo + n.to_bytes(2, "big"))}).raise_for_status()
            client.post(f"/v1/cases/{case_id}/close").raise_for_status()
            start = time.perf_counter()
            volume = client.post(f"/v1/cases/{case_id}/volume", json={
                "archive_number": "BENCH-0001", "retention": "定期30年", "result": "罚款", "checked_by": "周敏"})
            elapsed = (time.perf_counter() - start) * 1000
            volume.raise_for_status()
            pages = volume.json()["pages"]
    finally:
        server.stop()
    per_page = elapsed / pages
    return {"volume_assembly": {"p50_ms": elapsed, "p95_ms": elapsed, "docs_per_s": 1000 / elapsed},
            "volume_ms_per_page": {"p50_ms": per_page, "p95_ms": per_page, "docs_per_s": 1000 / per_page}}, pages


CONVERTED_PAGES: list[int] = []  # pages of the benchmark's converted document, for per-page comparisons


def _issue_from(servers: list[Server], data: dict, count: int, clients: int) -> dict[str, float]:
    """``count`` documents from ``clients`` threads, spread round-robin over ``servers``."""
    http = [server.client() for server in servers]
    try:
        def issue(index: int) -> None:
            client = http[index % len(http)]
            response = client.post("/v1/documents", json={"template": TEMPLATE, "data": data})
            response.raise_for_status()
        run(issue, 2 * clients, clients)  # warm-up
        return run(issue, count, clients)
    finally:
        for client in http:
            client.close()


def bench_servers(data: dict, count: int, work: Path) -> dict[str, dict[str, float]]:
    """One process with two converters against two processes with one each, on one PostgreSQL."""
    results = {}
    with fresh_database() as url:
        one = Server(work / "pg-one", DOCGEN_CONVERTERS="2", DOCGEN_DATABASE_URL=url)
        try:
            results["pg_1_process_2_conv"] = _issue_from([one], data, count, 4)
        finally:
            one.stop()
    with fresh_database() as url:
        env = {"DOCGEN_CONVERTERS": "1", "DOCGEN_DATABASE_URL": url}
        first = Server(work / "pg-two", **env)
        second = Server(work / "pg-two", first.tokens, **env)
        try:
            results["pg_2_processes_1_conv"] = _issue_from([first, second], data, count, 4)
        finally:
            first.stop()
            second.stop()
    return results


_NUMBERING = """
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
from docgen.config import load_agency
from docgen.numbering import Numbering
from docgen.storage import connect
url, count, threads, boot, start_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
db = connect(url)
numbering = Numbering(db, load_agency(), boot)
time.sleep(max(0.0, start_at - time.time()))  # every process starts at once, imports and connection done
def one(i):
    reservation = numbering.turn(numbering.reserve("penalty-decision"))
    with db.transaction() as conn:
        Numbering.confirm(conn, reservation, f"{boot}-{i}")
    numbering.settled()
with ThreadPoolExecutor(max_workers=threads) as pool:
    list(pool.map(one, range(count)))
print(json.dumps({"end": time.time()}))
db.close()
"""


def _numbering(url: str, count: int, processes: int, threads: int) -> float:
    """Wall ms per 文书编号 (reserve, turn, commit) with ``processes`` × ``threads`` contending."""
    start_at = time.time() + 8  # after every process's imports and connection
    running = [subprocess.Popen([sys.executable, "-c", _NUMBERING, url, str(count // processes), str(threads),
                                 f"boot{n}", str(start_at)], stdout=subprocess.PIPE, text=True)
               for n in range(processes)]
    ends = [json.loads(process.communicate()[0])["end"] for process in running]
    return (max(ends) - start_at) * 1000 / count


def bench_numbering(count: int, work: Path) -> dict[str, dict[str, float]]:
    """The numbering's own cost per document under contention (wall time from a common start to the
    last commit, over ``count``): no rendering, no conversion, no process start."""
    rows = {}

    def row(ms: float) -> dict[str, float]:
        return {"p50_ms": ms, "p95_ms": ms, "docs_per_s": 1000 / ms}

    rows["number_sqlite_1x4"] = row(_numbering(f"sqlite:///{work / 'numbers.sqlite3'}", count, 1, 4))
    with fresh_database() as url:
        rows["number_pg_1x4"] = row(_numbering(url, count, 1, 4))
    with fresh_database() as url:
        rows["number_pg_2x2"] = row(_numbering(url, count, 2, 2))
    return rows


def bench_converter(docx: bytes, count: int, work: Path) -> dict[str, dict[str, float]]:
    with ConverterPool(2, work / "pool") as pool:
        run(lambda _: pool.convert(docx), 6, 2)
        CONVERTED_PAGES.append(len(PdfReader(BytesIO(pool.convert(docx))).pages))
        return {"converter_1_caller": run(lambda _: pool.convert(docx), count, 1),
                "converter_2_callers": run(lambda _: pool.convert(docx), count, 2)}


def bench_cold(docx: bytes, count: int, work: Path) -> dict[str, float]:
    source = work / "cold" / "decision.docx"
    source.parent.mkdir()
    source.write_bytes(docx)
    profile = (work / "cold-profile").as_uri()
    env = {**os.environ, "FONTCONFIG_FILE": str(PACKAGE_DIR / "fonts.conf")}
    pdf_filter = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"3"}}'

    def convert(_: int) -> None:
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to",
                        pdf_filter, "--outdir", str(source.parent), str(source)],
                       check=True, capture_output=True, env=env)

    convert(0)  # creates the profile, which is not what a per-document cold start costs
    return run(convert, count, 1)


def bench_fake_issuance(data: dict, count: int, work: Path) -> dict[str, float]:
    """Issuance with the fake converter (sealing, storing, logging, no LibreOffice): the smallest an
    issuance gets, so the log's share of it is an upper bound of its share of a real one."""
    server = Server(work / "fake-data", DOCGEN_CONVERTER="fake")
    try:
        with server.client() as client:
            def issue(_: int) -> None:
                client.post("/v1/documents", json={"template": TEMPLATE, "data": data}).raise_for_status()

            run(issue, 3, 1)
            return run(issue, count, 1)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=60, help="documents per measurement")
    parser.add_argument("--cold", type=int, default=5, help="cold soffice conversions")
    parser.add_argument("--volume-documents", type=int, default=30, help="documents in the volume benchmark's case")
    parser.add_argument("--volume-photos", type=int, default=20, help="photos attached to that case")
    parser.add_argument("--volume-only", action="store_true",
                        help="only the volume assembly, beside warm conversions of the same run")
    parser.add_argument("--log-leaves", type=int, default=1_000_000,
                        help="leaves of the transparency log whose proofs are measured")
    parser.add_argument("--log-only", action="store_true",
                        help="only the transparency log, beside issuance with the fake converter")
    parser.add_argument("--servers-only", action="store_true",
                        help="only the many-servers part: two processes on one PostgreSQL, numbering cost")
    parser.add_argument("--numbers", type=int, default=400, help="文书编号 per numbering measurement")
    args = parser.parse_args()
    if args.log_only:
        return log_only(args)
    if args.servers_only:
        return servers_main(args)

    release = Catalogue(PROJECT_DIR).get(TEMPLATE)
    docx = render_docx(release.template_bytes, RenderContext(
        data=release.example, agency=load_agency(), doc_number="株市监处罚〔2026〕1号"))
    work = Path(tempfile.mkdtemp(prefix="docgen-bench-"))
    try:
        results = {} if args.volume_only else bench_api(release.example, args.count, work)
        results.update(bench_converter(docx, args.count, work))
        if not args.volume_only:
            results["cold_soffice"] = bench_cold(docx, args.cold, work)
        volume, volume_pages = bench_volume(args.volume_documents, args.volume_photos, work)
        results.update(volume)
        log_facts = None
        if not args.volume_only:
            log_results, log_facts = bench_log(args.log_leaves)
            results.update(log_results)
            results.update(bench_servers(release.example, args.count, work))
            results.update(bench_numbering(args.numbers, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print_table(results)
    conversion_per_page = results["converter_1_caller"]["p50_ms"] / CONVERTED_PAGES[0]
    ratios = {
        f"warm conversion ms per page ({TEMPLATE}, {CONVERTED_PAGES[0]} pages)": conversion_per_page,
        f"volume assembly ms per page ({volume_pages} pages)": results["volume_ms_per_page"]["p50_ms"],
        "volume assembly per page / warm conversion per page (target < 1)":
            results["volume_ms_per_page"]["p50_ms"] / conversion_per_page,
    }
    if not args.volume_only:
        ceiling = results["converter_2_callers"]["docs_per_s"]
        ratios.update({
            "api_2_clients / converter ceiling (target >= 0.85)": results["api_2_clients"]["docs_per_s"] / ceiling,
            "api server CPU ms per document (issue + download)": results["api_server_cpu"]["p50_ms"],
            "api_1_client p50 ms (target <= 250)": results["api_1_client"]["p50_ms"],
            "api_1_client speed-up over cold soffice (target >= 5)":
                results["cold_soffice"]["p50_ms"] / results["api_1_client"]["p50_ms"],
            "verify 7-stage chain (all files) / one warm conversion (target well < 1)":
                results["verify_all_7_files"]["p50_ms"] / results["converter_1_caller"]["p50_ms"],
        })
    if log_facts is not None:
        ratios.update(log_ratios(results, log_facts, results.get("api_1_client")))
    if not args.volume_only:
        ratios.update(server_ratios(results))
    print()
    for name, value in ratios.items():
        print(f"{name:<58}{value:>8.2f}")
    print(json.dumps({"results": results, "ratios": ratios}, ensure_ascii=False))


def log_ratios(results: dict, facts: dict, issuance: dict | None) -> dict[str, float]:
    leaves = f"{facts['leaves']:.0f} leaves"
    ratios = {
        f"log inclusion proof p50 ms at {leaves} (target < 5)": results["log_inclusion_proof"]["p50_ms"],
        f"log consistency proof p50 ms at {leaves} (target < 5)": results["log_consistency_proof"]["p50_ms"],
        f"log verify inclusion p50 ms at {leaves} (target < 5)": results["log_verify_inclusion"]["p50_ms"],
        f"log verify consistency p50 ms at {leaves} (target < 5)": results["log_verify_consistency"]["p50_ms"],
        "log storage bytes per leaf (SQLite, after VACUUM)": facts["bytes_per_leaf"],
        "log append p50 ms (inside the issuing transaction)": results["log_append"]["p50_ms"],
    }
    if issuance is not None:
        ratios["log append / issuance p50, % (target < 1)"] = \
            100 * results["log_append"]["p50_ms"] / issuance["p50_ms"]
    return ratios


def log_only(args: argparse.Namespace) -> None:
    release = Catalogue(PROJECT_DIR).get(TEMPLATE)
    work = Path(tempfile.mkdtemp(prefix="docgen-bench-"))
    try:
        issuance = bench_fake_issuance(release.example, min(args.count, 30), work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results, facts = bench_log(args.log_leaves)
    results["issue_fake_converter"] = issuance
    print(f"{'measurement':<26}{'p50 ms':>10}{'p95 ms':>10}{'per s':>10}")
    for name, row in results.items():
        print(f"{name:<26}{row['p50_ms']:>10.3f}{row['p95_ms']:>10.3f}{row['docs_per_s']:>10.1f}")
    ratios = log_ratios(results, facts, issuance)
    ratios["log build seconds (Log.append, 10,000 per transaction)"] = facts["build_s"]
    print()
    for name, value in ratios.items():
        print(f"{name:<62}{value:>10.3f}")
    print(json.dumps({"results": results, "facts": facts, "ratios": ratios}, ensure_ascii=False))
def print_table(results: dict[str, dict[str, float]]) -> None:
    print(f"{'measurement':<24}{'p50 ms':>10}{'p95 ms':>10}{'docs/s':>10}")
    for name, row in results.items():
        print(f"{name:<24}{row['p50_ms']:>10.1f}{row['p95_ms']:>10.1f}{row['docs_per_s']:>10.2f}")


def server_ratios(results: dict[str, dict[str, float]]) -> dict[str, float]:
    return {
        "2 processes x 1 converter / 1 process x 2 converters (PostgreSQL)":
            results["pg_2_processes_1_conv"]["docs_per_s"] / results["pg_1_process_2_conv"]["docs_per_s"],
        "numbering ms per document, SQLite (1 process, 4 threads)": results["number_sqlite_1x4"]["p50_ms"],
        "numbering ms per document, PostgreSQL (1 process, 4 threads)": results["number_pg_1x4"]["p50_ms"],
        "numbering ms per document, PostgreSQL (2 processes x 2)": results["number_pg_2x2"]["p50_ms"],
    }


def servers_main(args: argparse.Namespace) -> None:
    release = Catalogue(PROJECT_DIR).get(TEMPLATE)
    work = Path(tempfile.mkdtemp(prefix="docgen-bench-"))
    try:
        results = bench_servers(release.example, args.count, work)
        results.update(bench_numbering(args.numbers, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(results)
    print()
    for name, value in server_ratios(results).items():
        print(f"{name:<66}{value:>8.2f}")
    print(json.dumps({"results": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
