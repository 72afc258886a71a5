"""A real ``docgen serve`` subprocess on a free loopback port, for tests and the benchmark."""
from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx


def agency_today() -> date:
    """Today where the agency is (its profile's ``timezone``), the day the server counts deadlines and
    countdowns from. From 16:00 to 24:00 UTC it is the machine's tomorrow: a test comparing with the
    server must not use ``date.today()``."""
    from datetime import datetime

    from docgen.config import load_agency
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(load_agency()["timezone"])).date()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: The principals every test server gets: a case system and one officer per review stage.
PEOPLE = {
    "case_system": ("株洲市场监管案件系统", ["case_system"]),
    "dept_head": ("李承办", ["dept_head"]),
    "dept_leader": ("赵分管", ["dept_leader"]),
    "legal_review": ("王法制", ["legal_review"]),
    "legal_head": ("陈科长", ["legal_head"]),
    "legal_leader": ("孙副局长", ["legal_leader"]),
    "director": ("周局长", ["director"]),
}


def docgen(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run the ``docgen`` command line against a data dir; its standard output."""
    return subprocess.run([sys.executable, "-m", "docgen.cli", "--data-dir", str(data_dir), *args],
                          check=True, capture_output=True, text=True, env={**os.environ, **(env or {})}).stdout


def docgen_here(data_dir: Path, *commands: list[str], env: dict[str, str] | None = None) -> list[str]:
    """Several ``docgen`` commands, in order, run by the command line's own ``main`` in this process
    (which has imported docgen already: a test server's installation costs its key generation, not
    another interpreter and a second and a half of imports); the standard output of each. Whatever
    a command opened (the database) is released before this returns, so the server that follows
    finds the data directory as a separate ``docgen`` process would have left it."""
    from docgen.cli import main

    if env and env.get("DOCGEN_DATABASE_URL"):  # its connection pool must not outlive the commands here
        return docgen_several(data_dir, *commands, env=env)
    outputs = []
    for command in commands:
        argv = ["--data-dir", str(data_dir), *command]
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = main(argv)
        if code:
            raise RuntimeError(f"docgen {' '.join(argv)}: exit {code}")
        outputs.append(out.getvalue())
    gc.collect()  # close the SQLite connections the commands' objects held
    return outputs


def docgen_inline(*args: str) -> subprocess.CompletedProcess:
    """``docgen *args`` run by the command line's own ``main`` in this process, answered as a subprocess
    would be (exit status, standard output and error), without another interpreter's imports. For commands
    that open no database (``verify``): ``tests/test_cli.py`` runs the real console script."""
    from docgen.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(["docgen", *args], code or 0, out.getvalue(), err.getvalue())


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``docgen *args``, answered as a subprocess: ``verify`` in this process (``docgen_inline``),
    anything else as a real one."""
    if args and args[0] == "verify":
        return docgen_inline(*args)
    return subprocess.run([sys.executable, "-m", "docgen.cli", *args], capture_output=True, text=True)


_SEVERAL = """
import contextlib, io, json, sys
from docgen.cli import main
outputs = []
for argv in json.loads(sys.argv[1]):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(argv)
    if code:
        sys.exit(f"docgen {' '.join(argv)}: exit {code}")
    outputs.append(out.getvalue())
print(json.dumps(outputs))
"""


def docgen_several(data_dir: Path, *commands: list[str], env: dict[str, str] | None = None) -> list[str]:
    """Several ``docgen`` commands, in order, in one interpreter (each process start costs a second
    and a half of imports); the standard output of each."""
    argvs = [["--data-dir", str(data_dir), *command] for command in commands]
    done = subprocess.run([sys.executable, "-c", _SEVERAL, json.dumps(argvs)],
                          check=True, capture_output=True, text=True, env={**os.environ, **(env or {})})
    return json.loads(done.stdout)


class Server:
    """A ``docgen serve`` subprocess with its principals; stopped at the end of the session."""

    def __init__(self, data_dir: Path, tokens: dict[str, str] | None = None, wait: bool = True, **env: str) -> None:
        """A server on ``data_dir``; a new installation with ``PEOPLE`` unless ``tokens`` of one are given.
        ``wait=False`` returns once the process is started: ``ready()`` waits for it."""
        self.data_dir = data_dir
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if tokens is None:
            added = docgen_here(data_dir, ["init"], *[
                ["principals", "add", "--name", name, *[arg for role in roles for arg in ("--role", role)], "--json"]
                for name, roles in PEOPLE.values()], env=env)[1:]
            tokens = {key: json.loads(output)["token"] for key, output in zip(PEOPLE, added)}
        self.tokens = tokens
        environment = {**os.environ, "DOCGEN_CONVERTERS": "2", **env}
        self.converter = environment.get("DOCGEN_CONVERTER") or "libreoffice"  # or "fake": no data on the page
        self.log = open(data_dir.parent / f"server-{self.port}.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "docgen.cli", "--data-dir", str(data_dir), "serve",
             "--port", str(self.port)],
            env=environment, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._ready = False
        if wait:
            self.ready()

    def ready(self) -> "Server":
        """Wait until the server answers ``/readyz`` (once)."""
        if not self._ready:
            self._wait_ready()
            self._ready = True
        return self

    def _wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {Path(self.log.name).read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become ready")

    @property
    def database_url(self) -> str:
        """The server's database (``DOCGEN_DATABASE_URL``), for a test to look at its rows."""
        return self.env.get("DOCGEN_DATABASE_URL") or f"sqlite:///{self.data_dir / 'docgen.sqlite3'}"

    def rows(self, sql: str, *params: object) -> list:
        """The rows of a read of the server's database, whichever backend it is on."""
        from docgen.storage import connect
        db = connect(self.database_url, upgrade=False)
        try:
            return db.query(sql, params)
        finally:
            db.close()

    def execute(self, sql: str, *params: object) -> int:
        """A write to the server's database, whichever backend it is on (one transaction); rows changed."""
        from docgen.storage import connect
        db = connect(self.database_url, upgrade=False)
        try:
            with db.transaction() as conn:
                return conn.execute(sql, params).rowcount
        finally:
            db.close()

    def client(self, who: str = "case_system") -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=120,
                            headers={"Authorization": f"Bearer {self.tokens[who]}"})

    def restarted(self) -> "Server":
        """A new server process on the same data directory, with the same principals and settings."""
        return Server(self.data_dir, self.tokens, **self.env)

    def kill(self) -> None:
        """``kill -9``: no shutdown, no cleanup, as a crash or the OOM killer would end it."""
        self.process.kill()
        self.process.wait(30)
        self.log.close()

    def peak_rss(self) -> int:
        """The server process's peak resident memory so far (VmHWM), in bytes."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(kib) * 1024

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Load:
    """Clients issuing one template's document over and over, each request with its own
    Idempotency-Key, until ``stop`` is set: the load a kill is aimed at (``test_reliability``:
    one server killed and restarted; ``test_many_servers``: one of two killed, the other goes on).
    ``outcome`` maps every key sent to its status, 0 while in flight or cut off by the kill."""

    def __init__(self, template: str, payload: Any) -> None:
        self.template = template
        self.payload = payload
        self.outcome: dict[str, int] = {}
        self.stop = threading.Event()

    def client(self, server: "Server", name: str, *, killed: bool = True) -> None:
        """Issue as ``name`` (keys ``name-0``, ``name-1`` …) until stopped. A transport error ends a
        client of the ``killed`` server quietly (its server died under it) and fails any other."""
        with httpx.Client(base_url=server.url, timeout=60,
                          headers={"Authorization": f"Bearer {server.tokens['case_system']}"}) as http:
            for n in range(1000):
                if self.stop.is_set():
                    return
                key = f"{name}-{n}"
                self.outcome[key] = 0
                try:
                    self.outcome[key] = http.post(
                        "/v1/documents", json={"template": self.template, "data": self.payload},
                        headers={"Idempotency-Key": key}).status_code
                except httpx.HTTPError:
                    if killed:
                        return
                    raise

    def wait_issued(self, count: int, seconds: float = 60) -> None:
        """Until ``count`` documents are issued (or ``seconds`` pass): the kill then lands mid-load."""
        deadline = time.monotonic() + seconds
        while sum(1 for code in self.outcome.values() if code == 201) < count and time.monotonic() < deadline:
            time.sleep(0.05)

    def cut(self, prefix: str = "") -> list[str]:
        """The keys (starting with ``prefix``) whose request did not complete with 201."""
        return [key for key, code in self.outcome.items() if key.startswith(prefix) and code != 201]
