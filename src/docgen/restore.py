"""``docgen restore SRC``: put a backup (``backup.py``) back as a data directory, then prove it.

In order: the backup is checked against its manifest (every file's size and sha256;
nothing is touched if one differs); the installation's lock is taken — the one a server
holds (``lock.instance_lock``), so a restore under a running server is refused and no
server can start during one; the data directory must be empty (only lock files and
converter profiles, which are remade, may be there) unless ``force``, in which case what
would be replaced (database, blobs, keys, master key) is *moved* into
``<data dir>/replaced-<time>/``, never deleted; the files are copied in (the database
last, through a temporary name, so an interrupted restore leaves no database that looks
complete); finally every document's chain and every volume is verified again
(``recheck``) with the restored keys.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from .backup import BLOBS, DATABASE, Manifest, copy_file, sync_tree
from .errors import DocgenError
from .lock import instance_lock
from .timefmt import file_stamp

#: What may be in a data directory that counts as empty: remade on start, never restored.
DISPOSABLE = frozenset({"docgen.lock", "converters"})


class DataDirNotEmpty(DocgenError):
    status = 409
    type = "data-dir-not-empty"
    title = "数据目录不是空的"


def restore(source: Path, data_dir: Path, database_path: Path, blob_dir: Path, *,
            force: bool = False) -> Manifest:
    """Check, lock, (move aside,) copy: see the module docstring. The caller re-verifies afterwards
    (``recheck``), with the restored installation's own trust bundle. Returns the backup's manifest."""
    manifest = Manifest.read(source)
    manifest.check(source)
    lock = instance_lock(data_dir, database_path)
    lock.acquire()  # DataDirInUse while a server runs on it
    try:
        present = occupied(data_dir, database_path, blob_dir)
        if present and not force:
            raise DataDirNotEmpty(f"{data_dir} 中已有 {'、'.join(present[:5])}；恢复不会覆盖现有数据。"
                                  "确认要替换时加 --force（现有内容会移到 replaced-<时间> 目录，不会删除）")
        if present:
            move_aside(data_dir, database_path, present)
        names = [name for name in manifest.files if name != DATABASE]
        for name in names:
            copy_file(source / name, target_of(name, data_dir, blob_dir))
        (blob_dir / "tmp").mkdir(parents=True, exist_ok=True)
        partial = database_path.with_name(database_path.name + ".restoring")
        partial.unlink(missing_ok=True)
        copy_file(source / DATABASE, partial)
        os.replace(partial, database_path)
        sync_tree(data_dir, [name for name in names if not name.startswith(BLOBS + "/")])
        sync_tree(blob_dir, [name[len(BLOBS) + 1:] for name in names if name.startswith(BLOBS + "/")])
        sync_tree(database_path.parent, [database_path.name])
    finally:
        lock.release()
    return manifest


def target_of(name: str, data_dir: Path, blob_dir: Path) -> Path:
    """Where a file of the backup goes: ``blobs/…`` into the blob store, the rest into the data directory."""
    if name.startswith(BLOBS + "/"):
        return blob_dir / name[len(BLOBS) + 1:]
    return data_dir / name


def occupied(data_dir: Path, database_path: Path, blob_dir: Path) -> list[str]:
    """What the data directory holds besides lock files and converter profiles (and the database
    and the blob store, wherever they live): what a restore would replace."""
    present = sorted(entry.name for entry in data_dir.iterdir()
                     if entry.name not in DISPOSABLE and not entry.name.endswith(".lock")) if data_dir.is_dir() else []
    if database_path.exists() and database_path.parent != data_dir:
        present.append(str(database_path))
    if blob_dir.parent != data_dir and blob_dir.is_dir() and any(p.name != "tmp" for p in blob_dir.iterdir()):
        present.append(str(blob_dir))
    return present


def move_aside(data_dir: Path, database_path: Path, present: list[str]) -> Path:
    """Move what a forced restore replaces into ``replaced-<UTC time>/`` inside the data directory."""
    stamp = file_stamp()
    aside = data_dir / f"replaced-{stamp}"
    aside.mkdir()
    for name in present:
        path = Path(name) if Path(name).is_absolute() else data_dir / name
        if path == aside or path.name.startswith("replaced-"):
            continue  # earlier set-asides stay where they are
        shutil.move(str(path), aside / path.name)
    for suffix in ("-wal", "-shm"):  # a database outside the data directory: its WAL files go with it
        companion = database_path.with_name(database_path.name + suffix)
        if companion.exists():
            shutil.move(str(companion), aside / companion.name)
    return aside

