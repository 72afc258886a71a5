"""Publicity (公示) of issued decisions: which, by when (``rules``), what is hidden (``redaction``), the
signed public rendition (``summary``, ``rendition``), the lifecycle record (``record``) and the batch
export (``export``)."""
from .record import PublicityStore, Record
from .redaction import Span
from .rendition import Renditions

__all__ = ["PublicityStore", "Record", "Renditions", "Span"]
