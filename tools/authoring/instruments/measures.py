"""Instruments of the measures stages of a case (see tools/authoring/instruments/__init__.py)."""
from __future__ import annotations

from authoring.blocks import Instrument

INSTRUMENTS: tuple[Instrument, ...] = ()
