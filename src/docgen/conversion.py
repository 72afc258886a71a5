"""A pool of warm LibreOffice processes: DOCX bytes → PDF/A-3b bytes.

Each slot runs ``uno_worker.py`` under Debian's python3 (the only one with ``uno``; the venv must
not import it). The worker and its soffice share one process group, which is what gets killed on a
timeout or shutdown, so no soffice outlives its slot. Starting soffice costs about a second, a warm
one converts in about 100 ms, hence the pool: workers start once, are recycled in the background
after ``recycle_after`` documents (LibreOffice's memory grows), and are replaced when they hang or die.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import selectors
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import Any, Iterator

from . import metrics
from .errors import ConversionFailed, ConverterBusy

WORKER_SCRIPT = Path(__file__).with_name("uno_worker.py")
FONTS_CONF = Path(__file__).with_name("fonts.conf")
START_TIMEOUT = 150.0  # above the worker's own connect timeout: a fresh profile starts slowly
STOP_GRACE = 5.0
REVIVE_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)
LOG_TAIL = 600


class _WorkerBroken(Exception):
    """The worker hung, died or could not start: the slot needs a fresh process."""


class _DocumentRejected(Exception):
    """A healthy worker could not convert this document: another process would fail too."""


class _Worker:
    """One ``uno_worker.py`` process and the soffice it started, in their own process group."""

    def __init__(self, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        with open(log_path, "wb") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=log, env=env, bufsize=0, start_new_session=True)
        self.ready = False
        self._buffer = b""

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float) -> None:
        """Block until the worker says it is connected to its soffice."""
        message = self._read_message(timeout, "start")
        if not message.get("ready"):
            raise _WorkerBroken(f"worker did not start: {message.get('error', message)}")
        self.ready = True

    def convert(self, src: Path, dst: Path, timeout: float) -> None:
        """One request/reply round trip, never waiting longer than ``timeout`` for the reply."""
        request = json.dumps({"src": str(src), "dst": str(dst)}).encode("utf-8") + b"\n"
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(request)
        except (OSError, ValueError) as exc:  # ValueError: close() shut the pipe under us
            raise _WorkerBroken(f"worker is gone ({exc}){self._log_tail()}") from exc
        reply = self._read_message(timeout, "conversion")
        if reply.get("ok"):
            return
        if reply.get("fatal"):
            raise _WorkerBroken(f"LibreOffice died: {reply.get('error')}")
        raise _DocumentRejected(str(reply.get("error", reply)))

    def _read_message(self, timeout: float, what: str) -> dict[str, Any]:
        """One JSON line from the worker, polling the pipe so that a hung soffice cannot block us."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            try:
                fd = self.process.stdout.fileno()
                selector.register(fd, selectors.EVENT_READ)
            except ValueError as exc:  # close() shut the pipe under us
                raise _WorkerBroken("worker was stopped") from exc
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise _WorkerBroken(f"{what} timed out after {timeout:g} s")
                try:
                    chunk = os.read(fd, 65536)
                except OSError as exc:
                    raise _WorkerBroken(f"worker pipe failed during {what}: {exc}") from exc
                if not chunk:
                    raise _WorkerBroken(f"worker exited during {what}{self._log_tail()}")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError as exc:
            raise _WorkerBroken(f"unreadable reply from worker: {line[:200]!r}") from exc

    def _log_tail(self) -> str:
        try:
            tail = self.log_path.read_bytes()[-LOG_TAIL:].decode("utf-8", "replace").strip()
        except OSError:
            return ""
        return f"; log: {tail}" if tail else ""

    def kill(self) -> None:
        """SIGKILL the whole group (worker, soffice wrapper, soffice.bin), then reap the worker."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._close_pipes()

    def stop(self) -> None:
        """Close stdin so the worker shuts soffice down cleanly; kill whatever is left after a grace."""
        with contextlib.suppress(OSError):
            assert self.process.stdin is not None
            self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(STOP_GRACE)
        self.kill()

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()


class _Slot:
    """A place for one worker; its profile dir outlives the workers so restarts start warm."""

    def __init__(self, index: int, work_dir: Path) -> None:
        self.index = index
        self.dir = work_dir / f"slot-{index}"
        self.profile = self.dir / "profile"
        self.tmp = self.dir / "tmp"
        self.log = self.dir / "worker.log"
        self.worker: _Worker | None = None
        self.conversions = 0
        self.busy_since: float | None = None  # monotonic start of the conversion in progress
        self.lock = threading.Lock()  # guards ``worker`` against close() racing a (re)start


class _Waiter:
    """A caller queued for a slot; ``_release`` hands the slot over directly (no barging)."""

    def __init__(self, wakeup: threading.Condition) -> None:
        self.wakeup = wakeup
        self.slot: _Slot | None = None


class ConverterPool:
    """Warm LibreOffice workers shared by many threads; see the module docstring for why."""

    def __init__(self, size: int, work_dir: Path, *, recycle_after: int = 200, timeout: float = 60.0,
                 queue_limit: int = 16, queue_timeout: float = 30.0,
                 uno_python: str = "/usr/bin/python3", soffice: str = "soffice") -> None:
        if size < 1:
            raise ValueError("a converter pool needs at least one worker")
        self.work_dir = Path(work_dir).resolve()
        self.recycle_after = recycle_after
        self.timeout = timeout  # per conversion; adjustable at run time
        self.queue_limit = queue_limit
        self.queue_timeout = queue_timeout
        self.uno_python = uno_python
        self.soffice = soffice
        self._slots = [_Slot(i, self.work_dir) for i in range(size)]
        self._lock = threading.Lock()  # guards _idle, _waiters, _closed and _threads
        self._idle: deque[_Slot] = deque()
        self._waiters: deque[_Waiter] = deque()  # FIFO: a freed slot goes to the longest waiter
        self._closed = False
        self._stopping = threading.Event()  # wakes reviving threads out of their back-off sleep
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start every worker in parallel; slots that fail keep retrying in the background."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        errors: dict[int, str] = {}

        def start_one(slot: _Slot) -> None:
            try:
                self._spawn(slot)
            except _WorkerBroken as exc:
                errors[slot.index] = str(exc)

        starters = [threading.Thread(target=start_one, args=(slot,), daemon=True) for slot in self._slots]
        for thread in starters:
            thread.start()
        for thread in starters:
            thread.join()
        if len(errors) == len(self._slots):
            self.close()
            raise ConversionFailed(f"没有可用的 LibreOffice 进程：{errors[0]}")
        for slot in self._slots:
            if slot.index in errors:
                self._revive_in_background(slot)
            else:
                # Stagger the first recycling so that the slots never all restart at the same time.
                slot.conversions = slot.index * self.recycle_after // len(self._slots)
                self._release(slot)

    def close(self) -> None:
        """Stop every worker and wake every waiter; safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._idle.clear()
            for waiter in self._waiters:
                waiter.wakeup.notify()
        self._stopping.set()
        stoppers = [threading.Thread(target=self._retire, args=(slot,), daemon=True) for slot in self._slots]
        for thread in stoppers:
            thread.start()
        for thread in stoppers + self._threads:
            thread.join(STOP_GRACE + 5)

    def __enter__(self) -> "ConverterPool":
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def waiting(self) -> int:
        """Callers queued for a slot now (``docgen_converter_queue_depth``)."""
        with self._lock:
            return len(self._waiters)

    def alive(self) -> int:
        """Workers that are connected to their soffice, still running and not hung: a conversion
        running past half its timeout counts as hung (``/readyz`` sees it before the kill)."""
        now = time.monotonic()
        return sum(1 for slot in self._slots
                   if (worker := slot.worker) is not None and worker.ready and worker.running()
                   and (slot.busy_since is None or now - slot.busy_since < self.timeout / 2))

    # -- converting ------------------------------------------------------------------------------

    def convert(self, docx: bytes) -> bytes:
        """PDF/A-3b bytes of ``docx``; a hung or dead worker is replaced and the document retried once."""
        if not docx.startswith(b"PK\x03\x04"):  # LibreOffice would typeset an empty or odd file anyway
            raise ConversionFailed("输入不是 DOCX 文件")
        with self._lease() as slot:
            return self._convert_with_retry(slot, docx)

    @contextlib.contextmanager
    def _lease(self) -> Iterator[_Slot]:
        """Exclusive use of one idle slot; returns it to the pool (or to recycling) afterwards."""
        slot = self._acquire()
        try:
            yield slot
        finally:
            self._give_back(slot)

    def _acquire(self) -> _Slot:
        """An idle slot, or a place in the FIFO queue; new callers never overtake waiting ones."""
        deadline = time.monotonic() + self.queue_timeout
        with self._lock:
            self._check_open()
            if self._idle and not self._waiters:
                return self._idle.popleft()
            if len(self._waiters) >= self.queue_limit:
                raise ConverterBusy(f"已有 {len(self._waiters)} 个请求在排队", retry_after=2)
            waiter = _Waiter(threading.Condition(self._lock))
            self._waiters.append(waiter)
            try:
                while waiter.slot is None:
                    self._check_open()
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise ConverterBusy(f"{self.queue_timeout:g} 秒内没有空闲的转换进程",
                                            retry_after=2)
                    waiter.wakeup.wait(remaining)
                return waiter.slot
            finally:
                if waiter.slot is None:
                    self._waiters.remove(waiter)

    def _check_open(self) -> None:
        if self._closed:
            raise ConversionFailed("转换服务已关闭")

    def _release(self, slot: _Slot) -> None:
        with self._lock:
            if self._closed:
                return
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.slot = slot
                waiter.wakeup.notify()
            else:
                self._idle.append(slot)

    def _give_back(self, slot: _Slot) -> None:
        """Back to the idle queue, unless the worker is due for recycling or is not running."""
        worker = slot.worker
        if worker is None or not worker.running():
            self._revive_in_background(slot)
        elif slot.conversions >= self.recycle_after:
            self._revive_in_background(slot, recycle=True)
        else:
            self._release(slot)

    def _convert_with_retry(self, slot: _Slot, docx: bytes) -> bytes:
        worker = slot.worker
        if worker is None or not worker.running():  # died while idle: replace before the first try
            self._respawn_now(slot, "the idle worker had died")
        try:
            return self._convert_once(slot, docx)
        except _WorkerBroken as first:
            self._respawn_now(slot, f"first attempt failed: {first}")
            try:
                return self._convert_once(slot, docx)
            except _WorkerBroken as second:
                self._kill(slot)  # _give_back revives it in the background
                raise ConversionFailed(
                    f"LibreOffice 转换失败（重试一次后仍失败）：{first}; 重试：{second}") from second
        except _DocumentRejected as exc:
            raise ConversionFailed(f"LibreOffice 无法转换该文档：{exc}") from exc

    def _convert_once(self, slot: _Slot, docx: bytes) -> bytes:
        """Write the DOCX to the slot's temp dir, convert, read the PDF, remove both files."""
        worker = slot.worker
        if worker is None:
            raise _WorkerBroken("no worker in this slot")
        name = uuid.uuid4().hex
        src, dst = slot.tmp / f"{name}.docx", slot.tmp / f"{name}.pdf"
        try:
            src.write_bytes(docx)
            slot.conversions += 1  # failed documents grow LibreOffice's memory too
            slot.busy_since = time.monotonic()
            worker.convert(src, dst, self.timeout)
            pdf = dst.read_bytes()
        finally:
            slot.busy_since = None
            src.unlink(missing_ok=True)
            dst.unlink(missing_ok=True)
        if not pdf.startswith(b"%PDF"):
            raise _DocumentRejected("LibreOffice wrote something that is not a PDF")
        return pdf

    # -- starting and stopping workers -----------------------------------------------------------

    def _spawn(self, slot: _Slot) -> None:
        """Start a worker in ``slot`` and wait until it is ready (seconds; slower on a fresh profile)."""
        with slot.lock:
            if self._closed:
                raise _WorkerBroken("pool is closed")
            try:
                slot.profile.mkdir(parents=True, exist_ok=True)
                shutil.rmtree(slot.tmp, ignore_errors=True)
                slot.tmp.mkdir(parents=True)
                worker = _Worker(self._worker_argv(slot), self._worker_env(), slot.log)
            except OSError as exc:  # e.g. no such uno_python, or an unwritable work dir
                raise _WorkerBroken(f"cannot start {self.uno_python}: {exc}") from exc
            slot.worker, slot.conversions = worker, 0
        try:
            worker.wait_ready(START_TIMEOUT)
        except _WorkerBroken:
            self._kill(slot)
            raise
        if self._closed:  # close() ran while we were starting: do not leave a soffice behind
            self._kill(slot)
            raise _WorkerBroken("pool is closed")

    def _worker_argv(self, slot: _Slot) -> list[str]:
        # -I: isolated from the venv's PYTHON* variables and from this package dir shadowing stdlib names
        return [self.uno_python, "-I", str(WORKER_SCRIPT), "--profile", str(slot.profile),
                "--soffice", self.soffice, "--fonts-conf", str(FONTS_CONF)]

    @staticmethod
    def _worker_env() -> dict[str, str]:
        env = {key: value for key, value in os.environ.items()
               if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "FONTCONFIG_FILE"}}
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _respawn_now(self, slot: _Slot, why: str) -> None:
        """Replace the slot's worker while the caller waits (it holds the slot and needs a worker)."""
        metrics.CONVERTER_RESTARTS.labels("failed").inc()
        self._kill(slot)
        try:
            self._spawn(slot)
        except _WorkerBroken as exc:
            raise ConversionFailed(f"LibreOffice 进程无法重启（{why}）：{exc}") from exc

    def _kill(self, slot: _Slot) -> None:
        with slot.lock:
            worker, slot.worker = slot.worker, None
        if worker is not None:
            worker.kill()

    def _retire(self, slot: _Slot) -> None:
        """Graceful stop: soffice gets to quit and flush its profile."""
        with slot.lock:
            worker, slot.worker = slot.worker, None
        if worker is not None:
            worker.stop()

    def _revive_in_background(self, slot: _Slot, *, recycle: bool = False) -> None:
        """Restart the slot off the caller's thread; the slot rejoins the idle queue when ready."""
        thread = threading.Thread(target=self._revive, args=(slot, recycle),
                                  name=f"docgen-converter-{slot.index}", daemon=True)
        with self._lock:
            if self._closed:
                return
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _revive(self, slot: _Slot, recycle: bool) -> None:
        metrics.CONVERTER_RESTARTS.labels("recycled" if recycle else "failed").inc()
        if recycle:
            self._retire(slot)
        else:
            self._kill(slot)
        for attempt in itertools.count():
            if self._closed:
                return
            try:
                self._spawn(slot)
            except _WorkerBroken:
                if self._stopping.wait(REVIVE_BACKOFF[min(attempt, len(REVIVE_BACKOFF) - 1)]):
                    return
                continue
            self._release(slot)
            return
