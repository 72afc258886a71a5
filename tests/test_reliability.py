"""Reliability: each failure a probe of the running service found, reproduced and shown fixed.

Real servers (``docgen serve`` subprocesses), real LibreOffice, real files, a
real ``kill -9`` and a real full disk (a small tmpfs). The numbers in the
assertions are the issue's: /healthz within 200 ms while a 100 MB verify is
refused, under 50 MB of memory for an unauthenticated 200 MB body.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

import pdftools
from serving import Load, Server

MIB = 1024 * 1024


# -- helpers ---------------------------------------------------------------------------------------

class HealthProbe:
    """Polls /healthz every 20 ms from its own connection and keeps the slowest answer."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.slowest = 0.0
        self.failures: list[str] = []
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as http:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    status = http.get("/healthz").status_code
                    if status != 200:
                        self.failures.append(str(status))
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                self.slowest = max(self.slowest, time.monotonic() - started)
                self.count += 1
                self._stop.wait(0.02)

    def __enter__(self) -> "HealthProbe":
        self._thread.start()
        time.sleep(0.1)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(15)


def stream(total: int, chunk: int = MIB) -> Iterator[bytes]:
    """``total`` bytes of a fake PDF, produced while sent (the test holds no copy of them)."""
    head = b"%PDF-1.7\n"
    yield head
    sent = len(head)
    filler = b"0" * chunk
    while sent < total:
        piece = filler[: min(chunk, total - sent)]
        sent += len(piece)
        yield piece


def multipart(content: Iterator[bytes]) -> Iterator[bytes]:
    """One ``files`` part around streamed content, chunked: no Content-Length announces the size."""
    yield (b'--docgen-x\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\n'
           b"Content-Type: application/pdf\r\n\r\n")
    yield from content
    yield b"\r\n--docgen-x--\r\n"


def flate_bomb(expanded: int = 256 * MIB) -> bytes:
    """A small PDF whose one stream inflates to ``expanded`` bytes."""
    packed = zlib.compressobj(9)
    body = b"".join(packed.compress(b"\0" * MIB) for _ in range(expanded // MIB)) + packed.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture(scope="module")
def guarded(libreoffice: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own, so memory figures are its own and nothing else loads it."""
    srv = Server(tmp_path_factory.mktemp("guarded") / "data", DOCGEN_VERIFY_TIMEOUT="20")
    yield srv
    srv.stop()


def example(client: httpx.Client, template: str) -> dict[str, Any]:
    return client.get(f"/v1/templates/{template}/versions/{current(client, template)}/example").json()


def current(client: httpx.Client, template: str) -> str:
    return client.get(f"/v1/templates/{template}").json()["current_version"]


# -- 1. verification off the event loop, bounded ---------------------------------------------------

def test_a_100_mb_verify_is_refused_while_healthz_answers_within_200_ms(guarded: Server) -> None:
    with HealthProbe(guarded.url) as probe, httpx.Client(base_url=guarded.url, timeout=120) as http:
        response = http.post("/v1/verify", content=multipart(stream(100 * MIB)),
                             headers={"Content-Type": "multipart/form-data; boundary=docgen-x"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert probe.failures == [] and probe.count > 0
    assert probe.slowest < 0.2, f"/healthz took {probe.slowest:.3f} s during the upload"


def test_a_large_fake_pdf_is_verified_in_a_worker_without_delaying_healthz(guarded: Server) -> None:
    fake = b"".join(stream(40 * MIB))
    with HealthProbe(guarded.url) as probe, httpx.Client(base_url=guarded.url, timeout=120) as http:
        response = http.post("/v1/verify", files=[("files", ("big.pdf", fake, "application/pdf"))])
    assert response.status_code in (200, 422), response.text[:500]
    if response.status_code == 200:
        assert response.json()["ok"] is False
    assert probe.failures == [] and probe.slowest < 0.2, f"/healthz took {probe.slowest:.3f} s"


def test_flate_bombs_are_contained_in_the_worker(guarded: Server) -> None:
    bomb = flate_bomb()
    assert len(bomb) < 512 * 1024
    before = guarded.peak_rss()
    with HealthProbe(guarded.url) as probe, httpx.Client(base_url=guarded.url, timeout=120) as http:
        response = http.post("/v1/verify", files=[("files", (f"bomb-{n}.pdf", bomb, "application/pdf"))
                                                  for n in range(8)])
    assert response.status_code in (200, 422), response.text[:500]
    assert response.json().get("ok") is not True
    assert probe.failures == [] and probe.slowest < 0.2, f"/healthz took {probe.slowest:.3f} s"
    assert guarded.peak_rss() - before < 50 * MIB


def test_too_many_files_is_413(guarded: Server) -> None:
    with httpx.Client(base_url=guarded.url, timeout=60) as http:
        many = http.post("/v1/verify", files=[("files", (f"{n}.pdf", b"%PDF-1.7\n", "application/pdf"))
                                              for n in range(21)])
        assert many.status_code == 413 and "20" in many.json()["detail"]
        none = http.post("/v1/verify", files=[("trust", ("t.json", b"{}", "application/json"))])
        assert none.status_code == 422



def test_the_sandbox_bounds_time_memory_and_concurrency() -> None:
    """The worker processes behind /v1/verify, with functions that sleep and allocate on purpose."""
    import asyncio

    from docgen.errors import VerifierBusy
    from docgen.sandbox import BudgetExceeded, Sandbox

    sandbox = Sandbox(workers=1, queue_limit=1, seconds=1.4, memory=512 * MIB)  # 1 s more than a call's sleep
    sandbox.start()

    async def scenario() -> list[object]:
        calls = [sandbox.run(time.sleep, 0.4) for _ in range(3)]
        return await asyncio.gather(*calls, return_exceptions=True)

    try:
        outcomes = asyncio.run(scenario())
        assert sum(isinstance(o, VerifierBusy) for o in outcomes) == 1, outcomes  # one runs, one waits
        assert sum(o is None for o in outcomes) == 2, outcomes
        with pytest.raises(BudgetExceeded, match="秒"):
            asyncio.run(sandbox.run(time.sleep, 10))
        with pytest.raises(BudgetExceeded, match="内存"):
            asyncio.run(sandbox.run(bytearray, 1024 * MIB))
        assert asyncio.run(sandbox.run(len, b"still works")) == 11  # the child was replaced
    finally:
        sandbox.close()


# -- 2. body limits before parsing; authentication first --------------------------------------------

def test_an_unauthenticated_200_mb_body_costs_under_50_mb(guarded: Server) -> None:
    before = guarded.peak_rss()
    with httpx.Client(base_url=guarded.url, timeout=120) as http:
        chunked = http.post("/v1/documents", content=stream(200 * MIB),
                            headers={"Content-Type": "application/json"})
        declared = http.post("/v1/documents", content=b"{" + b" " * (200 * MIB) + b"}",
                             headers={"Content-Type": "application/json"})
    assert chunked.status_code == 401 and declared.status_code == 401
    assert chunked.headers["content-type"] == "application/problem+json"
    assert guarded.peak_rss() - before < 50 * MIB


def test_an_authenticated_body_over_the_limit_is_413_while_streaming(guarded: Server) -> None:
    with guarded.client() as http:
        chunked = http.post("/v1/documents", content=stream(8 * MIB), headers={"Content-Type": "application/json"})
        declared = http.post("/v1/documents", content=b" " * (5 * MIB), headers={"Content-Type": "application/json"})
        after = http.get("/v1/templates")
    assert chunked.status_code == 413 and declared.status_code == 413
    assert chunked.json()["type"] == "/problems/http-413" or chunked.json()["status"] == 413
    assert after.status_code == 200


def test_deep_json_and_many_errors_are_bounded(guarded: Server) -> None:
    with guarded.client() as http:
        deep = http.post("/v1/documents", content=b'{"template": "penalty-decision", "data": '
                         + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}", headers={"Content-Type": "application/json"})
        assert deep.status_code == 422 and "嵌套过深" in deep.text
        unknown = {f"k{n}": n for n in range(200_000)}
        many = http.post("/v1/documents", json={"template": "penalty-decision", "data": unknown})
    assert many.status_code == 422
    body = many.json()
    assert len(body["errors"]) == 100 and body["error_count"] >= 1000
    assert "列出前 100 处" in body["detail"]
    assert len(many.content) < 64 * 1024  # not 13 MB: the list is capped and the scan stops at 1,000


# -- 3. numbers that survive a crash ----------------------------------------------------------------

def test_kill_9_under_load_leaves_the_series_gap_free_in_issue_order_and_keys_retryable(
        libreoffice: None, tmp_path: Path) -> None:
    server = Server(tmp_path / "data", DOCGEN_CONVERTERS="2")
    template = "penalty-decision"
    with server.client() as http:
        payload = example(http, template)
    load = Load(template, payload)
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(load.client, server, f"w{w}") for w in range(6)]
        load.wait_issued(8)
        server.kill()  # mid-load: requests are queued, converting and committing
        load.stop.set()
        for future in futures:
            future.result()
    in_flight = load.cut()
    assert in_flight, "the kill should have caught requests in flight"

    restarted = server.restarted()
    try:
        with restarted.client() as http:
            for key in in_flight:  # every interrupted request, retried with its key, completes
                retry = http.post("/v1/documents", json={"template": template, "data": payload},
                                  headers={"Idempotency-Key": key})
                assert retry.status_code == 201, retry.text
            for n in range(3):
                assert http.post("/v1/documents", json={"template": template, "data": payload}).status_code == 201
            for key in list(load.outcome)[:3]:  # and a completed key replays its document
                replay = http.post("/v1/documents", json={"template": template, "data": payload},
                                   headers={"Idempotency-Key": key})
                assert replay.status_code == 201
        db = sqlite3.connect(restarted.data_dir / "docgen.sqlite3")
        rows = db.execute("SELECT doc_number, id FROM documents WHERE template_id = ? ORDER BY rowid",
                          (template,)).fetchall()
        seqs = [int(number.split("〕")[1].rstrip("号")) for number, _ in rows]
        assert seqs == list(range(1, len(rows) + 1)), seqs  # gap-free, and issued in number order
        unbound = db.execute("SELECT COUNT(*) FROM number_reservations WHERE document_id IS NULL").fetchone()[0]
        assert unbound == 0
        keys = db.execute("SELECT COUNT(*) FROM idempotency_keys WHERE document_id IS NULL").fetchone()[0]
        assert keys == 0
        with restarted.client() as http:
            for _, document_id in rows[-3:]:
                pdf = http.get(f"/v1/documents/{document_id}/pdf")
                assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        # The transparency log survived the kill with storage: every stored stage has exactly its leaf
        # (appended in the same transaction), and the audit, walking both ways, finds nothing.
        stages, leaves = (db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                          for table in ("stages", "tlog_entries"))
        assert stages == leaves and db.execute("SELECT COUNT(*) FROM stages WHERE log_index IS NULL").fetchone()[0] == 0
        audit = subprocess.run([sys.executable, "-m", "docgen.cli", "--data-dir", str(restarted.data_dir), "audit"],
                               capture_output=True, text=True)
        assert audit.returncode == 0, audit.stdout + audit.stderr
    finally:
        restarted.stop()


# -- 4. integers are integers -----------------------------------------------------------------------

def test_an_integral_float_is_issued_and_printed_as_an_integer(client: httpx.Client) -> None:
    """The probe's case was 实施行政强制措施决定书 v1 ("扣押期限：30.0 日"); that version is retired, so
    over HTTP the current 先行处置物品公告's ``notice_days`` is sent as ``15.0``. Every integer field of
    every version is covered below without LibreOffice."""
    template = "advance-disposal-announcement"
    data = example(client, template)
    assert isinstance(data["notice_days"], int)
    text = json.dumps({"template": template, "data": data}, ensure_ascii=False)
    text = text.replace(f'"notice_days": {data["notice_days"]}', '"notice_days": 15.0')
    assert '"notice_days": 15.0' in text
    issued = client.post("/v1/documents", content=text.encode(), headers={"Content-Type": "application/json"})
    assert issued.status_code == 201, issued.text
    stored = client.get(issued.headers["location"]).json()
    assert stored["data"]["notice_days"] == 15 and isinstance(stored["data"]["notice_days"], int)
    pdf = pdftools.text(client.get(issued.json()["links"]["pdf"]).content)
    assert "15.0" not in pdf and pdftools.contains(pdf, "15")


def integer_pointers(schema: Any, resolver: Any, at: str = "") -> Iterator[str]:
    """Pointers (``*`` for every array item) of every ``"type": "integer"`` field of a schema."""
    while isinstance(schema, dict) and "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        schema, resolver = resolved.contents, resolved.resolver
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "integer":
        yield at
    for name, sub in schema.get("properties", {}).items():
        yield from integer_pointers(sub, resolver, f"{at}/{name}")
    if isinstance(schema.get("items"), dict):
        yield from integer_pointers(schema["items"], resolver, f"{at}/*")
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            yield from integer_pointers(sub, resolver, at)
    for key in ("then", "else"):
        if isinstance(schema.get(key), dict):
            yield from integer_pointers(schema[key], resolver, at)


def test_every_integer_field_of_every_version_takes_an_integral_float_and_prints_no_point_0(
        catalogue: Any) -> None:
    from docgen.rendering import RenderContext, render_docx
    from payloads import leaves, maximal
    from docgen.config import load_agency

    agency = load_agency()
    checked = 0
    for template in catalogue.templates.values():
        for release in template.versions:
            resolver = catalogue.registry.resolver(base_uri=release.schema["$id"])
            pointers = set(integer_pointers(release.schema, resolver))
            if not pointers:
                continue
            payload = maximal(release.schema, catalogue.registry, example=release.example).payload
            as_floats = json.loads(json.dumps(payload), parse_int=float)  # every integer written as 30.0
            integral = {p: v for p, v in leaves(payload) if isinstance(v, int) and not isinstance(v, bool)
                        and any(_matches(p, q) for q in pointers)}
            assert integral, f"{release.key}: the maximal payload fills no integer field"
            data = catalogue.validated(release, as_floats)
            assert json.dumps(data, sort_keys=True) == json.dumps(payload, sort_keys=True), release.key  # ints again
            docx = render_docx(release.template_bytes, RenderContext(data=data, agency=agency, doc_number="X"))
            text = _docx_text(docx)
            for pointer, value in integral.items():
                assert f"{value}.0" not in text, f"{release.key} {pointer} printed as {value}.0"
            checked += len(integral)
    assert checked >= 10


def _matches(pointer: str, pattern: str) -> bool:
    parts, wanted = pointer.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(w in ("*", p) for p, w in zip(parts, wanted))


def _docx_text(docx: bytes) -> str:
    import io
    import re
    import zipfile

    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        xml = "".join(archive.read(name).decode("utf-8") for name in archive.namelist()
                      if name.startswith("word/") and name.endswith(".xml"))
    return re.sub(r"<[^>]+>", "", xml)


# -- 5. no 500 from input ---------------------------------------------------------------------------

SURROGATE = "\\ud800"


@pytest.mark.parametrize("body", [
    '{"template": "penalty-decision", "data": {"%s": 1}}' % SURROGATE,
    '{"template": "%s", "data": {}}' % SURROGATE,
    '{"template": "penalty-decision", "version": "%s", "data": {}}' % SURROGATE,
    '{"template": "penalty-decision", "data": {"party": {"name": "a%sb"}}}' % SURROGATE,
])
def test_a_lone_surrogate_is_a_422_and_the_connection_stays_usable(server: Server, body: str) -> None:
    with server.client() as http:
        response = http.post("/v1/documents", content=body.encode("ascii"), headers={"Content-Type": "application/json"})
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["errors"] and "代理项" in problem["errors"][0]["message"]
        assert http.get("/v1/templates").status_code == 200


def test_a_surrogate_stage_or_path_is_answered_with_a_problem(server: Server) -> None:
    with server.client("dept_head") as http:
        response = http.post("/v1/documents/nope/approvals", content=('{"stage": "%s"}' % SURROGATE).encode(),
                             headers={"Content-Type": "application/json"})
        assert response.status_code == 422
        missing = http.get("/v1/documents/%ED%A0%80")
        assert missing.status_code == 404
        assert http.get("/healthz").status_code == 200


# -- 6. disk full and read-only ----------------------------------------------------------------------

@pytest.fixture
def small_disk(libreoffice: None, tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(mount: Path, leave: int) -> Path:
    """Fill the file system until ``leave`` bytes are free; the filler file's path."""
    filler = mount / "filler"
    stat = os.statvfs(mount)
    size = max(0, stat.f_bavail * stat.f_frsize - leave)
    with open(filler, "ab") as handle:
        block = b"\0" * MIB
        while size > 0:
            try:
                handle.write(block[: min(MIB, size)])
                handle.flush()
            except OSError:
                break
            size -= MIB
    return filler


def test_disk_full_and_read_only_are_problems_without_paths(small_disk: Path, tmp_path: Path) -> None:
    server = Server(small_disk / "data", DOCGEN_CONVERTERS="1", DOCGEN_MIN_FREE_BYTES=str(4 * MIB))
    try:
        with server.client() as http:
            payload = example(http, "penalty-decision")
            assert http.post("/v1/documents", json={"template": "penalty-decision", "data": payload}).status_code == 201
            wal = server.data_dir / "docgen.sqlite3-wal"
            filler = fill(small_disk, 2 * MIB)  # under the configured minimum
            wal_before = wal.stat().st_size
            for _ in range(5):
                full = http.post("/v1/documents", json={"template": "penalty-decision", "data": payload})
                assert full.status_code == 507, full.text
                assert str(small_disk) not in full.text and "/" not in full.json()["detail"]
            assert wal.stat().st_size == wal_before  # refused before anything was written
            ready = http.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["disk"] is False

            filler.unlink()
            assert http.get("/readyz").status_code == 200
            ok = http.post("/v1/documents", json={"template": "penalty-decision", "data": payload})
            assert ok.status_code == 201 and ok.json()["doc_number"].endswith("〕2号")

            data = str(server.data_dir)  # the data directory, bound onto itself read-only
            subprocess.run(["mount", "--bind", data, data], check=True)
            try:
                subprocess.run(["mount", "-o", "remount,ro,bind", data], check=True)
                read_only = http.post("/v1/documents", json={"template": "penalty-decision", "data": payload})
                assert read_only.status_code == 503, read_only.text
                assert str(small_disk) not in read_only.text
                assert http.get("/readyz").status_code == 503
            finally:
                subprocess.run(["umount", "-l", data], check=True)
            again = http.post("/v1/documents", json={"template": "penalty-decision", "data": payload})
            assert again.status_code == 201 and again.json()["doc_number"].endswith("〕3号")
    finally:
        server.stop()


def test_a_write_that_hits_a_full_disk_is_507_and_stores_nothing(small_disk: Path) -> None:
    """Past the preflight (minimum 0): the real ENOSPC from the blob store or SQLite."""
    server = Server(small_disk / "data", DOCGEN_CONVERTERS="1", DOCGEN_MIN_FREE_BYTES="0")
    try:
        with server.client() as http:
            payload = example(http, "penalty-decision")
            filler = fill(small_disk, 0)
            full = http.post("/v1/documents", json={"template": "penalty-decision", "data": payload})
            assert full.status_code in (503, 507), full.text
            assert str(small_disk) not in full.text and "soffice" not in full.text.lower()
            filler.unlink()
            ok = http.post("/v1/documents", json={"template": "penalty-decision", "data": payload})
            assert ok.status_code == 201 and ok.json()["doc_number"].endswith("〕1号")
    finally:
        server.stop()


# -- 7. one server per data directory ----------------------------------------------------------------

def test_a_second_server_on_the_same_data_directory_refuses_to_start(guarded: Server) -> None:
    second = subprocess.run([sys.executable, "-m", "docgen.cli", "--data-dir", str(guarded.data_dir), "serve",
                             "--port", "1"], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "DOCGEN_CONVERTERS": "1"})
    assert second.returncode != 0
    assert "数据目录已被占用" in second.stderr and str(guarded.process.pid) in second.stderr
    assert httpx.get(guarded.url + "/readyz").status_code == 200  # the first one is untouched


# -- 8. the smaller items ----------------------------------------------------------------------------

def test_duplicate_keys_wrong_type_and_syntax_errors_are_clear(server: Server) -> None:
    with server.client() as http:
        duplicate = http.post("/v1/documents", content=b'{"template": "a", "template": "b", "data": {}}',
                              headers={"Content-Type": "application/json"})
        assert duplicate.status_code == 422 and "template" in duplicate.json()["errors"][0]["message"]
        wrong = http.post("/v1/documents", content=b'{"template": "a", "data": {}}',
                          headers={"Content-Type": "text/plain"})
        assert wrong.status_code == 415 and wrong.headers["content-type"] == "application/problem+json"
        syntax = http.post("/v1/documents", content=b'{"template": "a",\n "data": {]}',
                           headers={"Content-Type": "application/json"})
        assert syntax.status_code == 422
        error = syntax.json()["errors"][0]
        assert error["pointer"] == "" and "第 2 行" in error["message"]
        huge = http.post("/v1/documents", content=b'{"template": "a", "data": {"n": 1e999}}',
                         headers={"Content-Type": "application/json"})
        assert huge.status_code == 422
        nan = http.post("/v1/documents", content=b'{"template": "a", "data": {"n": NaN}}',
                        headers={"Content-Type": "application/json"})
        assert nan.status_code == 422


def test_framework_messages_are_chinese(server: Server) -> None:
    with server.client() as http:
        bodies = [{"template": 1, "data": {}}, {"data": {}}, {"template": "a", "data": [], "x": 1}, []]
        for body in bodies:
            response = http.post("/v1/documents", json=body)
            assert response.status_code == 422
            for error in response.json()["errors"]:
                assert not any(word in error["message"] for word in ("Input", "should", "valid", "Field")), error
        missing = http.get("/nowhere", headers={"Accept": "application/json"})
        assert missing.status_code == 404 and "Not Found" not in missing.text


def test_idempotency_key_is_bounded_and_the_version_resolved(server: Server) -> None:
    with server.client() as http:
        payload = example(http, "penalty-notice")
        long_key = http.post("/v1/documents", json={"template": "penalty-notice", "data": payload},
                             headers={"Idempotency-Key": "k" * 256})
        assert long_key.status_code in (400, 422) and long_key.headers["content-type"] == "application/problem+json"
        first = http.post("/v1/documents", json={"template": "penalty-notice", "data": payload},
                          headers={"Idempotency-Key": "resolved-version"})
        assert first.status_code == 201
        explicit = http.post("/v1/documents", json={"template": "penalty-notice", "data": payload,
                                                     "version": first.json()["version"]},
                             headers={"Idempotency-Key": "resolved-version"})
        assert explicit.status_code == 201 and explicit.json()["id"] == first.json()["id"]
        assert explicit.headers.get("idempotent-replayed") == "true"


def test_a_principal_without_the_stage_role_gets_403_not_409(server: Server) -> None:
    with server.client() as http:
        payload = example(http, "major-decision-review")
        issued = http.post("/v1/documents", json={"template": "major-decision-review", "data": payload})
        assert issued.status_code == 201
    with server.client("legal_review") as reviewer:  # asks for a stage whose role it does not hold
        wrong_stage = reviewer.post(f"/v1/documents/{issued.json()['id']}/approvals",
                                    json={"stage": "director", "decision": "同意"})
        unknown = reviewer.post(f"/v1/documents/{issued.json()['id']}/approvals", json={"stage": "nope"})
    assert wrong_stage.status_code == 403 and "director" in wrong_stage.json()["detail"]
    assert unknown.status_code == 409  # a signer of this workflow hears which stage is due


def test_openapi_documents_security_limits_and_errors(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    create = spec["paths"]["/v1/documents"]["post"]
    assert {"400", "401", "413", "415", "422", "503", "507"} <= set(create["responses"])
    assert create["security"] == [{"token": []}]
    verify = spec["paths"]["/v1/verify"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    ref = verify["$ref"].split("/")[-1]
    assert spec["components"]["schemas"][ref]["properties"]["files"]["minItems"] == 1


def test_readyz_does_not_count_a_hung_converter(libreoffice: None, tmp_path: Path) -> None:
    from docgen.conversion import ConverterPool

    with ConverterPool(1, tmp_path / "converters", timeout=4) as pool:
        assert pool.alive() == 1
        slot = pool._slots[0]
        slot.busy_since = time.monotonic() - 3  # a conversion running past half its timeout
        assert pool.alive() == 0
        slot.busy_since = None
        assert pool.alive() == 1
