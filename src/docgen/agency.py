"""The issuing agency's profile, parsed and checked once at start-up into typed values.

The profile (``defaults/agency.json`` or ``DOCGEN_AGENCY_FILE``) names the
agency on every document, sets the 复议机关 and the court of its remedy
clauses, its time zone and working-day calendar, and its 文书编号 and 案件编号
formats. A mistake in it must stop the service at start with the key named,
not surface as a wrong deadline or a ``KeyError`` on the first request; and
no module should parse a piece of it again. ``Agency`` is also a read-only
mapping of the profile as written (with defaults filled in), which is what a
template sees as ``agency``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import TemplateError
from .sealimage import read_seal_image
from .workdays import Calendar

DEFAULT_PROFILE = Path(__file__).resolve().parent / "defaults" / "agency.json"
#: Fields a profile may leave out, with what templates then see.
OPTIONAL = {"short_name": "", "address": "", "phone": "", "timezone": "Asia/Shanghai",
            "review_body_alternative": "", "seal_image": ""}
REQUIRED = ("name", "review_body", "court")
#: Who may void (作废) an issued document when ``void_roles`` is not set: the 局长, who signs the
#: last stage of the review table. No statute names the role (an internal control, docs/legal-notes.md).
DEFAULT_VOID_ROLES = ("director",)


@dataclass(frozen=True)
class NumberingScheme:
    """How numbers of one series are written: ``format`` with ``{prefix}``, ``{year}``, ``{seq}``."""

    format: str
    """E.g. ``{prefix}〔{year}〕{seq}号``."""
    prefixes: Mapping[str, str]
    """Template id → prefix (株市监处罚); empty for a series with one prefix."""

    def prefix(self, template_id: str) -> str:
        try:
            return self.prefixes[template_id]
        except KeyError:
            raise TemplateError(f"机关配置中没有 {template_id} 的文书编号前缀") from None

    def text(self, prefix: str, year: int, seq: int) -> str:
        return self.format.format(prefix=prefix, year=year, seq=seq)


@dataclass(frozen=True, eq=False)
class Agency(Mapping[str, Any]):
    """One agency's profile; see the module docstring."""

    name: str
    """The agency's full name, printed on every document (株洲市市场监督管理局)."""
    review_body: str
    """The 复议机关 named in remedy clauses (株洲市人民政府)."""
    court: str
    """The court named in remedy clauses."""
    review_body_alternative: str
    """A second 复议机关 a 派出机构's party may choose (行政复议法第24条第4款: only where the 派出机构
    acts in its own name); empty if none."""
    seal_image: Path | None
    """The agency's seal picture for signed copies (``sealimage.py``), checked to be PNG or JPEG."""
    timezone: ZoneInfo
    """The zone dates on documents are in (Asia/Shanghai)."""
    calendar: Calendar
    """Working days: Monday–Friday minus holidays plus 调休 workdays, per listed year."""
    numbering: NumberingScheme
    """The 文书编号 series: one prefix per numbered template."""
    case_numbering: NumberingScheme
    """The 案件编号 series (``cases``: ``number_prefix``, ``number_format``), prefix under ``case``."""
    choices: Mapping[str, Mapping[str, list[Any]]]
    """Template id → JSON pointer → the values the agency allows there (e.g. 案件审核表 only 法制审核)."""
    void_roles: tuple[str, ...]
    """The roles that may void (作废) an issued document (``void_roles``; ``director`` by default)."""
    publicity: "PublicitySettings"
    """Which issued decisions are published (公示), by when, with which redactions (``publicity``)."""
    profile: Mapping[str, Any] = field(repr=False)
    """The profile as written, optional fields filled in: what templates see as ``agency``."""

    # A read-only mapping of ``profile``, for templates and for code that reads keys.
    def __getitem__(self, key: str) -> Any:
        return self.profile[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.profile)

    def __len__(self) -> int:
        return len(self.profile)

    @classmethod
    def load(cls, path: Path | None = None) -> "Agency":
        """The profile at ``path`` (the embedded one by default); ``ValueError`` naming file and key."""
        path = path or DEFAULT_PROFILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"机构配置 {path} 无法读取：{exc}") from None
        try:
            return cls.parse(raw, path.parent)
        except ValueError as exc:
            raise ValueError(f"机构配置 {path} 无效：{exc}") from None

    @classmethod
    def parse(cls, raw: Any, base: Path = DEFAULT_PROFILE.parent) -> "Agency":
        """A profile already read as JSON; relative paths (``seal_image``) are taken from ``base``."""
        if not isinstance(raw, dict):
            raise ValueError("应为 JSON 对象")
        profile = {**OPTIONAL, **raw}
        for key in (*REQUIRED, *OPTIONAL):
            if key in REQUIRED and not profile.get(key):
                raise ValueError(f"缺少 {key}")
            if not isinstance(profile[key], str):
                raise ValueError(f"{key} 应为文本")
        try:
            zone = ZoneInfo(profile["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone {profile['timezone']!r} 不是已知的时区") from None
        seal = None
        if profile["seal_image"]:
            seal = (base / profile["seal_image"]).resolve()
            read_seal_image(seal)
            profile["seal_image"] = str(seal)
        return cls(name=profile["name"], review_body=profile["review_body"], court=profile["court"],
                   review_body_alternative=profile["review_body_alternative"], seal_image=seal, timezone=zone,
                   calendar=Calendar.from_config(profile.get("calendar")),
                   numbering=_numbering(profile.get("numbering")), case_numbering=_case_numbering(profile.get("cases")),
                   choices=_choices(profile.get("choices")), void_roles=_void_roles(profile.get("void_roles")),
                   publicity=_publicity(profile.get("publicity")),
                   profile=MappingProxyType(profile))


#: What a rule's ``unless`` may name: 仅受到警告行政处罚的不予公示 (公示规定第二条第二款).
UNLESS = ("warning_only",)
#: Masks a redaction rule may apply (``publicity/redaction.py`` implements each).
MASKS = ("keep_ends", "remove")


@dataclass(frozen=True)
class PublicityRule:
    """One kind of decision that must be published: its template, an exception, the deadline."""

    template: str
    working_days: int
    """Working days from the decision's date (``issued_on``) to publication."""
    unless: str | None
    """``warning_only``: not when every penalty is a warning."""
    basis: str


@dataclass(frozen=True)
class RedactionRule:
    """What is hidden of one field of a template's payload before publication, and why."""

    pointer: str
    """A JSON pointer; ``*`` as a step matches every index of an array."""
    mask: str
    """``keep_ends`` (keep ``keep_start`` and ``keep_end`` characters, ＊ between) or ``remove`` (＊＊＊)."""
    keep_start: int
    keep_end: int
    reason: str
    when_party: str | None
    """``person``: only when the party is a natural person (a person's home address)."""


@dataclass(frozen=True)
class PublicitySettings:
    """The ``publicity`` section of the profile, with the defaults of the seed and 公示规定."""

    rules: tuple[PublicityRule, ...]
    redactions: Mapping[str, tuple[RedactionRule, ...]]
    withdraw_working_days: int
    """撤回 within this many working days of the change (公示规定第十一条: 三个工作日)."""
    low_fine_limit: str | None
    """较低数额罚款 (第十三条: set by the province); ``None`` when the agency has not configured it."""
    not_publish_role: str
    """The role that approves a decision not to publish (拟不予公开, seed (一)4)."""

    def rule(self, template_id: str) -> PublicityRule | None:
        return next((r for r in self.rules if r.template == template_id), None)


SEED_BASIS = ("株洲市市场监督管理局《三项制度工作安排》第（一）部分第3.1项：行政处罚决定自作出之日起7个工作日内公开；"
              "《市场监督管理行政处罚信息公示规定》第二条（普通程序；仅受警告的不予公示）")
ID_REASON = "身份证件号码属个人信息（《市场监督管理行政处罚信息公示规定》第六条）"
DEFAULT_REDACTIONS = {"penalty-decision": (
    RedactionRule("/party/id_number", "keep_ends", 1, 1, ID_REASON, None),
    RedactionRule("/party/phone", "keep_ends", 3, 4, "联系电话属个人信息（公示规定第六条）", None),
    RedactionRule("/party/other_contact", "remove", 0, 0, "其他联系方式属个人信息（公示规定第六条）", None),
    RedactionRule("/party/address", "remove", 0, 0, "自然人的住址属个人隐私（公示规定第六条）", "person"),
    RedactionRule("/payment/account_number", "keep_ends", 0, 4, "银行账号（公示规定第六条）", None),
)}


def _publicity(raw: Any) -> PublicitySettings:
    """``publicity``: ``rules`` [{template, working_days, unless?, basis?}], ``redactions``
    {template: [{pointer, mask, keep_start?, keep_end?, reason, when_party?}]},
    ``withdraw_working_days``, ``low_fine_limit`` (a decimal string), ``not_publish_role``."""
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ValueError("publicity 应为对象")
    unknown = set(raw) - {"rules", "redactions", "withdraw_working_days", "low_fine_limit", "not_publish_role"}
    if unknown:
        raise ValueError(f"publicity 中有未知的键 {sorted(unknown)}")
    rules = []
    for n, item in enumerate(raw.get("rules", [{"template": "penalty-decision", "working_days": 7,
                                                 "unless": "warning_only", "basis": SEED_BASIS}])):
        where = f"publicity.rules[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("template"), str) or not item["template"]:
            raise ValueError(f"{where}.template 应为模板编号")
        days = item.get("working_days", 20)
        if type(days) is not int or not 0 < days <= 60:
            raise ValueError(f"{where}.working_days 应为 1 至 60 的整数（工作日）")
        unless = item.get("unless")
        if unless is not None and unless not in UNLESS:
            raise ValueError(f"{where}.unless 只能是 {list(UNLESS)}")
        basis = item.get("basis", "株洲市市场监督管理局《三项制度工作安排》第（一）部分第3.1项：其他行政执法决定自作出之日起20个工作日内公开")
        if not isinstance(basis, str):
            raise ValueError(f"{where}.basis 应为文本")
        rules.append(PublicityRule(item["template"], days, unless, basis))
    redactions = dict(DEFAULT_REDACTIONS)
    given = raw.get("redactions", {})
    if not isinstance(given, dict):
        raise ValueError("publicity.redactions 应为 {\"模板编号\": [规则…]}")
    for template, items in given.items():
        if not isinstance(items, list):
            raise ValueError(f"publicity.redactions.{template} 应为数组")
        parsed = []
        for n, item in enumerate(items):
            where = f"publicity.redactions.{template}[{n}]"
            if not isinstance(item, dict) or not isinstance(item.get("pointer"), str) \
                    or not item["pointer"].startswith("/"):
                raise ValueError(f"{where}.pointer 应为以 / 开头的 JSON 指针")
            if item.get("mask") not in MASKS:
                raise ValueError(f"{where}.mask 只能是 {list(MASKS)}")
            keep = [item.get("keep_start", 0), item.get("keep_end", 0)]
            if not all(type(k) is int and 0 <= k <= 8 for k in keep):
                raise ValueError(f"{where}.keep_start/keep_end 应为 0 至 8 的整数")
            if not isinstance(item.get("reason"), str) or not item["reason"]:
                raise ValueError(f"{where}.reason 应写明隐去的理由")
            if item.get("when_party") not in (None, "person", "organization"):
                raise ValueError(f"{where}.when_party 只能是 person 或 organization")
            parsed.append(RedactionRule(item["pointer"], item["mask"], keep[0], keep[1], item["reason"],
                                        item.get("when_party")))
        redactions[template] = tuple(parsed)
    days = raw.get("withdraw_working_days", 3)
    if type(days) is not int or not 0 < days <= 20:
        raise ValueError("publicity.withdraw_working_days 应为 1 至 20 的整数")
    limit = raw.get("low_fine_limit")
    if limit is not None and not (isinstance(limit, str) and limit.replace(".", "", 1).isdigit()):
        raise ValueError("publicity.low_fine_limit 应为金额文本，如 \"10000.00\"")
    role = raw.get("not_publish_role", "legal_head")
    if not isinstance(role, str) or not role:
        raise ValueError("publicity.not_publish_role 应为角色名")
    return PublicitySettings(tuple(rules), MappingProxyType(redactions), days, limit, role)


def as_agency(agency: Mapping[str, Any]) -> Agency:
    """``agency`` itself if already parsed, else the parse of a profile given as a mapping."""
    return agency if isinstance(agency, Agency) else Agency.parse(dict(agency))


def _numbering(numbering: Any) -> NumberingScheme:
    if numbering is None:
        return NumberingScheme("{prefix}〔{year}〕{seq}号", MappingProxyType({}))
    if not isinstance(numbering, dict) or not isinstance(numbering.get("format"), str):
        raise ValueError("numbering 应为 {\"format\": \"{prefix}〔{year}〕{seq}号\", \"prefixes\": {…}}")
    missing = [part for part in ("{prefix}", "{year}", "{seq}") if part not in numbering["format"]]
    if missing:
        raise ValueError(f"numbering.format 缺少 {'、'.join(missing)}")
    prefixes = numbering.get("prefixes", {})
    if not isinstance(prefixes, dict) or not all(isinstance(k, str) and isinstance(v, str) and v
                                                 for k, v in prefixes.items()):
        raise ValueError("numbering.prefixes 应为 {\"模板编号\": \"前缀\"}")
    return NumberingScheme(numbering["format"], MappingProxyType(dict(prefixes)))


def _case_numbering(cases: Any) -> NumberingScheme:
    if cases is None:
        cases = {}
    if not isinstance(cases, dict):
        raise ValueError("cases 应为 {\"number_prefix\": \"…立\", \"number_format\": \"{prefix}〔{year}〕{seq}号\"}")
    scheme = _numbering({"format": cases.get("number_format", "{prefix}〔{year}〕{seq}号"),
                         "prefixes": {"case": cases.get("number_prefix", "案")}})
    return scheme


def _choices(choices: Any) -> Mapping[str, Mapping[str, list[Any]]]:
    """``choices``: {template id: {JSON pointer: [allowed values, at least one]}} (or absent)."""
    if choices is None:
        return MappingProxyType({})
    good = isinstance(choices, dict) and all(
        isinstance(fields, dict) and all(
            isinstance(at, str) and at.startswith("/") and isinstance(allowed, list) and allowed
            for at, allowed in fields.items())
        for fields in choices.values())
    if not good:
        raise ValueError('choices 应为 {"模板编号": {"/字段指针": ["允许的值", …]}}，如 '
                         '{"case-review": {"/review_type": ["法制审核"]}}')
    return MappingProxyType(choices)


def _void_roles(roles: Any) -> tuple[str, ...]:
    """``void_roles``: a non-empty list of role ids (or absent: ``DEFAULT_VOID_ROLES``)."""
    if roles is None:
        return DEFAULT_VOID_ROLES
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) and r.strip() == r and r
                                                          for r in roles):
        raise ValueError('void_roles 应为非空的角色数组，如 ["director"]')
    return tuple(dict.fromkeys(roles))
