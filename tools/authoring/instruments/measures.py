"""Instruments 21–36 of the 2021 list: 行政强制 (查封/扣押 and what follows it), 抽样检测, 责令, 审核.

Legal frame: 行政强制法第18、24–28条 and 程序规定第31–32、36–42条 (查封/扣押 and their
instruments), 程序规定第48条 (调查终结报告), 第49–55条 (审核), 第59条 (责令退款).
Several instruments come in variants (查封/扣押; 场所/设施/财物; 检测/检验/检疫/鉴定;
案件审核/法制审核): one template each, the variant is a payload field and the blank
form shows the combined wording, as case_filing_approval does.
"""
from __future__ import annotations

from collections.abc import Sequence

from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ALIGN_VERTICAL
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.shared import Mm
from docx.table import _Cell

from authoring.blocks import (
    BLANK_DATE,
    CENTER,
    FORM,
    HAND,
    HEI,
    LEFT,
    LETTER,
    LETTER_BODY,
    NUMBER_COLUMN,
    RECORD,
    RECORD_BODY,
    RIGHT,
    SET_YOU,
    XIAOBIAOSONG,
    YOU,
    Builder,
    Column,
    Instrument,
    Style,
    agency_header,
    approval_row,
    bracketed,
    checkboxes,
    choose,
    cite,
    cn_date,
    form_opening,
    form_row,
    heading,
    item_table,
    letter,
    multi_checkboxes,
    names,
    numbered_list,
    officer_lines,
    opinion_row,
    optional,
    out,
    party_block,
    remedy_clause,
    signature_line,
    text_block,
    text_row,
    title,
    variant,
    witness_line,
)
from authoring.instruments.core import CLOSING, record_time_line

# Variants -------------------------------------------------------------------------------

MEASURES = ("查封", "扣押")
OBJECTS = ("场所", "设施", "财物")
TESTS = ("检测", "检验", "检疫", "鉴定")
REVIEWS = ("案件审核", "法制审核")


def variants(path: str, options: Sequence[str]) -> str:
    """Jinja expression of a several-of variant (an array of options): the chosen ones in
    canonical order joined by 、 (e.g. 场所、财物), or all of them joined by / when blank."""
    listing = ", ".join(f"'{option}'" for option in options)
    return f"('{'/'.join(options)}' if blank else ([{listing}]|select('in', {path})|join('、')))"


MEASURE = variant("data.measure", MEASURES)
OBJECT_KINDS = variants("data.objects", OBJECTS)
TEST = variant("data.kind", TESTS)


def inventory_name(objects: str = OBJECT_KINDS) -> str:
    """The run 《场所/设施/财物清单》 naming the 清单 (instrument 24) that goes with a measure."""
    return out(f"'《' ~ {objects} ~ '清单》'")


# Shared pieces ------------------------------------------------------------------------------


def para(b: Builder, *runs: str) -> None:
    b.paragraph(*runs, style=LETTER_BODY)


# 一、二、三、 numbering of items some of which are optional: START once, then ITEM opens each item.
START_ITEMS = "{%p set items = namespace(count=0) %}"
ITEM = "{% set items.count = items.count + 1 %}{{ '" + "一二三四五六七八九十" + "'[items.count - 1] }}、"
MEASURE_DECISION = cite("实施行政强制措施决定书", "data.decision_number", aside=True)


def measure_taken(b: Builder, date_path: str, objects: bool = True) -> None:
    """本局于…对你（单位）的有关财物［详见《财物清单》］实施了扣押的行政强制措施（…）。"""
    things = ("的有关", out(OBJECT_KINDS), "［详见", inventory_name(), "］") if objects else ()
    para(b, "本局于", cn_date(date_path), "依法对", YOU, *things, "实施了", out(MEASURE), "的行政强制措施",
         MEASURE_DECISION, "。")


def remedy(b: Builder, decision: str, document: str = "本决定书") -> None:
    """复议 (六十日) and 诉讼 (六个月): the route and deadline that 行政强制法第24条第2款第（四）项
    requires of a 查封/扣押 decision, and that every letter here imposing or ending a measure
    or an order states.

    No "……不停止执行，法律另有规定的除外": that is 行政处罚法第73条, about 行政处罚. For a
    coercive measure or a 责令 order the rule is 行政复议法第42条 / 行政诉讼法第56条, whose
    exceptions are not only "法律另有规定" (the agency or the reviewing body may stay it), so
    the sentence would misstate the law; the SAMR 范本 states the route and deadline only.
    """
    remedy_clause(b, decision, LETTER_BODY, document=document, not_suspended=None)


# 21 实施行政强制措施决定书 ------------------------------------------------------------------


def coercive_measure_decision(b: Builder) -> None:
    """实施行政强制措施决定书 (行政强制法第18、24、25条; 程序规定第36–38条).

    The contents of 行政强制法第24条, 期限 ≤ 30 日 (第25条): printed as its first and last day,
    the last at most 29 days after the first (the schema's x-docgen-after, "within"); handed
    over on the spot with the 清单 (instrument 24). 查封 adds the seal notice of 程序规定第41条第2款.
    """
    def body(b: Builder) -> None:
        para(b, "经查，", YOU, "涉嫌", out("data.suspicion"), "。依据", out("data.basis"), "的规定，本局决定对", YOU,
             "的有关", out(OBJECT_KINDS), "［详见", inventory_name(), "］实施", out(MEASURE), "的行政强制措施。")
        b.tag(START_ITEMS)
        para(b, ITEM, out(MEASURE), "的", out(OBJECT_KINDS), "所在地点：", out("data.place"), "。")
        para(b, ITEM, out(MEASURE), "期限：自", cn_date("data.start_on"), "起至", cn_date("data.end_on"),
             "止。情况复杂需要延长", out(MEASURE), "期限的，本局将依法书面告知；对物品需要进行检测、检验、"
             "检疫或者鉴定的，", out(MEASURE), "的期间不包括检测、检验、检疫或者鉴定的期间，本局将书面告知该期间。")
        para(b, ITEM, "保存条件：", out("data.storage"), "。")
        with b.when("blank or data.measure == '查封'"):
            para(b, *bracketed("查封的场所、设施或者财物已加贴本局封条，任何人不得随意动用。"))
        remedy(b, "本行政强制措施决定")

    letter(b, "实施行政强制措施决定书", body, attachments=f"['《' ~ {OBJECT_KINDS} ~ '清单》']")


# 22 延长行政强制措施期限决定书 ----------------------------------------------------------------


def extension_decision(b: Builder) -> None:
    """延长行政强制措施期限决定书 (行政强制法第25条; 程序规定第38条).

    +≤ 30 日 with the head's approval, reasons given in writing (第25条第1、2款;
    程序规定第38条第1、2款). The extension is stated by the original and the new last day; the
    schema holds the new one later than the old and at most 30 days after it (x-docgen-after).
    """
    def body(b: Builder) -> None:
        measure_taken(b, "data.measure_on")
        text_block(b, "data.reason", LETTER_BODY, first_prefix="因情况复杂，", blank_lines=2)
        para(b, "依据《中华人民共和国行政强制法》第二十五条第一款、第二款和《市场监督管理行政处罚程序规定》"
             "第三十八条第一款、第二款的规定，经本局负责人批准，本局决定将", out(MEASURE), "期限由",
             cn_date("data.original_until"), "届满延长至", cn_date("data.until"), "止。")
        remedy(b, "本延长行政强制措施期限决定")

    letter(b, "延长行政强制措施期限决定书", body)


# 23 解除行政强制措施决定书 -------------------------------------------------------------------

# The grounds of 行政强制法第28条第1款 = 程序规定第42条第1款, in their order (第（一）项…).
RELEASE_GROUNDS = (
    "当事人没有违法行为",
    "查封、扣押的场所、设施或者财物与违法行为无关",
    "对违法行为已经作出处理决定，不再需要查封、扣押",
    "查封、扣押期限已经届满",
    "其他不再需要采取查封、扣押措施的情形",
)


def release_decision(b: Builder) -> None:
    """解除行政强制措施决定书 (行政强制法第28条; 程序规定第42条): goods returned at once and
    signed for on the 清单; proceeds of a 先行处置 refunded."""
    number = choose("data.ground", dict(zip(RELEASE_GROUNDS, "一二三四五")), "　")

    def body(b: Builder) -> None:
        measure_taken(b, "data.measure_on")
        text_block(b, "data.finding", LETTER_BODY, first_prefix="经查，", blank_lines=2)
        with b.when("blank"):
            para(b, "本案属于以下情形：", checkboxes("data.ground", RELEASE_GROUNDS), "。")
        para(b, "根据《中华人民共和国行政强制法》第二十八条第一款第（", number, "）项",
             out("'' if blank else '（' ~ data.ground ~ '）'"), "和《市场监督管理行政处罚程序规定》第四十二条第一款第（",
             number, "）项的规定，本局决定自", cn_date("data.released_on"), "起解除对", out("data.scope"), "的",
             out(MEASURE), "。")
        para(b, "解除", out(MEASURE), "的财物，本局将立即退还，并由办案人员和", YOU, "在", inventory_name(),
             "上签名或者盖章。", optional("data.return_note"))
        with b.when("data.proceeds"):
            para(b, "已先行处置的物品，本局将退还处置所得款项", out("data.proceeds|yuan"), "（",
                 out("data.proceeds|rmb_upper"), "）。")
        remedy(b, "本解除行政强制措施决定")

    letter(b, "解除行政强制措施决定书", body)


# 24 场所/设施/财物清单 ---------------------------------------------------------------------

INVENTORY_COLUMNS = (
    NUMBER_COLUMN,
    Column("标称名称/场所", 40, "item.name", LEFT),
    Column("规格（型号）/场所地址", 46, "item.spec", LEFT),
    Column("单位", 13, "item.unit"),
    Column("数量", 15, "item.quantity"),
    Column("备注", 36, "item.remarks", LEFT),
)


def sign_here(b: Builder, who: str) -> None:
    """"当事人（签名或者盖章）：　　　　　　　　年　月　日" at the foot of a list or confirmation."""
    paragraph = b.paragraph(who, "\t" + BLANK_DATE, style=Style(before=10, keep_next=True))
    paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(b.layout.text_width_mm), WD_TAB_ALIGNMENT.RIGHT)


def inventory(b: Builder) -> None:
    """场所/设施/财物清单 (行政强制法第24条; 程序规定第37、42条): made in duplicate.

    Signed by the party, the officers and a witness; every page numbered 第 X 页 共 Y 页,
    the header row repeated on each page.
    """
    agency_header(b)
    title(b, out(f"{OBJECT_KINDS} ~ '清单'"), after=6)
    b.paragraph("当事人：", out("data.party_name"))
    with b.when("blank or data.attached_to"):
        b.paragraph("所附文书：《", out("data.attached_to.name"), "》",
                    out("'（' ~ data.attached_to.number ~ '）' if blank or data.attached_to.number else ''"))
    with b.when("blank or data.place"):
        b.paragraph("地点：", out("data.place"))
    witness_line(b, "data.witness")
    b.paragraph(style=Style(line=6))
    item_table(b, INVENTORY_COLUMNS, "data.entries", blank_rows=16, size=10.5)
    b.paragraph("上述物品品种、数量经核对无误。本清单一式两份，当事人和本局各执一份。",
                style=Style(indent_chars=2, before=6, keep_next=True))
    for who in ("当事人（签名或者盖章）：", "执法人员（签名）：", "见证人（签名）："):
        sign_here(b, who)
    b.footer()


# 25 封条 ------------------------------------------------------------------------------------


def seal_strip(b: Builder) -> None:
    """封条 (程序规定第41条第2款: 查封的场所、设施或者财物加贴封条，任何人不得随意动用).

    Two identical strips on a landscape A4 sheet, to cut apart and stick across a
    door or a box; the seal goes over the date, officers and party sign on the strip.
    """
    section = b.doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    width = 297 - b.layout.margins_mm[2] - b.layout.margins_mm[3]
    line = Style(align=CENTER, size=14, line=24)
    for copy in range(2):
        if copy:
            b.paragraph("- - - - - - - - - - - - - - - - 沿此线裁开 - - - - - - - - - - - - - - - -",
                        style=Style(align=CENTER, size=9, line=30))
        table = b.table([width])
        cell = b.row(table, 72)[0]
        cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
        b.paragraph(out("agency.name"), style=Style(font=XIAOBIAOSONG, bold=True, size=20, align=CENTER, line=32),
                    container=cell)
        b.paragraph("封　　条", style=Style(font=XIAOBIAOSONG, bold=True, size=48, align=CENTER, line=62),
                    container=cell)
        b.paragraph("本", out(OBJECT_KINDS), "已依法", out(MEASURE), "，任何人不得随意动用、擅自启封或者损毁。",
                    style=line, container=cell)
        b.paragraph(out("'名称及数量：' ~ data.subject ~ '　　' if blank or data.subject else ''"),
                    out("'文书编号：' ~ data.decision_number if blank or data.decision_number else ''"),
                    style=line, container=cell)
        b.paragraph("执法人员（签名）：　　　　　　　当事人（签名）：　　　　　　　（印章）　",
                    cn_date("data.sealed_on"), "封", style=Style(align=CENTER, size=14, line=24, before=10),
                    container=cell)


# 26 实施行政强制措施场所/设施/财物委托保管书 ----------------------------------------------------


def custody_letter(b: Builder) -> None:
    """委托保管书 (行政强制法第26条; 程序规定第41条第1款).

    The third party keeps, may not damage, transfer or dispose (程序规定第41条第1款); the
    agency pays first for the third party's loss and recovers, and bears the 保管费用
    (行政强制法第26条第2、3款).
    """
    def body(b: Builder) -> None:
        para(b, "依据《市场监督管理行政处罚程序规定》第四十一条第一款的规定，本局委托", YOU, "保管本局于",
             cn_date("data.measure_on"), "依法", out(MEASURE), "的", out("data.party_name"), "的有关",
             out(OBJECT_KINDS), "［详见", inventory_name(), "］", MEASURE_DECISION, "。")
        b.tag(START_ITEMS)
        para(b, ITEM, "保管地点：", out("data.place"), "。")
        para(b, ITEM, "保管期限：自", cn_date("data.start_on"), "起至本局书面通知解除保管时止。")
        with b.when("blank or data.requirements"):
            para(b, ITEM, "保管要求：", out("data.requirements"), "。")
        para(b, ITEM, "保管期间，", YOU,
             "应当妥善保管，不得使用、损毁或者擅自转移、处置。因", YOU, "的原因造成损失的，本局先行赔付后，有权向",
             YOU, "追偿。")
        para(b, ITEM, "保管费用由本局承担。",
             optional("data.fee_note", "", "。"))

    # Addressed to the custodian (你/你单位), who signs to accept; the party is named in the text.
    letter(b, out(f"'实施行政强制措施' ~ {OBJECT_KINDS} ~ '委托保管书'"), body, party="data.custodian",
           label="受托保管人", before_seal=lambda b: sign_here(b, "受托保管人（签名或者盖章）："))


# 27 先行处置物品确认书 ---------------------------------------------------------------------

# 程序规定第41条第3款: goods unfit for long keeping.
PERISHABLE = ("容易损毁", "容易灭失", "容易变质", "保管困难", "保管费用过高", "季节性商品")

DISPOSAL_COLUMNS = (
    NUMBER_COLUMN,
    Column("物品名称", 50, "item.name", LEFT),
    Column("规格（型号）", 40, "item.spec", LEFT),
    Column("单位", 15, "item.unit"),
    Column("数量", 18, "item.quantity"),
    Column("备注", 31, "item.remarks", LEFT),
)


def perishable_clause() -> str:
    """The grounds of "…等不宜长期保存的物品" (``data.reasons``), as tick boxes on the blank form."""
    return ("{% if blank %}" + multi_checkboxes("data.reasons", PERISHABLE) + "{% else %}"
            "{{ data.reasons|join('、') }}{% endif %}")


def disposal_confirmation(b: Builder) -> None:
    """先行处置物品确认书: the owner's consent or application (程序规定第41条第3款);
    the head then approves, evidence is kept first, and the proceeds are managed as 涉案现金."""
    agency_header(b)
    title(b, "先行处置物品确认书", after=6)
    b.tag(SET_YOU)
    party_block(b)
    body = Style(indent_chars=2, before=4)
    b.paragraph(out("agency.name"), "于", cn_date("data.measure_on"), "依法对", YOU, "的下列物品实施了", out(MEASURE),
                "的行政强制措施", MEASURE_DECISION, "：", style=body)
    item_table(b, DISPOSAL_COLUMNS, "data.entries", blank_rows=6, size=10.5)
    b.paragraph("上述物品属于", perishable_clause(),
                "等不宜长期保存的物品。依据《市场监督管理行政处罚程序规定》第四十一条第三款的规定，在确定为罚没财物前，"
                "经权利人同意或者申请，并经本局负责人批准，在采取相关措施留存证据后，可以依法先行处置。"
                "先行处置所得款项按照涉案现金管理。", style=body)
    b.paragraph("权利人意见：本人（本单位）是上述物品的权利人，", checkboxes("data.consent", ("同意", "申请")),
                "对上述物品先行处置。", style=body)
    b.paragraph("处置方式：", out("data.method"), style=body)
    sign_here(b, "权利人（签名或者盖章）：")
    sign_here(b, "执法人员（签名）：")
    b.footer()


# 28 先行处置物品公告 ------------------------------------------------------------------------


def disposal_announcement(b: Builder) -> None:
    """先行处置物品公告 (程序规定第41条第3款).

    Owner unknown → public notice; after it expires the goods may be disposed of in
    advance, proceeds managed as 涉案现金. The notice period is the agency's choice.
    """
    def body(b: Builder) -> None:
        para(b, "本局于", cn_date("data.measure_on"), "在", out("data.place"), "依法", out(MEASURE), "了下列物品：")
        item_table(b, DISPOSAL_COLUMNS, "data.entries", blank_rows=4, size=12, row_mm=10)
        para(b, "上述物品的权利人不明确，且属于", perishable_clause(),
             "等不宜长期保存的物品。依据《市场监督管理行政处罚程序规定》第四十一条第三款的规定，请上述物品的权利人自本公告"
             "发布之日起", out("data.notice_days"), "日内，持有效身份证明和权属证明材料到", out("data.claim_place"),
             "办理相关手续（联系人：", out("data.contact.name"), "，联系电话：", out("data.contact.phone"),
             "）。公告期满后仍没有权利人同意或者申请的，本局将依法先行处置，所得款项按照涉案现金管理。")
        para(b, "特此公告。")

    # To whoever owns the goods, unknown: no party block and no 你; the contact is in the text.
    letter(b, "先行处置物品公告", body, party=None, contact=False, copies=False)


# 29 抽样记录 --------------------------------------------------------------------------------

SAMPLE_COLUMNS = (
    NUMBER_COLUMN,
    Column("样品名称", 25, "item.name", LEFT),
    Column("标称商标", 19, "item.brand"),
    Column("规格型号", 19, "item.spec"),
    Column("生产日期或批号", 22, "item.batch"),
    Column("标称生产者", 26, "item.producer", LEFT),
    Column("抽样基数", 19, "item.base"),
    Column("抽样数量", 23, "item.quantity"),
)


def sampling_record(b: Builder) -> None:
    """抽样记录 (程序规定第31条): party notified to attend; samples sealed with 封条; signed by
    officers and party (on every page, as a record)."""
    agency_header(b)
    title(b, "抽样记录", after=6)
    b.tag(SET_YOU)
    record_time_line(b, "抽样时间")
    b.paragraph("抽样地点：", out("data.place"))
    officer_lines(b, "抽样人员", "data.samplers", Style())
    party_block(b)
    b.paragraph("通知当事人到场情况：", out("data.notification"))
    witness_line(b)
    b.paragraph("我们是", out("agency.name"), "的执法人员", names("data.samplers", with_numbers=True),
                "，这是我们的执法证件，请过目确认。现依法对", YOU, "涉嫌", out("data.cause"),
                "一案抽样取证，请予配合。", YOU, "有陈述、申辩的权利；认为我们与本案有直接利害关系或者其他关系可能影响公正执法的，"
                "有申请回避的权利。是否申请回避？", style=RECORD_BODY)
    b.paragraph("当事人回答：", out("data.opening_response"), style=RECORD_BODY)
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
    heading(b, "当事人意见：")
    text_block(b, "data.statement", RECORD_BODY, blank_lines=6)
    b.paragraph(CLOSING, "，如果属实请签名。", style=Style(indent_chars=2, before=6))
    b.footer("当事人：　　　　　　　　见证人：　　　　　　　　抽样人员：　　　　　　　　　")


# 30–32 检测/检验/检疫/鉴定 -----------------------------------------------------------------

# 备注 holds up to 200 characters: wide enough that its row never outgrows a page (rows do not split).
TEST_COLUMNS = (
    NUMBER_COLUMN,
    Column("名称", 38, "item.name", LEFT),
    Column("规格型号", 26, "item.spec"),
    Column("生产日期\n（批号）", 26, "item.batch"),
    Column("数量", 18, "item.quantity"),
    Column("备注", 38, "item.remarks", LEFT),
)


def test_title(suffix: str) -> str:
    return out(f"{TEST} ~ '{suffix}'")


def test_commission(b: Builder) -> None:
    """检测/检验/检疫/鉴定委托书 (程序规定第32条: entrust a qualified institution)."""
    def body(b: Builder) -> None:
        para(b, "因办理", out("data.case_cause"), "一案需要，依据《市场监督管理行政处罚程序规定》第三十二条的规定，"
             "本局委托你单位对下列样品（物品）进行", out(TEST), "：")
        item_table(b, TEST_COLUMNS, "data.entries", blank_rows=4, size=12, row_mm=10)
        b.tag(START_ITEMS)
        para(b, ITEM, out(TEST), "项目：", out("data.items_to_test"), "。")
        with b.when("blank or data.standard"):
            para(b, ITEM, out(TEST), "依据：", out("data.standard"), "。")
        para(b, ITEM, "请于", cn_date("data.due_on"), "前出具书面", out(TEST), "报告，送交本局。")
        with b.when("data.delivery"):
            para(b, ITEM, out("data.delivery"))
        # The agency pays for what it commissions (行政强制法第25条第3款 for goods it holds).
        para(b, ITEM, out(TEST), "费用由本局承担。", optional("data.fee_note"))

    # To the institution by name; the text says 你单位 itself (no party, so no 你 from the party).
    letter(b, test_title("委托书"), body, party=None, salutation="data.institution")


def test_period_notice(b: Builder) -> None:
    """检测/检验/检疫/鉴定期间告知书 (行政强制法第25条第3款; 程序规定第38条第3款).

    The period is stated in writing and not counted in the 查封/扣押 term; the agency pays.
    """
    def body(b: Builder) -> None:
        measure_taken(b, "data.measure_on", objects=False)
        para(b, "因需要对", out("data.subject"), "进行", out(TEST), "，依据《中华人民共和国行政强制法》第二十五条第三款和"
             "《市场监督管理行政处罚程序规定》第三十八条第三款的规定，现将", out(TEST), "期间告知如下：")
        para(b, out(TEST), "期间：自", cn_date("data.from_on"), "至", cn_date("data.to_on"), "。",
             out(f"'承担' ~ {TEST} ~ '的机构：' ~ data.institution ~ '。' if data.institution else ''"))
        para(b, out(MEASURE), "的期间不包括", out(TEST), "的期间。", out(TEST), "费用由本局承担。")

    letter(b, test_title("期间告知书"), body)


def test_result_notice(b: Builder) -> None:
    """检测/检验/检疫/鉴定结果告知书 (程序规定第32条: results are told to the party)."""
    def body(b: Builder) -> None:
        para(b, "本局于", cn_date("data.commissioned_on"), "委托", out("data.institution"), "对", out("data.subject"),
             "进行了", out(TEST), "。该机构于", cn_date("data.reported_on"), "出具了", out(TEST), "报告（报告编号：",
             out("data.report_number"), "）。")
        para(b, out(TEST), "结果如下：")
        text_block(b, "data.result", LETTER_BODY, blank_lines=3)
        # The body ends with a paragraph that always prints (blocks.letter): the 异议 follows in it.
        para(b, "依据《市场监督管理行政处罚程序规定》第三十二条的规定，现将", out(TEST), "结果告知", YOU, "。",
             optional("data.objection"))

    letter(b, test_title("结果告知书"), body, attachments="[data.attachment] if data.attachment else []")


# 33–34 责令改正通知书、责令退款通知书 -------------------------------------------------------------


def correction_notice(b: Builder) -> None:
    """责令改正通知书 (行政处罚法第28条第1款).

    Order to correct at once or by a date; the basis comes from the payload (行政处罚法
    第28条第1款, or the special law that orders the correction).
    """
    def body(b: Builder) -> None:
        text_block(b, "data.facts", LETTER_BODY, first_prefix="经查，", blank_lines=3)
        para(b, YOU, "的上述行为违反了", out("data.violated_provisions"), "的规定。依据", out("data.basis"),
             "的规定，本局责令", YOU, "{% if blank %}" + checkboxes("data.mode", ("立即改正", "限期改正")) +
             "{% else %}{{ data.mode }}{% endif %}", "上述违法行为",
             out(f"'（限期改正的，于{BLANK_DATE}前改正完毕）' if blank else ('，于' ~ data.deadline|cn_date ~ "
                 "'前改正完毕' if data.mode == '限期改正' else '')"), "。")
        text_block(b, "data.requirements", LETTER_BODY, first_prefix="改正内容及要求：", blank_lines=2)
        remedy(b, "本责令改正通知", document="本通知书")

    letter(b, "责令改正通知书", body)


def refund_notice(b: Builder) -> None:
    """责令退款通知书 (程序规定第59条): after hearing the party and before the decision, order
    the refund of overcharges by a date; payers who cannot be found are sought by public notice."""
    def body(b: Builder) -> None:
        text_block(b, "data.facts", LETTER_BODY, first_prefix="经查，", blank_lines=3)
        para(b, YOU, "多收价款共计", out("data.amount|yuan"), "（", out("data.amount|rmb_upper"), "）。")
        para(b, "依据", out("data.basis"), "和《市场监督管理行政处罚程序规定》第五十九条的规定，本局责令", YOU, "于",
             cn_date("data.deadline"), "前将多收价款退还多付价款的", out("data.payers"), "。难以查找多付价款的消费者或者"
             "其他经营者的，", YOU, "应当公告查找。")
        with b.when("data.report"):
            para(b, out("data.report"))
        remedy(b, "本责令退款通知", document="本通知书")

    letter(b, "责令退款通知书", body)


# 35 案件调查终结报告 --------------------------------------------------------------------------


def investigation_report(b: Builder) -> None:
    """案件调查终结报告 (程序规定第48条).

    The six contents of 第48条; the 办案机构负责人 signs in the dept_head box (filled by
    the approval workflow, else by hand).
    """
    table = form_opening(b, "案件调查终结报告")
    form_row(b, table, "案　　由", out("data.cause"))
    form_row(b, table, "当 事 人", lambda cell: party_block(b, cell))
    text_row(b, table, "案件来源、\n调查经过及\n采取行政强制\n措施的情况", "data.course", 55)

    def facts(cell: _Cell) -> None:
        # On the blank form: lines for the facts above 主要证据, then the numbered evidence.
        text_block(b, "data.facts", Style(indent_chars=2), cell, blank_lines=6)
        b.paragraph("主要证据：", style=Style(font=HEI), container=cell)
        numbered_list(b, "item", "data.evidence", out("item"), Style(indent_chars=2), 4, cell)

    form_row(b, table, "调查认定的\n事实及\n主要证据", facts, height_mm=80, cant_split=False)
    text_row(b, table, "违法行为\n性质", "data.nature", 25, cant_split=True)
    text_row(b, table, "处理意见\n及依据", "data.proposal", 35, cant_split=True)
    text_row(b, table, "自由裁量的\n理由等其他\n需要说明的\n事项", "data.discretion", 35, cant_split=True)
    opinion_row(b, table, "办案人员", (names("data.handlers", with_numbers=True),),
                signature_line("签名：", "", cn_date("data.reported_on")), 24)
    approval_row(b, table, "办案机构\n负责人意见", "dept_head", 40)
    b.footer()


# 36 案件审核/法制审核表 -----------------------------------------------------------------------

# 程序规定第53条, in order.
REVIEW_POINTS = (
    ("jurisdiction", "是否具有管辖权"),
    ("party", "当事人的基本情况是否清楚"),
    ("facts", "案件事实是否清楚、证据是否充分"),
    ("characterisation", "定性是否准确"),
    ("legal_basis", "适用依据是否正确"),
    ("procedure", "程序是否合法"),
    ("appropriateness", "处理是否适当"),
)
# 程序规定第54条.
REVIEW_CONCLUSIONS = ("同意", "建议纠正", "建议补充调查", "其他意见和建议")


def signed_opinion_row(b: Builder, table, label: str, path: str, who: str, height_mm: float) -> None:
    """An opinion box filled from the payload ({opinion, signer, date}), empty to write in by hand.

    Like blocks.approval_row, but for instruments without a signature workflow.
    """
    opinion_row(b, table, label, (out(f"{path}.opinion|default('')"),),
                signature_line(who, out(f"{path}.signer if {path}.signer else '{HAND}'"),
                               cn_date(f"{path}.date")), height_mm)


def case_review(b: Builder) -> None:
    """案件审核/法制审核表 (程序规定第49–55条).

    The seven points of 第53条, the conclusion of 第54条; reviewers are never the
    investigators (第49条: the schema's x-docgen-distinct refuses a reviewer who is one of
    the 办案人员); 10 working days (第55条). Which kind of review an agency does is its own
    rule: the agency profile's ``choices`` may fix it (the seed's bureau: every penalty decision
    passes 法制审核, except under the simple procedure, which has no 审核表).
    """
    table = form_opening(b, out(f"{variant('data.review_type', REVIEWS)} ~ '表'"))
    form_row(b, table, "案　　由", out("data.cause"))
    form_row(b, table, "当 事 人", lambda cell: party_block(b, cell))
    form_row(b, table, "办案机构", out("data.department"))
    form_row(b, table, "办案人员", names("data.handlers", with_numbers=True))
    form_row(b, table, "送审时间", cn_date("data.submitted_on"))
    text_row(b, table, "拟处理意见", "data.proposal", 30)

    def points(cell: _Cell) -> None:
        for number, (key, label) in zip("一二三四五六七", REVIEW_POINTS):
            b.paragraph((f"（{number}）{label}：", {"font": HEI}), out(f"'' if blank else data.findings.{key}"),
                        container=cell)
            with b.when("blank", cell):  # room to write the finding by hand
                b.paragraph("", container=cell)

    form_row(b, table, "审核内容", points, height_mm=70, cant_split=False)

    def conclusion(cell: _Cell) -> None:
        cell.vertical_alignment = WD_ALIGN_VERTICAL.BOTTOM
        b.paragraph(checkboxes("data.conclusion", REVIEW_CONCLUSIONS), container=cell)
        text_block(b, "data.opinion", Style(indent_chars=2), cell, blank_lines=5)
        b.paragraph(*signature_line("审核人员：", out("'________、________' if blank else data.reviewers|join('、')"),
                                   cn_date("data.reviewed_on")),
                    style=Style(align=RIGHT, before=4), container=cell)

    form_row(b, table, "审核意见", conclusion, height_mm=60, spacer=False)
    signed_opinion_row(b, table, "审核机构\n负责人意见", "data.head_opinion", "签名：", 45)
    b.footer()


INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument("coercive-measure-decision", "实施行政强制措施决定书", "letter", True, LETTER,
               coercive_measure_decision, version="2"),
    Instrument("coercive-measure-extension", "延长行政强制措施期限决定书", "letter", True, LETTER, extension_decision, version="2"),
    Instrument("coercive-measure-release", "解除行政强制措施决定书", "letter", True, LETTER, release_decision, version="2"),
    Instrument("seizure-inventory", "场所/设施/财物清单", "other", False, FORM, inventory),
    Instrument("seal-strip", "封条", "other", False, FORM, seal_strip),
    Instrument("custody-entrustment", "实施行政强制措施场所/设施/财物委托保管书", "letter", True, LETTER,
               custody_letter, version="2"),
    Instrument("advance-disposal-confirmation", "先行处置物品确认书", "other", False, FORM, disposal_confirmation),
    Instrument("advance-disposal-announcement", "先行处置物品公告", "letter", True, LETTER, disposal_announcement, version="2"),
    Instrument("sampling-record", "抽样记录", "record", False, RECORD, sampling_record),
    Instrument("test-commission", "检测/检验/检疫/鉴定委托书", "letter", True, LETTER, test_commission, version="2"),
    Instrument("test-period-notice", "检测/检验/检疫/鉴定期间告知书", "letter", True, LETTER, test_period_notice, version="2"),
    Instrument("test-result-notice", "检测/检验/检疫/鉴定结果告知书", "letter", True, LETTER, test_result_notice, version="2"),
    Instrument("correction-order", "责令改正通知书", "letter", True, LETTER, correction_notice, version="2"),
    Instrument("refund-order", "责令退款通知书", "letter", True, LETTER, refund_notice, version="2"),
    Instrument("investigation-report", "案件调查终结报告", "form", False, FORM, investigation_report,
               workflow="report-1"),
    Instrument("case-review", "案件审核/法制审核表", "form", False, FORM, case_review, version="2"),
)
