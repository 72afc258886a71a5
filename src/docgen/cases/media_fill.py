"""A payload's 音像记录 taken from the case (data entered once): ``media`` items completed from the stored rows.

An instrument that describes a case's 音像记录 (音像记录说明, 音像记录原件移交清单) has a top-level
array ``media`` whose items carry ``media_id``; that shape, read from the instrument's schema, is
all this module knows. Issued in a case, an item names a 音像记录 by ``media_id`` (or by
``sha256``) and every other field — kind, type, file name, size, sha256, 记录内容, 记录时间, 地点,
执法人员, 记录人员, 拟证明目的, 设备, 文字整理 — is the stored row's, entered once at upload.
A field the item also gives must equal the row's (422 naming it), except a 文字整理 the row lacks,
which the item may supply. Without any item the instrument takes all the case's 音像记录.

An id that is not one of this case's 音像记录 is refused (422 at ``/media/<n>/media_id``). Outside a
case a photo can only be one already stored as some case's 音像记录 (its sha256), since a photo is
printed from the blob store (``docgen.images``) and the payload must say which file was printed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from .. import schemaref
from ..catalogue import TemplateVersion
from ..errors import Issue, ValidationFailed
from .media import FIELDS, KIND_LABELS, OPTIONAL, PHOTO

FIELD = "media"
#: What a payload item holds beyond the metadata: the stored file's facts.
FILE_FIELDS = {"media_id": "音像记录编号", "sha256": "文件 SHA-256", "kind": "类别", "media_type": "文件类型",
               "filename": "文件名", "size": "文件大小"}
if TYPE_CHECKING:
    from .case import Media

TITLES = {**FILE_FIELDS, **FIELDS, **OPTIONAL}


def takes_media(release: TemplateVersion) -> bool:
    """Whether the instrument's payload has the ``media`` array of 音像记录 (items with ``media_id``)."""
    node = release.schema.get("properties", {}).get(FIELD)
    if not isinstance(node, Mapping) or node.get("type") != "array":
        return False
    items: Any = node.get("items", {})
    resolver = schemaref.resolver(release.schema)
    seen: set[str] = set()
    while isinstance(items, Mapping) and isinstance(items.get("$ref"), str) and items["$ref"] not in seen:
        seen.add(items["$ref"])
        if schemaref.split(items["$ref"])[0]:
            return False  # a shared definition: not this shape
        target = schemaref.follow(resolver, items["$ref"])
        items, resolver = target.contents, target.resolver
    return isinstance(items, Mapping) and "media_id" in items.get("properties", {})


def record(media: "Media") -> dict[str, Any]:
    """A stored 音像记录 as a payload item."""
    return {"media_id": media.id, "sha256": media.sha256, "kind": media.kind, "media_type": media.media_type,
            "filename": media.filename, "size": media.size, **media.metadata}


def fill(release: TemplateVersion, data: Any, media: Sequence["Media"], case_number: str) -> Any:
    """``data`` with its ``media`` items completed from ``media`` (the case's rows); 422 on a foreign id."""
    if not isinstance(data, dict) or not takes_media(release):
        return data
    if FIELD not in data:
        return {**data, FIELD: [record(m) for m in media]} if media else data
    items = data[FIELD]
    if not isinstance(items, list):
        return data  # the validator names it
    by_id = {m.id: m for m in media}
    by_sha = {m.sha256: m for m in media}
    issues: list[Issue] = []
    filled: list[Any] = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            filled.append(item)
            continue
        media_id, digest = item.get("media_id"), item.get("sha256")
        if not isinstance(media_id, (str, type(None))) or not isinstance(digest, (str, type(None))):
            filled.append(item)  # not text: the validator names it
            continue
        row = by_id.get(media_id) if media_id is not None else by_sha.get(digest) if digest is not None else None
        if row is None:
            if media_id is not None:
                issues.append(Issue(f"/{FIELD}/{n}/media_id", f"案件 {case_number} 没有音像记录 {media_id}"
                                    f"（/{FIELD}/{n}/media_id）：只能选用本案件的音像记录"))
            elif digest is not None:
                issues.append(Issue(f"/{FIELD}/{n}/sha256", f"案件 {case_number} 没有 SHA-256 为 {digest} 的音像记录"
                                    f"（/{FIELD}/{n}/sha256）"))
            else:
                issues.append(Issue(f"/{FIELD}/{n}/media_id", f"音像记录编号（/{FIELD}/{n}/media_id）为必填项"))
            filled.append(item)
            continue
        stored = record(row)
        for key, value in item.items():
            if key in stored and stored[key] != value:
                title = TITLES.get(key, key)
                issues.append(Issue(f"/{FIELD}/{n}/{key}", f"{title}（/{FIELD}/{n}/{key}）与案件音像记录 {row.id} 不一致："
                                    "音像记录的信息在上传时录入一次，文书从中取用，不另行填写"))
        filled.append({**item, **stored})
    if issues:
        raise ValidationFailed(issues)
    return {**data, FIELD: filled}


def check_uncased(release: TemplateVersion, data: Any, stored_photo: Callable[[str], bool]) -> None:
    """Outside a case: every photo item's sha256 must be a stored photo (``stored_photo``), or 422."""
    if not isinstance(data, dict) or not takes_media(release) or not isinstance(data.get(FIELD), list):
        return
    issues = []
    for n, item in enumerate(data[FIELD]):
        if isinstance(item, dict) and item.get("kind") == PHOTO and isinstance(item.get("sha256"), str) \
                and not stored_photo(item["sha256"]):
            issues.append(Issue(f"/{FIELD}/{n}/sha256", f"{KIND_LABELS[PHOTO]}（/{FIELD}/{n}/sha256）须为已上传的案件音像记录："
                                "请在案件中签发（case_id）并写明 media_id"))
    if issues:
        raise ValidationFailed(issues)
