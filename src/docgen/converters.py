"""What issuance needs from a converter, and which one an installation uses.

Callers (issuance, the service wiring, the readiness probe, ``docgen render``) depend on
``Converter`` only, the way a client of a Gotenberg-style service depends on its HTTP
interface and not on the LibreOffice behind it. Two implementations:

- ``libreoffice`` (the default): ``conversion.ConverterPool``, warm LibreOffice processes that
  typeset the DOCX into PDF/A-3b.
- ``fake`` (tests only): ``fixedpdf.FixedPdfConverter``, one stored PDF/A-3b that LibreOffice
  made once, whatever the DOCX says. It lets the API, numbering, workflow and sealing be
  tested in seconds without LibreOffice; a document issued with it shows none of its data.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from . import metrics
from .errors import ConverterBusy

if TYPE_CHECKING:
    from .config import Settings

LIBREOFFICE, FAKE = "libreoffice", "fake"
KINDS = (LIBREOFFICE, FAKE)


@runtime_checkable
class Converter(Protocol):
    """DOCX bytes → PDF/A-3b bytes, with a lifecycle the service drives."""

    def start(self) -> None:
        """Make the converter ready; raises ``ConversionFailed`` if it cannot convert at all."""

    def close(self) -> None:
        """Stop converting and release every process or file; safe to call twice."""

    def alive(self) -> int:
        """How many conversions could run now (0: not ready); ``/readyz`` reports it."""

    def waiting(self) -> int:
        """How many conversions wait for a free converter now; ``/metrics`` reports it."""

    def convert(self, docx: bytes) -> bytes:
        """The PDF/A-3b of ``docx``; ``ConversionFailed`` if it is not a DOCX or cannot be
        converted, ``ConverterBusy`` if the converter is saturated."""


def converter_for(settings: "Settings", work_dir: Path, size: int | None = None) -> Converter:
    """The converter ``settings.converter`` names; ``size`` overrides the number of LibreOffice
    processes (``docgen render`` needs one)."""
    if settings.converter == FAKE:
        from .fixedpdf import FixedPdfConverter
        return FixedPdfConverter()
    from .conversion import ConverterPool
    return ConverterPool(size or settings.converters, work_dir, recycle_after=settings.recycle_after,
                         timeout=settings.conversion_timeout, queue_limit=settings.queue_limit,
                         queue_timeout=settings.queue_timeout, uno_python=settings.uno_python)


class Metered:
    """A ``Converter`` that counts and times every conversion of the one it wraps (``metrics``):
    the service wraps its converter, so every caller (issuance, approvals, previews, blank forms,
    volumes) is counted in one place."""

    def __init__(self, inner: Converter) -> None:
        self.inner = inner

    def start(self) -> None:
        self.inner.start()

    def close(self) -> None:
        self.inner.close()

    def alive(self) -> int:
        return self.inner.alive()

    def waiting(self) -> int:
        return self.inner.waiting()

    def convert(self, docx: bytes) -> bytes:
        outcome = "failed"
        try:
            with metrics.timed(metrics.CONVERSION_SECONDS):
                pdf = self.inner.convert(docx)
            outcome = "ok"
            return pdf
        except ConverterBusy:
            outcome = "busy"
            raise
        finally:
            metrics.CONVERSIONS.labels(outcome).inc()
