"""One server per data directory: an exclusive lock, so a second server refuses to start.

Two servers on one data directory wiped each other's converter profiles and
temp files at every start and recycle, and LibreOffice's single-instance
handoff sent one server's conversions into the other's soffice (502s). They
would also reclaim each other's in-flight 文书编号 (``numbering``). So ``serve``
takes an exclusive, non-blocking ``flock`` on ``<data dir>/docgen.lock`` (and
beside the database, if that lives elsewhere) for as long as it runs; the
kernel releases it when the process dies, even by ``kill -9``. Many servers on
one database is the PostgreSQL deployment's job, not this one's.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from .errors import DocgenError


class DataDirInUse(DocgenError):
    status = 409
    type = "data-dir-in-use"
    title = "数据目录已被占用"


def instance_lock(data_dir: Path, database_path: Path) -> "InstanceLock":
    """The lock a SQLite server holds on its installation (``Service.claim`` takes these same two
    files): the data directory's and the database's. ``docgen restore`` takes it, so it cannot run
    under a server, nor a server start in the middle of a restore."""
    return InstanceLock([data_dir / "docgen.lock", database_path.with_name(database_path.name + ".lock")])


class InstanceLock:
    """Exclusive locks on a few lock files, held until ``release`` or the process ends."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = list(dict.fromkeys(paths))
        self._fds: list[int] = []

    def acquire(self) -> None:
        try:
            for path in self.paths:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
                    os.close(fd)
                    raise DataDirInUse(f"{path.parent} 已由另一个 docgen 服务（进程 {holder}）使用；"
                                       "同一数据目录只能运行一个服务，请换用另一个 --data-dir") from None
                os.ftruncate(fd, 0)
                os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
                self._fds.append(fd)
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds.clear()
