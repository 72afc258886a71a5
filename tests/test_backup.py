"""``docgen backup`` / ``docgen restore``: a consistent copy taken while a real server issues
documents, put back into a new data directory, every chain verified again, and a server started on
it that serves the same bytes and continues the same 文书编号 series.

Real servers (``docgen serve``), the real command line, real files; with LibreOffice in the full
suite and the fake converter in the fast tier (the chains are sealed and verified alike).
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

from docgen.catalogue import Catalogue
from serving import Server
from tiers import CONVERTERS

#: Backups of a running server, restores and re-verification end to end: system tests (`make test`).
pytestmark = pytest.mark.system

TEMPLATE = "penalty-decision"
REVIEW = "major-decision-review"
STAGES = (("dept_head", "同意", "同意送法制审核。"), ("dept_leader", "同意", "同意。"),
          ("legal_review", "同意", "事实清楚，证据确凿，程序合法。"))


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "docgen.cli", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=600)


def problem_type(done: subprocess.CompletedProcess) -> str:
    return json.loads(done.stderr)["type"]


def tree(directory: Path) -> dict[str, str]:
    """Every file under ``directory`` with its sha256."""
    return {path.relative_to(directory).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module", params=CONVERTERS)
def installation(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 catalogue: Catalogue) -> Iterator[Server]:
    """A running server with numbered documents and a review table signed through three stages."""
    server = Server(tmp_path_factory.mktemp("backup-source") / "data", DOCGEN_CONVERTER=request.param)
    with server.client() as http:
        for _ in range(3):
            assert http.post("/v1/documents", json={"template": TEMPLATE,
                                                    "data": catalogue.get(TEMPLATE).example}).status_code == 201
        review = http.post("/v1/documents", json={"template": REVIEW, "data": catalogue.get(REVIEW).example})
        assert review.status_code == 201, review.text
    for who, decision, opinion in STAGES:
        with server.client(who) as http:
            signed = http.post(f"/v1/documents/{review.json()['id']}/approvals",
                               json={"stage": who, "decision": decision, "opinion": opinion})
            assert signed.status_code == 201, signed.text
    yield server
    server.stop()


@pytest.fixture(scope="module")
def taken(installation: Server, catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup taken while another client keeps issuing documents on the running server."""
    destination = tmp_path_factory.mktemp("backup") / "copy"
    stop = threading.Event()
    issued: list[int] = []

    def keep_issuing() -> None:
        with installation.client() as http:
            while not stop.is_set():
                issued.append(http.post("/v1/documents", json={"template": TEMPLATE,
                                                               "data": catalogue.get(TEMPLATE).example}).status_code)
                stop.wait(0.1)  # a steady writer, not a flood: the point is writes during the snapshot

    writer = threading.Thread(target=keep_issuing)
    writer.start()
    try:
        done = cli(installation.data_dir, "backup", str(destination))
    finally:
        stop.set()
        writer.join(120)
    assert done.returncode == 0, done.stderr
    assert issued and set(issued) == {201}
    return destination


def test_a_backup_of_a_running_server_lists_every_file_with_its_sha256(installation: Server, taken: Path) -> None:
    manifest = json.loads((taken / "docgen-backup.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "docgen-backup/1"
    files = tree(taken)
    del files["docgen-backup.json"]
    assert files == {name: entry["sha256"] for name, entry in manifest["files"].items()}
    assert manifest["master_key"] is True and "master.key" in files
    assert any(name.startswith("pki/signers/") for name in files)
    assert not any(name.startswith(("converters/", "blobs/tmp/")) or name.endswith(".lock") for name in files)
    snapshot = sqlite3.connect(taken / "docgen.sqlite3")
    assert snapshot.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    documents = snapshot.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert documents == manifest["database"]["documents"] >= 4
    for (pdf,) in snapshot.execute("SELECT pdf_sha256 FROM stages"):  # every stage the snapshot names was copied
        assert f"blobs/{pdf[:2]}/{pdf[2:]}" in files


def test_restore_verifies_every_chain_and_a_server_continues_on_it(
        installation: Server, taken: Path, tmp_path: Path, catalogue: Catalogue) -> None:
    target = tmp_path / "restored"
    done = cli(target, "restore", str(taken))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    manifest = json.loads((taken / "docgen-backup.json").read_text(encoding="utf-8"))
    checked = report["verification"]
    assert checked["ok"] is True and checked["failures"] == []
    assert checked["documents"] == manifest["database"]["documents"]
    assert checked["stages"] == manifest["database"]["stages"] == checked["documents"] + len(STAGES)
    again = cli(target, "recheck")  # the same verification on its own, read-only
    assert again.returncode == 0 and json.loads(again.stdout) == checked
    restored = Server(target, installation.tokens, **installation.env)  # the same principals' tokens work
    try:
        snapshot = sqlite3.connect(taken / "docgen.sqlite3")
        rows = snapshot.execute("SELECT d.id, s.idx, s.pdf_sha256 FROM documents d JOIN stages s"
                                " ON s.document_id = d.id").fetchall()
        numbers = [row[0] for row in snapshot.execute(
            "SELECT doc_number FROM documents WHERE template_id = ?", (TEMPLATE,))]
        with restored.client() as http:
            for document_id, index, pdf_sha256 in rows:  # the stored bytes, unchanged
                pdf = http.get(f"/v1/documents/{document_id}/stages/{index}/pdf")
                assert pdf.status_code == 200
                assert hashlib.sha256(pdf.content).hexdigest() == pdf_sha256
            following = http.post("/v1/documents", json={"template": TEMPLATE,
                                                         "data": catalogue.get(TEMPLATE).example})
            assert following.status_code == 201
        sequence = sorted(int(number.split("〕")[1].rstrip("号")) for number in numbers)
        assert sequence == list(range(1, len(numbers) + 1))
        assert int(following.json()["doc_number"].split("〕")[1].rstrip("号")) == len(numbers) + 1
    finally:
        restored.stop()


def test_restore_refuses_a_data_directory_a_server_holds_even_with_force(installation: Server, taken: Path) -> None:
    before = tree(installation.data_dir / "pki")
    for extra in ((), ("--force",)):
        done = cli(installation.data_dir, "restore", str(taken), *extra)
        assert done.returncode == 1
        assert problem_type(done) == "/problems/data-dir-in-use"
        assert "进程" in json.loads(done.stderr)["detail"]
    assert tree(installation.data_dir / "pki") == before


def test_restore_refuses_a_non_empty_data_directory_unless_forced_and_then_keeps_the_old(
        taken: Path, tmp_path: Path) -> None:
    target = tmp_path / "occupied"
    target.mkdir()
    (target / "docgen.sqlite3").write_bytes(b"someone's data")
    (target / "notes.txt").write_text("keep me")
    refused = cli(target, "restore", str(taken))
    assert refused.returncode == 1
    assert problem_type(refused) == "/problems/data-dir-not-empty"
    assert "docgen.sqlite3" in json.loads(refused.stderr)["detail"]
    assert sorted(p.name for p in target.iterdir() if not p.name.endswith(".lock")) == ["docgen.sqlite3", "notes.txt"]
    assert (target / "docgen.sqlite3").read_bytes() == b"someone's data"
    forced = cli(target, "restore", str(taken), "--force")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["verification"]["ok"] is True
    aside = [p for p in target.iterdir() if p.name.startswith("replaced-")]
    assert len(aside) == 1
    assert (aside[0] / "docgen.sqlite3").read_bytes() == b"someone's data"
    assert (aside[0] / "notes.txt").read_text() == "keep me"


def test_a_damaged_backup_is_refused_and_nothing_is_written(taken: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    subprocess.run(["cp", "-a", str(taken), str(damaged)], check=True)
    blob = next(p for p in sorted((damaged / "blobs").rglob("*")) if p.is_file())
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.write_bytes(bytes(data))
    target = tmp_path / "never"
    done = cli(target, "restore", str(damaged))
    assert done.returncode == 1
    assert problem_type(done) == "/problems/backup-damaged"
    assert blob.name in json.loads(done.stderr)["detail"]
    assert not target.exists() or not any(target.iterdir())
    unfinished = tmp_path / "unfinished"
    subprocess.run(["cp", "-a", str(taken), str(unfinished)], check=True)
    (unfinished / "docgen-backup.json").unlink()
    assert problem_type(cli(target, "restore", str(unfinished))) == "/problems/backup-damaged"


def test_backup_refuses_a_destination_that_is_not_empty(installation: Server, tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "something").write_text("x")
    done = cli(installation.data_dir, "backup", str(tmp_path / "old"))
    assert done.returncode == 1
    assert problem_type(done) == "/problems/backup-failed"


def test_recheck_names_a_document_whose_stored_pdf_was_altered(taken: Path, tmp_path: Path) -> None:
    target = tmp_path / "altered"
    assert cli(target, "restore", str(taken)).returncode == 0
    db = sqlite3.connect(target / "docgen.sqlite3")
    pdf, number = db.execute("SELECT s.pdf_sha256, d.doc_number FROM stages s JOIN documents d ON d.id = s.document_id"
                             " WHERE d.template_id = ? LIMIT 1", (TEMPLATE,)).fetchone()
    blob = target / "blobs" / pdf[:2] / pdf[2:]
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes().replace(b"%%EOF", b"%%EOX", 1))
    done = cli(target, "recheck")
    assert done.returncode == 1
    failures = json.loads(done.stdout)["failures"]
    assert len(failures) == 1 and failures[0].startswith(number) and "sha256" in failures[0]
