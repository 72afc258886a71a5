"""The first seven instruments: the review table and the core of a penalty case."""
from __future__ import annotations

from docx.table import _Cell

from authoring.blocks import (
    BLANK_DATE,
    HAND,
    CENTER,
    FORM,
    HEI,
    LETTER,
    LETTER_BODY,
    RECORD,
    RECORD_BODY,
    RIGHT,
    SET_YOU,
    XIAOBIAOSONG,
    YOU,
    Builder,
    Instrument,
    Style,
    agency_header,
    approval_row,
    approval_tail,
    checkboxes,
    cn_date,
    cn_time,
    contact_lines,
    copies_line,
    form_opening,
    form_row,
    form_table,
    heading,
    letter_head,
    listing,
    names,
    numbered_list,
    officer_lines,
    opinion_row,
    optional,
    out,
    party_block,
    party_value,
    proposal_row,
    remedy_clause,
    rows_when,
    seal_block,
    text_block,
    text_cell,
    text_row,
    title,
    witness_line,
)


def major_decision_review(b: Builder) -> None:
    """重大行政执法决定法制审核表 (version 3), exactly as the attachment to the 三项制度 notice.

    No agency line: the attachment has none. The party and the decision category
    are optional payload fields with no row of their own in the attachment, so
    they open the 基本情况 box when given, the party with its full block.

    Version 2 put 局长审批 (with the box before it) alone on a second page for a
    typical case, printed a resubmitted table without why it had come back, and
    left the 送审说明 out. Here the opinion boxes are lower (13 mm, room for the
    opinion and the signature) and the basic-facts box starts lower, so the example
    fits one A4 page; the last three opinion boxes keep together, so when a long
    case does break, they move to the next page together rather than the last
    one alone. From the second round on, a row 退回记录 lists each earlier
    round's returning decision with its reasons, and 送审说明 prints the
    department's note on this round (render context ``review``, see issuance.py).
    """
    b.paragraph("重大行政执法决定法制审核表", style=Style(font=XIAOBIAOSONG, size=b.layout.title_pt, bold=True,
                                                        align=CENTER, line=b.layout.title_pt * 1.25, keep_next=True))
    b.paragraph("编号：", out("doc_number"), style=Style(align=RIGHT, after=2))
    table = form_table(b)
    form_row(b, table, "事　　由", out("data.subject"))
    form_row(b, table, "申请部门", out("data.department"))
    form_row(b, table, "申请时间", cn_date("data.applied_on"))

    def summary(cell: _Cell) -> None:
        with b.when("data.category", cell):
            b.paragraph("决定类别：", out("data.category"), container=cell)
        with b.when("data.party", cell):
            party_block(b, cell)
        text_block(b, "data.summary", Style(indent_chars=2), cell)

    form_row(b, table, "基本情况、\n证据材料、\n拟处建议及\n法律依据", summary, height_mm=36, cant_split=False)

    def returns(cell: _Cell) -> None:
        with b.each("r in review.returns", cell):
            b.paragraph(out("'第' ~ r.round ~ '轮　' ~ r.label ~ '：' ~ r.decision"),
                        out("'。' ~ r.opinion if r.opinion else '。'"),
                        out("'（' ~ r.signer ~ '，' ~ (r.date|cn_date) ~ '）'"), container=cell)

    with rows_when(b, table, "review is defined and review.returns"):
        form_row(b, table, "退回记录", returns)
    with rows_when(b, table, "review is defined and review.submission"):
        form_row(b, table, "送审说明", out("'第' ~ review.submission.round ~ '轮：' ~ review.submission.opinion"))
    stages = (("承办部门\n负责人意见", "dept_head"), ("承办部门分管\n领导意见", "dept_leader"),
              ("法制审核\n意见", "legal_review"), ("法制部门\n负责人意见", "legal_head"),
              ("分管法制的\n局领导意见", "legal_leader"), ("局长审批", "director"))
    for label, stage in stages:
        approval_row(b, table, label, stage, height_mm=13)
    keep_rows_together(table, KEPT_TOGETHER)
    b.paragraph("注：该表适用行政处罚以外的重大行政执法决定法制审核。", style=Style(size=10.5, before=2))
    b.footer()


#: The opinion boxes that move to a next page together: never one alone, and a page is not left half empty.
KEPT_TOGETHER = 3


def keep_rows_together(table, count: int) -> None:  # type: ignore[no-untyped-def]
    """The last ``count`` rows move to the next page together: every paragraph in each of them
    but the last keeps with the next (Word's rule for keeping table rows together, which
    LibreOffice follows when it lays out the DOCX)."""
    for row in table.rows[-count:-1]:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


CASE_SOURCES = ("监督检查", "投诉", "举报", "其他部门移送", "上级交办", "其他")


def case_filing_approval(b: Builder) -> None:
    """立案/不予立案审批表 (程序规定第18–20条): the title follows the decision."""
    table = form_opening(b, out("data.decision ~ '审批表' if data.decision else '立案/不予立案审批表'"))
    def source(cell: _Cell) -> None:
        b.paragraph(checkboxes("data.source", CASE_SOURCES), container=cell)
        with b.when("data.source_detail", cell):
            b.paragraph("来源说明：", out("data.source_detail"), container=cell)

    form_row(b, table, "案件来源", source)
    form_row(b, table, "案　　由", out("data.cause"))
    form_row(b, table, "当 事 人", lambda cell: party_block(b, cell))
    text_row(b, table, "简要案情", "data.summary", height_mm=58)
    proposal_row(b, table, "承办人意见", "data.handler_opinion", height_mm=30)
    approval_tail(b, table, 32)
    b.footer()


CLOSING = out("'以上笔录已向你宣读/请你核对' if blank else ('以上笔录已向你宣读' if data.record_check == '宣读' "
              "else '以上笔录请你核对')")


def record_time_line(b: Builder, label: str) -> None:
    b.paragraph(f"{label}：", cn_date("data.date"), out("' '"), cn_time("data.start_time"), " 至 ",
                cn_time("data.end_time"))


def on_site_record(b: Builder) -> None:
    """现场笔录 (程序规定第28条; 行政强制法第18条): signed by party, witness and officers on every page."""
    agency_header(b)
    title(b, "现场笔录", after=6)
    record_time_line(b, "时间")
    b.paragraph("地点：", out("data.place"))
    officer_lines(b, "检查人员", "data.inspectors", Style())
    party_block(b)
    b.paragraph("通知当事人到场情况：", out("data.notification"))
    witness_line(b)
    b.paragraph("我们是", out("agency.name"), "的执法人员", names("data.inspectors"),
                "，执法证号分别为", listing("data.inspectors", "x.certificate_number", "________、________"),
                "，这是我们的执法证件，请过目确认。今天我们依法进行检查，请予配合。依照法律规定，"
                "你有权进行陈述和申辩。如果你认为我们与本案（事）有直接利害关系或者其他关系可能影响公正执法的，"
                "你有申请回避的权利。你是否申请回避？", style=RECORD_BODY)
    b.paragraph("当事人回答：", out("data.opening_response"), style=RECORD_BODY)
    heading(b, "现场情况：")
    text_block(b, "data.scene", RECORD_BODY, blank_lines=8)
    with b.when("data.coercive_measures"):
        heading(b, "实施行政强制措施告知情况：")
        text_block(b, "data.coercive_measures", RECORD_BODY)
    heading(b, "当事人的陈述和申辩：")
    text_block(b, "data.statement", RECORD_BODY, blank_lines=4)
    b.paragraph(CLOSING, "，如果属实请签名。", style=Style(indent_chars=2, before=6))
    b.footer("当事人：　　　　　　　见证人：　　　　　　　检查人员：　　　　　　　　　　　")


def inquiry_record(b: Builder) -> None:
    """询问笔录 (程序规定第29条): the person questioned signs every page; officers sign."""
    agency_header(b)
    title(b, "询问笔录", after=6)
    record_time_line(b, "询问时间")
    b.paragraph("询问地点：", out("data.place"))
    b.paragraph("询问人：", out("data.interviewer.name"), "　　执法证号：", out("data.interviewer.certificate_number"))
    b.paragraph("记录人：", out("data.recorder.name"), "　　执法证号：", out("data.recorder.certificate_number"))
    person = "data.interviewee"
    b.paragraph("被询问人：", out(f"{person}.name"), "　　性别：", out(f"{person}.gender"))
    b.paragraph("身份证件号码：", party_value(person, "id_number"))
    b.paragraph("工作单位：", out(f"{person}.employer"), "　　职务：", out(f"{person}.position"))
    b.paragraph("住址：", out(f"{person}.address"))
    b.paragraph("联系电话：", out(f"{person}.phone"))
    b.paragraph("与当事人关系：", out("data.relation"))
    b.paragraph(("问：", {"font": HEI}), "我们是", out("agency.name"), "的执法人员",
                out("'________、________' if blank else data.interviewer.name ~ '、' ~ data.recorder.name"),
                "，执法证号分别为",
                out("'________、________' if blank else data.interviewer.certificate_number ~ '、' ~ "
                    "data.recorder.certificate_number"),
                "，这是我们的执法证件，请过目。现依法就", out("data.case_cause"),
                "有关情况进行调查，请你如实回答问题，不得作伪证或者隐匿证据。你有陈述和申辩的权利。"
                "如果你认为我们与本案有直接利害关系或者其他关系可能影响公正执法的，你有申请回避的权利。"
                "你听清楚了吗？是否申请回避？", style=Style(before=4))
    b.paragraph(("答：", {"font": HEI}), out("data.rights_response|default('')"))
    with b.each("item in data.questions"):
        b.paragraph(("问：", {"font": HEI}), out("item.question"))
        b.paragraph(("答：", {"font": HEI}), out("item.answer"))
    with b.when("blank"):
        for _ in range(6):
            b.paragraph(("问：", {"font": HEI}))
            b.paragraph(("答：", {"font": HEI}))
    b.paragraph(CLOSING, "，如果属实请签名。", style=Style(indent_chars=2, before=6))
    b.footer("被询问人：　　　　　　　询问人：　　　　　　　记录人：　　　　　　　")


def letter_opening(b: Builder, name: str) -> None:
    """Agency, title and 文书编号 of a numbered letter to the party (the released letters' own skeleton)."""
    letter_head(b, name)
    b.tag(SET_YOU)


def violation_paragraphs(b: Builder, proposed: bool) -> None:
    """Facts, evidence, characterisation, discretion and legal basis, then the penalties."""
    text_block(b, "data.facts", LETTER_BODY, first_prefix="经查，", blank_lines=3)
    b.paragraph("上述事实，主要有以下证据证明：", style=LETTER_BODY)
    numbered_list(b, "item", "data.evidence", out("item"), LETTER_BODY)
    if not proposed:
        representation(b)
    b.paragraph("本局认为，" if not proposed else "", YOU, "的上述行为，违反了", out("data.violated_provisions"),
                "的规定，构成", out("data.violation"), "。", style=LETTER_BODY)
    text_block(b, "data.discretion", LETTER_BODY)
    verb = "拟对" if proposed else "决定对"
    b.paragraph("依据", out("data.penalty_basis"), f"的规定，本局{verb}", YOU, "作出如下行政处罚：", style=LETTER_BODY)
    penalty = ("{{ item.type }}{% if item.amount %}{{ item.amount|yuan }}（{{ item.amount|rmb_upper }}）"
               "{% endif %}{% if item.description %}：{{ item.description }}{% endif %}")
    numbered_list(b, "item", "data.penalties", penalty, LETTER_BODY)


def representation(b: Builder) -> None:
    """The 告知 step and whether the 陈述申辩 was adopted, and why (行政处罚法第59条)."""
    rep = "data.representation"
    hearing = "data.notice.hearing_offered"
    b.paragraph("本局于", cn_date("data.notice.served_on"), "向", YOU, "送达了《行政处罚告知书》（",
                out("data.notice.number"), "），告知", YOU, "拟作出行政处罚的内容及事实、理由、依据，以及",
                YOU, "依法享有的陈述、申辩", out(f"'［、要求听证］' if blank else ('、要求听证' if {hearing} else '')"), "的权利。",
                out(f"you ~ '在法定期限内未提出陈述、申辩' ~ ('，也未要求听证' if {hearing} else '') ~ '。' "
                    f"if {rep}.outcome == '未提出' else ''"),
                style=LETTER_BODY)
    with b.when(f"blank or ({rep}.outcome and {rep}.outcome != '未提出')"):
        b.paragraph(YOU, "提出的陈述、申辩意见为：", out(f"{rep}.summary"), style=LETTER_BODY)
        b.paragraph("经复核，本局认为：", out(f"{rep}.reasons"), style=LETTER_BODY)
        b.paragraph("对", YOU, "的陈述、申辩意见，本局", out(f"'予以采纳/部分采纳/不予采纳' if blank else {rep}.outcome"),
                    "。", style=LETTER_BODY)
    text_block(b, "data.hearing_note", LETTER_BODY)


def penalty_notice(b: Builder) -> None:
    """行政处罚告知书 (行政处罚法第44条; 程序规定第57条)."""
    letter_opening(b, "行政处罚告知书")
    party_block(b)
    violation_paragraphs(b, proposed=True)
    with b.when("data.refund_amount"):
        b.paragraph("同时，本局拟责令", YOU, "退还多收价款", out("data.refund_amount|yuan"), "（",
                    out("data.refund_amount|rmb_upper"), "）", optional("data.refund_note", "，"), "。",
                    style=LETTER_BODY)
    hearing = "data.hearing_available"
    b.paragraph("依据《中华人民共和国行政处罚法》第四十四条、第四十五条",
                out(f"'［、第六十三条、第六十四条］' if blank else ('、第六十三条、第六十四条' if {hearing} else '')"),
                "和《市场监督管理行政处罚程序规定》第五十七条的规定，", YOU,
                "可以自收到本告知书之日起五个工作日内向本局进行陈述、申辩",
                out(f"'［，并可以要求听证］' if blank else ('，并可以要求听证' if {hearing} else '')"),
                "。逾期未提出陈述、申辩", out(f"'［或者要求听证］' if blank else ('或者要求听证' if {hearing} else '')"),
                "的，视为放弃此权利。", style=LETTER_BODY)
    contact_lines(b, LETTER_BODY)
    seal_block(b)
    copies_line(b)
    b.footer()


MONEY_TOTAL = "{%p set total = data.penalties|selectattr('amount')|map(attribute='amount')|map('float')|sum %}"


def penalty_decision(b: Builder) -> None:
    """行政处罚决定书 (行政处罚法第59条、第67条、第72–73条; 程序规定第62条), with the 公示 notice (公示规定第8条).

    Not dated before the 陈述申辩 period of the 告知书 has run out (行政处罚法第44–45条,
    程序规定第57条: five working days from service; the schema's x-docgen-after).
    """
    letter_opening(b, "行政处罚决定书")
    party_block(b)
    violation_paragraphs(b, proposed=False)
    b.tag(MONEY_TOTAL)
    with b.when("total"):
        b.paragraph("以上罚没款合计", out("total|yuan"), "（", out("total|rmb_upper"), "）。", style=LETTER_BODY)
    with b.when("blank or data.correction"):
        b.paragraph("同时，责令", YOU, out("data.correction"), "。", style=LETTER_BODY)
    with b.when("blank or total"):
        pay = "data.payment"
        # 行政处罚法第67条第3款 (where to pay), 第72条第1款第1项 (3% a day), 第73条第3款 (not while
        # 复议 or 诉讼 is pending).
        b.paragraph(YOU, "应当自收到本决定书之日起十五日内，到指定银行或者通过电子支付系统缴纳罚没款（开户银行：",
                    out(f"{pay}.bank"), "；户名：", out(f"{pay}.account_name"), "；账号：",
                    out(f"{pay}.account_number"), "）。", optional(f"{pay}.note", "", "。"),
                    "到期不缴纳罚款的，本局可以每日按罚款数额的百分之三加处罚款，加处罚款的数额不超过罚款本数；", YOU,
                    "申请行政复议或者提起行政诉讼的，加处罚款的数额在行政复议或者行政诉讼期间不予计算。",
                    style=LETTER_BODY)
    remedy_clause(b, "本行政处罚决定", LETTER_BODY)
    with b.when("blank or data.penalties|rejectattr('type', 'equalto', '警告')|list"):
        b.paragraph("根据《市场监督管理行政处罚信息公示规定》第八条的规定，本行政处罚决定信息将通过"
                    "国家企业信用信息公示系统向社会公示。", style=LETTER_BODY)
    seal_block(b)
    copies_line(b)
    b.footer()


SERVICE_METHODS = ("直接送达", "留置送达", "转交送达", "邮寄送达", "委托送达", "电子送达", "公告送达")


def service_receipt(b: Builder) -> None:
    """送达回证 (程序规定第82条; 民事诉讼法第87–91条 as 第82条 applies them): the recipient's signature
    and date prove service.

    Who signs, with room for each to sign and date: the recipient, or a 代收人 with their
    relation to the addressee (第82条第1项); the 送达人; a 见证人. 留置送达 (第82条第2项) records
    the 拒收事由 and its date; 转交送达 is a method of its own. 电子送达 needs the addressee's
    consent and a signed 送达地址确认书 (第82条第3项, 第83条): the schema asks for its date (and
    number, if any), printed here, since no case record can be checked.
    """
    table = form_opening(b, "送达回证")

    def documents(cell: _Cell) -> None:
        with b.each("d in data.documents", cell):
            b.paragraph("《", out("d.name"), "》", optional("d.number", "（", "）"), container=cell)
        with b.when("blank", cell):
            b.paragraph("", container=cell)

    form_row(b, table, "送达文书\n名称及文号", documents, height_mm=30)
    form_row(b, table, "受送达人", out("data.addressee"), height_mm=12)
    form_row(b, table, "送达时间", cn_date("data.served_on") + out("' '") + cn_time("data.served_time"),
             height_mm=12)
    form_row(b, table, "送达地点", out("data.place"), height_mm=12)

    def method(cell: _Cell) -> None:
        for options in (SERVICE_METHODS[:4], SERVICE_METHODS[4:]):  # no option split by a wrap
            b.paragraph(checkboxes("data.method", options), container=cell)
        with b.when("blank or data.address_confirmation", cell):
            b.paragraph("电子送达依据：", out("'' if blank else '《送达地址确认书》'"),
                        out("'《送达地址确认书》（签署日期：　　年　月　日　编号：________）' if blank else "
                            "'（签署日期：' ~ data.address_confirmation.signed_on|cn_date ~ "
                            "('　编号：' ~ data.address_confirmation.number if data.address_confirmation.number "
                            "else '') ~ '）'"), container=cell)

    form_row(b, table, "送达方式", method, height_mm=12)
    opinion_row(b, table, "收件人签名\n或盖章", ("",), (BLANK_DATE,), 32)
    with rows_when(b, table, "blank or data.agent"):
        form_row(b, table, "代 收 人", "姓名：" + out("data.agent.name") + "　　与受送达人关系：" +
                 out("data.agent.relation"), height_mm=12)
    with rows_when(b, table, "blank or data.refusal"):
        form_row(b, table, "拒收事由\n及日期", out("data.refusal.reason") + out("'　' if not blank else ''") +
                 cn_date("data.refusal.date"), height_mm=16)
    form_row(b, table, "送 达 人", lambda cell: officer_signatures(b, cell, "data.servers"), height_mm=18)

    def witness(cell: _Cell) -> None:
        b.paragraph(out("data.witness.name"), optional("data.witness.unit", "（", "）"), container=cell)
        b.paragraph("签名：", HAND, "　　日期：", BLANK_DATE, style=Style(align=RIGHT), container=cell)

    form_row(b, table, "见 证 人", witness, height_mm=16)
    form_row(b, table, "备　　注", text_cell(b, "data.remarks", Style()), height_mm=24)
    b.footer()


def officer_signatures(b: Builder, cell: _Cell, path: str) -> None:
    """Each officer's name and 执法证号, and under it room to sign and date by hand."""
    with b.each(f"o in {path}", cell):
        b.paragraph(out("o.name"), "（执法证号：", out("o.certificate_number"), "）", container=cell)
        b.paragraph("签名：", HAND, "　　日期：", BLANK_DATE, style=Style(align=RIGHT), container=cell)
    with b.when("blank", cell):
        for _ in range(2):
            b.paragraph("________（执法证号：________）", container=cell)
            b.paragraph("签名：", HAND, "　　日期：", BLANK_DATE, style=Style(align=RIGHT), container=cell)


# Version 2 of each: Latin text is set en-US (blocks.Builder) so a number no longer breaks
# across lines, and the 立案审批表's opinion boxes get their workflow (approval-1). The
# released version 1 stays in the manifest, retired, for the documents issued with it.
# Version 3 of the review table: one page for a typical case, the last opinion boxes kept
# together, 退回记录 and 送审说明 printed (version 2 stays, retired).
INSTRUMENTS = (
    Instrument("major-decision-review", "重大行政执法决定法制审核表", "form", True, FORM, major_decision_review,
               version="3", workflow="major-decision-review-1",
               basis="国办发〔2018〕118号（三项制度指导意见）; 本局三项制度工作安排附件"),
    Instrument("case-filing-approval", "立案/不予立案审批表", "form", False, FORM, case_filing_approval,
               version="2", workflow="approval-1"),
    Instrument("on-site-record", "现场笔录", "record", False, RECORD, on_site_record, version="2"),
    Instrument("inquiry-record", "询问笔录", "record", False, RECORD, inquiry_record, version="2"),
    Instrument("penalty-notice", "行政处罚告知书", "letter", True, LETTER, penalty_notice, version="3"),
    Instrument("penalty-decision", "行政处罚决定书", "letter", True, LETTER, penalty_decision, version="3"),
    Instrument("service-receipt", "送达回证", "other", False, FORM, service_receipt, version="3"),
)


