"""``docgen backup DEST``: a consistent copy of a SQLite installation, taken while the server runs.

What a backup holds: the database, copied with SQLite's online backup API (one step, under
one read transaction, so a consistent snapshot even while the server writes; a plain file
copy of a WAL database is not), then the blob store, the agency's keys and certificates
(``pki/``) and ``master.key`` (when the key is a file, not ``DOCGEN_MASTER_KEY``). The
database goes *first*: docgen writes bytes before the row that names them (``storage``,
``pki``), so every file the snapshot refers to already exists when the files are copied
after it; files newer than the snapshot come along unreferenced and do no harm. The backup
checks that every blob the snapshot names was copied and that each blob's bytes hash to its
name, and runs ``PRAGMA integrity_check`` on the copy.

``docgen-backup.json`` (``docgen-backup/1``), written last and atomically, lists every file
with its sha256 and size: a directory without it is an unfinished backup, and ``restore``
refuses a backup whose files do not match it. Converter profiles and lock files are not
backed up (they are remade). PostgreSQL installations use ``pg_dump`` (docs/deployment.md).
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from .durable import fsync_dir, write_atomically
from .errors import DocgenError
from .pki import MASTER_KEY_FILE
from .timefmt import record_now

FORMAT = "docgen-backup/1"
MANIFEST = "docgen-backup.json"
DATABASE = "docgen.sqlite3"
#: Where each part lives, relative to the data directory (the database may live elsewhere).
BLOBS, PKI = "blobs", "pki"
#: Tables and columns that name blobs: what the snapshot needs from the blob store.
BLOB_COLUMNS = (("documents", "payload_sha256"), ("stages", "payload_sha256"), ("stages", "docx_sha256"),
                ("stages", "pdf_sha256"), ("renditions", "sha256"), ("case_media", "sha256"),
                ("case_volumes", "sha256"))
COUNTED = ("documents", "stages", "principals", "cases", "case_volumes")
CHUNK = 1024 * 1024


class BackupFailed(DocgenError):
    status = 500
    type = "backup-failed"
    title = "备份失败"


class BackupDamaged(DocgenError):
    status = 422
    type = "backup-damaged"
    title = "备份不完整或已损坏"


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """``docgen-backup.json``: what the backup holds and how to check it."""

    created_at: str
    source: str
    database: dict[str, Any]
    """The database file's name in the backup, its ``user_version`` and row counts."""
    master_key: bool
    """Whether ``master.key`` is in the backup (not when the key came from ``DOCGEN_MASTER_KEY``)."""
    files: dict[str, FileEntry]

    def to_json(self) -> bytes:
        body = {"format": FORMAT, "created_at": self.created_at, "source": self.source, "database": self.database,
                "master_key": self.master_key,
                "files": {name: {"sha256": e.sha256, "size": e.size} for name, e in sorted(self.files.items())}}
        return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")

    @classmethod
    def read(cls, directory: Path) -> "Manifest":
        try:
            body = json.loads((directory / MANIFEST).read_bytes())
        except FileNotFoundError:
            raise BackupDamaged(f"{directory} 没有 {MANIFEST}：不是备份，或备份没有完成") from None
        except ValueError as exc:
            raise BackupDamaged(f"{MANIFEST} 无法读取：{exc}") from None
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise BackupDamaged(f"{MANIFEST} 不是 {FORMAT} 格式")
        try:
            files = {name: FileEntry(str(e["sha256"]), int(e["size"])) for name, e in body["files"].items()}
            return cls(str(body["created_at"]), str(body["source"]), dict(body["database"]),
                       bool(body["master_key"]), files)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BackupDamaged(f"{MANIFEST} 缺少或写错了字段：{exc}") from None

    def check(self, directory: Path) -> None:
        """Every listed file is there with its size and sha256 and no path leaves the backup;
        ``BackupDamaged`` naming the first few that are not."""
        wrong = []
        for name, entry in sorted(self.files.items()):
            path = directory / name
            if Path(name).is_absolute() or ".." in Path(name).parts:
                wrong.append(f"{name}（路径不在备份目录内）")
            elif not path.is_file():
                wrong.append(f"{name}（缺失）")
            elif path.stat().st_size != entry.size or file_sha256(path) != entry.sha256:
                wrong.append(f"{name}（内容与清单不符）")
            if len(wrong) >= 10:
                break
        if DATABASE not in self.files:
            wrong.append(f"{DATABASE}（清单中没有数据库）")
        if wrong:
            raise BackupDamaged("备份中以下文件有问题：" + "；".join(wrong))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_file(source: Path, target: Path) -> FileEntry:
    """Copy, keeping the permission bits (keys stay 0600), fsync; the copy's sha256 and size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    mode = source.stat().st_mode & 0o777
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with open(source, "rb") as reader, os.fdopen(fd, "wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    return FileEntry(digest.hexdigest(), size)


def installation_files(data_dir: Path, blobs: Path) -> Iterator[tuple[str, Path]]:
    """The files of an installation besides its database, as (name in the backup, path): blobs
    (not their temp files; ``blobs/…`` in the backup wherever the store lives), keys and
    certificates (not their lock), the master key file."""
    for path in sorted(blobs.rglob("*")) if blobs.is_dir() else ():
        relative = path.relative_to(blobs)
        if path.is_file() and relative.parts[0] != "tmp":
            yield f"{BLOBS}/{relative.as_posix()}", path
    pki = data_dir / PKI
    for path in sorted(pki.rglob("*")) if pki.is_dir() else ():
        if path.is_file() and path.name != ".lock":
            yield f"{PKI}/{path.relative_to(pki).as_posix()}", path
    if (data_dir / MASTER_KEY_FILE).is_file():
        yield MASTER_KEY_FILE, data_dir / MASTER_KEY_FILE


def backup(data_dir: Path, database_path: Path, blob_dir: Path, destination: Path) -> Manifest:
    """Write a backup of the installation into ``destination`` (absent or empty); see the module docstring."""
    if not database_path.is_file():
        raise BackupFailed(f"没有数据库 {database_path}：这个数据目录里还没有安装")
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BackupFailed(f"备份目录 {destination} 已存在且不是空目录；请指定新的目录")
    destination.mkdir(parents=True, exist_ok=True)
    files: dict[str, FileEntry] = {}
    database = snapshot(database_path, destination / DATABASE)
    files[DATABASE] = FileEntry(file_sha256(destination / DATABASE), (destination / DATABASE).stat().st_size)
    for name, path in installation_files(data_dir, blob_dir):
        files[name] = copy_file(path, destination / name)
        if name.startswith(BLOBS + "/") and files[name].sha256 != name[len(BLOBS) + 1:].replace("/", ""):
            raise BackupFailed(f"数据目录中的文件 {name} 的内容与其名称（sha256）不符：存储已损坏，请先排查")
    missing = sorted(database["blobs"] - {name[len(BLOBS) + 1:].replace("/", "") for name in files
                                          if name.startswith(BLOBS + "/")})
    if missing:
        raise BackupFailed(f"数据库引用的 {len(missing)} 个文件不在文件存储中（如 {missing[0]}）：存储已损坏，请先排查")
    sync_tree(destination, files)
    manifest = Manifest(record_now(), str(data_dir), {k: v for k, v in database.items() if k != "blobs"},
                        MASTER_KEY_FILE in files, files)
    write_atomically(destination / MANIFEST, manifest.to_json())  # last: its presence means complete
    return manifest


def sync_tree(root: Path, names: Iterable[str]) -> None:
    """fsync every directory that gained an entry, so the copies' names survive a power cut too."""
    directories = {root}
    for name in names:
        directories.update(parent for parent in (root / name).parents if root in parent.parents or parent == root)
    for directory in sorted(directories, key=lambda d: len(d.parts), reverse=True):
        fsync_dir(directory)


def snapshot(database_path: Path, target: Path) -> dict[str, Any]:
    """Copy the database with the online backup API (one step: a consistent snapshot), check the copy,
    and describe it: ``user_version``, row counts and the set of blobs it names."""
    source = sqlite3.connect(f"file:{database_path}?mode=ro", uri=True, timeout=30.0)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages=-1: every page in one step, under one read transaction
    finally:
        source.close()
    try:
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupFailed(f"数据库副本未通过完整性检查：{verdict}")
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        described: dict[str, Any] = {"file": DATABASE,
                                     "user_version": copy.execute("PRAGMA user_version").fetchone()[0]}
        for table in COUNTED:
            if table in tables:
                described[table] = copy.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        blobs: set[str] = set()
        for table, column in BLOB_COLUMNS:
            if table in tables:
                blobs.update(row[0] for row in copy.execute(f"SELECT {column} FROM {table}") if row[0])
        described["blobs"] = blobs
        copy.commit()
    finally:
        copy.close()
    os.chmod(target, 0o600)
    return described
