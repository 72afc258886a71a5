"""Re-verify every signed file an installation holds: after a restore (or a move), the proof that
nothing was lost or altered on the way.

For each document, its stored stage PDFs are read back from the blob store, each checked
against the sha256 its row names, and the set is verified as an archive would verify it
(``verify.verify`` against the installation's trust bundle: signatures, hash chain, links,
certificates, workflow). Each case volume is verified as ``docgen verify`` verifies one.
Nothing is written.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import NotFound
from .storage import Storage, sha256
from .trust import TrustBundle
from .verify import verify
from .verify.volume import verify_volume


@dataclass(frozen=True)
class Recheck:
    documents: int
    """Documents whose chain was verified."""
    stages: int
    """Stage files read back and verified."""
    volumes: int
    """Case volumes verified."""
    failures: tuple[str, ...]
    """One line per document or volume that did not verify, naming it and why."""

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "documents": self.documents, "stages": self.stages, "volumes": self.volumes,
                "failures": list(self.failures)}


def recheck(storage: Storage, trust: TrustBundle) -> Recheck:
    """Verify every document's chain and every volume; see the module docstring."""
    failures: list[str] = []
    documents = stages = volumes = 0
    for row in storage.db.query("SELECT id, doc_number FROM documents ORDER BY created_at, id"):
        name = row["doc_number"] or row["id"]
        files: list[tuple[str, bytes]] = []
        for stage in storage.stages(row["id"]):
            try:
                data = storage.blobs.get(stage.pdf_sha256)
            except NotFound:
                failures.append(f"{name}：环节 {stage.idx} 的 PDF 缺失")
                continue
            if sha256(data) != stage.pdf_sha256:
                failures.append(f"{name}：环节 {stage.idx} 的 PDF 与记录的 sha256 不符")
                continue
            files.append((f"{row['id']}-{stage.idx}.pdf", data))
        documents += 1
        stages += len(files)
        if not files:
            if not any(failure.startswith(f"{name}：") for failure in failures):
                failures.append(f"{name}：没有可验证的环节文件")
            continue
        report = verify(files, trust)
        if not report.ok:
            failures.append(f"{name}：{report.summary()}")
    for row in storage.db.query("SELECT case_id, volume, sha256 FROM case_volumes ORDER BY case_id, volume"):
        name = f"案件 {row['case_id']} 第 {row['volume']} 卷"
        volumes += 1
        try:
            data = storage.blobs.get(row["sha256"])
        except NotFound:
            failures.append(f"{name}：文件缺失")
            continue
        if not verify_volume(name, data, trust).ok:
            failures.append(f"{name}：未通过验证")
    return Recheck(documents, stages, volumes, tuple(failures))
