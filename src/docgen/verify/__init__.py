"""Offline verification of stage PDFs against a trust bundle.

``models`` says what a report holds (failure codes, the intact / trusted /
conforms / complete questions), ``policy`` judges a chain against the bundle's
workflows and roles, ``verifier`` does the mechanics, with the PAdES/CMS details
in ``_cms`` and the title and 文书编号 read from the signed page in ``_content``.
The CLI (``docgen verify``), ``POST /v1/verify`` and the ``/verify`` page all
call ``verify``/``verify_async`` from here.
"""
from __future__ import annotations

from .models import CODES, Aspect, Failure, FailureCode, FileResult, StageResult, VerificationReport
from .policy import VerificationPolicy
from .verifier import verify, verify_async

__all__ = ["CODES", "Aspect", "Failure", "FailureCode", "FileResult", "StageResult", "VerificationPolicy",
           "VerificationReport", "verify", "verify_async"]
