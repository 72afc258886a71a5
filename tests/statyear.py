"""A generated enforcement year for the statistics tests: cases, documents and approvals, all issued
through the real service path (validation, numbering, sealing, signing; ``DOCGEN_CONVERTER=fake``
for speed), with the signing clock set to each act's own day so the year spreads over its months.

Every payload starts from the template's released example, its dates shifted to the act's day
(an offset in whole weeks, tried again a week later when a working-day rule of the schema refuses
it), and the fields the statistics count varied at random (seeded: the same seed, the same year).
Every instrument of the catalogue is issued at least once. A few documents are voided (作废) by the
局长 after what the bureau did with them (some 行政处罚决定书 — due, published, withdrawn or withheld —,
a few 行政处罚告知书 and 当场行政处罚决定书), chosen by their count, not by the random stream, so the
year's other outcomes stay as they were.
"""
from __future__ import annotations

import copy
import json
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

from docgen import chain
from docgen.approvals import Approval
from docgen.config import Settings
from docgen.errors import ValidationFailed
from docgen.service import Service, authority

ROLES = ("case_system", "dept_head", "agency_head", "dept_leader", "legal_review", "legal_head", "legal_leader",
         "director")
DEPARTMENTS = ("执法支队一大队", "食品安全监督管理科", "价格监督检查科", None)
SOURCES = ("监督检查", "投诉", "举报", "其他部门移送", "上级交办", "其他")
KINDS = ("警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级", "吊销许可证件",
         "吊销营业执照", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "其他行政处罚")
NO_PENALTY = ("违法事实不能成立", "违法行为轻微并及时改正，没有造成危害后果", "初次违法且危害后果轻微并及时改正",
              "当事人有证据足以证明没有主观过错", "违法行为超过行政处罚追责期限", "其他依法不予行政处罚的情形")
CLOSING = ("行政处罚决定执行完毕", "人民法院裁定终结执行", "案件终止调查", "作出不予行政处罚或者移送决定", "其他应予结案的情形")
REVIEW = ("同意", "补充调查", "变更或修正", "不予作出", "不同意", "移送", "其他")
CONCLUSIONS = ("同意", "建议纠正", "建议补充调查", "其他意见和建议")
ADDRESSEES = ("株洲市公安局天元分局", "株洲市天元区人民检察院", "株洲铁路运输法院")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def shifted(value: Any, days: int) -> Any:
    """Every ISO date in ``value`` moved by ``days``."""
    if isinstance(value, dict):
        return {k: shifted(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [shifted(v, days) for v in value]
    if isinstance(value, str) and DATE.match(value):
        return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
    return value


@dataclass
class Year:
    """The service of one installation, its officers, and a signing clock the generator moves."""

    service: Service
    people: dict[str, Any]
    tokens: dict[str, str]
    rng: random.Random
    clock: datetime = datetime(2026, 1, 1, 2, tzinfo=timezone.utc)
    issued: dict[str, int] = field(default_factory=dict)
    last: dict[str, datetime] = field(default_factory=dict)
    """Each document's last signed time: its next stage is signed no earlier."""
    voided: list[str] = field(default_factory=list)
    """The documents voided (作废), in the order they were voided."""

    def at(self, day: date) -> None:
        """Sign what follows on ``day`` (10:00 in Asia/Shanghai, a second later each time)."""
        moment = datetime(day.year, day.month, day.day, 2, tzinfo=timezone.utc)
        self.clock = max(moment, self.clock + timedelta(seconds=1)) if moment.date() == self.clock.date() else moment

    def now(self) -> str:
        self.clock += timedelta(seconds=1)
        return self.clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    def example(self, template: str) -> dict[str, Any]:
        return copy.deepcopy(self.service.catalogue.get(template).example)

    def issue(self, template: str, data: dict[str, Any], day: date, case_id: str | None = None,
              anchor: str | None = None) -> Any:
        """Issue ``data`` with its dates moved so that its ``anchor`` date falls on ``day`` (or a week later)."""
        base = _anchor(data, anchor)
        offset = (day - base).days // 7 * 7 if base else 0  # whole weeks: the example's weekdays stay weekdays
        for attempt in range(12):
            moved = shifted(data, offset + 7 * attempt)
            self.at(base + timedelta(days=offset + 7 * attempt) if base else day)
            try:
                issued = self.service.issuer.issue(self.people["case_system"].id, template, None, moved, case_id=case_id)
            except ValidationFailed as exc:
                if attempt == 11 or not any("工作日" in i.message or "日期" in i.message for i in exc.issues):
                    raise AssertionError(f"{template}: {[(i.pointer, i.message) for i in exc.issues]}") from exc
                continue
            self.issued[template] = self.issued.get(template, 0) + 1
            self.last[issued.document.id] = self.clock
            return issued.document
        raise AssertionError("unreachable")

    def approve(self, document_id: str, stage: str, decision: str | None, day: date, data: Any = None) -> None:
        self.at(max(day, self.last[document_id].date()))
        self.clock = max(self.clock, self.last[document_id])
        role = "case_system" if stage == "issuance" else stage
        opinion = None if decision in (None, "同意") else f"{decision}：理由见附件。"
        if stage == "issuance":
            opinion = "已按审核意见补充、更正。"
        self.service.approver.approve(self.people[role], document_id, Approval(stage, decision, opinion, data))
        self.last[document_id] = self.clock


    def void(self, document_id: str, day: date, reason: str) -> None:
        """The 局长 voids the document on ``day`` (or after its last stage)."""
        self.at(max(day, self.last[document_id].date()))
        self.clock = max(self.clock, self.last[document_id])
        self.service.voider.void(self.people["director"], document_id, reason)
        self.last[document_id] = self.clock
        self.voided.append(document_id)


def _anchor(data: dict[str, Any], anchor: str | None) -> date | None:
    node: Any = data
    for part in (anchor or "issued_on").split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, str) and DATE.match(node):
        return date.fromisoformat(node)
    dates = sorted(v for v in _strings(data) if DATE.match(v))
    return date.fromisoformat(dates[-1]) if dates else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def open_year(data_dir: Path, seed: int = 17) -> Year:
    """A new installation on ``data_dir`` with one principal per role (the tokens for a real server later)."""
    settings = Settings.from_env(data_dir)
    service = Service(settings, authority(settings, create=True))
    service.converter.start()
    people, tokens = {}, {}
    for role in ROLES:
        principal, _, token = service.principals.add(f"{role}人员", [role])
        people[role], tokens[role] = principal, token
    return Year(service, people, tokens, random.Random(seed))


def generate(year: Year, cases: int = 300) -> None:
    """``cases`` cases over 2026 (and a few in 2025), then every remaining instrument once."""
    rng = year.rng
    for n in range(cases):
        first = date(2025, 10, 1) if n % 25 == 0 else date(2026, 1, 5)
        day = first + timedelta(days=rng.randrange(0, 300 if first.year == 2026 else 60))
        one_case(year, day, n)
    for n in range(30):  # 简易程序: 当场处罚, half of them outside any case
        day = date(2026, 1, 5) + timedelta(days=rng.randrange(0, 300))
        case_id = None if n % 2 else new_case(year, day, "简易").id
        data = year.example("on-the-spot-penalty-decision")
        if rng.random() < 0.3:
            data["penalty"] = "警告"
            for key in ("fine", "payment_method", "collection_ground"):
                data.pop(key, None)
        else:
            data["fine"] = f"{rng.randrange(10, 101)}.00"
        spot = year.issue("on-the-spot-penalty-decision", data, day, case_id)
        if n in (4, 11):
            year.void(spot.id, day + timedelta(days=1), "当场处罚决定书填写错误，另行制作")
    spare = new_case(year, date(2026, 6, 1), "普通")
    recording = spare_recording(year, spare.id)
    for template in sorted(year.service.catalogue.templates):
        if template not in year.issued:
            data = year.example(template)
            if "media" in data:  # 音像记录 are the case's own (cases/media_fill.py): named by id
                data["media"] = [{"media_id": recording}]
            year.issue(template, data, date(2026, 6, 15), spare.id)


def spare_recording(year: Year, case_id: str) -> str:
    """A 录音 of the case (stored bytes and row), for the instruments that list a case's 音像记录."""
    audio = b"ID3" + bytes(61)
    digest = year.service.storage.blobs.put(audio)
    example = year.example("av-record-note")["media"][0]
    metadata = {key: example[key] for key in ("content", "recorded_at", "place", "officers", "recorder", "purpose",
                                              "device", "transcript")}
    return year.service.cases.add_media(year.people["case_system"].id, case_id, "audio", "audio/mpeg", digest,
                                        len(audio), "询问录音.mp3", metadata).id


def new_case(year: Year, day: date, procedure: str) -> Any:
    rng = year.rng
    example = year.example("penalty-decision")
    data = {"cause": "涉嫌经营超过保质期的食品", "party": example["party"],
            "officers": [{"name": "刘洋", "certificate_number": "43020021001"},
                         {"name": "陈静", "certificate_number": "43020021002"}],
            "source": rng.choice(SOURCES), "discovered_on": (day - timedelta(days=3)).isoformat(),
            "filed_on": day.isoformat(), "procedure": procedure}
    department = rng.choice(DEPARTMENTS)
    if department:
        data["department"] = department
    return year.service.cases.create(year.people["case_system"].id, data)


def approve_form(year: Year, document_id: str, day: date, outcome: str) -> None:
    """dept_head 同意, then the 机关负责人: 同意, 不同意, or not yet."""
    year.approve(document_id, "dept_head", "同意", day + timedelta(days=1))
    if outcome != "pending":
        year.approve(document_id, "agency_head", outcome, day + timedelta(days=2))


def one_case(year: Year, day: date, n: int) -> None:
    rng = year.rng
    case = new_case(year, day, "普通")
    filing = year.example("case-filing-approval")
    filing["decision"] = "不予立案" if rng.random() < 0.12 else "立案"
    filing["source"] = rng.choice(SOURCES)
    filing["handler_opinion"] = "建议立案调查。" if filing["decision"] == "立案" else "建议不予立案。"
    doc = year.issue("case-filing-approval", filing, day, case.id, anchor="proposed_on")
    outcome = rng.choices(("同意", "不同意", "pending"), (85, 5, 10))[0]
    approve_form(year, doc.id, day, outcome)
    if filing["decision"] == "不予立案" or outcome != "同意":
        return
    day += timedelta(days=3)
    if rng.random() < 0.6:
        template = rng.choice(("on-site-record", "inspection-record", "inspection-sampling-record",
                               "inspection-survey-record", "inspection-inquiry-record"))
        record = year.issue(template, year.example(template), day, case.id, anchor="date")
        if rng.random() < 0.5:
            add_media(year, case.id, date.fromisoformat(year.service.storage.payload(
                year.service.storage.stages(record.id)[-1].payload_sha256)["date"]))
    if rng.random() < 0.3:
        coercive(year, case.id, day + timedelta(days=1))
    day += timedelta(days=rng.randrange(10, 40))
    path = rng.choices(("penalty", "no_penalty", "transfer", "open"), (60, 15, 12, 13))[0]
    if path == "open":
        return
    if path == "penalty":
        penalty(year, case.id, day)
    elif path == "no_penalty":
        data = year.example("no-penalty-decision")
        data["ground"] = rng.choice(NO_PENALTY)
        if data["ground"] == "违法事实不能成立":
            data.pop("correction", None)
            data.pop("education", None)
        else:
            data.setdefault("education", "对当事人进行了批评教育。")
        year.issue("no-penalty-decision", data, day, case.id)
    else:
        transfer(year, case.id, day)
    if rng.random() < 0.7:
        closing = year.example("case-closing-approval")
        closing["ground"] = rng.choice(CLOSING)
        if closing["ground"] == "其他应予结案的情形":
            closing["ground_detail"] = "当事人已注销。"
        end = day + timedelta(days=rng.randrange(5, 40))
        closed = year.issue("case-closing-approval", closing, end, case.id, anchor="proposed_on")
        approve_form(year, closed.id, end, rng.choices(("同意", "不同意", "pending"), (85, 5, 10))[0])


def add_media(year: Year, case_id: str, day: date) -> None:
    data = f"音像记录 {case_id} {day}".encode()
    digest = year.service.storage.blobs.put(data)
    year.service.cases.add_media(year.people["case_system"].id, case_id, "photo", "image/jpeg", digest, len(data),
                                 "现场.jpg", {"content": "现场照片", "recorded_at": f"{day.isoformat()} 10:20",
                                              "place": "当事人仓库", "officers": "刘洋、陈静", "recorder": "陈静",
                                              "purpose": "证明现场情况", "device": "执法记录仪"})


def coercive(year: Year, case_id: str, day: date) -> None:
    rng = year.rng
    decision = year.example("coercive-measure-decision")
    decision["measure"] = rng.choice(("查封", "扣押"))
    doc = year.issue("coercive-measure-decision", decision, day, case_id, anchor="start_on")
    data = year.service.storage.payload(year.service.storage.stages(doc.id)[-1].payload_sha256)
    start, end = date.fromisoformat(data["start_on"]), date.fromisoformat(data["end_on"])
    if rng.random() < 0.2:
        add_media(year, case_id, start)
    extended = rng.random() < 0.3
    until = end + timedelta(days=rng.randrange(10, 31))
    if extended:
        ext = year.example("coercive-measure-extension")
        ext.update(measure=data["measure"], decision_number=doc.doc_number, measure_on=start.isoformat(),
                   original_until=end.isoformat(), until=until.isoformat(),
                   issued_on=(end - timedelta(days=2)).isoformat())
        year.issue("coercive-measure-extension", ext, end - timedelta(days=2), case_id)
    if rng.random() < 0.7:
        limit = 60 if extended else 30
        released = start + timedelta(days=rng.choice((rng.randrange(3, limit + 1), limit + 5)))
        rel = year.example("coercive-measure-release")
        rel.update(measure=data["measure"], decision_number=doc.doc_number, measure_on=start.isoformat(),
                   released_on=released.isoformat(), issued_on=released.isoformat())
        year.issue("coercive-measure-release", rel, released, case_id)


def penalty(year: Year, case_id: str, day: date) -> None:
    rng = year.rng
    notice = year.example("penalty-notice")
    notice["hearing_available"] = rng.random() < 0.5
    issued_notice = year.issue("penalty-notice", notice, day, case_id)
    if year.issued["penalty-notice"] % 20 == 7:
        year.void(issued_notice.id, day + timedelta(days=1), "告知书当事人名称有误，重新告知")
    if notice["hearing_available"] and rng.random() < 0.5:
        year.issue("hearing-notice", year.example("hearing-notice"), day + timedelta(days=4), case_id,
                   anchor="requested_on")
        if rng.random() < 0.7:
            year.issue("hearing-record", year.example("hearing-record"), day + timedelta(days=14), case_id,
                       anchor="hearing/date")
    if rng.random() < 0.35:
        major_review(year, case_id, day + timedelta(days=2))
    if rng.random() < 0.5:
        review = year.example("case-review")
        review["conclusion"] = rng.choice(CONCLUSIONS)
        submitted = day + timedelta(days=3)
        review["submitted_on"] = "2026-04-16"
        review["reviewed_on"] = (date(2026, 4, 16) + timedelta(days=rng.randrange(0, 35))).isoformat()
        review.pop("head_opinion", None)
        year.issue("case-review", review, submitted, case_id, anchor="submitted_on")
    decision = year.example("penalty-decision")
    items = []
    for kind in rng.sample(KINDS, rng.randrange(1, 4)):
        item: dict[str, Any] = {"type": kind}
        if kind in ("罚款", "没收违法所得"):
            item["amount"] = f"{rng.randrange(1, 2000) * 50}.{rng.choice(('00', '50'))}"
        else:
            item["description"] = f"{kind}的具体内容"
        items.append(item)
    if rng.random() < 0.1:
        items.append({"type": "罚款", "amount": "1000.00"})  # a second fine in the same decision
    decision["penalties"] = items
    issued = year.issue("penalty-decision", decision, day + timedelta(days=20), case_id)
    publicize(year, issued.id)
    if year.issued["penalty-decision"] % 12 == 5:
        year.void(issued.id, day + timedelta(days=30), "决定书编号误用，以另号决定书为准")


def publicize(year: Year, document_id: str) -> None:
    """What the bureau then does with a decision to publish (公示): published in time or late, withdrawn after
    publishing, not published with the approval, or nothing yet; through the service as the pages do."""
    service = year.service
    record = service.publicity.find(document_id)
    if record is None or record.status != "due":  # warning only, or withheld by a rule: nothing to do
        return
    officer = year.people["case_system"]
    outcome = year.rng.choice(("on_time", "on_time", "late", "withdrawn", "not_published", "refused", "none"))
    if outcome in ("not_published", "refused"):
        service.withholding.propose(officer, document_id, "涉及商业秘密", "政府信息公开条例第十五条")
        service.withholding.approve(year.people["legal_head"], document_id,
                                    "同意" if outcome == "not_published" else "不同意",
                                    "" if outcome == "not_published" else "不涉及商业秘密，应予公示。")
        return
    if outcome == "none":
        return
    due = date.fromisoformat(record.due_on)
    published_on = due - timedelta(days=year.rng.randrange(0, 5)) if outcome != "late" \
        else due + timedelta(days=year.rng.randrange(1, 15))
    today = service.publicity.today()
    if published_on > today:  # not published yet: only a publication made can be recorded
        return
    service.renditions.make(officer.id, document_id)
    last = service.storage.stages(document_id)[-1]
    service.publicity.published(officer.id, document_id, "国家企业信用信息公示系统", "https://www.gsxt.gov.cn/公示",
                                published_on.isoformat(), service.storage.payload(last.payload_sha256))
    if outcome == "withdrawn":
        service.publicity.withdraw(officer.id, document_id, "行政复议决定撤销原处罚决定", "株政复决字〔2026〕1号",
                                   min(published_on + timedelta(days=30), today).isoformat())


def major_review(year: Year, case_id: str, day: date) -> None:
    rng = year.rng
    doc = year.issue("major-decision-review", year.example("major-decision-review"), day, case_id,
                     anchor="applied_on")
    when = day
    for round_ in (1, 2):
        year.approve(doc.id, "dept_head", "同意", when + timedelta(days=1))
        reached = when + timedelta(days=2)
        year.approve(doc.id, "dept_leader", "同意", reached)
        decision = rng.choice(REVIEW) if round_ == 1 else rng.choice(("同意", "不同意", "移送"))
        when = reached + timedelta(days=rng.randrange(0, 36))
        year.approve(doc.id, "legal_review", decision, when)
        if decision in ("补充调查", "变更或修正") and round_ == 1:
            when += timedelta(days=3)
            year.approve(doc.id, "issuance", None, when)
            continue
        if decision == "同意":
            for stage in ("legal_head", "legal_leader", "director"):
                when += timedelta(days=1)
                year.approve(doc.id, stage, "同意", when)
        return


def transfer(year: Year, case_id: str, day: date) -> None:
    rng = year.rng
    if rng.random() < 0.5:
        data = year.example("case-transfer-letter")
        data["market_regulator"] = rng.random() < 0.6
        year.issue("case-transfer-letter", data, day, case_id)
    else:
        data = year.example("criminal-case-transfer")
        data["addressee"] = rng.choice(ADDRESSEES)
        year.issue("criminal-case-transfer", data, day, case_id)


def patched_clock(year: Year) -> Any:
    """The signing clock as ``chain.utc_now`` (for ``monkeypatch.setattr``)."""
    return year.now


__all__ = ["Year", "open_year", "generate", "patched_clock", "chain", "json"]
