"""The transparency log end to end, on real servers (fake converter: the log does not care what the
pages show) and the real command line: every issued file is a leaf; proofs, tiles and checkpoints;
the witness cosigns and refuses a rewritten history; the archive verifies offline; the audit finds a
deleted document, a replaced file and a file without a leaf; bad inputs are refused and change nothing.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from docgen.catalogue import Catalogue
from docgen.config import LogSettings, Settings
from docgen.service import Service, authority
from docgen.tlog import merkle, note
from docgen.tlog.log import Leaf
from docgen.tlog.tiles import TileNodes
from pg import fresh_database
from serving import Server
from tiers import BACKENDS, POSTGRES

#: Real servers, the real command line, witnesses and crafted logs end to end: system tests (`make test`).
pytestmark = pytest.mark.system

REVIEW = "major-decision-review"
DECISION = "penalty-decision"
ORIGIN = "docgen.test/zhuzhou/log"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "docgen.cli", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def witness_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The supervising department's witness key, made by ``docgen witness keygen``; (key file, vkey)."""
    path = tmp_path_factory.mktemp("witness") / "witness.key"
    done = cli("witness", "keygen", "--name", "sfj.zhuzhou.test/witness", "--key", str(path))
    assert done.returncode == 0, done.stderr
    return path, done.stdout.strip()


@pytest.fixture(scope="module")
def log_server(tmp_path_factory: pytest.TempPathFactory, witness_key: tuple[Path, str]) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("tlog-server") / "data", DOCGEN_CONVERTER="fake",
                 DOCGEN_CHECKPOINT_INTERVAL="0.3", DOCGEN_LOG_ORIGIN=ORIGIN, DOCGEN_LOG_WITNESSES=witness_key[1])
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def pg_log_server(tmp_path_factory: pytest.TempPathFactory, witness_key: tuple[Path, str]) -> Iterator[Server]:
    """``log_server`` on PostgreSQL: a database of its own."""
    with fresh_database() as url:
        srv = Server(tmp_path_factory.mktemp("tlog-pg-server") / "data", DOCGEN_CONVERTER="fake",
                     DOCGEN_CHECKPOINT_INTERVAL="0.3", DOCGEN_LOG_ORIGIN=ORIGIN,
                     DOCGEN_LOG_WITNESSES=witness_key[1], DOCGEN_DATABASE_URL=url)
        yield srv
        srv.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def any_log_server(request: pytest.FixtureRequest) -> Server:
    """The log server on SQLite, then on PostgreSQL: appends, proofs, tiles and checkpoints on both engines.
    (The tests that tamper with a copy of the database file stay on SQLite.)"""
    return request.getfixturevalue("pg_log_server" if request.param == POSTGRES else "log_server")


def issue(server: Server, catalogue: Catalogue, template: str = DECISION) -> dict:
    with server.client() as http:
        response = http.post("/v1/documents", json={"template": template, "data": catalogue.get(template).example})
    assert response.status_code == 201, response.text
    return response.json()


def checkpoint_covering(server: Server, index: int, timeout: float = 15.0) -> str:
    """The latest checkpoint once one covers leaf ``index`` (published every 0.3 s here)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = httpx.get(server.url + "/log/checkpoint")
        if response.status_code == 200 and int(response.text.split("\n")[1]) > index:
            return response.text
        time.sleep(0.1)
    raise AssertionError(f"no checkpoint covered leaf {index} within {timeout} s")


def log_vkey(server: Server) -> note.VerifierKey:
    return note.VerifierKey.parse(httpx.get(server.url + "/v1/log").json()["vkey"])


def test_every_issued_file_is_a_leaf_with_a_proof(any_log_server: Server, catalogue: Catalogue) -> None:
    document = issue(any_log_server, catalogue, REVIEW)
    assert isinstance(document["log_index"], int)
    with any_log_server.client("dept_head") as http:
        approved = http.post(f"/v1/documents/{document['id']}/approvals",
                             json={"stage": "dept_head", "decision": "同意", "opinion": "同意送法制审核。"})
        assert approved.status_code == 201, approved.text
        record = http.get(f"/v1/documents/{document['id']}").json()
        files = [http.get(stage["links"]["pdf"]).content for stage in record["stages"]]
    indexes = [stage["log_index"] for stage in record["stages"]]
    assert indexes[0] == document["log_index"] == record["log_index"] and indexes[1] > indexes[0]
    opened = note.open_checkpoint(checkpoint_covering(any_log_server, indexes[1]), log_vkey(any_log_server))
    assert opened.checkpoint.origin == ORIGIN
    for n, (index, data) in enumerate(zip(indexes, files)):
        proof = httpx.get(any_log_server.url + "/v1/log/proof/inclusion",
                          params={"leaf": index, "size": opened.checkpoint.size}).json()
        entry = base64.b64decode(proof["entry_b64"])
        assert proof["entry"] == json.loads(entry)
        assert proof["entry"]["sha256"] == __import__("hashlib").sha256(data).hexdigest()
        assert proof["entry"]["kind"] == ("document" if n == 0 else "stage")
        assert proof["entry"]["number"] == n and proof["entry"]["document_id"] == document["id"]
        assert proof["entry"]["signer_certificate_sha256"] == record["stages"][n]["certificate_sha256"]
        merkle.verify_inclusion(merkle.leaf_hash(entry), index, opened.checkpoint.size,
                                [base64.b64decode(h) for h in proof["hashes"]], opened.checkpoint.root)


def test_tiles_give_the_same_proofs_as_the_api(any_log_server: Server, catalogue: Catalogue) -> None:
    for _ in range(3):
        issue(any_log_server, catalogue)
    opened = note.open_checkpoint(httpx.get(any_log_server.url + "/log/checkpoint").text, log_vkey(any_log_server))
    size = opened.checkpoint.size

    def fetch(path: str) -> bytes:
        response = httpx.get(f"{any_log_server.url}/log/{path}")
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"] == "application/octet-stream"
        return response.content

    nodes = TileNodes(fetch, size)
    assert merkle.root(nodes, size) == opened.checkpoint.root
    entries = dict(nodes.entries())
    assert len(entries) == size
    for index in range(size):
        api = httpx.get(any_log_server.url + "/v1/log/proof/inclusion", params={"leaf": index, "size": size}).json()
        assert [base64.b64encode(h).decode() for h in merkle.inclusion_path(nodes, index, size)] == api["hashes"]
        assert base64.b64decode(api["entry_b64"]) == entries[index]
    head = httpx.get(any_log_server.url + "/log/checkpoint")
    assert head.headers["content-type"] == "text/plain; charset=utf-8" and head.headers["cache-control"] == "no-cache"
    assert httpx.get(any_log_server.url + "/log/tile/0/x001/000").status_code == 404  # beyond the tree
    assert httpx.get(any_log_server.url + "/log/tile/0/0000").status_code == 404  # not a tile path


@pytest.mark.parametrize("path, params, pointer", [
    ("inclusion", {"leaf": 10_000, "size": 1}, "/leaf"),
    ("inclusion", {"leaf": 0, "size": 10_000}, "/size"),
    ("inclusion", {"leaf": -1, "size": 1}, "/leaf"),
    ("inclusion", {"leaf": "x", "size": 1}, "/leaf"),
    ("consistency", {"from": 2, "to": 10_000}, "/to"),
    ("consistency", {"from": 3, "to": 2}, "/from"),
    ("consistency", {"from": 0, "to": 1}, "/from"),
])
def test_a_proof_beyond_the_tree_is_a_problem_naming_the_parameter(any_log_server: Server, catalogue: Catalogue,
                                                                   path: str, params: dict, pointer: str) -> None:
    issue(any_log_server, catalogue)
    issue(any_log_server, catalogue)
    before = httpx.get(any_log_server.url + "/v1/log").json()["size"]
    response = httpx.get(f"{any_log_server.url}/v1/log/proof/{path}", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in response.json()["errors"]] == [pointer]
    assert httpx.get(any_log_server.url + "/v1/log").json()["size"] == before


def test_a_malformed_or_foreign_cosignature_is_refused_and_stores_nothing(any_log_server: Server,
                                                                          catalogue: Catalogue) -> None:
    issue(any_log_server, catalogue)
    current = checkpoint_covering(any_log_server, 0)
    stranger = note.SignerKey.generate("stranger.test/w", note.COSIGNATURE_V1)
    parsed = note.Note.parse(current)
    answers = {
        "garbage": httpx.post(any_log_server.url + "/log/cosignature", content=b"not a note\n"),
        "stranger": httpx.post(any_log_server.url + "/log/cosignature",
                               content=parsed.with_signatures([stranger.sign(parsed.text)]).to_text().encode()),
        "unsigned size": httpx.post(any_log_server.url + "/log/cosignature", content=current.replace(
            "\n" + current.split("\n")[1] + "\n", "\n999999\n", 1).encode()),
    }
    assert {k: r.status_code for k, r in answers.items()} == {"garbage": 400, "stranger": 403, "unsigned size": 409}
    assert all(r.headers["content-type"] == "application/problem+json" for r in answers.values())
    assert httpx.get(any_log_server.url + "/log/checkpoint.cosigned").status_code in (200, 404)


class FakeLog:
    """A log that misbehaves, served over real HTTP: a checkpoint and consistency proofs of a tree
    we build here, signed with the real log's key (as a dishonest operator could)."""

    def __init__(self, key: note.SignerKey, entries: list[bytes]) -> None:
        self.key = key
        self.nodes: dict[tuple[int, int], bytes] = {}
        for index, entry in enumerate(entries):
            for level, at, value in merkle.appended(lambda lv, i: self.nodes[(lv, i)], index,
                                                    merkle.leaf_hash(entry)):
                self.nodes[(level, at)] = value
        self.size = len(entries)
        root = merkle.root(lambda lv, i: self.nodes[(lv, i)], self.size)
        text = note.Checkpoint(key.name, self.size, root).text()
        self.checkpoint = note.Note(text, (key.sign(text),)).to_text().encode()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/log/checkpoint":
                    body = fake.checkpoint
                else:
                    query = dict(p.split("=") for p in self.path.split("?", 1)[1].split("&"))
                    first, second = int(query["from"]), int(query["to"])
                    try:
                        proof = merkle.consistency_proof(lambda lv, i: fake.nodes[(lv, i)], first, second)
                    except (merkle.ProofError, KeyError):
                        proof = []
                    body = json.dumps({"hashes": [base64.b64encode(h).decode() for h in proof]}).encode()
                self.send_response(200)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                self.send_response(200)
                self.end_headers()

        return Handler

    def close(self) -> None:
        self.server.shutdown()


def installation(data_dir: Path) -> Service:
    """The installation on ``data_dir`` as the log server configures it (its origin)."""
    settings = dataclasses.replace(Settings.from_env(data_dir), log=LogSettings(origin=ORIGIN))
    return Service(settings, authority(settings))


def real_log_key(server: Server) -> note.SignerKey:
    """The server's own checkpoint key, read from its data directory (what a dishonest operator has)."""
    return installation(server.data_dir).log.key


def all_entries(server: Server) -> list[bytes]:
    with sqlite3.connect(server.data_dir / "docgen.sqlite3") as db:
        return [row[0].encode() for row in db.execute("SELECT entry FROM tlog_entries ORDER BY idx")]


def run_witness(url: str, state: Path, key: Path, vkey: str) -> subprocess.CompletedProcess:
    return cli("witness", "--log", url, "--log-key", vkey, "--state", str(state), "--key", str(key))


def test_the_witness_cosigns_a_growing_log_and_refuses_a_rewritten_one(
        log_server: Server, catalogue: Catalogue, witness_key: tuple[Path, str], tmp_path: Path) -> None:
    key_file, vkey = witness_key
    state = tmp_path / "state"
    log_vkey_text = log_vkey(log_server).encode()
    first = issue(log_server, catalogue)
    checkpoint_covering(log_server, first["log_index"])
    done = run_witness(log_server.url, state, key_file, log_vkey_text)
    assert done.returncode == 0 and "已联署" in done.stdout, done.stderr
    cosigned = httpx.get(log_server.url + "/log/checkpoint.cosigned").text
    opened = note.open_checkpoint(cosigned, log_vkey(log_server), [note.VerifierKey.parse(vkey)])
    assert len(opened.cosigned) == 1

    second = issue(log_server, catalogue)
    checkpoint_covering(log_server, second["log_index"])
    done = run_witness(log_server.url, state, key_file, log_vkey_text)
    assert done.returncode == 0 and "已联署" in done.stdout, done.stderr  # consistency proof checked
    kept = (state / "checkpoint").read_bytes()
    size = note.Checkpoint.parse_text(note.Note.parse(kept).text).size

    # The operator deletes the first document's leaf and re-signs the history with the real key.
    entries = all_entries(log_server)[:size]
    rewritten = [e for e in entries if Leaf.parse(e).document_id != first["id"]]
    for forged in (FakeLog(real_log_key(log_server), rewritten + entries[len(rewritten):size] + [b"x"]),
                   FakeLog(real_log_key(log_server), rewritten),  # shrinks
                   FakeLog(real_log_key(log_server), rewritten + [b"padding"] * (size - len(rewritten)))):
        try:
            done = run_witness(forged.url, state, key_file, log_vkey_text)
        finally:
            forged.close()
        assert done.returncode == 1, (done.stdout, done.stderr)
        assert "拒绝联署" in done.stderr
        assert (state / "checkpoint").read_bytes() == kept  # the state never moves to the forged history
    assert len(list((state / "refused").glob("*.checkpoint"))) >= 1


def test_a_witness_state_for_another_log_is_refused(log_server: Server, witness_key: tuple[Path, str],
                                                    tmp_path: Path) -> None:
    other = note.SignerKey.generate("other.test/log", note.ED25519)
    text = note.Checkpoint("other.test/log", 1, b"\x01" * 32).text()
    state = tmp_path / "state"
    state.mkdir()
    foreign = note.Note(text, (other.sign(text),)).to_text().encode()
    (state / "checkpoint").write_bytes(foreign)
    done = run_witness(log_server.url, state, witness_key[0], log_vkey(log_server).encode())
    assert done.returncode == 2 and "不是" in done.stderr and "拒绝混用" in done.stderr
    assert (state / "checkpoint").read_bytes() == foreign


def test_a_malformed_checkpoint_is_refused_by_witness_and_verifier(log_server: Server, catalogue: Catalogue,
                                                                  witness_key: tuple[Path, str],
                                                                  tmp_path: Path) -> None:
    key = real_log_key(log_server)
    bad = FakeLog(key, [b"a"])
    bad.checkpoint = bad.checkpoint.replace(b"\n1\n", b"\n01\n")
    try:
        done = run_witness(bad.url, tmp_path / "state", witness_key[0], key.verifier().encode())
    finally:
        bad.close()
    assert done.returncode == 2 and "前导零" in done.stderr
    assert not (tmp_path / "state" / "checkpoint").exists()
    trust = tmp_path / "trust.json"
    trust.write_text(cli("--data-dir", str(log_server.data_dir), "trust", "export").stdout)
    pdf = tmp_path / "doc.pdf"
    with log_server.client() as http:
        pdf.write_bytes(http.get(issue(log_server, catalogue)["links"]["pdf"]).content)
    broken = tmp_path / "checkpoint"
    broken.write_bytes(bad.checkpoint)
    done = cli("verify", str(pdf), "--trust", str(trust), "--checkpoint", str(broken))
    assert done.returncode == 2 and "前导零" in done.stderr


@pytest.fixture(scope="module")
def archive(log_server: Server, catalogue: Catalogue, witness_key: tuple[Path, str],
            tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What the agency hands the archive: the files, the trust bundle, an export of the log whose
    checkpoint the witness cosigned; then one more file issued after that checkpoint."""
    folder = tmp_path_factory.mktemp("archive")
    files = []
    with log_server.client() as http:
        for _ in range(2):
            document = issue(log_server, catalogue)
            path = folder / f"{document['id']}.pdf"
            path.write_bytes(http.get(document["links"]["pdf"]).content)
            files.append(path)
        checkpoint_covering(log_server, document["log_index"])
        vkey = log_vkey(log_server).encode()
        done = run_witness(log_server.url, folder / "witness-state", witness_key[0], vkey)
        assert done.returncode == 0, done.stderr
        (folder / "trust.json").write_text(cli("--data-dir", str(log_server.data_dir), "trust", "export").stdout)
        exported = cli("--data-dir", str(log_server.data_dir), "log", "export", str(folder / "log"))
        assert exported.returncode == 0, exported.stderr
        later = issue(log_server, catalogue)
        late = folder / "later.pdf"
        late.write_bytes(http.get(later["links"]["pdf"]).content)
    return {"folder": folder, "files": files, "late": late, "witness": witness_key[1]}


def test_the_archive_verifies_inclusion_offline(archive: dict) -> None:
    folder = archive["folder"]
    for path in archive["files"]:  # one document per verification, as the chain verifier wants
        done = cli("verify", str(path), "--trust", str(folder / "trust.json"),
                   "--checkpoint", str(folder / "log" / "checkpoint"), "--witness-key", archive["witness"], "--json")
        assert done.returncode == 0, done.stdout + done.stderr
        report = json.loads(done.stdout.split("\n}\n")[0] + "\n}")["log"]
        assert report["ok"] and [f["included"] for f in report["files"]] == [True]
        assert [w["name"] for w in report["witnesses"]] == ["sfj.zhuzhou.test/witness"]


def test_a_file_issued_after_the_checkpoint_is_not_included(archive: dict) -> None:
    folder = archive["folder"]
    done = cli("verify", str(archive["files"][0]), str(archive["late"]), "--trust", str(folder / "trust.json"),
               "--checkpoint", str(folder / "log" / "checkpoint"))
    assert done.returncode == 1
    assert "✗ " + str(archive["late"]) in done.stdout and "检查点之后签发" in done.stdout


def test_a_required_witness_that_did_not_cosign_fails(archive: dict) -> None:
    folder = archive["folder"]
    other = note.SignerKey.generate("another.test/witness", note.COSIGNATURE_V1).verifier().encode()
    done = cli("verify", str(archive["files"][0]), "--trust", str(folder / "trust.json"),
               "--checkpoint", str(folder / "log" / "checkpoint"), "--witness-key", other)
    assert done.returncode == 1 and "没有联署" in done.stdout


def copy_installation(server: Server, target: Path) -> Path:
    """A consistent copy of a running server's data directory (SQLite's backup API for the database)."""
    shutil.copytree(server.data_dir, target, ignore=shutil.ignore_patterns("docgen.sqlite3*", "converters", "*.lock"))
    with sqlite3.connect(server.data_dir / "docgen.sqlite3") as source, \
            sqlite3.connect(target / "docgen.sqlite3") as copy:
        source.backup(copy)
    return target


def audit(data_dir: Path) -> tuple[int, dict]:
    done = cli("--data-dir", str(data_dir), "audit", "--json")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def codes(report: dict) -> list[tuple[str, str]]:
    return sorted((f["code"], f["subject"]) for f in report["findings"])


def test_the_audit_finds_a_deleted_document_a_replaced_file_and_a_file_without_a_leaf(
        log_server: Server, catalogue: Catalogue, tmp_path: Path) -> None:
    deleted, replaced, swapped = (issue(log_server, catalogue) for _ in range(3))
    checkpoint_covering(log_server, swapped["log_index"])
    copy = copy_installation(log_server, tmp_path / "data")
    code, report = audit(copy)
    assert code == 0 and report["ok"] and report["files_checked"] == report["size"], report

    db = sqlite3.connect(copy / "docgen.sqlite3", isolation_level=None)
    db.execute("DELETE FROM stages WHERE document_id = ?", (deleted["id"],))
    db.execute("DELETE FROM documents WHERE id = ?", (deleted["id"],))
    blob = copy / "blobs" / replaced["sha256"][:2] / replaced["sha256"][2:]
    blob.write_bytes(blob.read_bytes() + b"%tampered\n")
    other = copy / "blobs" / "00" / ("0" * 62)
    other.parent.mkdir(exist_ok=True)
    other.write_bytes(b"a re-issued file")
    db.execute("UPDATE stages SET pdf_sha256 = ? WHERE document_id = ?", ("0" * 64, swapped["id"]))
    db.execute("INSERT INTO stages (document_id, idx, stage, payload_sha256, docx_sha256, pdf_sha256, link) "
               "SELECT document_id, 1, stage, payload_sha256, docx_sha256, pdf_sha256, link FROM stages "
               "WHERE document_id = ?", (swapped["id"],))
    db.close()
    code, report = audit(copy)
    assert code == 1
    found = codes(report)
    assert ("file-missing", f"文书 {deleted['id']} 环节 0") in found
    assert ("file-differs", f"文书 {replaced['id']} 环节 0") in found
    assert ("file-replaced", f"文书 {swapped['id']} 环节 0") in found
    assert ("no-leaf", f"文书 {swapped['id']} 环节 1") in found


def test_a_deleted_document_with_a_rewritten_log_is_caught_by_inclusion_and_the_witness(
        log_server: Server, catalogue: Catalogue, witness_key: tuple[Path, str], tmp_path: Path) -> None:
    """The operator deletes a document and rebuilds the log without its leaf, re-signed with the real
    key, and serves it: the archive's copy of the file is no longer included in the new checkpoint,
    and the witness that cosigned the old one refuses the new one."""
    victim = issue(log_server, catalogue)
    with log_server.client() as http:
        pdf = tmp_path / "victim.pdf"
        pdf.write_bytes(http.get(victim["links"]["pdf"]).content)
    checkpoint_covering(log_server, victim["log_index"])
    state = tmp_path / "state"
    vkey = log_vkey(log_server).encode()
    assert run_witness(log_server.url, state, witness_key[0], vkey).returncode == 0
    copy = copy_installation(log_server, tmp_path / "data")
    service = installation(copy)
    kept = [e for _, e in service.log.entries() if Leaf.parse(e).document_id != victim["id"]]
    with service.storage.db.transaction() as tx:
        for table in ("tlog_cosignatures", "tlog_checkpoints", "tlog_nodes", "tlog_entries"):
            tx.execute(f"DELETE FROM {table}")
        tx.execute("DELETE FROM stages WHERE document_id = ?", (victim["id"],))
        tx.execute("DELETE FROM documents WHERE id = ?", (victim["id"],))
        tx.execute("UPDATE tlog_head SET size = 0")
        for entry in kept:
            service.log.append(tx, Leaf.parse(entry))
    service.log.publish()
    rewritten = Server(copy, log_server.tokens, DOCGEN_CONVERTER="fake", DOCGEN_LOG_ORIGIN=ORIGIN)
    try:
        with rewritten.client() as http:  # the rewritten log keeps growing, so its size passes the old one
            for _ in range(2):
                assert http.post("/v1/documents", json={"template": DECISION, "data": catalogue.get(DECISION).example}
                                 ).status_code == 201
        checkpoint_covering(rewritten, len(kept) + 1)
        done = run_witness(rewritten.url, state, witness_key[0], vkey)
        assert done.returncode == 1 and "拒绝联署" in done.stderr, done.stdout + done.stderr
        trust = tmp_path / "trust.json"
        trust.write_text(cli("--data-dir", str(copy), "trust", "export").stdout)
        (tmp_path / "cp.txt").write_text(httpx.get(rewritten.url + "/log/checkpoint").text)
        done = cli("verify", str(pdf), "--trust", str(trust), "--checkpoint", str(tmp_path / "cp.txt"),
                   "--log", rewritten.url + "/log")
        assert done.returncode == 1 and "✗" in done.stdout and "已从日志中被删改" in done.stdout, done.stdout
    finally:
        rewritten.stop()
