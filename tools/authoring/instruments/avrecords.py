"""音像记录 in the case file: the 音像记录说明 (photos printed, recordings transcribed, each with its
说明, confirmed by the party) and the 音像记录原件移交清单 (the originals handed to the archive).

Legal basis: 程序规定第25条 (视听资料: the original carrier, or a copy noting how, when and by whom it
was made; a sound recording with a written record of its content), 第44条 (拍照、录音、录像 of
on-site work), 第79条 (全过程记录, archived under 第78条). The fields of the 说明 and of the list are
the local measure's (the 株洲 seed, 全过程记录制度 (二)2.3) and 3.3)): 记录内容、记录时间、地点、
执法人员、记录人员、拟证明目的, 案卷编号 on the originals; it is cited in docs/legal-notes.md.

Every field of a record comes from the case's stored 音像记录 (``cases/media_fill.py``); the photo
itself is printed from the blob store by its sha256 (``docgen.images``), and the sha256 is printed
under it, so the signed page names the very file it shows.
"""
from __future__ import annotations

from docx.oxml.ns import qn

from authoring.blocks import (
    BLANK_DATE,
    CENTER,
    FORM,
    HAND,
    LEFT,
    RECORD,
    RECORD_BODY,
    Builder,
    Column,
    Instrument,
    Style,
    agency_header,
    cn_date,
    heading,
    item_table,
    out,
    text_block,
    title,
)

KINDS = "{'photo': '照片', 'audio': '录音', 'video': '录像'}"
#: The box a photo is scaled into (mm): the record's type area is 165 mm wide; 60 mm high leaves room
#: for the 说明 beneath (seven lines), so two records with photos fit on a page (one on the first, under the title).
PHOTO_BOX = (150, 60)
SMALL = Style(size=10.5, line=15)
#: The 说明's lines: (label, field) pairs printed on one line each.
LINES = ((("记录内容", "content"),), (("记录时间", "recorded_at"), ("地点", "place")),
         (("执法人员", "officers"), ("记录人员", "recorder")), (("拟证明目的", "purpose"),), (("记录设备", "device"),))


def kind_of(item: str) -> str:
    return f"('照片/录音/录像' if blank else {KINDS}[{item}.kind])"


def av_record_note(b: Builder) -> None:
    """音像记录说明 (程序规定第25条、第44条、第79条): each 音像记录 of the case printed — a photo scaled
    into a 150 × 60 mm box, a recording as its 文字整理 — with its 说明 beneath, then the party's
    signature confirming them (seed: 经当事人签名确认).

    A record (its heading, photo and 说明) is kept on one page; two records with photos fit on a page
    (one on the first, under the title).
    A recording's 文字整理 runs on as long as it is. The file's name, type, size and SHA-256 are printed
    with each record, so the signed document names the original it shows.
    """
    agency_header(b)
    title(b, "音像记录说明", after=6)
    b.paragraph("案件编号：", out("data.case_number"), "　　当事人：", out("data.party_name"), style=Style(after=4))
    b.tag("{%p for item in (range(1) if blank else data.media) %}")
    b.paragraph(out("loop.index"), "．", out(kind_of("item")), "：", out("item.content"),
                style=Style(font="黑体", keep_next=True, before=6))
    with b.when("blank or item.kind == 'photo'"):
        picture = b.paragraph(out(f"'（照片粘贴处）' if blank else item.sha256|photo({PHOTO_BOX[0]}, {PHOTO_BOX[1]})"),
                              style=Style(align=CENTER, keep_next=True, before=4, after=4))
        picture.paragraph_format.line_spacing = 1.0  # not the body's exact spacing: it would clip the picture
    for line in LINES:
        runs: list[str] = []
        for n, (label, key) in enumerate(line):
            runs += [("　　" if n else "") + f"{label}：", out(f"item.{key}")]
        b.paragraph(*runs, style=Style(size=SMALL.size, line=SMALL.line, keep_next=True))
    b.paragraph("文　　件：", out("item.filename"), "（", out("item.media_type"), "，", out("item.size"), " 字节）",
                style=Style(size=SMALL.size, line=SMALL.line, keep_next=True))
    b.paragraph("SHA-256：", out("item.sha256"), style=Style(size=9, line=13))
    with b.when("blank or item.transcript"):
        heading(b, "文字整理：")
        text_block(b, "item.transcript", RECORD_BODY, blank_lines=4)
    b.tag("{%p endfor %}")
    b.paragraph("以上音像记录的打印件、文字整理及其说明与原始记录一致。", style=Style(before=8, keep_next=True))
    b.paragraph("制作日期：", cn_date("data.date"), style=Style(keep_next=True))
    b.paragraph("当事人（签名）：", HAND, "　　", BLANK_DATE, style=Style(before=8, keep_next=True))
    b.paragraph("执法人员（签名）：", HAND, HAND, "　　", BLANK_DATE, style=Style(before=8))
    b.footer("当事人：　　　　　　　执法人员：　　　　　　　　　　　")


def av_originals_transfer(b: Builder) -> None:
    """音像记录原件移交清单 (程序规定第25条、第78–79条): the originals of a case's 音像记录 handed to the
    archive with the case file (seed: 原件应当由档案管理部门集中保管…注明执法案卷编号、记录内容…), one
    row per original, each with its SHA-256 so the archive can check the bytes it keeps.
    """
    agency_header(b)
    title(b, "音像记录原件移交清单", after=4)
    b.paragraph("案件编号（执法案卷编号）：", out("data.case_number"), style=Style(after=2))
    b.paragraph("原件载体：", out("data.carrier if data.carrier else '本系统存储的原始文件（按 SHA-256 核对）'"),
                style=Style(after=4))
    columns = (Column("序号", 10, "loop.index"), Column("类别", 12, kind_of("item")),
               Column("记录内容", 34, "item.content", LEFT), Column("记录时间", 20, "item.recorded_at"),
               Column("地点", 22, "item.place", LEFT),
               Column("执法人员／记录人员", 22, "item.officers ~ '／' ~ item.recorder if not blank else ''", LEFT),
               Column("拟证明目的", 30, "item.purpose", LEFT),
               Column("文件及记录设备", 30, "item.filename ~ '\\n' ~ item.media_type ~ '\\n' ~ item.size ~ ' 字节'"
                                    " ~ '\\n' ~ item.device if not blank else ''", LEFT))
    table = item_table(b, columns, "data.media", 8, size=9, row_mm=8)
    # A record's row may be taller than a page (each text up to what an upload allows): unlike item_table's
    # short rows it may split, so a long record runs on to the next page under the repeated header.
    item_row = table.rows[2]._tr
    for cant_split in item_row.trPr.findall(qn("w:cantSplit")):
        item_row.trPr.remove(cant_split)
    heading(b, "原件 SHA-256 校验值：")
    b.tag("{%p for item in ([] if blank else data.media) %}")
    b.paragraph(out("loop.index"), "．", out("item.sha256"), style=Style(size=9, line=13))
    b.tag("{%p endfor %}")
    b.paragraph("接收部门：", out(f"data.archive_department if data.archive_department else '{HAND * 2}'"),
                style=Style(before=8))
    b.paragraph("移交人（签名）：", out(f"data.transferred_by if data.transferred_by else '{HAND}'"),
                "　　接收人（签名）：", out(f"data.received_by if data.received_by else '{HAND}'"),
                style=Style(before=8))
    b.paragraph("移交日期：", cn_date("data.date"), style=Style(before=4))
    b.footer()


INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument("av-record-note", "音像记录说明", "record", False, RECORD, av_record_note),
    Instrument("av-originals-transfer", "音像记录原件移交清单", "form", False, FORM, av_originals_transfer),
)
