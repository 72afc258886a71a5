"""The HTTP API's entry point; the application itself is ``docgen.http.app`` (one router per resource)."""
from __future__ import annotations

from .http.app import create_app

__all__ = ["create_app"]
