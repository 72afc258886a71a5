"""Issuing a document: validate → number → render → convert → seal → store, as one operation.

Issuance is stage 0 of the document's signature chain, signed for the
submitting case system. Either the whole document is stored (payload, DOCX and
signed PDF bytes, then the database rows) or nothing is: a rejected or failed
request leaves no row, no consumed 文书编号 and no claimed idempotency key.
"""
from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo

from . import chain
from .catalogue import Catalogue, TemplateVersion
from .chain import Link, Manifest
from .conversion import ConverterPool
from .errors import Conflict, TemplateRetired
from .idempotency import IdempotencyKeys
from .jsontext import integral
from .numbering import Numbering, Reservation
from .pki import Authority, Signer
from .rendering import RenderContext, render_docx
from .sealing import seal
from .storage import Storage, StoredDocument, StoredStage, canonical_json, sha256


@dataclass(frozen=True)
class Issued:
    document: StoredDocument
    replayed: bool


@dataclass(frozen=True)
class Opinion:
    """What a stage's box on the page shows; known before its link can be signed."""

    round: int
    stage: str
    decision: str | None
    opinion: str | None
    signer: str
    time: str

    @classmethod
    def of(cls, link: Link) -> "Opinion":
        return cls(link.round, link.stage, link.decision, link.opinion, link.signer_name, link.time)


@dataclass(frozen=True)
class StageBytes:
    """What one stage issues: the filled DOCX and the signed PDF, with the chain so far."""

    docx: bytes
    pdf: bytes
    manifest: Manifest


class Issuer:
    def __init__(self, catalogue: Catalogue, storage: Storage, pool: ConverterPool,
                 authority: Authority, agency: Mapping[str, Any], *, boot_id: str = "", min_free: int = 0) -> None:
        self.catalogue = catalogue
        self.storage = storage
        self.pool = pool
        self.authority = authority
        self.agency = agency
        self.zone = ZoneInfo(agency.get("timezone", "Asia/Shanghai"))
        self.numbering = Numbering(storage.db, agency, boot_id)
        self.keys = IdempotencyKeys(storage.db, boot_id)
        self.min_free = min_free  # bytes the data directory must keep free before anything is rendered
        self.cases: Any = None  # cases.CaseStore: fills a payload from its case and binds the document to it

    def release(self, template_id: str, version: str | None) -> TemplateVersion:
        """The version to issue with; a retired version renders old documents only."""
        release = self.catalogue.get(template_id, version)
        if release.status != "active":
            current = self.catalogue.get(template_id).version
            raise TemplateRetired(f"模板 {template_id} 的版本 {release.version} 已停用，请使用现行版本 {current}")
        return release

    def validate(self, release: TemplateVersion, data: Any) -> Any:
        """The payload as it will be stored and rendered (integral floats as ints), once it is valid."""
        data = integral(data)
        self.catalogue.validator(release).validate(data)
        return data

    def preflight(self) -> None:
        """Refuse (507/503) before rendering when the disk is full or the store read-only."""
        self.storage.preflight(self.min_free)

    def render_pdf(self, release: TemplateVersion, context: RenderContext) -> tuple[bytes, bytes]:
        docx = render_docx(release.template_bytes, context)
        return docx, self.pool.convert(docx)

    def approvals_context(self, opinions: list["Opinion"]) -> dict[str, dict[str, str | None]]:
        """The opinions of the current round, as the template's ``approvals`` boxes show them."""
        current = [o for o in opinions if o.round == opinions[-1].round] if opinions else []
        return {o.stage: {"decision": o.decision, "opinion": o.opinion, "signer": o.signer,
                          "date": chain.parse_time(o.time).astimezone(self.zone).date().isoformat()}
                for o in current if o.stage != chain.ISSUANCE}

    def produce_stage(self, release: TemplateVersion, data: Any, doc_number: str, signer: Signer,
                      opinions: list["Opinion"], make_manifest: Callable[[bytes], Manifest]) -> StageBytes:
        """Render with every opinion of the round (the new one included), convert, then seal.

        ``make_manifest(content_pdf)`` adds the new link: it needs the content's hash,
        so the page is rendered from ``opinions`` first.
        """
        context = RenderContext(data=data, agency=self.agency, doc_number=doc_number,
                                extra={"approvals": self.approvals_context(opinions)})
        docx, content = self.render_pdf(release, context)
        manifest = make_manifest(content)
        last = manifest.last
        stage = release.workflow.stage(last.stage)
        reason = f"{stage.label if stage else last.stage}：{last.decision or '签发'}"
        return StageBytes(docx, seal(content, manifest, signer, self.authority.root_certificate, reason=reason),
                          manifest)

    def store_stage(self, conn: sqlite3.Connection, document_id: str, payload_sha256: str,
                    produced: StageBytes) -> StoredStage:
        link = produced.manifest.last
        stage = StoredStage(document_id=document_id, idx=link.index, stage=link.stage,
                            payload_sha256=payload_sha256, docx_sha256=self.storage.blobs.put(produced.docx),
                            pdf_sha256=self.storage.blobs.put(produced.pdf), link=link)
        try:
            self.storage.insert(conn, "stages", stage.row())
        except sqlite3.IntegrityError:
            raise Conflict(f"环节 {link.index} 已由另一请求签署") from None
        return stage

    def issue(self, principal_id: str, template_id: str, version: str | None, data: Any,
              idempotency_key: str | None = None, case_id: str | None = None) -> Issued:
        release = self.release(template_id, version)
        if case_id is not None:  # data entered once: the case fills what the payload does not give
            data = self.cases.fill(case_id, release, data)
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
        self.preflight()
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
            produced = self.produce_stage(release, data, number, signer, [opening], start)
            if not holder:
                break
            turn = self.numbering.turn(holder[0])
            if turn == holder[0]:
                break
            holder[0] = turn
        document = StoredDocument(
            id=document_id, template_id=release.template_id, template_version=release.version,
            template_sha256=dict(release.sha256), title=release.title, doc_number=number or None,
            payload_sha256=payload_sha256, created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            created_by=principal_id,
        )
        with self.storage.db.transaction() as conn:
            if holder:
                Numbering.confirm(conn, holder[0], document.id)
            if idempotency_key:
                IdempotencyKeys.complete(conn, f"{principal_id}:{idempotency_key}", document.id)
            self.storage.insert(conn, "documents", document.row())
            self.store_stage(conn, document.id, payload_sha256, produced)
            if case_id is not None:
                self.cases.attach(conn, case_id, document)
        if holder:
            self.numbering.settled()
        return document

    def blank(self, release: TemplateVersion) -> tuple[bytes, bytes]:
        """The printable blank form (DOCX, PDF) of a version, made once and then served from storage."""
        key = f"blank:{release.fingerprint}:{sha256(canonical_json(dict(self.agency)))}"
        cached = {kind: self.storage.rendition(f"{key}:{kind}") for kind in ("docx", "pdf")}
        if all(cached.values()):
            return self.storage.blobs.get(cached["docx"]), self.storage.blobs.get(cached["pdf"])
        self.preflight()
        docx, pdf = self.render_pdf(release, RenderContext(data={}, agency=self.agency, blank=True))
        self.storage.save_rendition(f"{key}:docx", docx)
        self.storage.save_rendition(f"{key}:pdf", pdf)
        return docx, pdf
