"""The LibreOffice pool against real soffice processes: PDF/A-3b output, fonts, recycling, failures."""
from __future__ import annotations

import io
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

import pdftools
from docgen.conversion import ConverterPool
from docgen.errors import ConversionFailed, ConverterBusy

pytestmark = pytest.mark.libreoffice  # every test here runs real soffice processes


# 䶮 is CJK Extension A, 𠮷 is Extension B (outside the BMP): both must survive into the PDF.
BODY = "当事人违反《中华人民共和国产品质量法》，刘䶮在𠮷野家购买商品。"
HEADING = "行政处罚决定书"


def build_docx(paragraphs: int = 1) -> bytes:
    """Body text only in 仿宋_GB2312 and a heading in 黑体, neither installed: only the aliases map them."""
    document = Document()
    add_run(document.add_paragraph(), HEADING, "黑体")
    for index in range(paragraphs):
        add_run(document.add_paragraph(), f"{index + 1}. {BODY}", "仿宋_GB2312")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def add_run(paragraph, text: str, font: str) -> None:  # noqa: ANN001 - python-docx paragraph
    run = paragraph.add_run(text)
    run.font.name = font
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def group_gone(pgid: int, timeout: float = 10.0) -> bool:
    """Whether every process of the group has exited (killed orphans take a moment to be reaped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def wait_alive(pool: ConverterPool, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while pool.alive() < count:
        assert time.monotonic() < deadline, "worker did not come back"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("converters")


@pytest.fixture(scope="module")
def pool(work_dir: Path) -> Iterator[ConverterPool]:
    with ConverterPool(1, work_dir / "shared", timeout=60.0) as shared:
        yield shared


@pytest.fixture(scope="module")
def pdf(pool: ConverterPool) -> bytes:
    return pool.convert(build_docx())


def test_output_is_a_pdf_with_the_text(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    text = pdftools.text(pdf)
    assert pdftools.contains(text, HEADING)
    assert pdftools.contains(text, BODY)
    assert "䶮" in text and "𠮷" in text


def test_output_claims_pdfa_2b(pdf: bytes) -> None:
    assert pdftools.pdfa_part(pdf) == ("3", "B")
    xmp = PdfReader(io.BytesIO(pdf)).xmp_metadata
    assert xmp is not None


def test_every_font_is_embedded(pdf: bytes) -> None:
    rows = pdftools.fonts(pdf)
    assert rows
    assert all(row["emb"] == "yes" for row in rows), rows


def test_government_fonts_map_to_noto_cjk(pdf: bytes) -> None:
    """Without fonts.conf, 仿宋_GB2312 falls back to Noto Sans CJK and no serif CJK face appears."""
    names = [row["name"] for row in pdftools.fonts(pdf)]
    assert any("NotoSerifCJK" in name for name in names), names  # 仿宋_GB2312 → Noto Serif CJK SC
    assert any("NotoSansCJK" in name for name in names), names  # 黑体 → Noto Sans CJK SC


def test_temp_files_are_removed(pool: ConverterPool, work_dir: Path) -> None:
    pool.convert(build_docx())
    assert list((work_dir / "shared").glob("slot-*/tmp/*")) == []


def test_many_threads_share_one_worker(pool: ConverterPool) -> None:
    docx = build_docx()
    with ThreadPoolExecutor(max_workers=4) as threads:
        pdfs = list(threads.map(lambda _: pool.convert(docx), range(8)))
    assert all(pdf.startswith(b"%PDF-") for pdf in pdfs)


def test_not_a_docx_fails_without_harming_the_worker(pool: ConverterPool) -> None:
    pid = pool._slots[0].worker.pid
    for junk in (b"", b"plain text, not a document", b"PK\x03\x04 broken zip"):
        with pytest.raises(ConversionFailed):
            pool.convert(junk)
    assert pool._slots[0].worker.pid == pid
    assert pool.convert(build_docx()).startswith(b"%PDF-")


def test_busy_when_the_queue_is_full(pool: ConverterPool) -> None:
    pool.queue_limit, pool.queue_timeout = 0, 30.0
    try:
        with pool._lease():  # holds the only worker, as a slow conversion would
            started = time.monotonic()
            with pytest.raises(ConverterBusy) as caught:
                pool.convert(build_docx())
            assert time.monotonic() - started < 1.0  # at once, not after the queue timeout
            assert caught.value.retry_after > 0
    finally:
        pool.queue_limit = 16
    assert pool.convert(build_docx()).startswith(b"%PDF-")


def test_busy_when_no_worker_frees_up_in_time(pool: ConverterPool) -> None:
    pool.queue_timeout = 0.3
    try:
        with pool._lease():
            started = time.monotonic()
            with pytest.raises(ConverterBusy):
                pool.convert(build_docx())
            assert 0.25 < time.monotonic() - started < 5.0
    finally:
        pool.queue_timeout = 30.0


def test_waiting_caller_gets_the_worker_when_it_frees_up(pool: ConverterPool) -> None:
    results: list[bytes] = []
    with pool._lease():
        waiter = threading.Thread(target=lambda: results.append(pool.convert(build_docx())))
        waiter.start()
        time.sleep(0.2)
        assert not results
    waiter.join(30)
    assert results and results[0].startswith(b"%PDF-")


def test_timeout_kills_retries_once_then_fails(pool: ConverterPool) -> None:
    first = pool._slots[0].worker.pid
    pool.timeout = 0.001
    try:
        with pytest.raises(ConversionFailed, match="timed out.*timed out"):
            pool.convert(build_docx())
    finally:
        pool.timeout = 60.0
    assert group_gone(first)  # the hung worker and its soffice were killed as a group
    assert pool.convert(build_docx()).startswith(b"%PDF-")  # waits for the background restart
    assert pool.alive() == 1


def test_killed_worker_is_replaced(pool: ConverterPool) -> None:
    pgid = pool._slots[0].worker.pid
    os.killpg(pgid, signal.SIGKILL)
    assert pool.convert(build_docx()).startswith(b"%PDF-")
    assert group_gone(pgid)
    assert pool._slots[0].worker.pid != pgid


def test_recycling_restarts_workers_in_the_background(work_dir: Path) -> None:
    docx = build_docx()
    with ConverterPool(1, work_dir / "recycling", recycle_after=2) as recycling:
        first = recycling._slots[0].worker.pid
        for _ in range(5):
            started = time.monotonic()
            assert recycling.convert(docx).startswith(b"%PDF-")
            assert time.monotonic() - started < 10.0
        wait_alive(recycling, 1)
        assert recycling._slots[0].worker.pid != first
        assert group_gone(first)


def test_close_stops_every_process_and_is_idempotent(work_dir: Path) -> None:
    closing = ConverterPool(2, work_dir / "closing")
    closing.start()
    assert closing.alive() == 2
    groups = [slot.worker.pid for slot in closing._slots]
    closing.close()
    closing.close()
    assert closing.alive() == 0
    assert all(group_gone(pgid) for pgid in groups)
    with pytest.raises(ConversionFailed):
        closing.convert(build_docx())


def test_restarts_and_waiting_callers_are_counted_for_metrics(pool: ConverterPool, work_dir: Path) -> None:
    from docgen.metrics import REGISTRY

    def restarts(reason: str) -> float:
        return REGISTRY.get_sample_value("docgen_converter_restarts_total", {"reason": reason}) or 0.0

    failed = restarts("failed")
    os.killpg(pool._slots[0].worker.pid, signal.SIGKILL)
    assert pool.convert(build_docx()).startswith(b"%PDF-")
    assert restarts("failed") == failed + 1  # the dead worker, replaced while the caller waited
    with pool._lease():  # holds the only worker: a caller queues behind it
        assert pool.waiting() == 0
        waiter = threading.Thread(target=pool.convert, args=(build_docx(),))
        waiter.start()
        deadline = time.monotonic() + 5
        while pool.waiting() != 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    waiter.join(30)
    assert pool.waiting() == 0
    recycled = restarts("recycled")
    with ConverterPool(1, work_dir / "counted", recycle_after=1) as recycling:
        recycling.convert(build_docx())
        wait_alive(recycling, 1)
    assert restarts("recycled") >= recycled + 1
