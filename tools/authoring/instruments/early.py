"""Instruments of the early stages of a case: 案源、管辖、调查取证、先行登记保存 (items 1–20 of the
2021 list; 7, 9 and 14 are in core.py).

Legal basis, 《市场监督管理行政处罚程序规定》 (程序规定): 管辖 第13–17条; 立案前核查 第18条;
取证 第24、26、29、30条; 先行登记保存 第33–35条; 协助扣押 第39条; 协助调查 第45条;
送达地址 第82–83条. 行政处罚法第27条 (移送司法机关)、第56条 (先行登记保存); 行政强制法第21条
(移送查封、扣押的财物).

The letters are blocks.letter around a body of their own, each declared as data below
(``numbered_letter``): whom it is addressed to, whether it has 附件 and 抄送.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from docx.table import _Cell

from authoring.blocks import (
    BLANK_DATE,
    FORM,
    HAND,
    LEFT,
    LETTER,
    LETTER_BODY,
    RECORD,
    RECORD_BODY,
    WORD_JOINER,
    YOU,
    Builder,
    Column,
    Instrument,
    Style,
    agency_header,
    approval_tail,
    checkboxes,
    choose,
    cite,
    cn_date,
    cn_time,
    form_opening,
    form_row,
    form_table,
    hanging,
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
    proposal_row,
    rows_when,
    text_block,
    text_cell,
    text_row,
    title,
    variant,
)
from authoring.instruments.core import CASE_SOURCES, CLOSING, record_time_line

RULES = "《市场监督管理行政处罚程序规定》"
MEASURE_DECISION = cite("实施行政强制措施决定书", "data.measure_number", aside=True)


def case_phrase(path: str = "data.case") -> str:
    """"当事人名称 + 案由 + 一案", e.g. 株洲市……有限公司涉嫌经营超过保质期的食品一案."""
    return out(f"{path}.party_name") + out(f"{path}.cause") + "一案"


def inventory_reference() -> str:
    """［详见《场所/设施/财物清单》］, the 清单 made on the spot with the measure. Cited by name only:
    the 清单 is not a numbered instrument (it goes with the decision or notice it is attached to),
    so a 文书编号 cited for it would be one the catalogue never allocated."""
    return "［详见《场所/设施/财物清单》］"


# Whom a letter is addressed to (blocks.letter's options): the party (the default, 你/你单位);
# ``data.addressee`` {kind, name}, the party or a third person; or another authority by name
# (贵单位/你局, no 你). FILES: ``data.attachments`` as 附件 (the case files that go with it).
TO_ADDRESSEE = {"party": None, "you": "data.addressee", "salutation": "data.addressee.name"}
TO_AUTHORITY = {"party": None, "salutation": "data.addressee"}
FILES = {"attachments": "data.attachments"}


def numbered_letter(id: str, name: str, body: Callable[[Builder], None], heading: str | None = None,
                    version: str = "1", **options: Any) -> Instrument:
    """A letter instrument: blocks.letter around ``body``; ``heading`` when the title follows a variant.

    The build function takes ``body``'s name and docstring, whose first line opens with the
    letter's name and the provisions it is made under: tools/legal_basis.py reads the
    manifest's ``basis`` from it. The body's last paragraph is always printed (no
    ``b.when``): blocks.letter keeps it with the seal, so a conditional one could leave
    the seal on a page without text.
    """
    if not (body.__doc__ or "").startswith(name):
        raise ValueError(f"{id}: the docstring of {body.__name__} must open with 「{name}」 and its provisions")

    def build(b: Builder) -> None:
        letter(b, heading or name, body, **options)

    build.__name__ = build.__qualname__ = body.__name__
    build.__doc__ = body.__doc__
    return Instrument(id, name, "letter", True, LETTER, build, version=version)


# 1 案件来源登记表 / 8 行政处罚案件有关事项审批表 (forms) --------------------------------------------


def case_source_registration(b: Builder) -> None:
    """案件来源登记表 (程序规定第18条): a lead as received, before the 核查 and the decision on 立案."""
    table = form_opening(b, "案件来源登记表")

    def source(cell: _Cell) -> None:
        b.paragraph(checkboxes("data.source", CASE_SOURCES), container=cell)
        with b.when("blank or data.source_detail", cell):
            b.paragraph("来源说明：", out("data.source_detail"), container=cell)

    def informant(cell: _Cell) -> None:
        with b.when("blank or data.informant", cell):
            b.paragraph("姓名（名称）：", out("data.informant.name"), container=cell)
            b.paragraph("联系电话：", out("data.informant.phone"), container=cell)
        for label, field in (("联系地址", "address"), ("身份证件号码", "id_number")):
            with b.when(f"blank or data.informant.{field}", cell):
                b.paragraph(f"{label}：", out(f"data.informant.{field}"), container=cell)

    def suspect(cell: _Cell) -> None:
        b.paragraph("名称（姓名）：", out("data.suspect.name"), container=cell)
        for label, field in (("住所（住址）", "address"), ("联系电话", "phone")):
            with b.when(f"blank or data.suspect.{field}", cell):
                b.paragraph(f"{label}：", out(f"data.suspect.{field}"), container=cell)

    form_row(b, table, "来源分类", source)
    form_row(b, table, "登记时间", cn_date("data.registered_on"))
    form_row(b, table, "线索提供人", informant)
    form_row(b, table, "涉嫌违法\n当事人", suspect)
    text_row(b, table, "案源主要内容", "data.summary", height_mm=50)
    proposal_row(b, table, "登记人意见", "data.registrar_opinion", "登记人：", out(f"'{HAND}' if blank else data.registrar"),
                 "data.registered_on")
    approval_tail(b, table)
    b.paragraph("注：应当自发现线索或者收到材料之日起十五个工作日内予以核查，由市场监督管理部门负责人决定是否立案；"
                "特殊情况下，经市场监督管理部门负责人批准，可以延长十五个工作日（", RULES, "第十八条）。",
                style=Style(size=10.5, line=15, before=4))
    b.footer()


def case_matter_approval(b: Builder) -> None:
    """行政处罚案件有关事项审批表 (程序规定第33、36、38、46、47、64条): a step that needs the 负责人's approval.

    先行登记保存 (第33条), 行政强制措施 (第36条) and its extension (第38条), 中止/终止调查
    (第46–47条), 延长办案期限 (第64条); also steps other rules subject to approval."""
    table = form_opening(b, "行政处罚案件有关事项审批表")
    form_row(b, table, "案　　由", out("data.cause"))
    form_row(b, table, "当 事 人", lambda cell: party_block(b, cell))
    form_row(b, table, "审批事项", out("data.matter"))
    text_row(b, table, "申请理由\n及依据", "data.reasons", height_mm=55)
    form_row(b, table, "承 办 人", names("data.handlers", with_numbers=True))
    proposal_row(b, table, "承办人意见", "data.handler_opinion", names_expr=HAND)
    approval_tail(b, table)
    b.footer()


# 10 送达地址确认书 / 11 证据提取单 (other) --------------------------------------------------------

E_SERVICE = ("手机短信", "传真", "电子邮件", "即时通讯账号")
# What the addressee is told before signing (程序规定第82条第3项, 第83条).
ADDRESS_NOTICES = (
    "受送达人应当如实提供送达地址。本局将执法文书送达至受送达人确认的地址，即视为送达。",
    "送达地址发生变更的，受送达人应当及时书面告知本局；未及时告知的，本局按原地址送达，视为依法送达。",
    ("因受送达人提供的送达地址不准确、送达地址变更未书面告知本局，导致执法文书未能被受送达人实际接收的，"
     "直接送达的，执法文书留在该地址之日为送达之日；邮寄送达的，执法文书被退回之日为送达之日。"),
    ("受送达人同意电子送达的，本局可以采用上述电子方式送达执法文书，并以拍照、截屏、录音、录像等方式记录；"
     "手机短信、传真、电子邮件、即时通讯信息等到达受送达人特定系统的日期为送达日期。"),
)
SMALL = Style(size=10.5, line=16)


def signed_by(who: str) -> tuple[str, ...]:
    """"受送达人（签名或者盖章）：" with room to sign, and the date on the line under it (one line
    of a form's content cell holds the label or the room to sign, not both with the date)."""
    return (who, HAND, "\n", BLANK_DATE)


def service_address_confirmation(b: Builder) -> None:
    """送达地址确认书 (程序规定第82条第3项、第83条): electronic service only with it and with consent."""
    table = form_opening(b, "送达地址确认书")
    form_row(b, table, "案　　由", out("data.cause"))
    form_row(b, table, "受送达人", out("data.addressee"))
    postcode = out("'（邮政编码：________）' if blank else ('（邮政编码：' ~ data.postcode ~ '）' if data.postcode else '')")
    form_row(b, table, "送达地址", out("data.address") + postcode, height_mm=14)
    form_row(b, table, "收 件 人", out("data.recipient.name") + "　　联系电话：" + out("data.recipient.phone"))

    def electronic(cell: _Cell) -> None:
        def boxes(agree: str, refuse: str) -> str:  # '■同意　□不同意', each box joined to its option
            return f"'{agree}{WORD_JOINER}同意　{refuse}{WORD_JOINER}不同意'"
        consent = out(f"{boxes('□', '□')} if blank else ({boxes('■', '□')} if data.electronic.consent else "
                      f"{boxes('□', '■')})")
        b.paragraph("是否同意采用电子方式送达执法文书：", consent, container=cell)
        with b.each("m in data.electronic.channels", cell):
            b.paragraph(out("m.type"), "：", out("m.account"), container=cell)
        with b.when("blank", cell):
            for channel in E_SERVICE:
                b.paragraph(f"{channel}：", container=cell)

    form_row(b, table, "电子送达", electronic, height_mm=24)
    with rows_when(b, table, "blank or data.agent"):
        form_row(b, table, "代 收 人", out("data.agent.name") + "　　联系电话：" + out("data.agent.phone"))

    def notice(cell: _Cell) -> None:
        for number, text in enumerate(ADDRESS_NOTICES, start=1):
            b.paragraph(f"{number}．{text}", style=SMALL, container=cell)
        b.paragraph("（", RULES, "第八十二条第三项、第八十三条）", style=SMALL, container=cell)

    form_row(b, table, "告知事项", notice, height_mm=40)
    opinion_row(b, table, "受送达人\n确认", ("本人（本单位）已阅知上述告知事项，确认以上送达地址、收件人及送达方式。",),
                signed_by("受送达人（签名或者盖章）："), 30)
    form_row(b, table, "执法人员", names("data.officers", with_numbers=True), height_mm=12)
    with rows_when(b, table, "blank or data.remarks"):
        form_row(b, table, "备　　注", text_cell(b, "data.remarks", Style()), height_mm=16)
    b.footer()


EVIDENCE_FORMS = ("原件", "原物", "复制件", "影印件", "抄录件", "照片", "录像")


def evidence_extraction_slip(b: Builder) -> None:
    """证据提取单 (程序规定第24条): what was taken, from where, in what form; the provider confirms
    that copies match the original and signs."""
    table = form_opening(b, "证据提取单")
    form_row(b, table, "案　　由", out("data.cause"))
    form_row(b, table, "证据提供人", out("data.provider"))
    form_row(b, table, "提取时间", cn_date("data.date") + out("' '") + cn_time("data.time"))
    form_row(b, table, "提取地点", out("data.place"))
    b.paragraph(style=Style(line=6))
    item_table(b, (Column("序号", 14, "loop.index"), Column("证据名称及内容", 58, "item.name", LEFT),
                   Column("证据出处", 35, "item.source", LEFT), Column("证据形式", 22, "item.form", LEFT),
                   Column("数量", 36, "item.quantity", LEFT)), "data.evidence", blank_rows=10)
    b.paragraph(style=Style(line=6))
    table = form_table(b)
    opinion_row(b, table, "证据提供人\n意见",
                ("上述证据由本人（本单位）提供，出证日期如上。复制件、影印件、抄录件和照片、录像经核对，与原件、原物一致。",),
                signed_by("证据提供人（签名或者盖章）："), 30)
    form_row(b, table, "提 取 人", names("data.extractors", with_numbers=True), height_mm=12)
    with rows_when(b, table, "blank or data.remarks"):
        form_row(b, table, "备　　注", text_cell(b, "data.remarks", Style()), height_mm=16)
    b.footer()


# 12 电子数据证据提取笔录 (record) ------------------------------------------------------------------

E_METHODS = ("提取原始载体", "拷贝复制", "委托分析", "书式固定", "拍照录像", "网络在线提取")
# SHA-256 and SM3 (GB/T 32905) only: MD5 and SHA-1 have practical collisions, so a value of theirs
# would not show that the data was not altered.
CHECKSUMS = ("SHA-256", "SM3")


def electronic_evidence_record(b: Builder) -> None:
    """电子数据证据提取笔录 (程序规定第26条: original carrier, or copy/analysis/print/photo with method,
    time and maker noted; specialists may assist), and 《市场监督管理行政执法电子数据取证暂行规定》
    (市场监管总局, 2024-04-07), which adds 网络在线提取 and says what the record of an extraction
    holds: time, place, officers, source, method and process, tools, the data taken with their
    integrity check values, storage, the persons present. Signed on every page like the other records.

    网络在线提取 names the network address or account reached and the environment it was
    reached from (device, network), which the schema requires when that method is ticked.
    """
    agency_header(b)
    title(b, "电子数据证据提取笔录", after=6)
    record_time_line(b, "提取时间")
    b.paragraph("提取地点：", out("data.place"))
    officer_lines(b, "提取人", "data.extractors", Style())
    party_block(b)
    with b.when("blank or data.witness"):
        b.paragraph("见证人：", out("data.witness.name"), optional("data.witness.unit", "（", "）"))
    with b.when("blank or data.witness.phone"):
        b.paragraph("见证人联系电话：", out("data.witness.phone"))
    with b.when("blank or data.specialist"):
        b.paragraph("协助提取的专业技术人员：", out("data.specialist.name"), optional("data.specialist.unit", "（", "）"))
    b.paragraph("执法人员向当事人出示了执法证件，说明了提取电子数据的依据和目的，并告知当事人依法享有陈述权、"
                "申辩权以及申请回避的权利。", style=RECORD_BODY)
    heading(b, "电子数据来源（原始存储介质）：")
    text_block(b, "data.source", RECORD_BODY, blank_lines=2)
    b.paragraph("提取方法：", multi_checkboxes("data.methods", E_METHODS[:4]))
    hanging(b.paragraph(multi_checkboxes("data.methods", E_METHODS[4:])), 5, 5, b.layout.body_pt)
    with b.when("blank or data.online"):
        b.paragraph("网络在线提取的网址（账号）：", out("data.online.address"))
        b.paragraph("在线提取的设备和网络环境：", out("data.online.environment"))
    heading(b, "提取过程：")
    text_block(b, "data.process", RECORD_BODY, blank_lines=6)
    heading(b, "提取的电子数据：")
    item_table(b, (Column("序号", 12, "loop.index"), Column("名称", 50, "item.name", LEFT),
                   Column("类型", 22, "item.type", LEFT), Column("大小", 22, "item.size", LEFT),
                   Column("完整性校验值", 59, "item.checksum", LEFT)), "data.files", blank_rows=6, size=10.5)
    b.paragraph("校验算法：", checkboxes("data.checksum_algorithm", CHECKSUMS), style=Style(before=4))
    heading(b, "存储介质及封存情况：")
    text_block(b, "data.storage", RECORD_BODY, blank_lines=3)
    heading(b, "当事人的意见：")
    text_block(b, "data.statement", RECORD_BODY, blank_lines=4)
    b.paragraph(CLOSING, "，如果属实请签名。", style=Style(indent_chars=2, before=6))
    b.footer("当事人：　　　　　　　见证人：　　　　　　　提取人：　　　　　　　　　　　")


# The letters' bodies --------------------------------------------------------------------------
# Each docstring opens with the letter's name and provisions: the manifest's legal basis.

DESIGNATION_BASIS = ("第十三条", "第十四条", "第十五条第二款", "第十五条第三款")


def designation_body(b: Builder) -> None:
    """指定管辖通知书 (程序规定第13–16条): by the common superior.

    第13条 dispute (or designated directly), 第14条 objection to a transfer, 第15条第2款 by the
    superior's own decision, 第15条第3款 at the request of the lower department; decided within
    7 working days of the request (第16条)."""
    b.paragraph(case_phrase(), "，", out("data.circumstances"), style=LETTER_BODY)
    b.paragraph("根据", RULES, out(f"'{'/'.join(DESIGNATION_BASIS)}' if blank else data.basis"),
                "的规定，本局指定该案由你局管辖。请依法办理。", style=LETTER_BODY)


def assignment_body(b: Builder) -> None:
    """案件交办通知书 (程序规定第15条第1款): 交办 to a lower department; the superior may set when to report back."""
    b.paragraph(case_phrase(), "，", out("data.background"), style=LETTER_BODY)
    b.paragraph("根据", RULES, "第十五条第一款的规定，现将该案交由你局管辖。请依法查处，并",
                out(f"'［于{BLANK_DATE}前］' if blank else ('于' ~ (data.report_by|cn_date) ~ '前' "
                    "if data.report_by else '及时')"), "将查处结果报送本局。", style=LETTER_BODY)


def transfer_body(b: Builder) -> None:
    """案件移送函 (程序规定第14条、第17条第1款): to the competent 市场监督管理部门, which may not
    transfer it again (第14条), or to another administrative department (第17条第1款)."""
    regulator = "data.market_regulator"
    b.paragraph("本局在查处", out("data.party.name"), out("data.cause"), "一案中，发现该案不属于本局管辖。"
                "当事人基本情况如下：", style=LETTER_BODY)
    party_block(b, style=LETTER_BODY)
    text_block(b, "data.facts", LETTER_BODY, first_prefix="经查，", blank_lines=3)
    objection = "贵单位对管辖权有异议的，请报请共同的上一级市场监督管理部门指定管辖，不得再自行移送。"
    b.paragraph("根据", RULES, out(f"'第十四条/第十七条第一款' if blank else ('第十四条' if {regulator} else '第十七条第一款')"),
                "的规定，现将该案移送贵单位处理。",
                out(f"'［{objection}］' if blank else ('{objection}' if {regulator} else '')"), style=LETTER_BODY)


def criminal_transfer_body(b: Builder) -> None:
    """涉嫌犯罪案件移送书 (行政处罚法第27条第1款; 程序规定第17条第2款; 行政强制法第21条): to the
    司法机关, under 《行政执法机关移送涉嫌犯罪案件的规定》; seized goods go with the case."""
    b.paragraph("本局在查处", out("data.party.name"), out("data.cause"), "一案中，发现当事人的违法行为涉嫌犯罪。"
                "当事人基本情况如下：", style=LETTER_BODY)
    party_block(b, style=LETTER_BODY)
    text_block(b, "data.facts", LETTER_BODY, first_prefix="经查，", blank_lines=3)
    with b.when("blank or data.suspected_crime"):
        b.paragraph("当事人的上述行为涉嫌构成", out("data.suspected_crime"), "。", style=LETTER_BODY)
    goods = "本局查封、扣押的涉案财物，依照《中华人民共和国行政强制法》第二十一条的规定一并移送。"
    b.paragraph("根据《中华人民共和国行政处罚法》第二十七条第一款、", RULES, "第十七条第二款和《行政执法机关移送涉嫌"
                "犯罪案件的规定》的规定，现将该案移送贵单位，请依法审查，并将审查结果书面告知本局。",
                out(f"'［{goods}］' if blank else ('{goods}' if data.seized_goods else '')"), style=LETTER_BODY)


def seized_goods_transfer_body(b: Builder) -> None:
    """查封/扣押物品移送告知书 (行政强制法第21条): the party is told in writing that the seized goods
    went to the 司法机关 with the case."""
    measure = out("data.measure if data.measure else '查封/扣押'")
    b.paragraph("本局于", cn_date("data.measured_on"), "对", YOU, "的有关财物实施了", measure, "行政强制措施",
                MEASURE_DECISION, "。本局在查处", YOU, out("data.cause"),
                "一案中，发现该违法行为涉嫌犯罪，已于", cn_date("data.transferred_on"), "将案件移送",
                out("data.receiving_authority"), "。", style=LETTER_BODY)
    b.paragraph("根据《中华人民共和国行政强制法》第二十一条的规定，本局已将", measure, "的财物",
                inventory_reference(), "一并移送", out("data.receiving_authority"), "。特此告知。",
                style=LETTER_BODY)


def inquiry_body(b: Builder) -> None:
    """询问通知书 (程序规定第29条): who is to come, when and where, and what to bring."""
    b.paragraph("本局在调查", case_phrase(), "中，需要向", YOU, "了解有关情况。根据", RULES, "第二十九条的规定，请", YOU,
                "于", cn_date("data.appointment.date"), out("' '"), cn_time("data.appointment.time"), "到",
                out("data.appointment.place"), "接受询问。", style=LETTER_BODY)
    with b.when("blank or data.bring"):
        b.paragraph("请携带以下材料：", style=LETTER_BODY)
        numbered_list(b, "item", "data.bring", out("item"), LETTER_BODY)
    b.paragraph("接受询问时，请携带本通知书和本人身份证件；委托他人接受询问的，受委托人还应当携带授权委托书。",
                style=LETTER_BODY)


def material_request_body(b: Builder) -> None:
    """限期提供材料通知书 (程序规定第24条、第30条第1款): materials by a date, signed or sealed by the
    provider (第30条第1款); copies marked as matching the original, with date and source (第24条)."""
    b.paragraph("本局在调查", case_phrase(), "中，需要", YOU, "提供有关材料。根据", RULES, "第三十条第一款的规定，请", YOU,
                "于", cn_date("data.due_by"), "前向本局提供下列材料：", style=LETTER_BODY)
    numbered_list(b, "item", "data.materials", out("item"), LETTER_BODY, blank_lines=3)
    b.paragraph("提供的材料应当由提供人签名或者盖章；复制件、影印件、抄录件应当由提供人注明与原件一致，"
                "并注明出证日期、证据出处。", style=LETTER_BODY)


ASSISTANCE = ("辨认", "鉴别")


def identification_body(b: Builder) -> None:
    """协助辨认/鉴别通知书 (程序规定第30条第2款): the right holder in 侵权假冒 cases.

    Its time is not counted in the periods of 第18条第2款 and 第64条第2款."""
    task = out("'对下列涉案产品是否为你（单位）生产或者许可生产的产品进行辨认/对下列有关事项进行鉴别' if blank else "
               "('对下列涉案产品是否为' ~ you ~ '生产或者许可生产的产品进行辨认' if data.assistance == '辨认' "
               "else '对下列有关事项进行鉴别')")
    kind = out("data.assistance if data.assistance else '辨认/鉴别'")
    b.paragraph("本局在查处", case_phrase(), "中，根据", RULES, "第三十条第二款的规定，需要", YOU, task, "：",
                style=LETTER_BODY)
    numbered_list(b, "item", "data.objects", out("item"), LETTER_BODY)
    b.paragraph("请", YOU, "于", cn_date("data.due_by"), "前向本局出具书面", kind, "意见，说明", kind,
                "的依据，并签名或者盖章。", style=LETTER_BODY)


def investigation_assistance_body(b: Builder) -> None:
    """协助调查函 (程序规定第45条): a 市场监督管理部门 completes it within 15 working days of receipt (or
    says before then that it needs longer); other authorities are asked by the date the payload gives."""
    b.paragraph("本局在办理", case_phrase(), "中，需要贵单位协助调查下列事项：", style=LETTER_BODY)
    numbered_list(b, "item", "data.matters", out("item"), LETTER_BODY, blank_lines=3)
    regulator = "请贵单位自接到本函之日起十五个工作日内完成相关工作并函告本局；需要延期完成的，请在期限届满前告知本局。"
    other = "('请于' ~ (data.reply_by|cn_date) ~ '前将调查结果函告本局。' if data.reply_by else '请将调查结果函告本局。')"
    request = out(f"'［{regulator}］/［请于{BLANK_DATE}前将调查结果函告本局。］' if blank else "
                  f"('{regulator}' if data.market_regulator else {other})")
    b.paragraph("根据", RULES, "第四十五条的规定，特函请协助。", request, style=LETTER_BODY)


def seizure_assistance_body(b: Builder) -> None:
    """协助扣押通知书 (程序规定第39条): 扣押 of goods the party has consigned; the carrier is asked to
    assist (the party is notified in writing by the 实施行政强制措施决定书)."""
    b.paragraph("本局在查处", case_phrase(), "中，依据", out("data.legal_basis"), "的规定，决定对当事人托运的下列物品"
                "实施扣押", MEASURE_DECISION, "。根据", RULES, "第三十九条的规定，请贵单位协助办理扣押手续：",
                style=LETTER_BODY)
    item_table(b, (Column("序号", 14, "loop.index"), Column("物品名称", 44, "item.name", LEFT),
                   Column("规格（型号）", 32, "item.specification", LEFT), Column("数量", 24, "item.quantity", LEFT),
                   Column("托运单号", 42, "item.waybill", LEFT)), "data.goods", blank_rows=4)
    b.paragraph("扣押手续办理完毕前，请妥善保管上述物品，暂停向收货人交付，不得擅自转移、处置。",
                style=Style(indent_chars=2, before=6))


def preservation_body(b: Builder) -> None:
    """先行登记保存证据通知书 (行政处罚法第56条; 程序规定第33–35条): handed over on the spot with the
    清单 (第34条); dealt with within 7 working days or it lapses (第35条)."""
    b.paragraph("因", YOU, out("data.cause"), "，相关证据可能灭失或者以后难以取得。根据《中华人民共和国行政处罚法》第五十六条和",
                RULES, "第三十三条的规定，本局决定对", YOU, "的有关证据", inventory_reference(),
                "采取先行登记保存措施，保存地点：", out("data.storage_place"), "。", style=LETTER_BODY)
    b.paragraph("先行登记保存期间，", YOU, "或者有关人员不得损毁、销毁或者转移证据。本局将在七个工作日内依法作出处理决定；"
                "逾期未作出处理决定的，先行登记保存措施自动解除。", style=LETTER_BODY)


RELEASE_GROUNDS = {
    "违法事实不成立": "第三十五条第一款第五项",
    "违法事实成立但依法不应当予以查封、扣押或者没收": "第三十五条第一款第五项",
    "本局负责人认为不应当采取先行登记保存措施": "第三十三条第二款",
}


def preservation_release_body(b: Builder) -> None:
    """解除先行登记保存证据通知书 (程序规定第33条第2款、第35条第1款第5项): immediately when the 负责人
    does not approve (第33条第2款), or when the facts do not call for keeping the evidence (第35条)."""
    b.paragraph("本局于", cn_date("data.preserved_on"), "对", YOU, "的有关证据采取了先行登记保存措施",
                cite("先行登记保存证据通知书", "data.preservation_number", aside=True), "。", style=LETTER_BODY)
    grounds = "/".join(RELEASE_GROUNDS)
    articles = "/".join(dict.fromkeys(RELEASE_GROUNDS.values()))
    b.paragraph("因", out(f"'{grounds}' if blank else data.ground"), "，根据", RULES,
                choose("data.ground", RELEASE_GROUNDS, articles),
                "的规定，本局决定解除对上述证据", inventory_reference(), "的先行登记保存措施。",
                optional("data.return_note"), style=LETTER_BODY)


INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument("case-source-registration", "案件来源登记表", "form", False, FORM, case_source_registration,
               workflow="approval-1"),
    # 指定管辖 is also copied to the other departments concerned; 交办/移送 carry the case files.
    numbered_letter("jurisdiction-designation-notice", "指定管辖通知书", designation_body, **TO_AUTHORITY, **FILES,
                    copy_to=True, version="2"),
    numbered_letter("case-assignment-notice", "案件交办通知书", assignment_body, **TO_AUTHORITY, **FILES, version="2"),
    numbered_letter("case-transfer-letter", "案件移送函", transfer_body, **TO_AUTHORITY, **FILES, version="2"),
    # 涉嫌犯罪案件移送书 is copied to the 同级人民检察院, which supervises the transfer.
    numbered_letter("criminal-case-transfer", "涉嫌犯罪案件移送书", criminal_transfer_body, **TO_AUTHORITY, **FILES,
                    copy_to=True, version="2"),
    numbered_letter("seized-goods-transfer-notice", "查封/扣押物品移送告知书", seized_goods_transfer_body,
                    heading=out(f"{variant('data.measure', ('查封', '扣押'))} ~ '物品移送告知书'"), version="2"),
    Instrument("case-matter-approval", "行政处罚案件有关事项审批表", "form", False, FORM, case_matter_approval,
               workflow="approval-1"),
    Instrument("service-address-confirmation", "送达地址确认书", "other", False, FORM, service_address_confirmation),
    Instrument("evidence-extraction-slip", "证据提取单", "other", False, FORM, evidence_extraction_slip),
    Instrument("electronic-evidence-record", "电子数据证据提取笔录", "record", False, RECORD, electronic_evidence_record,
               version="2", basis="程序规定第26条; 市场监督管理行政执法电子数据取证暂行规定（市场监管总局2024年4月7日印发）"),
    numbered_letter("inquiry-notice", "询问通知书", inquiry_body, **TO_ADDRESSEE, version="2"),
    numbered_letter("material-request-notice", "限期提供材料通知书", material_request_body, **TO_ADDRESSEE, version="2"),
    numbered_letter("identification-assistance-notice", "协助辨认/鉴别通知书", identification_body, **TO_ADDRESSEE,
                    **FILES, heading=out(f"'协助' ~ {variant('data.assistance', ASSISTANCE)} ~ '通知书'"), version="2"),
    numbered_letter("investigation-assistance-letter", "协助调查函", investigation_assistance_body, **TO_AUTHORITY,
                    **FILES, version="2"),
    numbered_letter("seizure-assistance-notice", "协助扣押通知书", seizure_assistance_body, **TO_AUTHORITY, version="2"),
    numbered_letter("evidence-preservation-notice", "先行登记保存证据通知书", preservation_body, **FILES, version="2"),
    numbered_letter("evidence-preservation-release", "解除先行登记保存证据通知书", preservation_release_body, version="2"),
)
