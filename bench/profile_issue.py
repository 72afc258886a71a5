"""Profile the Python side of one issuance (no HTTP): validate, render, seal, store.

The content PDF comes from one real warm conversion, made once; every profiled
issuance reuses those bytes so that only Python CPU is measured. Prints the
median time of each step and, with ``--cprofile``, the top functions.

    .venv/bin/python bench/profile_issue.py [--count 50] [--template penalty-decision] [--cprofile]
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from docgen import issuance, rendering, sealing
from docgen.config import PROJECT_DIR, Settings, StoreSettings, load_agency
from docgen.pki import Authority, MasterKey
from docgen.service import Service


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--template", default="penalty-decision")
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="docgen-profile-"))
    try:
        data_dir = work / "data"
        data_dir.mkdir()
        settings = Settings(data_dir=data_dir, store=StoreSettings.from_env(data_dir, {}), catalogue_dir=PROJECT_DIR,
                            agency=load_agency(), converters=1)
        master = MasterKey(b"k" * 32)
        authority = Authority.create(data_dir / "pki", settings.agency["name"], master)
        authority.issue_signer("case", "案件系统", ["case_system"])
        service = Service(settings, authority)
        issuer = service.issuer
        release = service.catalogue.get(args.template)
        data = release.example

        timings: dict[str, list[float]] = defaultdict(list)

        def timed(name, function):
            def wrapper(*a, **k):
                start = time.perf_counter()
                try:
                    return function(*a, **k)
                finally:
                    timings[name].append(time.perf_counter() - start)
            return wrapper

        converter = service.converter
        converter.start()
        try:
            content = converter.convert(rendering.render_docx(release.template_bytes, rendering.RenderContext(
                data=data, agency=settings.agency, doc_number="x")))
        finally:
            converter.close()
        converter.convert = lambda docx: content  # type: ignore[method-assign]

        issuance.render_docx = timed("render", rendering.render_docx)
        issuance.seal = timed("seal", sealing.seal)
        issuer.validate = timed("validate", issuer.validate)
        issuer.issue("case", args.template, None, data)  # warm caches (compiled templates, validators)
        timings.clear()
        profile = cProfile.Profile() if args.cprofile else None
        for _ in range(args.count):
            if profile:
                profile.enable()
            timed("issue (total)", issuer.issue)("case", args.template, None, data)
            if profile:
                profile.disable()
        for name, values in timings.items():
            print(f"{name:<16}{statistics.median(values) * 1000:8.2f} ms median  "
                  f"{min(values) * 1000:8.2f} ms min")
        if profile:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
