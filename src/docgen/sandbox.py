"""Run CPU- and memory-heavy work on untrusted input in worker processes, with budgets.

Verifying an uploaded PDF means parsing, decompressing and hashing bytes
anyone may send (``/verify`` needs no sign-in). Done inside the server's event
loop, a 100 MB upload froze every endpoint for 34 s and eight small flate bombs
took 1.2 GB. Here each call runs in a long-lived child process (started once,
so no import cost per call) whose address space is capped (``RLIMIT_AS``: a
decompression bomb ends in ``MemoryError`` in the child, not in the server) and
which is killed and replaced when it exceeds its time budget. At most
``workers`` calls run at once and ``queue`` more may wait; beyond that the
caller gets ``VerifierBusy`` (503 with Retry-After) at once.

Children are started with ``spawn``: the server has threads (converters), and
forking a threaded process is unsafe.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import queue
import resource
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Callable

from .errors import VerifierBusy


class SandboxError(Exception):
    """The call did not return a result; ``str()`` says why, in Chinese."""


class BudgetExceeded(SandboxError):
    """The call ran out of time or memory; the child was replaced."""


@dataclass(frozen=True)
class _Failure:
    kind: str  # "memory" or "error"
    message: str


def _serve(conn: Connection, memory: int) -> None:
    """The child's loop: one call at a time, the result (or what went wrong) sent back."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    while True:
        try:
            function, args = conn.recv()
        except EOFError:
            return
        try:
            result: Any = function(*args)
        except MemoryError:
            result = _Failure("memory", "内存超出限额")
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which decides
            result = _Failure("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(result)
        except MemoryError:
            conn.send(_Failure("memory", "内存超出限额"))


class _Child:
    def __init__(self, context: Any, memory: int) -> None:
        self.conn, child_conn = context.Pipe()
        self.process = context.Process(target=_serve, args=(child_conn, memory), daemon=True,
                                       name="docgen-sandbox")
        self.process.start()
        child_conn.close()

    def call(self, function: Callable[..., Any], args: tuple[Any, ...], seconds: float) -> Any:
        self.conn.send((function, args))
        if not self.conn.poll(seconds):
            raise BudgetExceeded(f"超过 {seconds:g} 秒的时间限额")
        return self.conn.recv()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class Sandbox:
    """A few worker processes that run picklable module-level functions under budgets."""

    def __init__(self, workers: int, queue_limit: int, seconds: float, memory: int) -> None:
        self.workers = workers
        self.queue_limit = queue_limit
        self.seconds = seconds
        self.memory = memory
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Child] = queue.Queue()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._started = False

    def start(self) -> None:
        """Start the children now (each imports its modules in the background)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        for _ in range(self.workers):
            self._idle.put(_Child(self._context, self.memory))

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return

    @property
    def in_flight(self) -> int:
        """Calls running or waiting for a worker now."""
        return self._in_flight

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in a child; ``BudgetExceeded`` past the time or memory budget,
        ``SandboxError`` if it raised, ``VerifierBusy`` when every worker is busy and the queue is full."""
        with self._lock:
            if self._in_flight >= self.workers + self.queue_limit:
                raise VerifierBusy(f"已有 {self._in_flight} 个验证请求在处理或排队", retry_after=5)
            self._in_flight += 1
        try:
            return await asyncio.to_thread(self._call, function, args)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _call(self, function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        self.start()
        child = self._idle.get()
        try:
            result = child.call(function, args, self.seconds)
        except (BudgetExceeded, OSError, EOFError) as exc:
            child.kill()
            child = _Child(self._context, self.memory)
            if isinstance(exc, BudgetExceeded):
                raise
            raise BudgetExceeded("验证进程异常退出（可能超出内存限额）") from exc
        finally:
            self._idle.put(child)
        if isinstance(result, _Failure):
            if result.kind == "memory":
                raise BudgetExceeded(f"超过 {self.memory // (1024 * 1024)} MiB 的内存限额")
            raise SandboxError(result.message)
        return result
