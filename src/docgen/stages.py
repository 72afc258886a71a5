"""One way to issue a file: render → convert → seal → store, the waist every signed file passes.

A document's issuance (stage 0) and each approval stage go through ``Stages``;
so will case volumes and public renditions. It knows nothing of numbering,
workflows or cases: it is given the data, the number to print, the signer, the
opinions to show and how to extend the chain, and gives back the signed bytes,
then stores them (bytes first, row last) inside the caller's transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from . import chain
from .catalogue import TemplateVersion
from .chain import Link, Manifest
from .converters import Converter
from .errors import Conflict
from .pki import Authority, Signer
from .rendering import RenderContext, render_docx
from .agency import as_agency
from .sealimage import place_seal_image, read_seal_image
from .sealing import seal
from .database import Connection, IntegrityError
from .storage import Storage, StoredStage

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


class Stages:
    """Render, convert, seal and store signed stage files for one installation."""

    def __init__(self, storage: Storage, converter: Converter, authority: Authority,
                 agency: Mapping[str, Any], *, min_free: int = 0) -> None:
        self.storage = storage
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

    def render_pdf(self, release: TemplateVersion, context: RenderContext) -> tuple[bytes, bytes]:
        docx = render_docx(release.template_bytes, context)
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
        docx = render_docx(release.template_bytes, context)
        if self.seal_image:  # the visible sign of the signature below, on this signed copy only
            docx = place_seal_image(docx, self.seal_image)
        content = self.converter.convert(docx)
        manifest = make_manifest(content)
        last = manifest.last
        stage = release.workflow.stage(last.stage)
        reason = f"{stage.label if stage else last.stage}：{last.decision or '签发'}"
        return StageBytes(docx, seal(content, manifest, signer, self.authority.root_certificate, reason=reason),
                          manifest)

    def store(self, conn: Connection, document_id: str, payload_sha256: str,
              produced: StageBytes) -> StoredStage:
        """The bytes into the blob store, then the stage's row, in the caller's transaction."""
        link = produced.manifest.last
        stage = StoredStage(document_id=document_id, idx=link.index, stage=link.stage,
                            payload_sha256=payload_sha256, docx_sha256=self.storage.blobs.put(produced.docx),
                            pdf_sha256=self.storage.blobs.put(produced.pdf), link=link)
        try:
            self.storage.insert(conn, "stages", stage.row())
        except IntegrityError:
            raise Conflict(f"环节 {link.index} 已由另一请求签署") from None
        return stage
