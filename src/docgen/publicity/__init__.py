"""Publicity (公示) of issued decisions: which, by when (``rules``), what is hidden (``redaction``), the
signed public rendition (``summary``, ``rendition``), the lifecycle record (``record``), not publishing
(``withholding``) and the batch export (``export``)."""
from .record import PublicityStore, Record
from .redaction import Span
from .rendition import Renditions
from .withholding import Withholding

__all__ = ["PublicityStore", "Record", "Renditions", "Span", "Withholding"]
