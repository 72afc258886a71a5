"""Measure the memory of one warm LibreOffice converter (docs/deployment.md cites the numbers).

Starts a one-slot ``ConverterPool``, converts the 行政处罚决定书 example N times, and after each
checkpoint sums RSS and PSS (``/proc/<pid>/smaps_rollup``) over the slot's process group:
``uno_worker.py``, the soffice wrapper and ``soffice.bin``. The docgen server process itself is not
included (measure it on a running ``docgen serve``).

    .venv/bin/python tools/converter_rss.py [conversions ...]
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from docgen.catalogue import Catalogue
from docgen.config import PROJECT_DIR, load_agency
from docgen.conversion import ConverterPool
from docgen.rendering import RenderContext, render_docx


def group_memory(pgid: int) -> tuple[int, int, list[str]]:
    rss = pss = 0
    names = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            rollup = (entry / "smaps_rollup").read_text()
            names.append((entry / "comm").read_text().strip())
        except (OSError, ProcessLookupError):
            continue
        for line in rollup.splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss += int(line.split()[1]) * 1024
    return rss, pss, sorted(names)


def main(checkpoints: list[int]) -> None:
    agency = load_agency()
    release = Catalogue(PROJECT_DIR).get("penalty-decision")
    docx = render_docx(release.template_bytes, RenderContext(data=release.example, agency=agency, doc_number="株市监处罚〔2026〕1号"))
    with tempfile.TemporaryDirectory() as work, ConverterPool(1, Path(work), recycle_after=10_000) as pool:
        worker = pool._slots[0].worker
        assert worker is not None
        done = 0
        mib = 1024 * 1024
        rss, pss, names = group_memory(worker.pid)
        print(f"started   conversions=0    rss={rss / mib:6.1f} MiB  pss={pss / mib:6.1f} MiB  {names}")
        for target in checkpoints:
            started = time.perf_counter()
            count = target - done
            while done < target:
                pool.convert(docx)
                done += 1
            per = (time.perf_counter() - started) / max(count, 1) * 1000
            rss, pss, names = group_memory(worker.pid)
            print(f"warm      conversions={done:<4} rss={rss / mib:6.1f} MiB  pss={pss / mib:6.1f} MiB  "
                  f"{per:5.0f} ms/conversion")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1, 20, 100, 200])
