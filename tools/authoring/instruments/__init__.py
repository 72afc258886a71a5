"""Every instrument version the authoring tool knows, from each group's module."""
from __future__ import annotations

from authoring.instruments import core

INSTRUMENTS = core.INSTRUMENTS
