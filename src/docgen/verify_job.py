"""The verification that runs in a sandbox child (see ``sandbox.py``): only picklable data crosses.

The trust bundle crosses as its JSON (certificate objects do not pickle), and
the report comes back as the verifier's own frozen dataclasses.
"""
from __future__ import annotations

from typing import Any

from .trust import TrustBundle
from .verify import VerificationReport, verify
from .verify.public import is_public, verify_public


def verify_files(files: list[tuple[str, bytes]], trust_json: bytes, complete: bool = False) -> VerificationReport:
    """The verifier's report on ``files`` against the bundle serialised as ``trust_json``
    (with ``complete``, also that every stage was given and the workflow has ended)."""
    return verify(files, TrustBundle.from_json(trust_json), require_complete=complete)


def verify_public_file(name: str, data: bytes, trust_json: bytes,
                       original: tuple[str, bytes] | None = None) -> dict[str, Any]:
    """The public-rendition report (``verify.public``) on one file, optionally against its original."""
    report = verify_public(name, data, TrustBundle.from_json(trust_json), original)
    return {**report.to_dict(), "summary": report.describe()}


def public_renditions(files: list[tuple[str, bytes]]) -> list[bool]:
    """Which of ``files`` are public renditions (they carry a ``docgen-public.json`` manifest): the page
    tells them apart as ``docgen verify`` does, and reading an uploaded PDF belongs in the sandbox too."""
    return [is_public(data) for _, data in files]
