"""The 行政检查 instruments, after 司法部办公厅《行政检查文书基本格式文本（试行）》 (2025).

That text has a preface, eleven notes and seven templates covering 审批—通知—实施—记录—反馈,
with texts of their own for 抽样, 勘验 and 询问 (moj.gov.cn commentary of 2025-05-08). Its
full text was not found, so the seven here are built from what could be confirmed: the
names 行政检查审批表, 行政检查通知书 and 现场检查笔录; the elements the commentary lists
(法律依据, 执法主体, 任务来源, 检查频次; 执法证件; 协助检查人员 fixed beforehand; 告知, 回避,
权利救济; the sentence on 法定程序, 权益 and 义务); and 国办发〔2024〕54号. The titles of the
three 笔录 variants and of the 结果告知书 are this catalogue's; docs/legal-notes.md (section
"行政检查文书") says what was confirmed and what was not.

Evidence gathered in 监督检查 may serve a later case (程序规定第23条第2款), so the records
meet the case rules: two officers who show their 执法证件 (第22条; without it the 被检查人
may refuse the inspection, 行政处罚法第55条第1款), the 被检查人 told of 陈述、申辩 and 回避
(第21条第2款), signed by officers and 被检查人 (第28–29条), refusals and witnesses noted (第43条).
"""
from __future__ import annotations

from collections.abc import Callable

from docx.table import _Cell

from authoring.blocks import (
    FORM,
    HAND,
    HEI,
    LEFT,
    LETTER,
    LETTER_BODY,
    RECORD,
    RECORD_BODY,
    SET_YOU,
    YOU,
    Builder,
    Column,
    Instrument,
    Style,
    agency_header,
    approval_tail,
    checkboxes,
    cite,
    cn_date,
    form_opening,
    form_row,
    heading,
    item_table,
    letter,
    listing,
    names,
    numbered_list,
    officer_lines,
    optional,
    out,
    party_block,
    proposal_row,
    rows_when,
    text_block,
    text_row,
    title,
    witness_line,
)
from authoring.instruments.closing import credentials, person_lines
from authoring.instruments.core import CLOSING, record_time_line
from authoring.instruments.measures import SAMPLE_COLUMNS
from legal_basis import legal_basis_of

FORMAT_TEXT = "司法部《行政检查文书基本格式文本（试行）》（2025）"
OPINION = "国办发〔2024〕54号（严格规范涉企行政检查）"
RULES = "《市场监督管理行政处罚程序规定》"

# 任务来源: 日常检查, 专项检查 and the 个案检查 of 国办发〔2024〕54号 (投诉举报、转办交办、数据监测、企业申请).
SOURCES = ("日常检查", "专项检查", "投诉举报", "转办交办", "数据监测", "企业申请", "其他")
METHODS = ("现场检查", "书面核查", "其他非现场检查")
RESULTS = ("未发现违法违规问题", "发现问题，责令改正", "发现问题，依法处理")
# Quoted from the moj.gov.cn commentary on the 基本格式文本 (2025-05-08).
LIMITS = "不得违法改变法定程序，不得违法减损被检查人权益，不得违法增加被检查人义务"
NOTICE = "行政检查通知书"


# Fragments shared by the seven ----------------------------------------------------------------


def assistants() -> str:
    """协助检查人员, counted (their number is fixed beforehand) and named with their unit."""
    return (out("'____' if blank else data.assistants|length") + "人：" +
            listing("data.assistants", "x.name ~ ('（' ~ x.unit ~ '）' if x.unit else '')"))


def frequency(who: str) -> str:
    """How often this year the agency has inspected ``who`` for this matter, and the year's cap."""
    return (f"本年度本局已对{who}实施本事项检查" + out("'____' if blank else data.frequency.done") + "次" +
            out("'（年度检查频次上限____次）' if blank else ('（年度检查频次上限' ~ data.frequency.cap ~ '次）' "
                "if data.frequency.cap else '')"))


def period() -> str:
    """The planned date, or from-to when the inspection spans several days."""
    return cn_date("data.planned_on") + out("'［至' if blank else ('至' if data.planned_until else '')") + \
        out("('　　年　　月　　日］' if blank else (data.planned_until|cn_date if data.planned_until else ''))")


def notice_reference() -> str:
    """（《行政检查通知书》文书编号：…） when the inspection was announced by one; room for it when blank."""
    return out(f"'［（《{NOTICE}》文书编号：________）］' if blank else "
               f"('（《{NOTICE}》文书编号：' ~ data.notice_number ~ '）' if data.notice_number else '')")


def complaint_line(b: Builder, style: Style) -> None:
    """Where the 被检查人 may complain of the inspectors (监督渠道), when the agency gives one."""
    with b.when("blank or data.complaint"):
        b.paragraph("对检查人员的违法违纪行为，", YOU, "可以向", out("data.complaint.channel"), "投诉举报",
                    out("'（电话：________）' if blank else ('（电话：' ~ data.complaint.phone ~ '）' "
                        "if data.complaint.phone else '')"), "。", style=style)


# 1 行政检查审批表 (form) -----------------------------------------------------------------------


def inspection_approval(b: Builder) -> None:
    """行政检查审批表 (程序规定第22条): the inspection approved by the 负责人 before it starts.

    国办发〔2024〕54号 requires approval before every inspection made in the agency's name; its
    elements (检查事项, 依据, 任务来源, 方式, 频次, 人员 and 协助人员) are the form's rows."""
    table = form_opening(b, "行政检查审批表")
    line = 8  # a row of one line: the form fits one page with its two opinion boxes
    form_row(b, table, "被检查人", lambda cell: party_block(b, cell, label="名称（姓名）"))
    form_row(b, table, "检查事项", out("data.matter"), height_mm=line)
    form_row(b, table, "检查依据", out("data.legal_basis"), height_mm=line)

    def source(cell: _Cell) -> None:
        b.paragraph(checkboxes("data.source", SOURCES), container=cell)
        with b.when("blank or data.source_detail", cell):
            b.paragraph("来源说明：", out("data.source_detail"), container=cell)

    def staff(cell: _Cell) -> None:
        b.paragraph(names("data.inspectors", with_numbers=True), container=cell)
        with b.when("blank or data.assistants", cell):
            b.paragraph("协助检查人员", assistants(), container=cell)

    form_row(b, table, "任务来源", source)
    form_row(b, table, "检查方式", checkboxes("data.method", METHODS), height_mm=line)
    with rows_when(b, table, "blank or data.joint_agencies"):
        form_row(b, table, "联合检查\n部门", listing("data.joint_agencies", "x"))
    form_row(b, table, "检查频次", frequency("被检查人"), height_mm=line)
    form_row(b, table, "拟检查时间", period(), height_mm=line)
    form_row(b, table, "检查人员", staff, cant_split=False)  # up to 4 officers and 6 helpers: may outgrow a page
    text_row(b, table, "检查内容\n及方案", "data.content", height_mm=20)
    # The 检查人员 row names them with their 执法证号: the 承办人 sign here by hand.
    proposal_row(b, table, "承办人意见", "data.handler_opinion", names_expr=HAND, height_mm=20)
    approval_tail(b, table, 20)
    b.footer()


# 2 行政检查通知书 / 7 行政检查结果告知书 (letters) ----------------------------------------------------


def notice_body(b: Builder) -> None:
    """行政检查通知书 (程序规定第21条第2款、第22条; 行政处罚法第55条第1款): what is inspected, on what basis,
    when, by whom.

    The 被检查人 is told the matter, basis, method, time, inspectors and their 协助人员, how
    often it has been inspected this year, its rights (回避, 陈述申辩, and to refuse an inspector
    who shows no 执法证件: 行政处罚法第55条第1款, the only ground of refusal a text gives; "不少于两人"
    is the agency's duty, 程序规定第22条, not a ground of refusal) and where to complain.
    Version 2; version 1 also gave a right to refuse when fewer than two officers came."""
    b.paragraph("根据", out("data.legal_basis"), "的规定，本局决定对", YOU, "实施行政检查。现将有关事项告知如下：",
                style=LETTER_BODY)
    helpers = "{% if blank or data.assistants %}；协助检查人员" + assistants() + "{% endif %}"
    items = (("检查事项：", out("data.matter")),
             ("检查方式：", checkboxes("data.method", METHODS)),
             ("检查时间：", period()),
             ("检查人员：", names("data.inspectors", with_numbers=True), helpers),
             ("检查频次：", frequency(YOU)))
    for number, (label, *value) in enumerate(items, start=1):
        b.paragraph(f"{'一二三四五'[number - 1]}、{label}", *value, "。", style=LETTER_BODY)
    with b.when("blank or data.prepare"):
        b.paragraph("请", YOU, "安排熟悉情况的人员到场，并准备下列材料：", style=LETTER_BODY)
        numbered_list(b, "item", "data.prepare", out("item"), LETTER_BODY)
    b.paragraph("检查人员不少于两人，并将主动出示行政执法证件；检查人员未出示行政执法证件的，", YOU,
                "有权拒绝检查。", YOU, "认为检查人员与", YOU, "有直接利害关系或者其他关系可能影响公正执法的，有权申请回避。",
                YOU, "有权进行陈述和申辩。检查中", LIMITS, "。", style=LETTER_BODY)
    complaint_line(b, LETTER_BODY)
    b.paragraph("特此通知。", style=LETTER_BODY)


def result_body(b: Builder) -> None:
    """行政检查结果告知书 (行政处罚法第28条第1款; 程序规定第23条第2款): the 反馈 at the end of an inspection.

    No problem found; or the problems, each ordered corrected by a date (行政处罚法第28条第1款);
    or the problems and that the agency deals with them under its rules (evidence taken in the
    inspection may serve the case, 程序规定第23条第2款)."""
    b.paragraph("本局于", cn_date("data.inspected_on"), "依据", out("data.legal_basis"), "的规定，对", YOU, "实施了",
                out("data.matter"), "行政检查", notice_reference(), "。"
                "现将检查结果告知如下：", style=LETTER_BODY)
    b.paragraph("检查结果：", checkboxes("data.result", RESULTS), style=LETTER_BODY)
    found = out("'经检查，未发现' ~ you ~ '存在违反上述检查事项有关规定的问题／发现' ~ you ~ '存在下列问题：' if blank "
                "else ('经检查，未发现' ~ you ~ '存在违反上述检查事项有关规定的问题。' if data.result == '" + RESULTS[0] +
                "' else '经检查，发现' ~ you ~ '存在下列问题：')")
    b.paragraph(found, style=LETTER_BODY)
    numbered_list(b, "item", "data.findings", out("item"), LETTER_BODY)
    with b.when(f"blank or data.result == '{RESULTS[1]}'"):
        b.paragraph("根据《中华人民共和国行政处罚法》第二十八条第一款的规定，请", YOU, "于", cn_date("data.correct_by"),
                    "前改正上述问题，并将改正情况书面报告本局。", optional("data.correction_note", "改正要求：", "。"), style=LETTER_BODY)
    with b.when(f"blank or data.result == '{RESULTS[2]}'"):
        b.paragraph("对上述问题，本局将依法处理。检查中依法取得的证据材料，可以作为案件的证据使用（", RULES,
                    "第二十三条第二款）。", style=LETTER_BODY)
    b.paragraph(YOU, "对检查结果有异议的，可以向本局提出，并提供相关证据材料。", style=LETTER_BODY)
    complaint_line(b, LETTER_BODY)
    b.paragraph("特此告知。", style=LETTER_BODY)


def inspection_letter(id: str, name: str, body: Callable[[Builder], None], version: str = "1") -> Instrument:
    """A numbered letter to the 被检查人 (its party block under that label), cited like the others."""
    def build(b: Builder) -> None:
        letter(b, name, body, label="被检查人")

    build.__name__ = build.__qualname__ = body.__name__
    build.__doc__ = body.__doc__
    return inspection(id, name, "letter", True, LETTER, build, version=version)


# 3–6 现场检查笔录 and its variants (records) ---------------------------------------------------------


def record_head(b: Builder, name: str) -> None:
    """Agency, title, when and where, the 被检查人 and who is present, the inspectors, the matter
    and its basis, and the opening: credentials, the inspection announced, rights, 回避.

    The right to refuse is the one 行政处罚法第55条第1款 gives (no 执法证件 shown); version 1 of
    the four records also named fewer than two officers as a ground, which no text gives."""
    agency_header(b)
    title(b, name, after=6)
    b.tag(SET_YOU)
    record_time_line(b, "检查时间")
    b.paragraph("检查地点：", out("data.place"))
    party_block(b, label="被检查人")
    b.paragraph("现场负责人：", out("data.present.name"), "　　职务：", out("data.present.position"),
                "　　联系电话：", out("data.present.phone"))
    officer_lines(b, "检查人员", "data.inspectors", Style())
    b.paragraph("记录人：", out("data.recorder.name"), "　　执法证号：", out("data.recorder.certificate_number"))
    with b.when("blank or data.assistants"):
        b.paragraph("协助检查人员", assistants())
    witness_line(b)
    b.paragraph("检查事项：", out("data.matter"))
    b.paragraph("检查依据：", out("data.legal_basis"), notice_reference())
    b.paragraph(*credentials("data.inspectors"), "现依法对", YOU, "实施行政检查，请予配合。", YOU,
                "有权进行陈述和申辩；检查人员未出示执法证件的，有权拒绝检查；认为检查人员与", YOU,
                "有直接利害关系或者其他关系可能影响公正执法的，有权申请回避。是否申请回避？", style=RECORD_BODY)
    b.paragraph("被检查人回答：", out("data.opening_response"), style=RECORD_BODY)


def record_tail(b: Builder, said: str = "被检查人意见", footer: str = "") -> None:
    """The 被检查人's view, the closing formula, and the signature line on every page."""
    heading(b, f"{said}：")
    text_block(b, "data.statement", RECORD_BODY, blank_lines=4)
    b.paragraph(CLOSING, "，如果属实请签名。", style=Style(indent_chars=2, before=6))
    b.footer(footer or "被检查人：　　　　　见证人：　　　　　检查人员：　　　　　记录人：　　　　")


def inspection_record(b: Builder) -> None:
    """现场检查笔录 (程序规定第22条、第28条、第43条; 行政处罚法第55条第1款): what the inspection saw, signed on every page."""
    record_head(b, "现场检查笔录")
    heading(b, "检查情况：")
    text_block(b, "data.scene", RECORD_BODY, blank_lines=10)
    with b.when("blank or data.findings"):
        heading(b, "发现的问题：")
        text_block(b, "data.findings", RECORD_BODY, blank_lines=3)
    record_tail(b)


def sampling_inspection_record(b: Builder) -> None:
    """现场检查笔录（抽样） (程序规定第31条; 行政处罚法第55条第1款): samples listed, sealed with 封条, signed on every page."""
    record_head(b, "现场检查笔录（抽样）")
    heading(b, "抽取的样品：")
    item_table(b, SAMPLE_COLUMNS, "data.samples", blank_rows=4, size=10.5)
    heading(b, "抽样方法和样品封存情况：")
    text_block(b, "data.sealing", RECORD_BODY, blank_lines=6)
    with b.when("blank or data.storage"):
        heading(b, "样品保存条件：")
        text_block(b, "data.storage", RECORD_BODY, blank_lines=2)
    with b.when("blank or data.payment"):
        heading(b, "样品费用：")
        text_block(b, "data.payment", RECORD_BODY, blank_lines=2)
    record_tail(b)


def survey_inspection_record(b: Builder) -> None:
    """现场检查笔录（勘验） (程序规定第23条第1款第8项、第28条; 行政处罚法第55条第1款): what was examined, how, and what was found."""
    record_head(b, "现场检查笔录（勘验）")
    b.paragraph("勘验对象：", out("data.object"))
    with b.when("blank or data.instruments"):
        b.paragraph("使用的仪器设备：", out("data.instruments"))
    heading(b, "勘验过程：")
    text_block(b, "data.process", RECORD_BODY, blank_lines=6)
    heading(b, "勘验结果：")
    text_block(b, "data.result", RECORD_BODY, blank_lines=6)
    with b.when("blank or data.exhibits"):
        heading(b, "附：")
        numbered_list(b, "item", "data.exhibits", out("item"), RECORD_BODY)
    record_tail(b)


def inquiry_inspection_record(b: Builder) -> None:
    """现场检查笔录（询问） (程序规定第29条; 行政处罚法第55条第1款): questions put during the inspection, one answer each;
    the person questioned checks the record and signs every page."""
    record_head(b, "现场检查笔录（询问）")
    person_lines(b, "被询问人", "data.interviewee")
    b.paragraph("与被检查人关系：", out("data.relation"))
    with b.each("item in data.questions"):
        b.paragraph(("问：", {"font": HEI}), out("item.question"))
        b.paragraph(("答：", {"font": HEI}), out("item.answer"))
    with b.when("blank"):
        for _ in range(6):
            b.paragraph(("问：", {"font": HEI}))
            b.paragraph(("答：", {"font": HEI}))
    record_tail(b, "被询问人意见", "被询问人：　　　　　见证人：　　　　　检查人员：　　　　　记录人：　　　　")


# The catalogue ---------------------------------------------------------------------------------


def inspection(id: str, name: str, kind: str, numbered: bool, layout, build: Callable[[Builder], None],
               workflow: str = "issuance-1", version: str = "1") -> Instrument:
    """An instrument of this group: its basis is the 基本格式文本, 国办发〔2024〕54号, and the
    provisions its build function's docstring cites (tools/legal_basis.py)."""
    basis = "; ".join(part for part in (FORMAT_TEXT, OPINION, legal_basis_of(build)) if part)
    return Instrument(id, name, kind, numbered, layout, build, version=version, workflow=workflow, basis=basis)


INSTRUMENTS: tuple[Instrument, ...] = (
    inspection("inspection-approval", "行政检查审批表", "form", False, FORM, inspection_approval,
               workflow="approval-1"),
    # Version 2 of these five: the right to refuse is the one 行政处罚法第55条第1款 gives (no 执法证件).
    inspection_letter("inspection-notice", "行政检查通知书", notice_body, version="2"),
    inspection("inspection-record", "现场检查笔录", "record", False, RECORD, inspection_record, version="2"),
    inspection("inspection-sampling-record", "现场检查笔录（抽样）", "record", False, RECORD, sampling_inspection_record,
               version="2"),
    inspection("inspection-survey-record", "现场检查笔录（勘验）", "record", False, RECORD, survey_inspection_record,
               version="2"),
    inspection("inspection-inquiry-record", "现场检查笔录（询问）", "record", False, RECORD, inquiry_inspection_record,
               version="2"),
    inspection_letter("inspection-result-notice", "行政检查结果告知书", result_body),
)
