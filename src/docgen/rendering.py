"""Fill a DOCX template with case data, safely.

docxtpl runs Jinja over the document XML. Two things make that dangerous with
user data: docxtpl does not escape by default (``<`` or ``&`` in a party name
breaks the XML), and templates are powerful. So rendering always uses a
sandboxed, autoescaping environment; every value is escaped on output; values
are only ever *output*, never parsed as template source.
"""
from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from docxtpl import DocxTemplate
from jinja2 import ChainableUndefined, Template, TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from .errors import RenderFailed

BLANK_LINE = "________"


class _EmptyUndefined(ChainableUndefined):
    """A missing optional value prints nothing (and so do its attributes)."""

    def __str__(self) -> str:
        return ""


class _BlankUndefined(ChainableUndefined):
    """On a blank form every missing value prints as a line to write on."""

    def __str__(self) -> str:
        return BLANK_LINE


_LINE_BREAK = '</w:t><w:br/><w:t xml:space="preserve">'
_TAB = '</w:t><w:tab/><w:t xml:space="preserve">'


def _finalize(value: Any) -> Any:
    """Escape every printed value for XML and neutralise docxtpl's brace markers.

    docxtpl rewrites ``{_{`` into ``{{`` *after* rendering; encoding ``_`` as a
    character reference keeps user text such as ``{_{`` verbatim. Line breaks
    and tabs become WordprocessingML here, inside the value's own run, so the
    rendered XML holds no raw control characters (see ``_Template.resolve_listing``).
    """
    if isinstance(value, Markup):
        return value
    text = str(escape(str(value))).replace("_", "&#95;")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Markup(text.replace("\n", _LINE_BREAK).replace("\t", _TAB))


def cn_date(value: Any) -> str:
    """2026-03-05 → 2026年3月5日 (no leading zeros, as GB/T 9704 asks)."""
    if isinstance(value, Undefined) or not value:
        return str(value)
    year, month, day = str(value)[:10].split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def yuan(value: Any) -> str:
    """A decimal string as an amount in yuan: 12000 → 12,000.00元."""
    amount = None if isinstance(value, Undefined) else _decimal(value)
    if amount is None:
        return str(value)
    return f"{amount:,.2f}元"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ["", "拾", "佰", "仟"]
_BIG_UNITS = ["", "万", "亿", "万亿"]


def _upper_integer(number: int) -> str:
    """Chinese financial numerals for a non-negative integer, with zeros collapsed."""
    if number == 0:
        return "零"
    groups: list[str] = []
    index = 0
    while number:
        number, group = divmod(number, 10000)
        text = ""
        zero = False
        for position in range(3, -1, -1):
            digit = group // 10**position % 10
            if digit:
                if zero and text:
                    text += "零"
                text += _DIGITS[digit] + _SMALL_UNITS[position]
                zero = False
            else:
                zero = True
        if text:
            prefix = "零" if group < 1000 and number else ""
            groups.append(prefix + text + _BIG_UNITS[index])
        elif groups and not groups[-1].startswith("零"):
            groups.append("零")
        index += 1
    return "".join(reversed(groups)).rstrip("零").lstrip("零") or "零"


def rmb_upper(value: Any) -> str:
    """A decimal string in 大写 as on Chinese payment documents: 12000.5 → 壹万贰仟元伍角."""
    amount = None if isinstance(value, Undefined) else _decimal(value)
    if amount is None or amount < 0:
        return str(value)
    cents = int((amount * 100).quantize(Decimal(1)))
    yuan_part, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    text = _upper_integer(yuan_part) + "元" if yuan_part else ""
    if not jiao and not fen:
        return (text or "零元") + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif yuan_part:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    return text


class _CompilingOnceEnvironment(SandboxedEnvironment):
    """docxtpl compiles every XML part anew on every render; compiling is most of
    the render time, and the parts of a released template never change, so each
    distinct part is compiled once (keyed by its source text)."""

    @functools.lru_cache(maxsize=512)
    def _compiled(self, source: str) -> Template:
        return super().from_string(source)

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Template:
        if globals is None and template_class is None and isinstance(source, str):
            return self._compiled(source)
        return super().from_string(source, globals, template_class)


def _environment(blank: bool) -> SandboxedEnvironment:
    env = _CompilingOnceEnvironment(
        autoescape=True,
        finalize=_finalize,
        undefined=_BlankUndefined if blank else _EmptyUndefined,
    )
    del env.filters["safe"]
    env.filters.update(cn_date=cn_date, yuan=yuan, rmb_upper=rmb_upper)
    return env


_ENVIRONMENTS = {blank: _environment(blank) for blank in (False, True)}


class _Template(DocxTemplate):
    """docxtpl, minus work that is the same on every render of a released template."""

    def patch_xml(self, src_xml: str) -> str:
        return _patched(src_xml)

    def resolve_listing(self, xml: str) -> str:
        """docxtpl's per-run regex pass only acts on raw control characters, which
        ``_finalize`` never leaves behind; skipping it when there are none saves
        most of the render time."""
        if any(char in xml for char in "\t\a\n\f"):
            return super().resolve_listing(xml)
        return xml


@functools.lru_cache(maxsize=512)
def _patched(src_xml: str) -> str:
    """docxtpl's pre-render cleanup is a pure function of the part, so it runs once per part."""
    return DocxTemplate.patch_xml(None, src_xml)  # type: ignore[arg-type]  # uses no state


@dataclass(frozen=True)
class RenderContext:
    """Everything a template may see; the payload is only one part of it."""

    data: Mapping[str, Any]
    agency: Mapping[str, Any]
    doc_number: str = ""
    blank: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        context = dict(self.extra)
        context.update(data=self.data, agency=self.agency, blank=self.blank)
        if self.doc_number or not self.blank:
            context["doc_number"] = self.doc_number
        return context


def render_docx(template: bytes, context: RenderContext) -> bytes:
    """Render a DOCX template (given as bytes) and return the filled DOCX bytes."""
    document = _Template(io.BytesIO(template))
    try:
        document.render(context.as_dict(), jinja_env=_ENVIRONMENTS[context.blank], autoescape=True)
    except TemplateError as exc:
        raise RenderFailed(f"模板渲染失败：{exc}") from exc
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
