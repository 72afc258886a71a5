"""The public rendition (公示文本) of an issued decision: 信息摘要 + the redacted decision, signed, bound to the original.

Made from the payload, never by painting over the PDF: the latest signed stage's
payload is redacted (``redaction.py``), the 信息摘要 is made from the redacted
payload (``summary.py``), and both go through ``stages.Stages.produce_public`` —
the same template version as the original, the same 文书编号 and agency — to one
PDF/A, sealed with a ``docgen-public/1`` manifest (``derivation.py``) listing
the original's hashes and a keyed hash of every hidden value. A correction
(公示规定第十二条) is a new revision; no revision is ever overwritten.
"""
from __future__ import annotations

from dataclasses import replace
from hashlib import sha256
from typing import Any, Sequence

from .. import chain
from ..catalogue import Catalogue
from ..derivation import Entry, PublicManifest, new_salt, value_hash
from ..stages import Stages
from ..storage import StoredPublic
from . import summary
from .record import NOT_PUBLISHED, PUBLISHED, STATUS_LABELS, WITHDRAWN, PublicityStore, refuse_if_void
from .redaction import Redacted, Span, redact
from ..errors import Conflict, NotFound


class Renditions:
    def __init__(self, store: PublicityStore, catalogue: Catalogue, stages: Stages) -> None:
        self.store = store
        self.catalogue = catalogue
        self.stages = stages
        self.storage = stages.storage

    def list(self, document_id: str) -> list[StoredPublic]:
        rows = self.storage.db.query(
            "SELECT * FROM public_renditions WHERE document_id = ? ORDER BY revision", (document_id,))
        return [StoredPublic(**dict(row)) for row in rows]

    def latest(self, document_id: str) -> StoredPublic:
        made = self.list(document_id)
        if not made:
            raise NotFound(f"文书 {document_id} 还没有公示文本")
        return made[-1]

    def original(self, document_id: str) -> tuple[Any, bytes, Any, str]:
        """(document, the original PDF given to the party — its latest stage —, its payload, payload sha256)."""
        document = self.storage.document(document_id)
        last = self.storage.stages(document_id)[-1]
        return (document, self.storage.blobs.get(last.pdf_sha256), self.storage.payload(last.payload_sha256),
                last.payload_sha256)

    def preview(self, document_id: str, spans: Sequence[Span] = ()) -> Redacted:
        """What would be hidden (422 for a span that is not in the document), nothing made."""
        self.store.get(document_id)
        document, _, data, _ = self.original(document_id)
        return redact(data, self.store.settings.redactions.get(document.template_id, ()), spans)

    def make(self, actor: str, document_id: str, spans: Sequence[Span] = ()) -> StoredPublic:
        """The next public revision (409 once withdrawn, voided or not to be published; 422 for a bad span)."""
        record = self.store.get(document_id)
        refuse_if_void(record)
        if record.status in (WITHDRAWN, NOT_PUBLISHED):
            raise Conflict(f"公示记录的状态是“{STATUS_LABELS[record.status]}”，不再生成公示文本")
        document, original_pdf, data, payload_sha256 = self.original(document_id)
        redacted = redact(data, self.store.settings.redactions.get(document.template_id, ()), spans)
        release = self.catalogue.get(document.template_id, document.template_version)
        authority = self.stages.authority
        signer = authority.signer(actor)
        revision = len(self.list(document_id)) + 1
        entries = []
        for item in redacted.redactions:
            salt = new_salt()
            entries.append(Entry(item.pointer, item.shown, item.reason, item.kind, salt,
                                 value_hash(salt, original_pdf, item.value)))
        number = document.doc_number or ""
        rows = summary.fields(redacted.data, number, self.stages.agency)

        def make_manifest(content: bytes, summary_pages: int) -> PublicManifest:
            return PublicManifest.signed(
                signer, document_id=document.id, installation_id=authority.installation_id,
                template=document.template_id, template_version=document.template_version, doc_number=document.doc_number,
                original_pdf_sha256=sha256(original_pdf).hexdigest(), original_payload_sha256=payload_sha256,
                content_sha256=sha256(content).hexdigest(), content_length=len(content),
                summary_pages=summary_pages, revision=revision, redactions=tuple(entries), time=chain.utc_now())

        self.stages.preflight()
        produced = self.stages.produce_public(release, redacted.data, number, signer,
                                              lambda docx: summary.summary_docx(docx, rows), make_manifest)
        with self.storage.db.transaction() as conn:
            current = self.store.locked(conn, document_id)
            refuse_if_void(current)
            if current.status in (WITHDRAWN, NOT_PUBLISHED):
                raise Conflict(f"公示记录的状态是“{STATUS_LABELS[current.status]}”，不再生成公示文本")
            stored = self.stages.store_public(conn, produced, actor)
            made = {"revision": revision, "sha256": stored.pdf_sha256, "made_at": stored.created_at,
                    "redactions": [{"pointer": r.pointer, "shown": r.shown, "reason": r.reason, "kind": r.kind}
                                   for r in redacted.redactions],
                    "spans": [{"pointer": s.pointer, "text": s.text, "reason": s.reason} for s in spans]}
            kind = "corrected" if current.status == PUBLISHED else "rendition_made"
            self.store.save(conn, replace(current, detail={**current.detail, "rendition": made}), kind, actor,
                            {"revision": revision, "sha256": stored.pdf_sha256,
                             "redactions": len(redacted.redactions), "spans": len(spans)})
        return stored
