"""Drafts of the e-form, kept on the server per principal.

A draft in the browser's localStorage outlived 退出登录, so the next officer on
the same browser saw the last party's 身份证号. Drafts therefore live in the
database, in their own table, readable only by the principal who wrote them
and resumable from any browser; the pages keep no local copy of a signed-in
officer's draft (but across one reload: ``web/drafts.py``). A draft is not validated against the schema (it is work in
progress), only bounded in size and count, and tied to a template version.

A draft may be marked ``example`` (it was started from the version's example
payload): the e-form refuses to issue such a draft unless the installation is
a demonstration (``DOCGEN_DEMO=1``). A draft may also belong to a returned
document (``document_id`` and ``round``): the correction made before a
resubmission.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .catalogue import Catalogue
from .errors import Conflict, Issue, NotFound, ValidationFailed
from .database import Database
from .timefmt import record_now

#: A draft is at most this large (canonical JSON, UTF-8): the largest example payload is a few kB.
MAX_DRAFT_BYTES = 512 * 1024
#: Drafts one principal may keep; beyond that old ones must be deleted first.
MAX_DRAFTS = 200
MAX_NOTE = 2000


def party_name(data: Any) -> str | None:
    """The name of the party a payload is about (``/party/name``, else the first of ``/parties``)."""
    if not isinstance(data, dict):
        return None
    party = data.get("party")
    if isinstance(party, dict) and isinstance(party.get("name"), str) and party["name"].strip():
        return party["name"].strip()
    parties = data.get("parties")
    if isinstance(parties, list) and parties and isinstance(parties[0], dict):
        name = parties[0].get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


@dataclass(frozen=True)
class Draft:
    id: str
    principal_id: str
    template_id: str
    template_version: str
    document_id: str | None
    round: int | None
    data: dict[str, Any]
    note: str | None
    example: bool
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: Any) -> "Draft":
        values = dict(row)
        values["data"] = json.loads(values["data"])
        values["example"] = bool(values["example"])
        return cls(**values)

    def summary(self) -> dict[str, Any]:
        """What a list shows: no payload, only the party's name to tell drafts apart."""
        return {"id": self.id, "template": self.template_id, "version": self.template_version,
                "document": self.document_id, "round": self.round, "party": party_name(self.data),
                "example": self.example, "created_at": self.created_at, "updated_at": self.updated_at,
                "links": {"self": f"/v1/drafts/{self.id}"}}

    def body(self) -> dict[str, Any]:
        return {**self.summary(), "data": self.data, "note": self.note}


class Drafts:
    """The drafts table; every method takes the principal, so one officer never reaches another's."""

    def __init__(self, db: Database, catalogue: Catalogue) -> None:
        self.db = db
        self.catalogue = catalogue

    @staticmethod
    def _encoded(data: Any, note: str | None) -> str:
        issues = []
        if not isinstance(data, dict):
            issues.append(Issue("/data", "草稿数据（/data）应为对象"))
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if len(text.encode()) > MAX_DRAFT_BYTES:
            issues.append(Issue("/data", f"草稿数据（/data）超过 {MAX_DRAFT_BYTES // 1024} KB"))
        if note is not None and len(note) > MAX_NOTE:
            issues.append(Issue("/note", f"送审说明（/note）不能超过 {MAX_NOTE} 个字符"))
        if issues:
            raise ValidationFailed(issues)
        return text

    def create(self, principal_id: str, template_id: str, version: str | None, data: Any, *,
               example: bool = False, document_id: str | None = None, round_: int | None = None,
               note: str | None = None) -> Draft:
        try:
            release = self.catalogue.get(template_id, version)
        except NotFound:
            raise ValidationFailed([Issue("/template", f"模板（/template）{template_id} 第 {version or '现行'} 版不存在")]) \
                from None
        text = self._encoded(data, note)
        stamp = record_now()
        draft_id = "dr" + secrets.token_hex(10)
        with self.db.transaction() as conn:
            count = conn.execute("SELECT COUNT(*) FROM drafts WHERE principal_id = ?", (principal_id,)).fetchone()[0]
            if count >= MAX_DRAFTS:
                raise Conflict(f"草稿已有 {count} 份，达到上限 {MAX_DRAFTS}，请先删除不再需要的草稿")
            conn.execute(
                "INSERT INTO drafts (id, principal_id, template_id, template_version, document_id, round, data, note,"
                " example, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (draft_id, principal_id, release.template_id, release.version, document_id, round_, text, note,
                 int(example), stamp, stamp))
        return self.get(principal_id, draft_id)

    def get(self, principal_id: str, draft_id: str) -> Draft:
        row = self.db.query_one("SELECT * FROM drafts WHERE id = ? AND principal_id = ?", draft_id, principal_id)
        if row is None:
            raise NotFound(f"没有草稿 {draft_id}")
        return Draft.from_row(row)

    def list(self, principal_id: str, template_id: str | None = None) -> list[Draft]:
        sql = "SELECT * FROM drafts WHERE principal_id = ?"
        params: list[Any] = [principal_id]
        if template_id:
            sql += " AND template_id = ?"
            params.append(template_id)
        rows = self.db.query(sql + " ORDER BY updated_at DESC, id", params)
        return [Draft.from_row(row) for row in rows]

    def for_document(self, principal_id: str, document_id: str, round_: int) -> Draft | None:
        """The principal's correction of a returned document for that round, if one was started."""
        row = self.db.query_one("SELECT * FROM drafts WHERE principal_id = ? AND document_id = ? AND round = ?"
                                " ORDER BY updated_at DESC LIMIT 1", principal_id, document_id, round_)
        return Draft.from_row(row) if row else None

    def update(self, principal_id: str, draft_id: str, data: Any, *, example: bool | None = None,
               note: str | None = None) -> Draft:
        text = self._encoded(data, note)
        with self.db.transaction() as conn:
            changed = conn.execute(
                "UPDATE drafts SET data = ?, note = ?, example = COALESCE(?, example), updated_at = ?"
                " WHERE id = ? AND principal_id = ?",
                (text, note, None if example is None else int(example), record_now(), draft_id, principal_id)).rowcount
        if changed != 1:
            raise NotFound(f"没有草稿 {draft_id}")
        return self.get(principal_id, draft_id)

    def delete(self, principal_id: str, draft_id: str) -> bool:
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM drafts WHERE id = ? AND principal_id = ?",
                                (draft_id, principal_id)).rowcount == 1


# --------------------------------------------------------------------------- the API: /v1/drafts


class DraftCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: str = Field(description="模板标识")
    version: str | None = Field(default=None, description="模板版本；缺省为现行版本")
    data: dict[str, Any] = Field(default_factory=dict, description="未完成的案件数据（不校验）")
    example: bool = Field(default=False, description="由示例数据开始的草稿：不能签发")
    document: str | None = Field(default=None, description="退回待重新送审的文书")
    round: int | None = Field(default=None, description="该文书待重新送审的轮次")
    note: str | None = Field(default=None, description="送审说明")


class DraftUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: dict[str, Any] = Field(description="未完成的案件数据（整体替换）")
    example: bool | None = Field(default=None, description="示例标记；缺省不变")
    note: str | None = Field(default=None, description="送审说明")
