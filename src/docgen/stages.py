"""One way to issue a file: render → convert → seal → store → log, the waist every signed file passes.

A document's issuance (stage 0), each approval stage, its voiding (作废) and each public
rendition (公示文本: ``produce_public``, ``store_public``) go through ``Stages``; case volumes
log through ``Stages.log_file`` too. It knows nothing of numbering, workflows or cases: it is
given the data, the number to print, the signer, the opinions to show and how to extend the
chain, and gives back the signed bytes, then stores them (bytes first, then the transparency
log's leaf and the row) inside the caller's transaction, so an issued file always has its leaf
and a rolled-back one never does.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from typing import Any, Callable, Mapping

from pypdf import PdfReader, PdfWriter

from . import chain, metrics
from .catalogue import TemplateVersion
from .chain import Link, Manifest
from .converters import Converter
from .derivation import FIELD as PUBLIC_FIELD, NAME as PUBLIC_NAME, PublicManifest
from .errors import Conflict
from .pki import Authority, Signer
from .rendering import RenderContext, render_docx
from .agency import as_agency
from .images import place_images
from .sealimage import place_seal_image, read_seal_image
from .database import Connection, IntegrityError
from .sealing import seal, seal_attachment
from .stamping import stamp_pages
from .storage import Storage, StoredPublic, StoredStage
from .tlog.log import DOCUMENT, PUBLIC, STAGE, Leaf, Log

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


@dataclass(frozen=True)
class PublicBytes:
    """A public rendition: the redacted decision's DOCX and the signed PDF (信息摘要 + decision)."""

    docx: bytes
    pdf: bytes
    manifest: PublicManifest


class Stages:
    """Render, convert, seal and store signed stage files for one installation."""

    def __init__(self, storage: Storage, converter: Converter, authority: Authority,
                 agency: Mapping[str, Any], log: Log, *, min_free: int = 0) -> None:
        self.storage = storage
        self.log = log  # every issued file's leaf (tlog/log.py)
        self.converter = converter
        self.authority = authority
        self.agency = as_agency(agency)
        # The agency's seal image (agency profile ``seal_image``), printed on signed copies only.
        self.seal_image = read_seal_image(self.agency.seal_image) if self.agency.seal_image else None
        self.zone = self.agency.timezone
        self.min_free = min_free  # bytes the data directory must keep free before anything is rendered

    def preflight(self) -> None:
        """Refuse (507/503) before rendering when the disk is full or the store read-only."""
        self.storage.preflight(self.min_free)

    def render(self, release: TemplateVersion, context: RenderContext) -> bytes:
        """The filled DOCX with its pictures placed from the blob store (``images.py``: each
        ``photo`` placeholder by the sha256 the payload pins; validation decided which may print)."""
        return place_images(render_docx(release.template_bytes, context), self.storage.blobs.get)

    def render_pdf(self, release: TemplateVersion, context: RenderContext) -> tuple[bytes, bytes]:
        docx = self.render(release, context)
        return docx, self.converter.convert(docx)

    def approvals_context(self, opinions: list[Opinion]) -> dict[str, dict[str, str | None]]:
        """The opinions of the current round, as the template's ``approvals`` boxes show them."""
        current = [o for o in opinions if o.round == opinions[-1].round] if opinions else []
        return {o.stage: {"decision": o.decision, "opinion": o.opinion, "signer": o.signer,
                          "date": chain.parse_time(o.time).astimezone(self.zone).date().isoformat()}
                for o in current if o.stage != chain.ISSUANCE}

    def review_context(self, release: TemplateVersion, opinions: list[Opinion]) -> dict[str, Any]:
        """What a resubmitted table prints besides its boxes (template ``review``): the earlier rounds'
        returning decisions with their reasons, and this round's 送审说明 (the resubmission's opinion).
        Templates that do not use it render exactly as before."""
        current = opinions[-1].round if opinions else chain.FIRST_ROUND
        flow = release.workflow

        def day(o: Opinion) -> str:
            return chain.parse_time(o.time).astimezone(self.zone).date().isoformat()

        returns = []
        for o in opinions:
            stage = flow.stage(o.stage)
            if o.round < current and stage is not None and o.decision in stage.returns:
                returns.append({"round": o.round, "label": stage.label, "decision": o.decision, "opinion": o.opinion,
                                "signer": o.signer, "date": day(o)})
        sent = next((o for o in opinions if o.round == current and o.stage == chain.ISSUANCE), None)
        submission = ({"round": current, "opinion": sent.opinion, "signer": sent.signer, "date": day(sent)}
                      if sent is not None and sent.opinion else None)
        return {"round": current, "returns": returns, "submission": submission}

    def produce(self, release: TemplateVersion, data: Any, doc_number: str, signer: Signer,
                opinions: list[Opinion], make_manifest: Callable[[bytes], Manifest]) -> StageBytes:
        """Render with every opinion of the round (the new one included), convert, then seal.

        ``make_manifest(content_pdf)`` adds the new link: it needs the content's hash,
        so the page is rendered from ``opinions`` first.
        """
        context = RenderContext(data=data, agency=self.agency, doc_number=doc_number,
                                extra={"approvals": self.approvals_context(opinions),
                                       "review": self.review_context(release, opinions)})
        docx = self.render(release, context)
        if self.seal_image:  # the visible sign of the signature below, on this signed copy only
            docx = place_seal_image(docx, self.seal_image)
        content = self.converter.convert(docx)
        manifest = make_manifest(content)
        last = manifest.last
        stage = release.workflow.stage(last.stage)
        reason = f"{stage.label if stage else last.stage}：{last.decision or '签发'}"
        signed = seal(content, manifest, signer, self.authority.root_certificate, reason=reason)
        metrics.SIGNATURES.labels(last.stage).inc()
        return StageBytes(docx, signed, manifest)

    def stamped(self, previous_pdf: bytes, previous: Link, docx: bytes, stamp: bytes, signer: Signer,
                make_manifest: Callable[[bytes], Manifest], reason: str) -> StageBytes:
        """A stage whose page is the previous stage's page, exactly as signed, with ``stamp`` (a DOCX
        of one page, e.g. 作废 and its reason) over it; then sealed like any stage.

        The previous content (the first ``content_length`` bytes of its stage file) is not
        typeset again, so the stamped page is the very page that was issued. ``docx`` is kept
        as the stage's DOCX (the document's own: the stamp exists on the PDF only).
        """
        content = stamp_pages(previous_pdf[: previous.content_length], self.converter.convert(stamp), over=True)
        manifest = make_manifest(content)
        return StageBytes(docx, seal(content, manifest, signer, self.authority.root_certificate, reason=reason),
                          manifest)

    def store(self, conn: Connection, document_id: str, payload_sha256: str,
              produced: StageBytes) -> StoredStage:
        """The bytes into the blob store, then the PDF's leaf and the stage's row, in the caller's transaction."""
        link = produced.manifest.last
        docx_sha256 = self.storage.blobs.put(produced.docx)
        pdf_sha256 = self.storage.blobs.put(produced.pdf)
        index = self.log_file(conn, Leaf(DOCUMENT if link.index == 0 else STAGE, document_id, pdf_sha256,
                                         link.certificate_sha256, link.time, link.index))
        stage = StoredStage(document_id=document_id, idx=link.index, stage=link.stage,
                            payload_sha256=payload_sha256, docx_sha256=docx_sha256, pdf_sha256=pdf_sha256,
                            link=link, log_index=index)
        try:
            self.storage.insert(conn, "stages", stage.row())
        except IntegrityError:
            raise Conflict(f"环节 {link.index} 已由另一请求签署") from None  # the leaf rolls back with it
        return stage

    def log_file(self, conn: Connection, leaf: Leaf) -> int:
        """Append the issued file's leaf in the caller's (issuing) transaction; its log index.

        Every kind of issued file calls this once, in the same transaction as its row: stages
        here, volumes in ``cases/binding.py``. The leaf is rolled back with the row if the
        transaction fails, so the log and storage never disagree after a crash.
        """
        return self.log.append(conn, leaf)

    def produce_public(self, release: TemplateVersion, data: Any, doc_number: str, signer: Signer,
                       summary_of: Callable[[bytes], bytes],
                       make_manifest: Callable[[bytes, int], PublicManifest]) -> PublicBytes:
        """The public rendition of an issued decision, made from (redacted) data, never from its PDF.

        The decision is rendered from the same template version as the original, with the
        same context (agency, 文书编号, seal image); ``summary_of(decision_docx)`` gives the
        信息摘要 typeset on it. Both are converted to PDF/A and the summary's pages put
        first; ``make_manifest(content, summary_pages)`` makes the signed
        ``docgen-public/1`` manifest, embedded with the agency's signature in one update.
        """
        context = RenderContext(data=data, agency=self.agency, doc_number=doc_number,
                                extra={"approvals": self.approvals_context([]),
                                       "review": self.review_context(release, [])})
        docx = self.render(release, context)
        if self.seal_image:
            docx = place_seal_image(docx, self.seal_image)
        with ThreadPoolExecutor(2) as pool:
            summary_pdf, decision_pdf = pool.map(self.converter.convert, (summary_of(docx), docx))
        writer = PdfWriter(clone_from=PdfReader(BytesIO(summary_pdf)))
        summary_pages = len(writer.pages)
        writer.append(PdfReader(BytesIO(decision_pdf)), import_outline=False)
        out = BytesIO()
        writer.write(out)
        content = out.getvalue()
        manifest = make_manifest(content, summary_pages)
        pdf = seal_attachment(content, PUBLIC_NAME, manifest.to_json(), "公示文本清单 (docgen-public/1)：原件哈希与隐去内容",
                              chain.parse_time(manifest.time), signer, self.authority.root_certificate,
                              field_name=f"{PUBLIC_FIELD}-{manifest.revision}",
                              reason="公示文本：依法隐去个人信息等内容，其余与送达的决定书一致")
        return PublicBytes(docx, pdf, manifest)

    def store_public(self, conn: Connection, produced: PublicBytes, created_by: str) -> StoredPublic:
        """The public rendition's bytes into the blob store, then its leaf and row, in the caller's transaction."""
        manifest = produced.manifest
        pdf_sha256 = self.storage.blobs.put(produced.pdf)
        docx_sha256 = self.storage.blobs.put(produced.docx)
        index = self.log_file(conn, Leaf(PUBLIC, manifest.document_id, pdf_sha256, manifest.certificate_sha256,
                                         manifest.time, manifest.revision))
        stored = StoredPublic(document_id=manifest.document_id, revision=manifest.revision, pdf_sha256=pdf_sha256,
                              docx_sha256=docx_sha256, manifest=manifest.to_json().decode("utf-8"),
                              created_at=manifest.time, created_by=created_by, log_index=index)
        try:
            self.storage.insert(conn, "public_renditions", stored.__dict__)
        except IntegrityError:
            raise Conflict(f"公示文本第 {manifest.revision} 版已由另一请求生成") from None
        return stored
