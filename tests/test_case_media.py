"""音像记录 uploads over a real server: streamed, hashed, typed from the bytes, capped (413), and on any
refusal nothing stored. A server of its own, with a small configured media limit."""
from __future__ import annotations

import hashlib
import io
import json
import secrets
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import wave
import zlib
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from pypdf import PdfReader

import pdftools

from docgen.catalogue import Catalogue
from docgen.config import PROJECT_DIR
from serving import Server, docgen
from tiers import LIBREOFFICE
from test_cases import VOLUME_ORDER, case_data, closed_case_with_documents, unique_party

pytestmark = pytest.mark.libreoffice  # its own server converts with LibreOffice (the volume, the photo's form)
MIB = 1024 * 1024
LIMIT = 48 * MIB
META = {"content": "当事人仓库货架上超过保质期的饼干", "recorded_at": "2026-03-02 10:20", "place": "株洲市天元区泰山路188号仓库",
        "officers": "刘洋、陈静", "recorder": "陈静", "purpose": "证明当事人经营超过保质期的食品", "device": "执法记录仪 DSJ-01"}


@pytest.fixture(scope="module")
def media_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("media") / "data", DOCGEN_MAX_MEDIA_BYTES=str(LIMIT), DOCGEN_CONVERTERS="1",
                 DOCGEN_CONVERTER=LIBREOFFICE)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def http(media_server: Server) -> Iterator[httpx.Client]:
    with media_server.client() as client:
        yield client


@pytest.fixture(scope="module")
def case(http: httpx.Client) -> dict[str, Any]:
    response = http.post("/v1/cases", json=case_data(party=unique_party("株洲市音像测试商行")))
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def photo(media_server: Server, http: httpx.Client, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real JPEG: the blank form of an instrument rendered by LibreOffice, rasterised by poppler."""
    pdf = http.get("/v1/templates/penalty-decision/versions/2/blank").content
    directory = tmp_path_factory.mktemp("photo")
    (directory / "form.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-jpeg", "-r", "40", "-f", "1", "-l", "1", "-singlefile",
                    str(directory / "form.pdf"), str(directory / "form")], check=True)
    return (directory / "form.jpg").read_bytes()


def wav_bytes(seconds: float = 1.0) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\x00\x01" * int(8000 * seconds))
    return out.getvalue()


def multipart(fields: dict[str, str], filename: str, chunks: Iterator[bytes],
              boundary: str = "docgen-test-boundary") -> tuple[Iterator[bytes], str]:
    """A multipart body produced as it is sent (no length: chunked), as a phone uploading a video would."""
    def body() -> Iterator[bytes]:
        for key, value in fields.items():
            yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n{value}\r\n").encode()
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
               "Content-Type: application/octet-stream\r\n\r\n").encode()
        yield from chunks
        yield f"\r\n--{boundary}--\r\n".encode()
    return body(), f"multipart/form-data; boundary={boundary}"


def video_chunks(size: int) -> Iterator[bytes]:
    """An MP4-framed stream (ftyp box, then an mdat of random bytes) of ``size`` bytes, 1 MiB at a time."""
    head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + (size - 24).to_bytes(4, "big") + b"mdat"
    yield head
    sent, block = len(head), secrets.token_bytes(MIB)
    while sent < size:
        piece = block[:min(MIB, size - sent)]
        sent += len(piece)
        yield piece


def stored_files(server: Server) -> set[str]:
    root = server.data_dir / "blobs"
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def rows(http: httpx.Client, case_id: str) -> int:
    return len(http.get(f"/v1/cases/{case_id}/media").json())


def test_a_photo_and_a_recording_are_stored_with_their_metadata(http: httpx.Client, case: dict[str, Any],
                                                                 photo: bytes) -> None:
    response = http.post(f"/v1/cases/{case['id']}/media", data=META,
                         files={"file": ("仓库货架.jpg", photo, "application/octet-stream")})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["kind"], body["media_type"], body["size"]) == ("photo", "image/jpeg", len(photo))
    assert body["sha256"] == hashlib.sha256(photo).hexdigest() and body["metadata"] == META
    assert response.headers["location"] == body["links"]["self"]
    download = http.get(body["links"]["file"])
    assert download.content == photo and download.headers["content-type"] == "image/jpeg"
    assert download.headers["etag"] == f"\"{body['sha256']}\""
    audio = wav_bytes()
    recorded = http.post(f"/v1/cases/{case['id']}/media", data={**META, "transcript": "执法人员：这批饼干是谁进的货？"},
                         files={"file": ("询问录音.bin", audio)})
    assert recorded.status_code == 201 and recorded.json()["kind"] == "audio"
    assert recorded.json()["media_type"] == "audio/wav" and recorded.json()["metadata"]["transcript"]
    listed = http.get(f"/v1/cases/{case['id']}/media").json()
    assert [m["id"] for m in listed][-2:] == [body["id"], recorded.json()["id"]]
    timeline = http.get(f"/v1/cases/{case['id']}/timeline").json()
    assert [e["detail"]["media_id"] for e in timeline if e["kind"] == "media_added"][-2:] == \
        [body["id"], recorded.json()["id"]]


def test_a_file_that_is_not_media_is_refused_whatever_its_name(media_server: Server, http: httpx.Client,
                                                               case: dict[str, Any]) -> None:
    before, count = stored_files(media_server), rows(http, case["id"])
    pdf = http.get("/v1/templates/penalty-decision/versions/2/blank").content
    for name, data in (("现场照片.jpg", pdf), ("录音.mp3", b"just text, not audio"), ("空.jpg", b"")):
        response = http.post(f"/v1/cases/{case['id']}/media", data=META, files={"file": (name, data, "image/jpeg")})
        assert response.status_code == 415, (name, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "不是照片、录音或录像" in response.json()["detail"]
    assert stored_files(media_server) == before and rows(http, case["id"]) == count


def test_missing_or_bad_metadata_is_refused_at_its_field(media_server: Server, http: httpx.Client,
                                                         case: dict[str, Any], photo: bytes) -> None:
    before, count = stored_files(media_server), rows(http, case["id"])
    fields = {key: value for key, value in META.items() if key != "place"}
    response = http.post(f"/v1/cases/{case['id']}/media", data={**fields, "recorded_at": "2026-02-30 10:00"},
                         files={"file": ("a.jpg", photo)})
    assert response.status_code == 422, response.text
    assert {e["pointer"] for e in response.json()["errors"]} == {"/place", "/recorded_at"}
    assert "地点" in " ".join(e["message"] for e in response.json()["errors"])
    no_file = http.post(f"/v1/cases/{case['id']}/media", data=META, files={"other": ("x.txt", b"x")})
    assert no_file.status_code in (400, 422)
    only_fields = http.post(f"/v1/cases/{case['id']}/media", data=META)
    assert only_fields.status_code in (415, 422)
    unknown = http.post("/v1/cases/0123456789abcdef/media", data=META, files={"file": ("a.jpg", photo)})
    assert unknown.status_code == 404 and "没有案件" in unknown.json()["detail"]
    assert stored_files(media_server) == before and rows(http, case["id"]) == count


def test_a_large_video_streams_to_disk_without_being_held_in_memory(media_server: Server, http: httpx.Client,
                                                                     case: dict[str, Any]) -> None:
    size = 40 * MIB
    digest = hashlib.sha256()
    chunks = list(video_chunks(size))
    for chunk in chunks:
        digest.update(chunk)
    peak_before = media_server.peak_rss()
    body, content_type = multipart(META, "执法记录.mp4", iter(chunks))
    response = http.post(f"/v1/cases/{case['id']}/media", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 201, response.text
    assert (response.json()["kind"], response.json()["size"]) == ("video", size)
    assert response.json()["sha256"] == digest.hexdigest()
    grown = media_server.peak_rss() - peak_before
    assert grown < 16 * MIB, f"the server's peak memory grew by {grown / MIB:.1f} MiB for a {size // MIB} MiB upload"


def test_over_the_limit_is_413_and_nothing_is_stored(media_server: Server, http: httpx.Client,
                                                     case: dict[str, Any]) -> None:
    before, count = stored_files(media_server), rows(http, case["id"])
    body, content_type = multipart(META, "过大.mp4", video_chunks(LIMIT + MIB))
    response = http.post(f"/v1/cases/{case['id']}/media", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    with socket.create_connection(("127.0.0.1", media_server.port), timeout=30) as raw:  # a declared length only
        raw.sendall((f"POST /v1/cases/{case['id']}/media HTTP/1.1\r\nHost: x\r\n"
                     f"Authorization: {http.headers['authorization']}\r\nContent-Type: {content_type}\r\n"
                     f"Content-Length: {LIMIT + 1}\r\n\r\n").encode())
        assert raw.recv(4096).startswith(b"HTTP/1.1 413")
    assert stored_files(media_server) == before and rows(http, case["id"]) == count
    leftovers = [p for p in (media_server.data_dir / "blobs" / "tmp").iterdir() if p.name.startswith("media-")]
    assert leftovers == []


def test_openapi_documents_the_multipart_body(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()["paths"]["/v1/cases/{case_id}/media"]["post"]
    schema = spec["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"file", "content", "recorded_at", "place", "officers", "recorder", "purpose", "device"} <= \
        set(schema["required"])
    assert spec["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/MediaBody")


def png_bytes(width: int, height: int) -> bytes:
    """A real PNG (8-bit RGB, a colour gradient), made with zlib alone."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 128)) for x in range(width))
                   for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def upload(http: httpx.Client, case_id: str, name: str, data: bytes, **metadata: str) -> dict[str, Any]:
    response = http.post(f"/v1/cases/{case_id}/media", data={**META, **metadata}, files={"file": (name, data)})
    assert response.status_code == 201, response.text
    return response.json()


NOTE, TRANSFER = "av-record-note", "av-originals-transfer"


def test_the_note_prints_the_cases_photo_with_its_note_and_refuses_another_cases(
        media_server: Server, http: httpx.Client) -> None:
    """音像记录说明: the photo from the blob store at its own pixel size on the signed page, the 说明 from the
    stored row beneath it, a recording as its 文字整理; another case's 音像记录 is refused at its pointer."""
    case = http.post("/v1/cases", json=case_data(party=unique_party("株洲市说明测试商行"))).json()
    other = http.post("/v1/cases", json=case_data(party=unique_party("株洲市别案测试商行"))).json()
    picture = png_bytes(320, 200)
    photo = upload(http, case["id"], "货架.png", picture)
    audio = upload(http, case["id"], "询问.wav", wav_bytes(), content="询问仓库保管员", transcript="保管员：饼干是去年十二月进的货。")
    foreign = upload(http, other["id"], "别案.png", png_bytes(40, 30))
    documents = media_server.rows("SELECT COUNT(*) FROM documents")[0][0]

    refused = http.post("/v1/documents", json={"template": NOTE, "case_id": case["id"], "data": {
        "date": "2026-03-03", "media": [{"media_id": photo["id"]}, {"media_id": foreign["id"]}]}})
    assert refused.status_code == 422, refused.text
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/data/media/1/media_id"]
    assert case["number"] in refused.json()["errors"][0]["message"]
    retyped = http.post("/v1/documents", json={"template": NOTE, "case_id": case["id"], "data": {
        "date": "2026-03-03", "media": [{"media_id": photo["id"], "purpose": "另写的目的"}]}})
    assert retyped.status_code == 422 and [e["pointer"] for e in retyped.json()["errors"]] == ["/data/media/0/purpose"]
    uncased = http.post("/v1/documents", json={"template": NOTE, "data": {
        "case_number": case["number"], "party_name": "某某", "date": "2026-03-03",
        "media": [{**{k: v for k, v in photo.items() if k in ("kind", "media_type", "filename", "size")}, **META,
                   "media_id": photo["id"], "sha256": hashlib.sha256(b"not stored").hexdigest()}]}})
    assert uncased.status_code == 422 and [e["pointer"] for e in uncased.json()["errors"]] == ["/data/media/0/sha256"]
    # a WebP photo is kept as evidence but cannot be printed; a damaged PNG neither; an id that is no text
    webp = upload(http, case["id"], "现场.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32)
    damaged = upload(http, case["id"], "损坏.png", picture[:60] + b"\x00" * 200)
    answer = http.post("/v1/documents", json={"template": NOTE, "case_id": case["id"],
                                               "data": {"date": "2026-03-03", "media": [{"media_id": ["x"]}]}})
    assert answer.status_code == 422 and "/data/media/0/media_id" in [e["pointer"] for e in answer.json()["errors"]]
    answer = http.post("/v1/documents", json={"template": NOTE, "case_id": case["id"], "data": {
        "date": "2026-03-03", "media": [{"media_id": webp["id"]}]}})  # the schema prints JPEG and PNG only
    assert answer.status_code == 422 and [e["pointer"] for e in answer.json()["errors"]] == ["/data/media/0/media_type"]
    answer = http.post("/v1/documents", json={"template": NOTE, "case_id": case["id"], "data": {
        "date": "2026-03-03", "media": [{"media_id": damaged["id"]}]}})  # refused when printed, naming it
    assert answer.status_code == 422 and answer.json()["type"].endswith("unprintable-image"), answer.text
    assert damaged["sha256"][:12] in answer.json()["detail"]
    assert media_server.rows("SELECT COUNT(*) FROM documents")[0][0] == documents

    issued = http.post("/v1/documents", json={"template": NOTE, "case_id": case["id"], "data": {
        "date": "2026-03-03", "media": [{"media_id": photo["id"]}, {"media_id": audio["id"]}]}})
    assert issued.status_code == 201, issued.text
    pdf = http.get(issued.json()["links"]["pdf"]).content
    images = [(obj["/Width"], obj["/Height"]) for page in PdfReader(io.BytesIO(pdf)).pages[:1]
              for obj in (x.get_object() for x in page["/Resources"].get("/XObject", {}).values())
              if obj.get("/Subtype") == "/Image"]
    assert (320, 200) in images, images  # the stored PNG, at its own pixel size, on the first page
    text = pdftools.text(pdf)
    for value in (photo["sha256"], audio["sha256"], META["purpose"], META["place"], "询问仓库保管员",
                  "保管员：饼干是去年十二月进的货。", case["number"], "当事人（签名）"):
        assert pdftools.contains(text, value), value
    record = http.get(f"/v1/documents/{issued.json()['id']}").json()
    assert [m["sha256"] for m in record["data"]["media"]] == [photo["sha256"], audio["sha256"]]  # pinned
    listed = {m["id"]: m["described_in"] for m in http.get(f"/v1/cases/{case['id']}/media").json()}
    assert listed == {photo["id"]: [issued.json()["id"]], audio["id"]: [issued.json()["id"]], webp["id"]: [],
                      damaged["id"]: []}

    transfer = http.post("/v1/documents", json={"template": TRANSFER, "case_id": case["id"],
                                                 "data": {"date": "2026-08-20", "archive_department": "市市场监管事务中心"}})
    assert transfer.status_code == 201, transfer.text
    listed_text = pdftools.text(http.get(transfer.json()["links"]["pdf"]).content)
    for value in (photo["sha256"], audio["sha256"], case["number"], "接收人"):
        assert pdftools.contains(listed_text, value), value


def test_a_case_with_its_notes_and_transfer_list_binds_and_verifies_offline(
        media_server: Server, http: httpx.Client, tmp_path: Path) -> None:
    """The 说明 binds with the evidence (正卷), the 移交清单 at the end of the 副卷; the manifest lists each
    音像记录 with the 说明 that prints it; the volume verifies offline and shows the photo."""
    token = json.loads(docgen(media_server.data_dir, "principals", "add", "--name", "吴局长", "--role",
                              "agency_head", "--json"))["token"]
    case = http.post("/v1/cases", json=case_data(party=unique_party("株洲市音像装订商行"))).json()
    photo = upload(http, case["id"], "现场.png", png_bytes(240, 180))
    video = upload(http, case["id"], "检查.mp4", b"".join(video_chunks(4096)), transcript="（无对话）")
    filing = http.post("/v1/documents", json={"template": "case-filing-approval", "case_id": case["id"], "data": {
        k: v for k, v in Catalogue(PROJECT_DIR).get("case-filing-approval").example.items()
        if k not in ("party", "handlers", "cause")}})
    assert filing.status_code == 201, filing.text
    note = http.post("/v1/documents", json={"template": NOTE, "case_id": case["id"],
                                             "data": {"date": "2026-03-03", "media": [{"media_id": photo["id"]}]}})
    assert note.status_code == 201, note.text
    closing = http.post("/v1/documents", json={"template": "case-closing-approval", "case_id": case["id"], "data": {
        k: v for k, v in Catalogue(PROJECT_DIR).get("case-closing-approval").example.items()
        if k not in ("party", "handlers", "case_cause", "filed_on")}})
    assert closing.status_code == 201, closing.text
    with media_server.client("dept_head") as head:
        assert head.post(f"/v1/documents/{closing.json()['id']}/approvals",
                         json={"stage": "dept_head", "decision": "同意"}).status_code == 201
    with httpx.Client(base_url=media_server.url, timeout=120, headers={"Authorization": f"Bearer {token}"}) as boss:
        assert boss.post(f"/v1/documents/{closing.json()['id']}/approvals",
                         json={"stage": "agency_head", "decision": "同意"}).status_code == 201
    closed = http.post(f"/v1/cases/{case['id']}/close")  # a 录像 without 说明 warns, never blocks
    assert closed.status_code == 200, closed.text
    assert closed.json()["uncovered_media"] == [video["id"]] and "1 项音像记录尚未出具音像记录说明" in \
        closed.json()["warnings"][0]
    # closed: the originals go to the archive with the file, so the 移交清单 alone is still issued
    refused = http.post("/v1/documents", json={"template": NOTE, "case_id": case["id"],
                                                "data": {"date": "2026-08-20", "media": [{"media_id": video["id"]}]}})
    assert refused.status_code == 409 and "已结案" in refused.text, refused.text
    transfer = http.post("/v1/documents", json={"template": TRANSFER, "case_id": case["id"], "data": {"date": "2026-08-20"}})
    assert transfer.status_code == 201, transfer.text
    built = http.post(f"/v1/cases/{case['id']}/volume", json=VOLUME_ORDER)
    assert built.status_code == 201, built.text
    volume = built.json()
    assert [(d["template"], d["section"]) for d in volume["documents"]] == [
        ("case-filing-approval", "正卷"), (NOTE, "正卷"), ("case-closing-approval", "副卷"), (TRANSFER, "副卷")]
    pdf = http.get(volume["links"]["pdf"]).content
    reader = PdfReader(io.BytesIO(pdf))
    manifest = json.loads(reader.attachments["docgen-volume.json"][0])
    assert {m["id"]: m["described_in"] for m in manifest["media"]} == {photo["id"]: [note.json()["id"]],
                                                                       video["id"]: []}
    first, _ = next(d["pages"] for d in volume["documents"] if d["template"] == NOTE)
    sizes = [(o["/Width"], o["/Height"]) for o in (x.get_object() for x in
             reader.pages[first - 1]["/Resources"].get("/XObject", {}).values()) if o.get("/Subtype") == "/Image"]
    assert (240, 180) in sizes, sizes
    (tmp_path / "volume.pdf").write_bytes(pdf)
    (tmp_path / "trust.json").write_bytes(http.get("/v1/trust").content)
    verified = subprocess.run([sys.executable, "-m", "docgen.cli", "verify", str(tmp_path / "volume.pdf"),
                               "--trust", str(tmp_path / "trust.json")], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_crash_while_a_volume_is_built_leaves_no_half_volume(media_server: Server, http: httpx.Client,
                                                                catalogue: Catalogue) -> None:
    """kill -9 while the volume's pages are being converted: after the restart there is no volume, or a
    whole one that verifies; the next request builds volume 1 exactly once. (Last in this module: the
    module's server does not survive it.)"""
    token = json.loads(docgen(media_server.data_dir, "principals", "add", "--name", "吴局长", "--role",
                              "agency_head", "--json"))["token"]
    with httpx.Client(base_url=media_server.url, timeout=120, headers={"Authorization": f"Bearer {token}"}) as boss:
        case, _ = closed_case_with_documents(media_server, http, boss, catalogue, "株洲市崩溃测试商行")
    url = f"{media_server.url}/v1/cases/{case['id']}/volume"
    headers = {"Authorization": http.headers["authorization"]}
    worker = threading.Thread(target=lambda: _ignore(lambda: httpx.post(url, json=VOLUME_ORDER, headers=headers,
                                                                         timeout=60)))
    worker.start()
    time.sleep(1.0)
    media_server.kill()
    worker.join()
    with sqlite3.connect(media_server.data_dir / "docgen.sqlite3") as conn:
        rows = conn.execute("SELECT volume, sha256 FROM case_volumes WHERE case_id = ?", (case["id"],)).fetchall()
    for _, digest in rows:  # committed before the kill: then it is whole
        stored = (media_server.data_dir / "blobs" / digest[:2] / digest[2:]).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == digest
    restarted = media_server.restarted()
    try:
        with restarted.client() as client:
            again = client.post(f"/v1/cases/{case['id']}/volume", json=VOLUME_ORDER)
            volumes = client.get(f"/v1/cases/{case['id']}/volumes").json()
        if rows:
            assert again.status_code == 409 and [v["volume"] for v in volumes] == [1]
        else:
            assert again.status_code == 201, again.text
            assert [v["volume"] for v in volumes] == [1]
    finally:
        restarted.stop()


def _ignore(call) -> None:
    try:
        call()
    except httpx.HTTPError:
        pass
