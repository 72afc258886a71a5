"""Operations: Prometheus metrics, JSON logs with a request id, a shutdown that drains.

Real ``docgen serve`` processes and real HTTP. The metrics and log tests run against the
fake-converter server (everything but the typesetting is real); the shutdown test issues a
document with real LibreOffice and sends the server a real SIGTERM mid-conversion.
"""
from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from docgen.catalogue import Catalogue
from serving import Server

RFC3339_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
HEX32 = re.compile(r"[0-9a-f]{32}")


def samples(server: Server) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of ``/metrics``, keyed by name and labels."""
    response = httpx.get(server.url + "/metrics", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def log_lines(server: Server) -> list[dict[str, Any]]:
    """The server's log: every line must be one JSON object."""
    if not server.log.closed:
        server.log.flush()
    text = Path(server.log.name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def wait_for_log(server: Server, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = [line for line in log_lines(server) if predicate(line)]
        if found or time.monotonic() > deadline:
            assert found, "no such log line"
            return found[-1]
        time.sleep(0.05)


# -- request ids -----------------------------------------------------------------------------------

def test_a_valid_request_id_is_echoed_in_the_header_the_problem_and_the_log(fake_server: Server) -> None:
    with fake_server.client() as http:
        missing = http.get("/v1/documents/no-such-document", headers={"X-Request-ID": "lb-7f3a.42:9"})
    assert missing.status_code == 404
    assert missing.headers["x-request-id"] == "lb-7f3a.42:9"
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["request_id"] == "lb-7f3a.42:9"
    line = wait_for_log(fake_server, lambda entry: entry.get("request_id") == "lb-7f3a.42:9"
                        and entry["logger"] == "docgen.access")
    assert line["method"] == "GET" and line["path"] == "/v1/documents/no-such-document" and line["status"] == 404
    assert isinstance(line["duration_ms"], (int, float)) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and RFC3339_MS.fullmatch(line["time"])


@pytest.mark.parametrize("sent", ["", "has space", "x" * 129, "näive", "-leading-dash", "a\tb"])
def test_an_invalid_request_id_is_replaced_by_a_new_one(fake_server: Server, sent: str) -> None:
    response = httpx.get(fake_server.url + "/healthz", headers={"X-Request-ID": sent.encode("latin-1")})
    assert response.status_code == 200
    assert HEX32.fullmatch(response.headers["x-request-id"])


def test_every_response_and_every_problem_gets_an_id_even_refused_before_the_body(fake_server: Server) -> None:
    ok = httpx.get(fake_server.url + "/healthz")
    assert HEX32.fullmatch(ok.headers["x-request-id"])
    # refused by the request guard before routing (no token): still a problem with the id
    refused = httpx.post(fake_server.url + "/v1/documents", json={"template": "penalty-decision", "data": {}})
    assert refused.status_code == 401
    assert refused.json()["request_id"] == refused.headers["x-request-id"]
    with fake_server.client() as http:  # a 422 from validation, an id given by the caller
        invalid = http.post("/v1/documents", json={"template": "penalty-decision", "data": {}},
                            headers={"X-Request-ID": "case-2026-0012"})
    assert invalid.status_code == 422
    assert invalid.json()["request_id"] == "case-2026-0012" == invalid.headers["x-request-id"]


def test_a_browser_error_page_shows_the_request_id(fake_server: Server) -> None:
    page = httpx.get(fake_server.url + "/no/such/page", headers={"Accept": "text/html", "X-Request-ID": "page-77"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert page.headers["x-request-id"] == "page-77"
    assert "请求编号 <code>page-77</code>" in page.text


def test_log_lines_are_json_with_the_common_fields(fake_server: Server) -> None:
    httpx.get(fake_server.url + "/healthz", headers={"X-Request-ID": "common-fields"})
    wait_for_log(fake_server, lambda entry: entry.get("request_id") == "common-fields")
    lines = log_lines(fake_server)  # json.loads of every line: none is plain text
    assert any(entry["logger"].startswith("uvicorn") for entry in lines)  # uvicorn's own lines too
    for entry in lines:
        assert {"time", "level", "logger", "message", "request_id"} <= set(entry), entry
        assert RFC3339_MS.fullmatch(entry["time"]), entry
    access = [entry for entry in lines if entry["logger"] == "docgen.access"]
    assert access and all({"method", "path", "status", "duration_ms"} <= set(entry) for entry in access)


# -- metrics ----------------------------------------------------------------------------------------

def test_metrics_count_requests_documents_signatures_and_conversions_by_template(
        fake_server: Server, catalogue: Catalogue) -> None:
    before = samples(fake_server)
    with fake_server.client() as http:
        created = http.post("/v1/documents", json={"template": "penalty-decision",
                                                   "data": catalogue.get("penalty-decision").example})
        assert created.status_code == 201, created.text
        document_id = created.json()["id"]
        for _ in range(3):
            assert http.get(f"/v1/documents/{document_id}").status_code == 200
        assert http.get("/v1/documents/not-there").status_code == 404
        assert http.get("/no/such/address").status_code == 404
    after = samples(fake_server)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("docgen_documents_issued_total", template="penalty-decision") == 1
    assert delta("docgen_signatures_total", stage="issuance") == 1
    assert delta("docgen_conversions_total", outcome="ok") >= 1
    assert delta("docgen_conversion_duration_seconds_count") >= 1
    route = "/v1/documents/{document_id}"
    assert delta("docgen_http_requests_total", method="GET", route=route, status="200") == 3
    assert delta("docgen_http_requests_total", method="GET", route=route, status="404") == 1
    assert delta("docgen_http_requests_total", method="POST", route="/v1/documents", status="201") == 1
    assert delta("docgen_http_requests_total", method="GET", route="(unmatched)", status="404") == 1
    assert delta("docgen_http_request_duration_seconds_count", method="POST", route="/v1/documents") == 1
    assert value(after, "docgen_converters_alive") == 1
    assert value(after, "docgen_converter_queue_depth") == 0
    assert value(after, "docgen_storage_free_bytes") > 0
    # bounded cardinality: no label anywhere carries an id or a raw path
    for (name, labels) in after:
        for _, label in labels:
            assert document_id not in label and "not-there" not in label and "/no/such" not in label, (name, labels)


def test_a_verification_job_is_counted_by_outcome(fake_server: Server, catalogue: Catalogue) -> None:
    with fake_server.client() as http:
        created = http.post("/v1/documents", json={"template": "penalty-decision",
                                                   "data": catalogue.get("penalty-decision").example}).json()
        pdf = http.get(created["links"]["pdf"]).content
        trust = http.get("/v1/trust").content
    before = samples(fake_server)
    checked = httpx.post(fake_server.url + "/v1/verify", timeout=60,
                         files=[("files", ("stage.pdf", pdf, "application/pdf")),
                                ("trust", ("trust.json", trust, "application/json"))])
    assert checked.status_code == 200, checked.text
    tampered = httpx.post(fake_server.url + "/v1/verify", timeout=60,
                          files=[("files", ("stage.pdf", pdf.replace(b"%%EOF", b"%%EOX"), "application/pdf")),
                                 ("trust", ("trust.json", trust, "application/json"))])
    assert tampered.status_code in (200, 422)
    after = samples(fake_server)
    assert value(after, "docgen_verification_jobs_total", outcome="verified") - \
        value(before, "docgen_verification_jobs_total", outcome="verified") == 1
    assert value(after, "docgen_verification_duration_seconds_count") - \
        value(before, "docgen_verification_duration_seconds_count") >= 1
    assert value(after, "docgen_verification_jobs_in_flight") == 0


# -- graceful shutdown ------------------------------------------------------------------------------

def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.libreoffice
@pytest.mark.system  # a server process signalled mid-request
def test_sigterm_drains_a_conversion_in_flight_then_exits_0(tmp_path: Path, catalogue: Catalogue) -> None:
    grace = 30.0
    server = Server(tmp_path / "data", DOCGEN_CONVERTER="libreoffice", DOCGEN_CONVERTERS="1",
                    DOCGEN_SHUTDOWN_GRACE=str(int(grace)))
    converters = str(server.data_dir / "converters")
    assert _processes_mentioning(converters), "the LibreOffice worker runs"
    result: dict[str, Any] = {}

    def issue() -> None:
        with server.client() as http:
            try:
                result["response"] = http.post("/v1/documents", headers={"X-Request-ID": "drained-issuance"},
                                               json={"template": "penalty-decision",
                                                     "data": catalogue.get("penalty-decision").example})
            except httpx.HTTPError as exc:
                result["error"] = exc

    thread = threading.Thread(target=issue)
    thread.start()
    deadline = time.monotonic() + 20
    while True:  # wait until the issuance is being handled (the scrape itself is the other one in flight)
        assert time.monotonic() < deadline, "the issuance never started"
        if value(samples(server), "docgen_http_requests_in_flight") >= 2:
            break
        time.sleep(0.01)
    signalled = time.monotonic()
    os.kill(server.process.pid, signal.SIGTERM)
    time.sleep(0.3)
    with pytest.raises(httpx.ConnectError):  # no longer accepting
        httpx.get(server.url + "/healthz", timeout=5)
    thread.join(grace + 30)
    code = server.process.wait(grace + 15)
    took = time.monotonic() - signalled
    server.log.close()
    assert "error" not in result, result.get("error")
    response = result["response"]
    assert response.status_code == 201, response.text
    assert response.headers["x-request-id"] == "drained-issuance"
    assert code == 0
    assert took < grace + 10
    lines = log_lines(server)
    messages = [entry["message"] for entry in lines]
    assert any("不再接受新连接" in message for message in messages)
    assert any("已完成全部进行中的请求" in message for message in messages)
    assert _processes_mentioning(converters) == []  # the converters were closed, none left behind
    # the drained document was stored whole: a new server on the data directory serves it
    restarted = server.restarted()
    try:
        with restarted.client() as http:
            pdf = http.get(f"/v1/documents/{response.json()['id']}/pdf")
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    finally:
        restarted.stop()


def _slow_upload(seconds: float, pieces: int = 10):
    """A multipart ``/v1/verify`` body that trickles in over ``seconds``: a request that stays in flight."""
    boundary = "docgen-slow-upload"
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"\r\n"
           "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n").encode()
    for _ in range(pieces):
        time.sleep(seconds / pieces)
        yield b"% padding\n" * 10
    yield (f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"trust\"; filename=\"t.json\"\r\n"
           f"Content-Type: application/json\r\n\r\n{{}}\r\n--{boundary}--\r\n").encode()


def _start_slow_upload(server: Server, seconds: float, result: dict[str, Any]) -> threading.Thread:
    def upload() -> None:
        try:
            result["response"] = httpx.post(
                server.url + "/v1/verify", content=_slow_upload(seconds), timeout=60,
                headers={"Content-Type": "multipart/form-data; boundary=docgen-slow-upload"})
        except httpx.HTTPError as exc:
            result["error"] = exc

    thread = threading.Thread(target=upload)
    thread.start()
    deadline = time.monotonic() + 10
    while value(samples(server), "docgen_http_requests_in_flight") < 2:
        assert time.monotonic() < deadline, "the upload never started"
        time.sleep(0.01)
    return thread


@pytest.mark.system  # a server process signalled mid-request
def test_sigterm_lets_a_slow_upload_finish_within_the_grace(tmp_path: Path) -> None:
    server = Server(tmp_path / "data", DOCGEN_CONVERTER="fake", DOCGEN_SHUTDOWN_GRACE="20")
    result: dict[str, Any] = {}
    thread = _start_slow_upload(server, 2.0, result)
    os.kill(server.process.pid, signal.SIGTERM)
    thread.join(30)
    code = server.process.wait(30)
    server.log.close()
    assert "error" not in result, result.get("error")
    assert result["response"].status_code in (200, 422)  # answered (the made-up files do not verify)
    assert code == 0


@pytest.mark.system  # a server process signalled mid-request
def test_a_request_outlasting_the_grace_is_cancelled_and_the_exit_status_says_so(tmp_path: Path) -> None:
    server = Server(tmp_path / "data", DOCGEN_CONVERTER="fake", DOCGEN_SHUTDOWN_GRACE="1")
    result: dict[str, Any] = {}
    thread = _start_slow_upload(server, 15.0, result)
    signalled = time.monotonic()
    os.kill(server.process.pid, signal.SIGTERM)
    code = server.process.wait(30)
    took = time.monotonic() - signalled
    thread.join(30)
    server.log.close()
    assert code == 1
    assert took < 12  # the grace (1 s) and the converters' stop, not the upload's 15 s
    assert "response" not in result or result["response"].status_code >= 500
    assert any("未能完成全部进行中的请求" in entry["message"] for entry in log_lines(server))
