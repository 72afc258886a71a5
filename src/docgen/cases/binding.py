"""Binding a closed case's volume: choose what is new, assemble (``volume``), sign for the agency, store.

The volume's own pages are rendered and converted like any instrument (their
payloads validated against their released schemas); the issued documents are
not converted again. The signature is a PAdES signature by the principal who
asks for the volume — a certificate the agency root issued — over the whole
file, so the originals inside and the manifest listing them are covered.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from pypdf import PdfReader

from .. import chain
from ..errors import Conflict, NotFound
from ..issuance import Issuer
from ..rendering import RenderContext
from ..sealing import sign
from ..database import IntegrityError, Row
from ..storage import Storage, StoredDocument, StoredStage
from ..tlog.log import VOLUME, Leaf
from .case import Case, CaseStore
from .docket import Docket
from .volume import OWN, Bound, assemble, document_date, order

FIELD = "docgen-volume"


@dataclass(frozen=True)
class VolumeRequest:
    """What the archive adds to the case for the cover and the 备考表."""

    archive_number: str
    retention: str
    result: str
    checked_by: str
    compiled_by: str | None = None
    notes: str = "本卷文件材料齐全完整，无缺损、修改、补充、移出、销毁情况。"


@dataclass(frozen=True)
class StoredVolume:
    case_id: str
    volume: int
    sha256: str
    pages: int
    documents: list[dict[str, Any]]
    built_at: str
    built_by: str
    log_index: int | None = None
    """The volume's leaf in the transparency log."""

    @classmethod
    def from_row(cls, row: Row) -> "StoredVolume":
        values = dict(row)
        values["documents"] = json.loads(values["documents"])
        return cls(**values)


class Binder:
    def __init__(self, cases: CaseStore, docket: Docket, issuer: Issuer, storage: Storage) -> None:
        self.cases = cases
        self.docket = docket
        self.issuer = issuer
        self.storage = storage

    def volumes(self, case_id: str) -> list[StoredVolume]:
        rows = self.storage.db.query("SELECT * FROM case_volumes WHERE case_id = ? ORDER BY volume", (case_id,))
        return [StoredVolume.from_row(row) for row in rows]

    def volume(self, case_id: str, number: int) -> StoredVolume:
        for volume in self.volumes(case_id):
            if volume.volume == number:
                return volume
        raise NotFound(f"案件 {case_id} 没有第 {number} 卷")

    def render(self, template_id: str, payload: dict[str, Any]) -> bytes:
        release = self.issuer.release(template_id, None)
        data = self.issuer.validate(release, payload)
        return self.issuer.stages.render_pdf(release, RenderContext(data=data, agency=self.issuer.agency))[1]

    def unbound(self, case: Case, earlier: list[StoredVolume] | None = None) -> list[StoredDocument]:
        """The case's documents no volume holds as they now stand (new, or re-signed since), the volume's
        own pages left out: what the next volume would bind; none, and ``build`` refuses (the case page
        says so instead of offering the build)."""
        earlier = self.volumes(case.id) if earlier is None else earlier
        return [doc for doc, _ in self._fresh(case, earlier) if doc.template_id not in OWN]

    def _fresh(self, case: Case, earlier: list[StoredVolume]) -> list[tuple[StoredDocument, list[StoredStage]]]:
        """The case's documents, with their stages, whose latest file no earlier volume binds."""
        bound_before = {(d["document_id"], d["sha256"]) for v in earlier for d in v.documents}
        return [(doc, stages) for doc, stages in self.docket.documents(case)
                if (doc.id, stages[-1].pdf_sha256) not in bound_before]

    def build(self, actor: str, case_id: str, request: VolumeRequest) -> StoredVolume:
        """The next volume of a closed case (409 before closing, or with nothing new to bind)."""
        case = self.cases.get(case_id)
        if not case.closed:
            raise Conflict(f"案件 {case.number} 尚未结案，不能装订案卷：先经结案审批并结案")
        earlier = self.volumes(case_id)
        unbound = self._fresh(case, earlier)
        fresh = [(doc, self.storage.payload(stages[-1].payload_sha256)) for doc, stages in unbound]
        latest = {doc.id: stages[-1] for doc, stages in unbound}
        ordered = order(fresh)
        if not ordered:
            raise Conflict(f"案件 {case.number} 自第 {len(earlier)} 卷以来没有新的文书，不再装订新卷")
        self.issuer.stages.preflight()
        bound = []
        for doc, data, section in ordered:
            stage = latest[doc.id]
            pdf = self.storage.blobs.get(stage.pdf_sha256)
            bound.append(Bound(doc, stage, pdf, len(PdfReader(BytesIO(pdf)).pages), section,
                               document_date(doc, data)))
        number = len(earlier) + 1
        built_at = chain.utc_now()
        pdf, pages, manifest = assemble(
            {"number": case.number, "cause": case.data["cause"], "party_name": case.party_name}, number, bound,
            self.render, self.front(case, number, request), built_at,
            self.media_entries(case))
        signer = self.issuer.authority.signer(actor)
        signed = sign(pdf, signer, self.issuer.authority.root_certificate, field_name=f"{FIELD}-{number}",
                      reason=f"案卷装订：{case.number} 第{number}卷")
        digest = self.storage.blobs.put(signed)
        with self.storage.db.transaction() as conn:
            index = self.issuer.stages.log_file(conn, Leaf(VOLUME, case_id, digest, signer.certificate_sha256,
                                                           built_at, number))
            try:
                conn.execute("INSERT INTO case_volumes (case_id, volume, sha256, pages, documents, built_at, built_by,"
                             " log_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (case_id, number, digest, pages, json.dumps(manifest["documents"], ensure_ascii=False),
                              built_at, actor, index))
            except IntegrityError:
                raise Conflict(f"案件 {case.number} 的第 {number} 卷已由另一请求装订") from None  # leaf rolls back too
            self.cases.record(conn, case_id, "volume_built", actor,
                              {"volume": number, "sha256": digest, "pages": pages, "documents": len(bound)})
        return StoredVolume(case_id, number, digest, pages, manifest["documents"], built_at, actor, index)

    def media_entries(self, case: Case) -> list[dict[str, Any]]:
        """The case's 音像记录 as the volume's manifest lists them (their originals go to the archive, not into
        the volume), each with the 音像记录说明 that print them (``described_in``: document ids)."""
        notes = self.docket.media_notes(case)
        return [{"id": m.id, "kind": m.kind, "media_type": m.media_type, "sha256": m.sha256, "size": m.size,
                 "content": m.metadata.get("content"), "described_in": notes.get(m.id, [])}
                for m in self.cases.media(case.id)]

    def front(self, case: Case, number: int, request: VolumeRequest) -> dict[str, Any]:
        """The payloads of the cover, index and notes, from the case and the request."""
        today = datetime.now(self.issuer.zone).date().isoformat()
        closed = case.closed_at[:10] if case.closed_at else today
        section = "正卷"
        compiled_by = request.compiled_by or case.data["officers"][0]["name"]
        cause = f"{case.party_name}{case.data['cause']}案"
        if number > 1:
            cause = f"{cause}（第{number}卷）"
        return {
            "author": self.issuer.agency["name"],
            "cover": {"volume": section, "case_number": case.number, "case_cause": cause,
                      "party_name": case.party_name, "filed_on": case.data["filed_on"], "closed_on": closed,
                      "result": request.result, "handlers": [{"name": o["name"]} for o in case.data["officers"]],
                      "archived_on": today, "retention": request.retention,
                      "archive_number": request.archive_number},
            "index": {"volume": section, "archive_number": request.archive_number},
            "notes": {"volume": section, "archive_number": request.archive_number, "notes": request.notes,
                      "compiled_by": compiled_by, "compiled_on": today, "checked_by": request.checked_by,
                      "checked_on": today},
        }


__all__ = ["Binder", "VolumeRequest", "StoredVolume"]
