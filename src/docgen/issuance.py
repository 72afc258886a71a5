"""Issuing a document: validate → number → (render → convert → seal → store: ``stages``), as one operation.

Issuance is stage 0 of the document's signature chain, signed for the
submitting case system. Either the whole document is stored (payload, DOCX and
signed PDF bytes, then the database rows) or nothing is: a rejected or failed
request leaves no row, no consumed 文书编号 and no claimed idempotency key.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from . import chain, metrics
from .catalogue import Catalogue, TemplateVersion
from .chain import Manifest
from .errors import TemplateRetired
from .idempotency import IdempotencyKeys
from .jsontext import integral
from .numbering import Numbering, Reservation
from .rendering import RenderContext
from .stages import Opinion, Stages
from .timefmt import record_now
from .jsontext import canonical_json
from .storage import StoredDocument, sha256


@dataclass(frozen=True)
class Issued:
    document: StoredDocument
    replayed: bool


class Issuer:
    """Stage 0 of a document: a payload validated, numbered and issued through ``Stages``."""

    def __init__(self, catalogue: Catalogue, stages: Stages, *, boot_id: str = "") -> None:
        self.catalogue = catalogue
        self.stages = stages
        self.storage = stages.storage
        self.authority = stages.authority
        self.agency = stages.agency
        self.zone = stages.zone
        self.numbering = Numbering(self.storage.db, self.agency, boot_id)
        self.keys = IdempotencyKeys(self.storage.db, boot_id)
        self.cases: Any = None  # cases.CaseStore: fills a payload from its case and binds the document to it
        self.publicity: Any = None  # publicity.PublicityStore: opens the record of a decision to publish

    def release(self, template_id: str, version: str | None) -> TemplateVersion:
        """The version to issue with; a retired version renders old documents only."""
        release = self.catalogue.get(template_id, version)
        if release.status != "active":
            current = self.catalogue.get(template_id).version
            raise TemplateRetired(f"模板 {template_id} 的版本 {release.version} 已停用，请使用现行版本 {current}")
        return release

    def validate(self, release: TemplateVersion, data: Any) -> Any:
        """The payload as it will be stored and rendered (integral floats as ints), once it is valid."""
        return self.catalogue.validated(release, data)

    def issue(self, principal_id: str, template_id: str, version: str | None, data: Any,
              idempotency_key: str | None = None, case_id: str | None = None) -> Issued:
        release = self.release(template_id, version)
        if case_id is not None:  # data entered once: the case fills what the payload does not give
            data = self.cases.fill(case_id, release, data)
        elif self.cases is not None:  # a photo printed outside a case must still be a stored 音像记录
            self.cases.check_uncased(release, data)
        data = integral(data)
        if idempotency_key:  # the version as resolved: omitting it means the current one
            fingerprint = sha256(canonical_json({"template": template_id, "version": release.version,
                                                 "data": data, **({"case_id": case_id} if case_id else {})}))
            existing = self.keys.claim(f"{principal_id}:{idempotency_key}", fingerprint)
            if existing:
                return Issued(self.storage.document(existing), replayed=True)
        try:
            document = self._issue(principal_id, release, data, idempotency_key, case_id)
        except BaseException:
            if idempotency_key:
                self.keys.abandon(f"{principal_id}:{idempotency_key}")
            raise
        return Issued(document, replayed=False)

    def _issue(self, principal_id: str, release: TemplateVersion, data: Any,
               idempotency_key: str | None, case_id: str | None = None) -> StoredDocument:
        data = self.validate(release, data)
        self.stages.preflight()
        holder: list[Reservation] = []  # the reservation in force; it may move down into a gap (numbering.turn)
        if release.numbered:
            holder.append(self.numbering.reserve(release.template_id))
        try:
            return self._store(principal_id, release, data, holder, idempotency_key, case_id)
        except BaseException:
            if holder:
                self.numbering.release(holder[0])
            raise

    def _store(self, principal_id: str, release: TemplateVersion, data: Any, holder: list[Reservation],
               idempotency_key: str | None, case_id: str | None = None) -> StoredDocument:
        """Render, convert and seal with the reserved number; store once every lower number is issued.

        If the number moves down into a gap while waiting its turn, the
        document is made again with the new number: it is printed and signed.
        """
        signer = self.authority.signer(principal_id)
        document_id = uuid.uuid4().hex
        payload_sha256 = self.storage.blobs.put(canonical_json(data))
        while True:
            number = holder[0].text if holder else ""
            now = chain.utc_now()

            def start(content: bytes) -> Manifest:
                return chain.start(content, document_id=document_id,
                                   installation_id=self.authority.installation_id, template=release.template_id,
                                   template_version=release.version, signer=signer, time=now,
                                   role=release.workflow.stages[0].role)

            opening = Opinion(chain.FIRST_ROUND, chain.ISSUANCE, None, None, signer.name, now)
            produced = self.stages.produce(release, data, number, signer, [opening], start)
            if not holder:
                break
            turn = self.numbering.turn(holder[0])
            if turn == holder[0]:
                break
            holder[0] = turn
        document = StoredDocument(
            id=document_id, template_id=release.template_id, template_version=release.version,
            template_sha256=dict(release.sha256), title=release.title, doc_number=number or None,
            payload_sha256=payload_sha256, created_at=record_now(),
            created_by=principal_id,
        )
        with self.storage.db.transaction() as conn:
            if holder:
                Numbering.confirm(conn, holder[0], document.id)
            if idempotency_key:
                IdempotencyKeys.complete(conn, f"{principal_id}:{idempotency_key}", document.id)
            self.storage.insert(conn, "documents", document.row())
            self.stages.store(conn, document.id, payload_sha256, produced)
            if case_id is not None:
                self.cases.attach(conn, case_id, document)
            if self.publicity is not None:
                self.publicity.opened(conn, document, data, case_id)
        if holder:
            self.numbering.settled()
        metrics.DOCUMENTS_ISSUED.labels(release.template_id).inc()
        return document

    def blank(self, release: TemplateVersion) -> tuple[bytes, bytes]:
        """The printable blank form (DOCX, PDF) of a version, made once and then served from storage."""
        key = f"blank:{release.fingerprint}:{sha256(canonical_json(dict(self.agency)))}"
        cached = {kind: self.storage.rendition(f"{key}:{kind}") for kind in ("docx", "pdf")}
        if all(cached.values()):
            return self.storage.blobs.get(cached["docx"]), self.storage.blobs.get(cached["pdf"])
        self.stages.preflight()
        docx, pdf = self.stages.render_pdf(release, RenderContext(data={}, agency=self.agency, blank=True))
        self.storage.save_rendition(f"{key}:docx", docx)
        self.storage.save_rendition(f"{key}:pdf", pdf)
        return docx, pdf
