"""Stored bytes as downloads: the media types, RFC 6266/5987 file names and strong ETags.

Used by the API's routers and by the pages (``web/``), which is why it lives
here and not in a router: the pages never import the app.
"""
from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, Response

from ..storage import StoredDocument

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def content_disposition(filename: str) -> str:
    """RFC 6266/5987: an ASCII fallback plus the UTF-8 Chinese name."""
    fallback = "".join(c if c.isascii() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def download(request: Request, data: bytes, digest: str, media_type: str, filename: str) -> Response:
    """Stored bytes with a strong ETag (their sha256); a matching If-None-Match gets 304."""
    etag = f'"{digest}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=31536000, immutable"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = content_disposition(filename)
    return Response(data, media_type=media_type, headers=headers)


def document_filename(doc: StoredDocument, extension: str, suffix: str = "") -> str:
    return f"{doc.title}-{doc.doc_number or doc.id[:8]}{suffix}.{extension}".replace("/", "／")
