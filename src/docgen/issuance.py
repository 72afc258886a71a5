"""Issuing a document: validate → number → render → convert → store, as one operation.

Either the whole document is stored (payload, DOCX and PDF bytes, then the
database row) or nothing is: a rejected or failed request leaves no row, no
consumed 文书编号 and no claimed idempotency key.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from .catalogue import Catalogue, TemplateVersion
from .conversion import ConverterPool
from .errors import TemplateRetired
from .idempotency import IdempotencyKeys
from .numbering import Numbering, Reservation
from .rendering import RenderContext, render_docx
from .storage import Storage, StoredDocument, canonical_json, sha256


@dataclass(frozen=True)
class Issued:
    document: StoredDocument
    replayed: bool


class Issuer:
    def __init__(self, catalogue: Catalogue, storage: Storage, pool: ConverterPool,
                 agency: Mapping[str, Any]) -> None:
        self.catalogue = catalogue
        self.storage = storage
        self.pool = pool
        self.agency = agency
        self.numbering = Numbering(storage.db, agency)
        self.keys = IdempotencyKeys(storage.db)

    def release(self, template_id: str, version: str | None) -> TemplateVersion:
        """The version to issue with; a retired version renders old documents only."""
        release = self.catalogue.get(template_id, version)
        if release.status != "active":
            current = self.catalogue.get(template_id).version
            raise TemplateRetired(f"模板 {template_id} 的版本 {release.version} 已停用，请使用现行版本 {current}")
        return release

    def validate(self, release: TemplateVersion, data: Any) -> None:
        self.catalogue.validator(release).validate(data)

    def render_pdf(self, release: TemplateVersion, context: RenderContext) -> tuple[bytes, bytes]:
        docx = render_docx(release.template_bytes, context)
        return docx, self.pool.convert(docx)

    def issue(self, template_id: str, version: str | None, data: Any,
              idempotency_key: str | None = None) -> Issued:
        release = self.release(template_id, version)
        if idempotency_key:
            fingerprint = sha256(canonical_json({"template": template_id, "version": version, "data": data}))
            existing = self.keys.claim(idempotency_key, fingerprint)
            if existing:
                return Issued(self.storage.document(existing), replayed=True)
        try:
            document = self._issue(release, data, idempotency_key)
        except BaseException:
            if idempotency_key:
                self.keys.abandon(idempotency_key)
            raise
        return Issued(document, replayed=False)

    def _issue(self, release: TemplateVersion, data: Any, idempotency_key: str | None) -> StoredDocument:
        self.validate(release, data)
        reservation = self.numbering.reserve(release.template_id) if release.numbered else None
        try:
            return self._store(release, data, reservation, idempotency_key)
        except BaseException:
            if reservation:
                self.numbering.release(reservation)
            raise

    def _store(self, release: TemplateVersion, data: Any, reservation: Reservation | None,
               idempotency_key: str | None) -> StoredDocument:
        number = reservation.text if reservation else ""
        docx, pdf = self.render_pdf(release, RenderContext(data=data, agency=self.agency, doc_number=number))
        blobs = self.storage.blobs
        document = StoredDocument(
            id=uuid.uuid4().hex,
            template_id=release.template_id,
            template_version=release.version,
            template_sha256=dict(release.sha256),
            title=release.title,
            doc_number=number or None,
            payload_sha256=blobs.put(canonical_json(data)),
            docx_sha256=blobs.put(docx),
            pdf_sha256=blobs.put(pdf),
            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        with self.storage.db.transaction() as conn:
            if reservation:
                Numbering.confirm(conn, reservation, document.id)
            if idempotency_key:
                IdempotencyKeys.complete(conn, idempotency_key, document.id)
            self.storage.insert_document(conn, document)
        return document

    def blank(self, release: TemplateVersion) -> tuple[bytes, bytes]:
        """The printable blank form (DOCX, PDF) of a version, made once and then served from storage."""
        key = f"blank:{release.fingerprint}:{sha256(canonical_json(dict(self.agency)))}"
        cached = {kind: self.storage.rendition(f"{key}:{kind}") for kind in ("docx", "pdf")}
        if all(cached.values()):
            return self.storage.blobs.get(cached["docx"]), self.storage.blobs.get(cached["pdf"])
        docx, pdf = self.render_pdf(release, RenderContext(data={}, agency=self.agency, blank=True))
        self.storage.save_rendition(f"{key}:docx", docx)
        self.storage.save_rendition(f"{key}:pdf", pdf)
        return docx, pdf
