"""Schema migrations and the move from SQLite to PostgreSQL (issue 15, part 4).

- A data directory made by the previous release (``tests/data/main-schema.sql``: the schema main had,
  ``user_version`` 2) upgrades in place with ``docgen migrate``, keeps its rows, and serves.
- ``docgen export`` of a SQLite installation and ``docgen import`` into a fresh PostgreSQL database
  (blobs into the database) carry every document, stage, principal, number, case, medium and draft,
  and the import re-verifies every chain; a server on PostgreSQL then carries on where SQLite stopped.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from docgen.storage import MIGRATIONS, connect
from pg import fresh_database
from serving import Server
from test_approvals import REVIEW, approve
from test_cases import case_data, seq

#: Upgrades and moves to PostgreSQL: needs the PostgreSQL server (full suite, not the fast tier).
pytestmark = pytest.mark.postgresql

MAIN_SCHEMA = Path(__file__).parent / "data" / "main-schema.sql"


def run(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "docgen.cli", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env={**os.environ, **env})


def test_a_data_directory_of_the_previous_release_upgrades_in_place(tmp_path: Path, catalogue) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with sqlite3.connect(data / "docgen.sqlite3") as conn:
        conn.executescript(MAIN_SCHEMA.read_text(encoding="utf-8"))
        conn.execute("INSERT INTO boots VALUES ('old', 1, 'h', '2026-01-01T00:00:00Z', 0, 0)")
        year = 2026
        conn.execute("INSERT INTO number_reservations VALUES (?, ?, 1, 'legacy-doc', 0, 'old')", ("株市监处罚", year))
        conn.execute("INSERT INTO number_reservations VALUES (?, ?, 2, NULL, 0, 'old')", ("株市监处罚", year))
    assert sqlite3.connect(data / "docgen.sqlite3").execute("PRAGMA user_version").fetchone()[0] == 2

    first = run(data, "migrate")
    assert first.returncode == 0, first.stderr
    assert f"第 2 版 → 第 {len(MIGRATIONS)} 版" in first.stdout
    again = run(data, "migrate")
    assert again.returncode == 0 and "无需迁移" in again.stdout

    db = connect(f"sqlite:///{data / 'docgen.sqlite3'}", upgrade=False)
    assert db.query_one("PRAGMA user_version")[0] == len(MIGRATIONS)
    assert "lock_key" in [row["name"] for row in db.query("PRAGMA table_info(boots)")]
    assert db.query_one("SELECT document_id FROM number_reservations WHERE seq = 1")[0] == "legacy-doc"
    server = Server(data, DOCGEN_CONVERTER="fake")
    try:  # it serves; the dead boot's number 2 is reclaimed and issued next
        with server.client() as http:
            made = http.post("/v1/documents", json={"template": "penalty-decision",
                                                    "data": catalogue.get("penalty-decision").example})
        assert made.status_code == 201, made.text
        if made.json()["doc_number"].count(str(year)):
            assert seq(made.json()["doc_number"]) == 2
    finally:
        server.stop()
    audited = run(data, "audit", "--json")  # the log's tables came with migration 3; the new file has its leaf
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert json.loads(audited.stdout)["size"] == 1


def test_explicit_migration_mode_refuses_to_start_on_an_old_schema(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with sqlite3.connect(data / "docgen.sqlite3") as conn:
        conn.executescript(MAIN_SCHEMA.read_text(encoding="utf-8"))
    assert run(data, "init").returncode == 0
    refused = run(data, "principals", "add", "--name", "x", "--role", "case_system", DOCGEN_MIGRATE="explicit")
    assert refused.returncode != 0 and "docgen migrate" in refused.stderr + refused.stdout
    bad = run(data, "migrate", DOCGEN_MIGRATE="sometimes")
    assert bad.returncode != 0 and "DOCGEN_MIGRATE" in bad.stderr


def test_export_from_sqlite_and_import_into_postgresql_keeps_every_record_and_chain(tmp_path: Path,
                                                                                   catalogue) -> None:
    data = tmp_path / "data"
    source = Server(data, DOCGEN_CONVERTER="fake")
    try:
        with source.client() as http:
            case = http.post("/v1/cases", json=case_data()).json()
            issued = [http.post("/v1/documents", json={"template": "penalty-decision",
                                                       "data": catalogue.get("penalty-decision").example},
                                headers={"Idempotency-Key": f"k{n}"}).json() for n in range(3)]
            review = http.post("/v1/documents", json={"template": REVIEW, "data": catalogue.get(REVIEW).example})
            media = http.post(f"/v1/cases/{case['id']}/media",
                              files={"file": ("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 5000, "image/png")},
                              data={"content": "货架", "recorded_at": "2026-03-02 10:20", "place": "仓库",
                                    "officers": "刘洋、陈静", "recorder": "陈静", "purpose": "证明",
                                    "device": "执法记录仪"})
            assert media.status_code == 201, media.text
            draft = http.post("/v1/drafts", json={"template": "penalty-notice", "data": {"cause": "草稿"}})
            assert draft.status_code == 201, draft.text
        assert approve(source, review.json()["id"], "dept_head", "dept_head", "同意", "同意。").status_code == 201
        before = {table: source.rows(f"SELECT COUNT(*) FROM {table}")[0][0]
                  for table in ("principals", "documents", "stages", "number_reservations", "cases",
                                "case_events", "case_media", "drafts", "idempotency_keys", "tlog_entries",
                                "tlog_nodes", "publicity_records", "publicity_events")}
    finally:
        source.stop()

    exported = run(data, "export", str(tmp_path / "dump"))
    assert exported.returncode == 0, exported.stderr
    with fresh_database() as url:
        env = {"DOCGEN_DATABASE_URL": url, "DOCGEN_BLOB_STORE": "database"}
        imported = run(data, "import", str(tmp_path / "dump"), **env)
        assert imported.returncode == 0, imported.stdout + imported.stderr
        report = json.loads(imported.stdout)
        assert report["failures"] == [] and report["verified_documents"] == before["documents"]
        assert {table: report["rows"].get(table, 0) for table in before} == before
        twice = run(data, "import", str(tmp_path / "dump"), **env)
        assert twice.returncode != 0 and "空的数据库" in twice.stderr + twice.stdout

        target = Server(data, source.tokens, DOCGEN_CONVERTER="fake", **env)
        try:
            with target.client() as http:  # the same tokens, documents, bytes; numbering carries on
                for doc in issued:
                    assert http.get(f"/v1/documents/{doc['id']}").json()["doc_number"] == doc["doc_number"]
                    assert http.get(f"/v1/documents/{doc['id']}/pdf").status_code == 200
                replay = http.post("/v1/documents", json={"template": "penalty-decision",
                                                          "data": catalogue.get("penalty-decision").example},
                                   headers={"Idempotency-Key": "k0"})
                assert replay.json()["id"] == issued[0]["id"]
                fresh = http.post("/v1/documents", json={"template": "penalty-decision",
                                                         "data": catalogue.get("penalty-decision").example})
                assert seq(fresh.json()["doc_number"]) == max(seq(d["doc_number"]) for d in issued) + 1
                listed = http.get(f"/v1/cases/{case['id']}/media").json()
                item = listed[0] if isinstance(listed, list) else listed["items"][0]
                assert http.get(f"/v1/cases/{case['id']}/media/{item['id']}/file").content.startswith(b"\x89PNG")
                assert http.get(f"/v1/drafts/{draft.json()['id']}").status_code == 200
            assert target.rows("SELECT COUNT(*) FROM blobs")[0][0] > 0
        finally:
            target.stop()
        audited = run(data, "audit", "--json", **env)  # the log moved too, and the new leaf follows it
        assert audited.returncode == 0, audited.stdout + audited.stderr
        assert json.loads(audited.stdout)["size"] == before["tlog_entries"] + 1


def test_storage_settings_are_checked_once_and_name_the_variable(tmp_path: Path) -> None:
    from docgen.config import StoreSettings
    default = StoreSettings.from_env(tmp_path, {})
    assert default.database_url == f"sqlite:///{tmp_path / 'docgen.sqlite3'}" and not default.postgres
    assert default.blob_dir == tmp_path / "blobs" and default.migrate == "startup"
    pg = StoreSettings.from_env(tmp_path, {"DOCGEN_DATABASE_URL": "postgresql://u@h/db", "DOCGEN_BLOB_STORE": "database"})
    assert pg.postgres and pg.sqlite_path is None and pg.blob_store == "database"
    for env, name in [({"DOCGEN_DATABASE_URL": "mysql://h/db"}, "DOCGEN_DATABASE_URL"),
                      ({"DOCGEN_DATABASE_URL": "postgresql://h"}, "DOCGEN_DATABASE_URL"),
                      ({"DOCGEN_BLOB_STORE": "database"}, "DOCGEN_BLOB_STORE"),
                      ({"DOCGEN_BLOB_STORE": "s3"}, "DOCGEN_BLOB_STORE"),
                      ({"DOCGEN_DATABASE_POOL": "ten"}, "DOCGEN_DATABASE_POOL"),
                      ({"DOCGEN_MIGRATE": "never"}, "DOCGEN_MIGRATE")]:
        with pytest.raises(ValueError, match=name):
            StoreSettings.from_env(tmp_path, env)
