"""The verification that runs in a sandbox child (see ``sandbox.py``): only picklable data crosses.

The trust bundle crosses as its JSON (certificate objects do not pickle), and
the report comes back as the verifier's own frozen dataclasses.
"""
from __future__ import annotations

from .trust import TrustBundle
from .verification import VerificationReport, verify


def verify_files(files: list[tuple[str, bytes]], trust_json: bytes) -> VerificationReport:
    """The verifier's report on ``files`` against the bundle serialised as ``trust_json``."""
    return verify(files, TrustBundle.from_json(trust_json))
