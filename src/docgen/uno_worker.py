"""One warm LibreOffice behind a line-oriented JSON protocol; run by Debian's python3, which has ``uno``.

Usage: ``/usr/bin/python3 -I uno_worker.py --profile DIR [--soffice soffice] [--fonts-conf FILE]``

The worker starts its own ``soffice`` (in the worker's process group, so that killing the group
kills both), connects over a private pipe, prints ``{"ready": true}`` and then answers one JSON line
per request on stdin: ``{"src": "/abs/in.docx", "dst": "/abs/out.pdf"}`` → ``{"ok": true}`` or
``{"ok": false, "error": "..."}``. A reply with ``"fatal": true`` means LibreOffice itself is gone
and the worker exits. When stdin closes, soffice is terminated and the worker exits.

Only the standard library and ``uno`` may be imported here: this file runs outside the venv.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, BinaryIO

CONNECT_TIMEOUT = 120.0  # a fresh profile's first start takes several seconds on 2 cores
STOP_TIMEOUT = 10.0


def open_protocol() -> BinaryIO:
    """Keep the original stdout for replies only; everything else that writes to fd 1 goes to stderr.

    LibreOffice, pyuno and stray prints would otherwise corrupt the protocol.
    """
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "wb", buffering=0)


def send(protocol: BinaryIO, message: dict[str, Any]) -> None:
    protocol.write(json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n")


def start_soffice(soffice: str, profile: Path, pipe_name: str, fonts_conf: str | None) -> subprocess.Popen:
    """Start soffice in our process group when we lead one (the pool's case), else in a new group."""
    env = dict(os.environ)
    if fonts_conf:
        env["FONTCONFIG_FILE"] = fonts_conf
    argv = [
        soffice, "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
        "--nolockcheck", "--nofirststartwizard",
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        f"--accept=pipe,name={pipe_name};urp;StarOffice.ComponentContext",
    ]
    own_group = os.getpgrp() != os.getpid()
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=2, stderr=2, env=env,
                            start_new_session=own_group)


def connect(pipe_name: str, soffice: subprocess.Popen, timeout: float) -> Any:
    """The Desktop of our soffice, retrying while it starts up."""
    import uno
    from com.sun.star.connection import NoConnectException

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe_name};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except NoConnectException:
            if soffice.poll() is not None:
                raise RuntimeError(f"soffice exited with status {soffice.returncode} during startup")
            if time.monotonic() > deadline:
                raise RuntimeError(f"soffice did not accept a connection within {timeout:.0f} s")
            time.sleep(0.05)


def props(**values: Any) -> tuple[Any, ...]:
    from com.sun.star.beans import PropertyValue

    return tuple(PropertyValue(Name=name, Value=value) for name, value in values.items())


def convert(desktop: Any, src: str, dst: str) -> None:
    """DOCX → PDF/A-3b. Hidden=True skips view setup (about 25 % faster); links and macros stay off.

    The import filter is fixed to DOCX so that anything else fails instead of being typeset as text.
    """
    import uno

    load = props(Hidden=True, ReadOnly=True, FilterName="MS Word 2007 XML",
                 UpdateDocMode=0, MacroExecutionMode=0)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, load)
    if doc is None:
        raise RuntimeError("LibreOffice could not load the document")
    try:
        filter_data = uno.Any("[]com.sun.star.beans.PropertyValue", props(SelectPdfVersion=3))
        store = props(FilterName="writer_pdf_Export", FilterData=filter_data, Overwrite=True)
        uno.invoke(doc, "storeToURL", (uno.systemPathToFileUrl(dst), store))
    finally:
        close(doc)
    if not os.path.exists(dst):
        raise RuntimeError("LibreOffice wrote no PDF")


def close(doc: Any) -> None:
    try:
        doc.close(True)
    except Exception:  # noqa: BLE001 - a document that refuses to close is disposed instead
        doc.dispose()


def office_gone(soffice: subprocess.Popen, desktop: Any) -> bool:
    """Whether the failure was LibreOffice dying rather than the document being bad."""
    if soffice.poll() is not None:
        return True
    try:
        desktop.getCurrentComponent()
        return False
    except Exception:  # noqa: BLE001 - any bridge error means the office is unusable
        return True


def handle(line: bytes, desktop: Any, soffice: subprocess.Popen) -> dict[str, Any]:
    try:
        request = json.loads(line)
        convert(desktop, request["src"], request["dst"])
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001 - every failure becomes a reply, the pool decides
        reply: dict[str, Any] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        if office_gone(soffice, desktop):
            reply["fatal"] = True
        return reply


def stop(soffice: subprocess.Popen, desktop: Any | None) -> None:
    """Ask LibreOffice to quit, then make sure nothing of it is left."""
    if desktop is not None and soffice.poll() is None:
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 - the bridge drops as soffice exits
            pass
    try:
        soffice.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pass
    kill_office_group(soffice)


def kill_office_group(soffice: subprocess.Popen) -> None:
    """soffice is a wrapper that spawns soffice.bin: kill its whole group, sparing ourselves."""
    leader = os.getpgrp() == os.getpid()  # then soffice shares our group
    pgid = os.getpid() if leader else soffice.pid
    if leader:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    if soffice.poll() is None:
        try:
            soffice.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            soffice.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, required=True, help="LibreOffice user installation dir")
    parser.add_argument("--soffice", default="soffice")
    parser.add_argument("--fonts-conf", help="fontconfig file for soffice (FONTCONFIG_FILE)")
    args = parser.parse_args(argv)

    protocol = open_protocol()
    pipe_name = f"docgen-{os.getpid()}-{uuid.uuid4().hex}"
    try:
        args.profile.mkdir(parents=True, exist_ok=True)
        soffice = start_soffice(args.soffice, args.profile, pipe_name, args.fonts_conf)
    except OSError as exc:
        send(protocol, {"ready": False, "error": f"cannot start {args.soffice}: {exc}"})
        return 1
    desktop = None
    try:
        try:
            desktop = connect(pipe_name, soffice, CONNECT_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - reported to the pool, which retries later
            send(protocol, {"ready": False, "error": f"{type(exc).__name__}: {exc}"})
            return 1
        send(protocol, {"ready": True})
        for line in sys.stdin.buffer:
            if not line.strip():
                continue
            reply = handle(line, desktop, soffice)
            send(protocol, reply)
            if reply.get("fatal"):
                return 1
        return 0
    finally:
        stop(soffice, desktop)


if __name__ == "__main__":
    sys.exit(main())
