"""Instruments of the closing stages of a case (see tools/authoring/instruments/__init__.py).

Items 38–56 of the 2021 list: 陈述申辩、听证、集体讨论、决定、执行、送达公告、结案归档. Items 37
(行政处罚告知书), 45 (行政处罚决定书) and 50 (送达回证) are in core.py.

Shared shapes of this stage are written once below: the hearing panel, the payment account, the
obligations of a 催告书 and of a 强制执行申请书; the letter skeleton, item tables and approval
boxes are blocks.py's.
"""
from __future__ import annotations

from docx.enum.table import WD_ALIGN_VERTICAL
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.shared import Pt
from docx.table import _Cell

from authoring.blocks import (
    BLANK_DATE,
    CENTER,
    FORM,
    HAND,
    HEI,
    LABEL_MM,
    LEFT,
    LETTER,
    LETTER_BODY,
    RECORD,
    RECORD_BODY,
    RIGHT,
    XIAOBIAOSONG,
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
    cn_time,
    form_opening,
    form_row,
    form_table,
    heading,
    item_table,
    letter,
    listing,
    names,
    numbered_list,
    optional,
    out,
    party_block,
    party_value,
    proposal_row,
    remedy_clause,
    review_first_clause,
    signature_lines,
    text_block,
    text_row,
    title,
    variant,
    witness_line,
)
from authoring.instruments.core import CLOSING, record_time_line

# Small Jinja helpers ---------------------------------------------------------------------------

DECISION = cite("行政处罚决定书", "data.decision.number")  # the decision an execution instrument rests on


def account(path: str = "data.payment") -> tuple[str, ...]:
    """The runs of a payment account: 开户银行（户名：…；账号：…）."""
    return (out(f"{path}.bank"), "（户名：", out(f"{path}.account_name"), "；账号：",
            out(f"{path}.account_number"), "）")


def money(expr: str) -> str:
    """An amount as 12,000.00元（壹万贰仟元整）."""
    return out(f"{expr}|yuan ~ '（' ~ {expr}|rmb_upper ~ '）'")


# Late payment (行政处罚法第72条; 程序规定第75条): 3% of the fine a day, never more than the fine.
LATE_PAYMENT = "到期不缴纳罚款的，本局可以每日按罚款数额的百分之三加处罚款，加处罚款的数额不超过罚款本数。"
# 行政处罚法第73条第3款: the late-payment surcharge does not run while 复议 or 诉讼 is pending.
LATE_PAYMENT_PAUSED = "申请行政复议或者提起行政诉讼的，加处罚款的数额在行政复议或者行政诉讼期间不予计算。"
# 行政处罚法第67条第3款: to the designated bank or through the electronic payment system.
PAY_WITHIN = "应当自收到本决定书之日起十五日内，到指定银行或者通过电子支付系统缴纳"


# Shared shapes ---------------------------------------------------------------------------------


def panel_lines(b: Builder, container: _Cell | None = None, path: str = "data.panel") -> None:
    """Who conducts a hearing: 主持人, 听证员, 记录员 and, if any, 翻译人员 (行政处罚法第64条)."""
    b.paragraph("听证主持人：", out(f"{path}.presiding"),
                out(f"'　听证员：' ~ {path}.members|join('、') if {path}.members else ''"),
                "{% if blank %}　听证员：________{% endif %}", container=container)
    b.paragraph("记录员：", out(f"{path}.recorder"),
                out(f"'　翻译人员：' ~ {path}.interpreter if {path}.interpreter else ''"),
                "{% if blank %}　翻译人员：________{% endif %}", container=container)


PUBLICITY = ("公开", "不公开")


def publicity(path: str) -> str:
    """公开 or 不公开 (with the reason: 国家秘密、商业秘密或者个人隐私) as tick boxes."""
    return checkboxes(f"{path}.publicity", PUBLICITY) + optional(f"{path}.nonpublic_reason", "（", "）")


def obligation_lines(b: Builder, style: Style, path: str = "data.obligations") -> None:
    """The unperformed obligations, numbered, with their amounts and the total of the amounts."""
    line = out("item.name") + "{% if item.amount %}" + money("item.amount") + "{% endif %}" + \
        optional("item.description", "（", "）")
    numbered_list(b, "item", path, line, style)
    b.tag(f"{{%p set total = {path}|selectattr('amount')|map(attribute='amount')|map('float')|sum %}}")
    with b.when("total"):
        b.paragraph("以上金额合计", money("total"), "。", style=style)


def dialogue(b: Builder, items: str, said: str, blank_count: int) -> None:
    """Who said what, in order ("发言人：内容"), as in 听证笔录 and 集体讨论记录; lines to fill when blank."""
    with b.each(f"item in {items}"):
        b.paragraph((out("item.speaker"), {"font": HEI}), "：", out(f"item.{said}"), style=RECORD_BODY)
    with b.when("blank"):
        for _ in range(blank_count):
            b.paragraph("________：", style=RECORD_BODY)


def person_lines(b: Builder, label: str, path: str) -> None:
    """A person present at a record (陈述申辩人): name, sex, ID, employer and post, address, phone."""
    b.paragraph(f"{label}：", out(f"{path}.name"), "　　性别：", out(f"{path}.gender"))
    b.paragraph("身份证件号码：", party_value(path, "id_number"))
    b.paragraph("工作单位：", out(f"{path}.employer"), "　　职务：", out(f"{path}.position"))
    b.paragraph("住址：", out(f"{path}.address"), "　　联系电话：", out(f"{path}.phone"))


def signature_pairs(b: Builder, pairs: tuple[tuple[str, str], ...], before: float = 12,
                    container: _Cell | None = None, width_mm: float | None = None) -> None:
    """Signature lines of two labels each, the second one on a tab stop at the middle of the line
    (of the type area, or of ``width_mm``), so that the labels stand in two columns with room to
    sign after each. Left-aligned: right-aligned lines would swallow the trailing room to sign."""
    middle = Pt((width_mm or b.layout.text_width_mm) / 25.4 * 72 / 2)
    for number, (left, right) in enumerate(pairs):
        paragraph = b.paragraph(f"{left}：", HAND, f"\t{right}：", HAND, container=container,
                                style=Style(before=before if number == 0 else 0, keep_next=number < len(pairs) - 1))
        paragraph.paragraph_format.tab_stops.add_tab_stop(middle, WD_TAB_ALIGNMENT.LEFT)


def credentials(path: str) -> tuple[str, ...]:
    """"我们是…的执法人员A、B，执法证号分别为…，这是我们的执法证件，请过目。" (程序规定第22条)."""
    return ("我们是", out("agency.name"), "的执法人员", names(path), "，执法证号分别为",
            listing(path, "x.certificate_number", "________、________"), "，这是我们的执法证件，请过目。")


# 38 陈述申辩笔录 ---------------------------------------------------------------------------------


def representation_record(b: Builder) -> None:
    """陈述申辩笔录: the party's oral 陈述、申辩 after the 告知书 (行政处罚法第45条; 程序规定第57条).

    Signed on every page by the person heard and the officers, like every record.
    """
    agency_header(b)
    title(b, "陈述申辩笔录", after=6)
    b.paragraph("案由：", out("data.case_cause"))
    record_time_line(b, "时间")
    b.paragraph("地点：", out("data.place"))
    b.paragraph("承办人：", names("data.officers", with_numbers=True))
    b.paragraph("记录人：", out("data.recorder.name"), "　　执法证号：", out("data.recorder.certificate_number"))
    person_lines(b, "陈述申辩人", "data.speaker")
    b.paragraph("与当事人关系：", out("data.relation"))
    b.paragraph(("问：", {"font": HEI}), *credentials("data.officers"), "本局于", cn_date("data.notice.served_on"),
                "向当事人送达了《行政处罚告知书》（", out("data.notice.number"),
                "），告知了拟作出的行政处罚内容及事实、理由、依据。现依法听取你的陈述、申辩意见，请如实陈述。"
                "如果你认为我们与本案有直接利害关系或者其他关系可能影响公正执法的，你有申请回避的权利。"
                "你是否申请回避？", style=Style(before=4))
    b.paragraph(("答：", {"font": HEI}), out("data.rights_response"))
    heading(b, "陈述申辩内容：")
    text_block(b, "data.statement", RECORD_BODY, blank_lines=10)
    with b.when("blank or data.materials"):
        heading(b, "陈述申辩人提交的材料：")
        numbered_list(b, "item", "data.materials", out("item"), RECORD_BODY)
    b.paragraph(CLOSING, "，如果属实请签名。", style=Style(indent_chars=2, before=6))
    b.footer("陈述申辩人：　　　　　　　承办人：　　　　　　　记录人：　　　　　　　")


# 39 行政处罚听证通知书 -------------------------------------------------------------------------


def hearing_notice_body(b: Builder) -> None:
    s = "data.hearing"
    b.paragraph(YOU, "于", cn_date("data.requested_on"), "就本局《行政处罚告知书》（", out("data.notice_number"),
                "）提出听证要求。根据《中华人民共和国行政处罚法》第六十四条的规定，本局定于", cn_date(f"{s}.date"),
                cn_time(f"{s}.time"), "在", out(f"{s}.place"), "对", out("data.case"), "举行听证，本次听证",
                out(variant(f"{s}.publicity", PUBLICITY)), "举行", optional(f"{s}.nonpublic_reason", "（", "）"),
                "。请", YOU, "准时出席。", style=LETTER_BODY)
    b.paragraph("本次听证由", out("data.panel.presiding"), "担任主持人",
                out("'，' ~ data.panel.members|join('、') ~ '担任听证员' if data.panel.members else ''"),
                "{% if blank %}，________担任听证员{% endif %}", "，", out("data.panel.recorder"), "担任记录员",
                out("'，' ~ data.panel.interpreter ~ '担任翻译人员' if data.panel.interpreter else ''"),
                "{% if blank %}［，________担任翻译人员］{% endif %}", "。", YOU,
                "认为主持人、听证员、记录员、翻译人员与本案有直接利害关系或者其他关系可能影响公正听证的，有权申请回避。",
                style=LETTER_BODY)
    b.paragraph(YOU, "可以亲自参加听证，也可以委托一至二人代理参加听证。委托代理人参加听证的，应当在听证举行前向本局"
                "提交由", YOU, "签名或者盖章的授权委托书，载明委托事项及权限。参加听证的人员应当携带本人身份证件原件"
                "（法定代表人或者负责人参加的，同时携带法定代表人或者负责人身份证明书）。", style=LETTER_BODY)
    b.paragraph(YOU, "及代理人无正当理由拒不出席听证或者未经许可中途退出听证的，视为放弃听证权利，本局终止听证。",
                style=LETTER_BODY)


def hearing_notice(b: Builder) -> None:
    """行政处罚听证通知书 (行政处罚法第64条): served seven working days before the hearing (使用指南)."""
    letter(b, "行政处罚听证通知书", hearing_notice_body)


# 40 听证笔录 -----------------------------------------------------------------------------------


def hearing_header(b: Builder, container: _Cell | None = None) -> None:
    """The hearing's time, place, manner and panel (笔录 and 报告 alike)."""
    s = "data.hearing"
    b.paragraph("听证时间：", cn_date(f"{s}.date"), out("' '"), cn_time(f"{s}.start_time"), " 至 ",
                cn_time(f"{s}.end_time"), container=container)
    b.paragraph("听证地点：", out(f"{s}.place"), container=container)
    b.paragraph("听证方式：", publicity(s), container=container)
    panel_lines(b, container)


def hearing_record(b: Builder) -> None:
    """听证笔录 (行政处罚法第64条第八项): the party or agent checks and signs every page;
    a refusal to sign is noted in the record by the presiding officer."""
    agency_header(b)
    title(b, "听证笔录", after=6)
    b.paragraph("案由：", out("data.case_cause"))
    hearing_header(b)
    party_block(b)
    b.paragraph("当事人参加听证人员：", listing("data.attendees", "x.name ~ '（' ~ x.role ~ '）'"))
    b.paragraph("案件调查人员：", names("data.investigators", with_numbers=True))
    heading(b, "听证记录：")
    dialogue(b, "data.proceedings", "content", 14)
    b.paragraph(CLOSING, "，如果无误请签名或者盖章。", style=Style(indent_chars=2, before=6))
    with b.when("data.refusal"):
        b.paragraph("当事人（代理人）拒绝签名或者盖章，理由：", out("data.refusal.reason"), "。以上情况由听证主持人注明。",
                    style=RECORD_BODY)
    with b.when("blank"):
        b.paragraph("当事人（代理人）拒绝签名或者盖章的，由听证主持人注明：________________", style=RECORD_BODY)
    signature_pairs(b, (("当事人（代理人）", "听证主持人"), ("听证员", "记录员")))
    b.footer("当事人（代理人）：　　　　　　　听证主持人：　　　　　　　记录员：　　　　　　　")


# 41 听证报告 -----------------------------------------------------------------------------------


def hearing_report(b: Builder) -> None:
    """听证报告 (行政处罚法第65条; 程序规定第78条): the presiding officer's report to the 机关负责人.

    Written after the hearing and signed by 主持人 and 听证员 (市场监督管理行政处罚听证办法);
    the decision is then taken on the 听证笔录 (行政处罚法第65条). Filed in the 副卷.
    """
    table = form_opening(b, "听证报告")
    form_row(b, table, "案　　由", out("data.case_cause"))
    form_row(b, table, "当 事 人", lambda cell: party_block(b, cell))
    form_row(b, table, "听证时间\n地点方式", lambda cell: hearing_header(b, cell), height_mm=24)
    form_row(b, table, "案件调查\n人员", names("data.investigators", with_numbers=True))
    text_row(b, table, "听证基本\n情况", "data.summary", height_mm=60)
    text_row(b, table, "处理意见\n及建议", "data.recommendation", height_mm=35)

    def signatures(cell: _Cell) -> None:
        signature_pairs(b, (("听证主持人", "听证员"),), before=4, container=cell,
                        width_mm=b.layout.text_width_mm - LABEL_MM)
        b.paragraph(cn_date("data.reported_on"), style=Style(align=RIGHT), container=cell)

    form_row(b, table, "签　　名", signatures, height_mm=16, spacer=False)
    b.footer()


# 42 行政处罚案件集体讨论记录 -----------------------------------------------------------------------


def record_head(b: Builder, name: str, activity: str) -> None:
    """Agency, title, 案由, 当事人, and when and where the ``activity`` (讨论, 处理) took place."""
    agency_header(b)
    title(b, name, after=6)
    b.paragraph("案由：", out("data.case_cause"))
    b.paragraph("当事人：", out("data.party_name"))
    record_time_line(b, f"{activity}时间")
    b.paragraph(f"{activity}地点：", out("data.place"))


def collective_discussion_record(b: Builder) -> None:
    """集体讨论记录 (行政处罚法第57条第2款; 程序规定第60条第2款): complex or serious cases.

    Chosen as a record (R): the attendees sign it, every page bears host and recorder.
    """
    record_head(b, "行政处罚案件集体讨论记录", "讨论")
    b.paragraph("主持人：", out("data.host.name"), "（", out("data.host.position"), "）")
    person = "x.name ~ '（' ~ x.position ~ '）'"
    b.paragraph("出席人员：", listing("data.attendees", person))
    with b.when("blank or data.observers"):
        b.paragraph("列席人员：", listing("data.observers", person))
    b.paragraph("汇报人：", out("data.reporter.name"), "（", out("data.reporter.position"), "）　记录人：",
                out("data.recorder"))
    heading(b, "案件情况汇报：")
    text_block(b, "data.report", RECORD_BODY, blank_lines=6)
    heading(b, "讨论意见：")
    dialogue(b, "data.opinions", "opinion", 8)
    heading(b, "讨论决定：")
    text_block(b, "data.conclusion", RECORD_BODY, blank_lines=4)
    b.paragraph("出席人员签名：", style=Style(before=12, keep_next=True))
    b.paragraph(" ", style=Style(line=72))
    b.footer("主持人：　　　　　　　　记录人：　　　　　　　　")


# 43 行政处理决定审批表 ---------------------------------------------------------------------------

# 程序规定第60条第1款: what the 机关负责人 may decide after review.
DECISION_KINDS = ("给予行政处罚", "不予行政处罚", "移送其他行政管理部门", "移送司法机关")


def decision_approval(b: Builder) -> None:
    """行政处理决定审批表 (行政处罚法第57条; 程序规定第60条第1款): the proposed handling, approved by the 机关负责人.

    The 承办人 sign the form under their printed names and 执法证号.
    """
    table = form_opening(b, "行政处理决定审批表")
    form_row(b, table, "案　　由", out("data.case_cause"))
    form_row(b, table, "当 事 人", lambda cell: party_block(b, cell))
    text_row(b, table, "主要违法\n事实", "data.facts", height_mm=28)
    text_row(b, table, "陈述申辩\n或者听证\n情况", "data.representation", height_mm=20)
    text_row(b, table, "审核意见", "data.review", height_mm=14)

    def proposal(cell: _Cell) -> None:
        for options in (DECISION_KINDS[:2], DECISION_KINDS[2:]):  # two a line: no option split by a wrap
            b.paragraph(checkboxes("data.kind", options), container=cell)
        text_block(b, "data.proposal", Style(indent_chars=2), cell, blank_lines=2)
        signature_lines(b, cell, ("承办人：", names("data.handlers", with_numbers=True)),
                        ("日期：", cn_date("data.proposed_on")))

    form_row(b, table, "拟处理意见", proposal, height_mm=30, cant_split=False)
    text_row(b, table, "集体讨论\n情况", "data.discussion", height_mm=13)
    approval_tail(b, table, 24)
    b.footer()


# 44 当场行政处罚决定书 ---------------------------------------------------------------------------

def on_the_spot_body(b: Builder) -> None:
    text_block(b, "data.facts", LETTER_BODY, first_prefix="经查，", blank_lines=2)
    b.paragraph("执法人员已当场告知", YOU, "拟作出行政处罚的内容及事实、理由、依据和依法享有的陈述、申辩权利。",
                out("you ~ '未提出陈述、申辩。' if not blank and not data.statement else ''"), style=LETTER_BODY)
    with b.when("data.statement"):
        b.paragraph(YOU, "的陈述、申辩意见：", out("data.statement"), style=LETTER_BODY)
        b.paragraph("执法人员复核意见：", out("data.statement_review"), style=LETTER_BODY)
    with b.when("blank"):
        b.paragraph(YOU, "的陈述、申辩意见及复核意见：________", style=LETTER_BODY)
    b.paragraph(YOU, "的上述行为违反了", out("data.violated_provisions"), "的规定。依据", out("data.penalty_basis"),
                "的规定，决定给予", YOU, "以下行政处罚：", out(variant("data.penalty", ("警告", "罚款"))),
                "{% if data.penalty == '罚款' %}", money("data.fine"), "{% endif %}",
                "{% if blank %}________元{% endif %}", "。", style=LETTER_BODY)
    payments = {"当场缴纳": ("因", out("data.collection_ground"), "，执法人员依法当场收缴罚款，并向", YOU, "出具专用票据。"),
                "银行缴纳": (YOU, PAY_WITHIN, "罚款（开户银行：", out("data.payment.bank"), "；户名：",
                             out("data.payment.account_name"), "；账号：", out("data.payment.account_number"),
                             "）。", LATE_PAYMENT, YOU,
                             LATE_PAYMENT_PAUSED)}
    for method, runs in payments.items():
        with b.when(f"blank or data.payment_method == '{method}'"):
            b.paragraph(out(f"'［{method}］' if blank else '缴款方式：{method}。'"), *runs, style=LETTER_BODY)
    review_first_clause(b, "本行政处罚决定", LETTER_BODY)
    # Time, place and signatures stay together, and with the seal (letter() keeps the last line with it).
    together = Style(keep_next=True)
    b.paragraph("时间：", cn_date("data.issued_on"), out("' '"), cn_time("data.decided_time"),
                "　地点：", out("data.place"), style=Style(before=6, keep_next=True))
    with b.each("o in data.officers"):
        b.paragraph("执法人员：", out("o.name"), "（执法证号：", out("o.certificate_number"), "）　签名：", HAND,
                    style=together)
    with b.when("blank"):
        for _ in range(2):
            b.paragraph("执法人员：________（执法证号：________）　签名：", HAND, style=together)
    b.paragraph("当事人签收：", HAND, "　　", BLANK_DATE, style=together)
    b.paragraph("（当事人拒绝签收的，由执法人员在此注明：", HAND, HAND, "）", style=Style(size=12))


def on_the_spot_penalty_decision(b: Builder) -> None:
    """当场行政处罚决定书 (行政处罚法第51–52条、第67条; 程序规定第66–68条; 行政复议法第23条): a warning,
    or a fine of at most 200元 (natural person) / 3000元 (organisation); officers sign; handed over on
    the spot. 复议前置 since 2024-01-01 (行政复议法第23条第1款第1项): the party is told to apply for
    复议 first, and may go to court only against the 复议决定 (blocks.review_first_clause)."""
    letter(b, "当场行政处罚决定书", on_the_spot_body, contact=False)


# 46 不予行政处罚决定书 ---------------------------------------------------------------------------

def no_penalty_body(b: Builder) -> None:
    text_block(b, "data.facts", LETTER_BODY, first_prefix="经查，", blank_lines=3)
    with b.when("blank or data.evidence"):
        b.paragraph("上述事实，主要有以下证据证明：", style=LETTER_BODY)
        numbered_list(b, "item", "data.evidence", out("item"), LETTER_BODY)
    b.paragraph("本局认为，", YOU, "的情况属于“", out("data.ground"), "”的情形。", out("data.reasons"),
                style=LETTER_BODY)
    b.paragraph("依据", out("data.basis"), "的规定，本局决定对", YOU, "不予行政处罚。", style=LETTER_BODY)
    with b.when("blank or data.correction"):
        b.paragraph(out("'［' if blank else ''"), "同时，责令", YOU, out("data.correction"), "。",
                    out("'］' if blank else ''"), style=LETTER_BODY)
    with b.when("blank or data.education"):
        b.paragraph(out("'［' if blank else ''"), out("data.education"), out("'］' if blank else ''"),
                    style=LETTER_BODY)
    remedy_clause(b, "本决定", LETTER_BODY, not_suspended=None)  # nothing is imposed


def no_penalty_decision(b: Builder) -> None:
    """不予行政处罚决定书 (行政处罚法第30–33条; 程序规定第60条第1款): facts, the ground, the basis, remedy.

    The grounds are those of 行政处罚法第30–33条 (minors, mental illness, minor violations
    corrected in time, no fault). 第33条第3款: a party not punished is to be educated, so the
    教育 paragraph is required, except where the violation did not happen (违法事实不能成立,
    程序规定第60条第1款第2项): there is nothing to correct or educate about, and the schema
    forbids both 责令改正 and 教育.
    """
    letter(b, "不予行政处罚决定书", no_penalty_body, contact=False)


# 47 延期/分期缴纳罚款通知书 -----------------------------------------------------------------------

DEFERRAL = ("延期", "分期")


def fine_deferral_body(b: Builder) -> None:
    kind = out(variant("data.variant", DEFERRAL))
    b.paragraph("本局于", cn_date("data.decision.issued_on"), "作出", DECISION, "，对", YOU, "处以罚款",
                money("data.fine"), "。", YOU, "于", cn_date("data.applied_on"), "以确有经济困难为由，书面申请", kind,
                "缴纳罚款。", style=LETTER_BODY)
    b.paragraph("根据《中华人民共和国行政处罚法》第六十六条第二款和《市场监督管理行政处罚程序规定》第七十四条的规定，"
                "经本局负责人批准，同意", YOU, kind,
                "缴纳上述罚款：", style=LETTER_BODY)
    with b.when("blank or data.variant == '延期'"):
        b.paragraph(out("'［延期］' if blank else ''"), "暂缓至", cn_date("data.deferred_until"), "前缴清全部罚款。",
                    style=LETTER_BODY)
    with b.when("blank or data.variant == '分期'"):
        b.paragraph(out("'［分期］' if blank else ''"), "分", out("'____' if blank else data.instalments|length"),
                    "期缴纳，期限和金额如下：", style=LETTER_BODY)
        with b.each("item in data.instalments"):
            b.paragraph("第", out("loop.index"), "期：", cn_date("item.due_on"), "前缴纳", money("item.amount"),
                        out("'。' if loop.last else '；'"), style=LETTER_BODY)
        with b.when("blank"):
            for number in (1, 2, 3):
                b.paragraph(f"第{number}期：", BLANK_DATE, "前缴纳________元" + ("。" if number == 3 else "；"),
                            style=LETTER_BODY)
    b.paragraph("请", YOU, "按期将罚款缴至", *account(), "。", LATE_PAYMENT, style=LETTER_BODY)


def fine_deferral_notice(b: Builder) -> None:
    """延期/分期缴纳罚款通知书 (行政处罚法第66条第2款; 程序规定第74条): notice of the approved deferral or instalments."""
    letter(b, out(f"{variant('data.variant', DEFERRAL)} ~ '缴纳罚款通知书'"), fine_deferral_body)


# 48 行政处罚决定履行催告书 -----------------------------------------------------------------------


def performance_demand_body(b: Builder) -> None:
    b.paragraph("本局于", cn_date("data.decision.issued_on"), "作出", DECISION, "，并于",
                cn_date("data.decision.served_on"), "送达", YOU, "。", YOU, "至今未履行该决定确定的义务。",
                optional("data.performance_note"), style=LETTER_BODY)
    b.paragraph("根据《中华人民共和国行政强制法》第三十五条、第五十四条的规定，本局现催告", YOU,
                "自收到本催告书之日起十个工作日内履行下列义务：", style=LETTER_BODY)
    obligation_lines(b, LETTER_BODY)
    b.paragraph("履行方式：", out("data.manner"), "。", style=LETTER_BODY)
    with b.when("blank or data.payment"):
        b.paragraph("缴款账户：", *account(), "。", style=LETTER_BODY)
    b.paragraph(YOU, "收到本催告书后有权进行陈述和申辩，可以书面或者口头方式向本局提出；本局将充分听取", YOU,
                "的意见，对", YOU, "提出的事实、理由和证据进行记录、复核。", style=LETTER_BODY)
    b.paragraph(YOU, "逾期仍不履行的，本局将依法申请人民法院强制执行。", style=LETTER_BODY)


def performance_demand(b: Builder) -> None:
    """行政处罚决定履行催告书 (行政强制法第35条、第54条; 程序规定第76条).

    第35条: deadline, manner, amount and payment, 陈述申辩; 第54条: ten days after service
    the agency may apply to the court. Ten days are working days (行政强制法第69条: 十日以内
    期限 are 工作日), as 程序规定第76条 says.
    """
    letter(b, "行政处罚决定履行催告书", performance_demand_body)


# 49 强制执行申请书 ------------------------------------------------------------------------------


def enforcement_application_body(b: Builder) -> None:
    head = Style(font=HEI, keep_next=True)
    b.paragraph("申请人：", out("agency.name"), style=Style(before=4))
    b.paragraph("住所：", out("agency.address"))
    b.paragraph("负责人：", out("data.agency_head.name"), "　　职务：", out("data.agency_head.position"))
    party_block(b, label="被申请人")
    b.paragraph("申请事项", style=head)
    b.paragraph("请求", out("data.court"), "依法强制执行本局", DECISION, "确定的下列义务：", style=LETTER_BODY)
    obligation_lines(b, LETTER_BODY)
    b.paragraph("事实和理由", style=head)
    b.paragraph("本局于", cn_date("data.decision.issued_on"), "作出", DECISION, "，于",
                cn_date("data.decision.served_on"), "送达被申请人。", style=LETTER_BODY)
    text_block(b, "data.summary", LETTER_BODY, blank_lines=2)
    b.paragraph("被申请人在法定期限内未申请行政复议或者提起行政诉讼，该期限已于", cn_date("data.period_expired_on"),
                "届满，被申请人又不履行行政处罚决定。本局于", cn_date("data.demand.served_on"),
                "向被申请人送达《行政处罚决定履行催告书》（", out("data.demand.number"),
                "），催告书送达十个工作日后被申请人仍未履行义务。",
                out("'被申请人收到催告书后，提出陈述、申辩意见：' ~ data.party_opinion if data.party_opinion "
                    "else ('' if blank else '被申请人收到催告书后，未提出陈述、申辩。')"), style=LETTER_BODY)
    with b.when("blank"):
        b.paragraph("被申请人收到催告书后的陈述、申辩意见：________", style=LETTER_BODY)
    b.paragraph("根据《中华人民共和国行政强制法》第五十三条、第五十四条的规定，本局在法定期限内特向你院申请强制执行。",
                style=LETTER_BODY)
    # From 此致 to the seal one block: the signature and seal never stand alone on a page.
    together = Style(indent_chars=2, keep_next=True)
    b.paragraph("此致", style=Style(indent_chars=2, before=4, keep_next=True))
    b.paragraph(out("data.court"), style=Style(keep_next=True))
    b.paragraph("附件：", style=Style(before=4, keep_next=True))
    numbered_list(b, "item", "data.attachments", out("item"), together, blank_lines=4)
    b.paragraph("机关负责人（签名）：", out("data.agency_head.name"), "　", HAND, style=Style(align=RIGHT, before=8))


def enforcement_application(b: Builder) -> None:
    """强制执行申请书 (行政强制法第53–55条; 程序规定第76条), to the competent court the payload names.

    Within three months after the period for 复议/诉讼 expired (第53条), ten working days
    (第69条) after the 催告书 was served (第54条; the schema refuses an earlier date); with the party's opinion and the 催告 (第55条); signed by the
    agency head, sealed and dated.
    """
    letter(b, "强制执行申请书", enforcement_application_body, party=None, contact=False, served="报送人民法院")


# 51 行政处罚文书送达公告 -------------------------------------------------------------------------

NOTICE_REASONS = ("受送达人下落不明", "采用其他方式无法送达")


def service_announcement_body(b: Builder) -> None:
    b.paragraph("本局依法对", out("data.case"), "作出下列文书：", style=LETTER_BODY)
    with b.each("d in data.documents"):
        b.paragraph("《", out("d.name"), "》", optional("d.number", "（", "）"), style=LETTER_BODY)
    with b.when("blank"):
        b.paragraph("《________》（________）", style=LETTER_BODY)
    # The reason in the second person, as the rest of the notice: 你下落不明 / 无法向你送达.
    b.paragraph("因", out(f"(you ~ '下落不明/采用其他方式无法向' ~ you ~ '送达') if blank else (you ~ '下落不明' "
                          f"if data.reason == '{NOTICE_REASONS[0]}' else '采用其他方式无法向' ~ you ~ '送达')"),
                "（", out("data.attempts"), "），根据《市场监督管理"
                "行政处罚程序规定》第八十二条第（五）项的规定，本局向", YOU, "公告送达上述文书。", style=LETTER_BODY)
    b.paragraph("上述文书的主要内容如下：", style=LETTER_BODY)
    text_block(b, "data.summary", LETTER_BODY, blank_lines=4)
    b.paragraph("自本公告发布之日起经过三十日，即视为送达。请", YOU, "在公告期内到本局（", out("agency.address"),
                "）领取上述文书。上述文书中陈述、申辩、申请行政复议、提起行政诉讼等期限，自视为送达之日起计算。",
                style=LETTER_BODY)
    b.paragraph("本公告在", out("data.published_in"), "发布。", style=LETTER_BODY)


def service_announcement(b: Builder) -> None:
    """行政处罚文书送达公告 (程序规定第82条第五项): reason and course recorded; served after 30 days.

    Addressed by name only: a public notice prints no ID number or home address.
    """
    letter(b, "行政处罚文书送达公告", service_announcement_body, party=None, you="data.addressee",
           salutation="data.addressee.name", copies=False)


# 52 涉案物品处理记录 -----------------------------------------------------------------------------

DISPOSALS = ("销毁", "拍卖", "变卖", "移交有关部门", "退还当事人", "其他")
ITEM_COLUMNS = (Column("序号", 12, "loop.index"), Column("物品名称", 52, "item.name", LEFT),
                Column("规格（型号）", 38, "item.specification"), Column("单位", 13, "item.unit"),
                Column("数量", 17, "item.quantity"), Column("备注", 33, "item.remarks"))
TABLE_PT = 10.5


def disposal_record(b: Builder) -> None:
    """涉案物品处理记录 (行政处罚法第74条; 程序规定第28条): how goods were disposed of, item by item.

    Confiscated goods are auctioned or dealt with as the state provides, or destroyed where the
    law says so (行政处罚法第74条); party (or witness) and officers sign every page, as for a 现场笔录.
    """
    record_head(b, "涉案物品处理记录", "处理")
    b.paragraph("处理依据：", out("data.basis"))
    b.paragraph("处理方式：", checkboxes("data.method", DISPOSALS))
    with b.when("blank or data.method_detail"):
        b.paragraph("具体处理方法：", out("data.method_detail"))
    b.paragraph("执行人员：", names("data.officers", with_numbers=True))
    b.paragraph("当事人到场情况：", out("data.party_presence"))
    witness_line(b)
    heading(b, "处理物品：")
    item_table(b, ITEM_COLUMNS, "data.goods", 6, size=TABLE_PT)
    heading(b, "处理经过：")
    text_block(b, "data.course", RECORD_BODY, blank_lines=4)
    b.paragraph(CLOSING, "，如果属实请签名。", style=Style(indent_chars=2, before=6))
    b.footer("当事人：　　　　　　　见证人：　　　　　　　执行人员：　　　　　　　　　　")


# 53 结案审批表 ---------------------------------------------------------------------------------

# 程序规定第77条: the events on which a case is closed.
CLOSING_GROUNDS = ("行政处罚决定执行完毕", "人民法院裁定终结执行", "案件终止调查", "作出不予行政处罚或者移送决定",
                   "其他应予结案的情形")


def case_closing_approval(b: Builder) -> None:
    """结案审批表 (程序规定第77条): filled within 15 working days of the closing event.

    The 承办人 sign the form under their printed names and 执法证号.
    """
    table = form_opening(b, "结案审批表")
    form_row(b, table, "案　　由", out("data.case_cause"))
    form_row(b, table, "当 事 人", lambda cell: party_block(b, cell))
    form_row(b, table, "立案日期", cn_date("data.filed_on"))
    def decision(cell: _Cell) -> None:
        b.paragraph("决定文书及文号：《", out("data.decision.name"), "》", optional("data.decision.number", "（", "）"),
                    "{% if blank %}（________）{% endif %}", container=cell)
        text_block(b, "data.result", Style(indent_chars=2), cell, blank_lines=1)

    form_row(b, table, "处理决定", decision, height_mm=20)
    text_row(b, table, "执行情况", "data.execution", height_mm=22)

    def grounds(cell: _Cell) -> None:
        b.paragraph(checkboxes("data.ground", CLOSING_GROUNDS), container=cell)
        b.paragraph("结案情形发生日期：", cn_date("data.event_on"), optional("data.ground_detail", "　说明："),
                    container=cell)

    form_row(b, table, "结案情形", grounds, height_mm=18)
    proposal_row(b, table, "承办人意见", "data.handler_opinion", height_mm=24)
    approval_tail(b, table)
    b.paragraph("注：有结案情形的，办案机构应当在十五个工作日内填写本表，经机关负责人批准后予以结案。",
                style=Style(size=10.5, before=4))
    b.footer()


# 54–56 归档 --------------------------------------------------------------------------------------

VOLUMES = ("正卷", "副卷")
RETENTION = ("永久", "定期30年", "定期10年")


def volume_line(b: Builder) -> None:
    """档号 and 正卷/副卷 (程序规定第78条) over a file's forms."""
    b.paragraph("档号：", out("data.archive_number"), "　　", checkboxes("data.volume", VOLUMES),
                style=Style(align=RIGHT, after=4))


def case_file_cover(b: Builder) -> None:
    """卷宗封面 of a penalty case file, 正卷 or 副卷 (程序规定第78条). The 承办人 by name only."""
    b.paragraph(style=Style(line=40))
    agency_header(b)
    b.paragraph("行政处罚案卷", style=Style(font=XIAOBIAOSONG, size=36, bold=True, align=CENTER, line=60,
                                          before=20, after=4))
    b.paragraph(out("'（正卷/副卷）' if blank else '（' ~ data.volume ~ '）'"),
                style=Style(font=HEI, size=16, align=CENTER, after=30))
    table = form_table(b)
    for label, value, height in (
            ("案件编号", out("data.case_number"), 13), ("案　　由", out("data.case_cause"), 18),
            ("当 事 人", out("data.party_name"), 13), ("立案日期", cn_date("data.filed_on"), 13),
            ("结案日期", cn_date("data.closed_on"), 13), ("处理结果", out("data.result"), 22),
            ("承 办 人", names("data.handlers"), 13), ("归档日期", cn_date("data.archived_on"), 13),
            ("保管期限", checkboxes("data.retention", RETENTION), 13),
            ("本卷数量", "本卷共" + out("data.items_count") + "件" + out("data.pages_count") + "页", 13),
            ("档　　号", out("data.archive_number"), 13)):
        form_row(b, table, label, value, height_mm=height)


def file_index(b: Builder) -> None:
    """卷内文件目录 (程序规定第78条): one row per document in file order; the table runs over pages with its header."""
    agency_header(b)
    title(b, "卷内文件目录", after=4)
    volume_line(b)
    # 日期 as eight digits (20260304), as archives write it, so that the column stays narrow.
    # 备注 (up to 100 characters) needs three characters a line, or its row outgrows a page.
    # 序号 and 页号 ("43-47") wide enough to stay on one line.
    columns = (Column("序号", 12, "loop.index"), Column("文号", 31, "item.number"),
               Column("责任者", 28, "item.author"), Column("题　名", 40, "item.title", LEFT),
               Column("日期", 21, "item.date|replace('-', '')"), Column("页号", 16, "item.pages"),
               Column("备注", 17, "item.remarks", LEFT))
    item_table(b, columns, "data.entries", 22, size=TABLE_PT)
    b.footer()


def file_notes(b: Builder) -> None:
    """卷内备考表 (程序规定第78条): the state of the file (missing, altered, added or removed papers),
    who compiled it and when (立卷人, 立卷时间), who checked it and when."""
    agency_header(b)
    title(b, "卷内备考表", after=4)
    volume_line(b)
    table = b.table([b.layout.text_width_mm])

    def notes(cell: _Cell) -> None:
        b.paragraph("本卷情况说明：", style=Style(font=HEI), container=cell)
        b.paragraph("本卷共有文件材料", out("data.items_count"), "件，共", out("data.pages_count"), "页。",
                    style=Style(indent_chars=2), container=cell)
        text_block(b, "data.notes", Style(indent_chars=2), cell)

    (cell,) = b.row(table, 150, cant_split=True)
    cell.vertical_alignment = WD_ALIGN_VERTICAL.TOP
    notes(cell)
    (cell,) = b.row(table, 45)
    cell.vertical_alignment = WD_ALIGN_VERTICAL.BOTTOM
    # The 立卷人's date is the 立卷时间: printed once, on the 立卷人's line.
    for label, person, date, when in (("立卷人：", "data.compiled_by", "data.compiled_on", "　　立卷时间："),
                                      ("检查人：", "data.checked_by", "data.checked_on", "　　检查时间：")):
        b.paragraph(label, out(f"{person} if {person} else '{HAND}'"), when, cn_date(date),
                    style=Style(align=RIGHT, after=6), container=cell)
    b.footer()


INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument("representation-record", "陈述申辩笔录", "record", False, RECORD, representation_record),
    Instrument("hearing-notice", "行政处罚听证通知书", "letter", True, LETTER, hearing_notice, version="2"),
    Instrument("hearing-record", "听证笔录", "record", False, RECORD, hearing_record),
    Instrument("hearing-report", "听证报告", "form", False, FORM, hearing_report),
    Instrument("collective-discussion-record", "行政处罚案件集体讨论记录", "record", False, RECORD,
               collective_discussion_record),
    Instrument("decision-approval", "行政处理决定审批表", "form", False, FORM, decision_approval,
               workflow="approval-1"),
    Instrument("on-the-spot-penalty-decision", "当场行政处罚决定书", "letter", True, LETTER,
               on_the_spot_penalty_decision, version="2"),
    Instrument("no-penalty-decision", "不予行政处罚决定书", "letter", True, LETTER, no_penalty_decision, version="2"),
    Instrument("fine-deferral-notice", "延期/分期缴纳罚款通知书", "letter", True, LETTER, fine_deferral_notice, version="2"),
    Instrument("performance-demand", "行政处罚决定履行催告书", "letter", True, LETTER, performance_demand, version="2"),
    Instrument("enforcement-application", "强制执行申请书", "letter", True, LETTER, enforcement_application, version="2"),
    Instrument("service-announcement", "行政处罚文书送达公告", "letter", True, LETTER, service_announcement, version="2"),
    Instrument("disposal-record", "涉案物品处理记录", "record", False, RECORD, disposal_record),
    Instrument("case-closing-approval", "结案审批表", "form", False, FORM, case_closing_approval,
               workflow="approval-1"),
    Instrument("case-file-cover", "卷宗封面", "other", False, FORM, case_file_cover),
    Instrument("file-index", "卷内文件目录", "other", False, FORM, file_index),
    Instrument("file-notes", "卷内备考表", "other", False, FORM, file_notes),
)
