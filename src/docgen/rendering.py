"""Fill a DOCX template with case data, safely.

docxtpl runs Jinja over the document XML. Two things make that dangerous with
user data: docxtpl does not escape by default (``<`` or ``&`` in a party name
breaks the XML), and templates are powerful. So rendering always uses a
sandboxed, autoescaping environment; every value is escaped on output; values
are only ever *output*, never parsed as template source.
"""
from __future__ import annotations

import copy
import functools
import io
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.oxml import serialize_part_xml
from docx.oxml.ns import nsmap as _DOCX_NSMAP
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docxtpl import DocxTemplate
from jinja2 import ChainableUndefined, Template, TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from markupsafe import Markup, escape

from .errors import RenderFailed
from .images import photo
from .pdfmeta import keywords

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

    @functools.lru_cache(maxsize=2048)  # per environment: every part of every release, with room
    def _compiled(self, source: str) -> Template:
        return super().from_string(source)

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Template:
        if globals is None and template_class is None and isinstance(source, str):
            return self._compiled(source)
        return super().from_string(source, globals, template_class)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``data.items`` is the payload's field ``items``, not ``dict.items``.

        Jinja tries the Python attribute first, so a payload (or agency, or
        approvals) key named like a dict method (items, keys, values, get, …)
        would print as a bound method. On a mapping the key wins; without such
        a key the lookup is Jinja's own (so ``x.items()`` still iterates).
        """
        if isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        return super().getattr(obj, attribute)


def _environment(blank: bool) -> SandboxedEnvironment:
    env = _CompilingOnceEnvironment(
        autoescape=True,
        finalize=_finalize,
        undefined=_BlankUndefined if blank else _EmptyUndefined,
    )
    del env.filters["safe"]
    env.filters.update(cn_date=cn_date, yuan=yuan, rmb_upper=rmb_upper, photo=photo)
    return env


_ENVIRONMENTS = {blank: _environment(blank) for blank in (False, True)}


class _Template(DocxTemplate):
    """docxtpl, minus work that is the same on every render of a released template."""

    def patch_xml(self, src_xml: str) -> str:
        return _patched(src_xml)

    def resolve_listing(self, xml: str) -> str:
        return _resolve_listing(xml)


def _resolve_listing(xml: str) -> str:
    """docxtpl's per-run regex pass only acts on raw control characters, which
    ``_finalize`` never leaves behind; skipping it when there are none saves
    most of the render time."""
    if any(char in xml for char in "\t\a\n\f"):
        return DocxTemplate.resolve_listing(None, xml)  # type: ignore[arg-type]  # uses no state
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
    """Render a DOCX template (given as bytes) and return the filled DOCX bytes.

    The same document docxtpl makes (``_render_with_docxtpl``): the rendered parts
    are byte for byte docxtpl's, every other part is the bytes python-docx writes
    for it, in the same order. Only the work that is the same on every render of a
    template (reading the package with python-docx, preprocessing and compiling the
    parts, serialising and compressing the parts nobody renders) is done once.
    """
    prepared = _prepare(template)
    if prepared is None:
        return _render_with_docxtpl(template, context)
    try:
        return prepared.render(context)
    except TemplateError as exc:
        raise RenderFailed(f"模板渲染失败：{exc}") from exc


def _render_with_docxtpl(template: bytes, context: RenderContext) -> bytes:
    """docxtpl's own path: the reference the fast path is tested against, and its fallback."""
    document = _Template(io.BytesIO(template))
    try:
        document.render(context.as_dict(), jinja_env=_ENVIRONMENTS[context.blank], autoescape=True)
    except TemplateError as exc:
        raise RenderFailed(f"模板渲染失败：{exc}") from exc
    if not context.blank:
        document.core_properties.keywords = keywords(context.doc_number)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- the fast path

#: docxtpl renders these core properties (``DocxTemplate.render_properties``).
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_JINJA_MARK = re.compile(r"\{[{%#]")
_PARAGRAPH = re.compile(r"<w:p([ >])")
_NEW_LINE_PARAGRAPH = re.compile(r"\n<w:p([ >])")
_XML_ENCODING = re.compile(r'<\?xml[^\?]+\bencoding="([^"]+)"', re.IGNORECASE)
_DOCPR_IDS_FROM = 1000  # DocxTemplate.render_init


@dataclass(frozen=True)
class _Part:
    """A rendered part: its member name and the Jinja source docxtpl would compile for it."""

    name: str
    source: str  # patched, with docxtpl's "\n<w:p" markers
    encoding: str = "utf-8"


@dataclass(frozen=True)
class _Static:
    """A part nobody renders, compressed once, as python-docx writes it."""

    name: bytes
    crc: int
    size: int
    compressed: bytes


@dataclass(frozen=True)
class _Prepared:
    members: tuple[_Static | str, ...]  # package order; a str names a rendered part
    skeleton: bytes  # document.xml with an empty body
    body: _Part
    others: dict[str, _Part]  # headers and footers
    core: tuple[str, Any]  # the core properties part: its member name and element (copied: "" is not None)

    def render(self, context: RenderContext) -> bytes:
        env = _ENVIRONMENTS[context.blank]
        values = context.as_dict()
        rendered = {self.body.name: self._document(_render_part(env, self.body.source, values))}
        for name, part in self.others.items():
            xml = _render_part(env, part.source, values)
            rendered[name] = serialize_part_xml(parse_xml(xml.encode(part.encoding)))
        core_name, core = self.core
        if not context.blank:  # python-docx's CT_CoreProperties, as _render_with_docxtpl sets it
            core = copy.deepcopy(core)
            core.keywords_text = keywords(context.doc_number)
        rendered[core_name] = serialize_part_xml(core)
        return _zip(self.members, rendered)

    def _document(self, body_xml: str) -> bytes:
        """docxtpl's ``fix_tables``, ``fix_docpr_ids`` and ``map_tree``, then python-docx's serialisation."""
        tree = DocxTemplate.fix_tables(None, body_xml)  # type: ignore[arg-type]  # uses no state
        for number, element in enumerate(tree.xpath("//wp:docPr", namespaces=_DOCX_NSMAP),
                                         start=_DOCPR_IDS_FROM + 1):
            element.attrib["id"] = str(number)
        root = parse_xml(self.skeleton)
        root.replace(root.find(qn("w:body")), tree)
        return serialize_part_xml(root)


def _render_part(env: SandboxedEnvironment, source: str, values: dict[str, Any]) -> str:
    """docxtpl's ``render_xml_part`` on an already patched part."""
    xml = env.from_string(source).render(values)
    xml = _NEW_LINE_PARAGRAPH.sub(r"<w:p\1", xml)
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    return _resolve_listing(xml)


def _source(xml: str) -> str:
    return _PARAGRAPH.sub(r"\n<w:p\1", _patched(xml))


@functools.lru_cache(maxsize=256)  # every release of the catalogue (106 now, ~70 KB each): a cache smaller
def _prepare(template: bytes) -> _Prepared | None:  # than the set in rotation would miss on every render
    """Everything about ``template`` that does not depend on the data, or ``None`` when the
    template uses something only docxtpl's own path handles (footnotes, tags in core
    properties) or cannot be read: that path then renders it and raises what it raises."""
    try:
        return _prepare_or_fail(template)
    except Exception:  # noqa: BLE001 - _Unsupported, or a failure docxtpl's path reports in its own words
        return None


class _Unsupported(Exception):
    pass


def _prepare_or_fail(template: bytes) -> _Prepared:
    document = Document(io.BytesIO(template))
    package = document.part.package
    if any(part.content_type == _FOOTNOTES for part in package.parts):
        raise _Unsupported("footnotes")
    properties = document.core_properties
    env = _ENVIRONMENTS[False]
    for name in _PROPERTIES:  # DocxTemplate.render_properties: context-free without tags
        value = getattr(properties, name)
        if _JINJA_MARK.search(value):
            raise _Unsupported(f"tag in core property {name}")
        setattr(properties, name, env.from_string(value).render({}))

    root = document.element
    body = root.find(qn("w:body"))
    source = etree_tostring(body)
    body_part = _Part(document.part.partname.membername, _source(source))
    others: dict[str, _Part] = {}
    for rel in document.part.rels.values():  # DocxTemplate.get_headers_footers
        if rel.reltype in (RELATIONSHIP_TYPE.HEADER, RELATIONSHIP_TYPE.FOOTER) and not rel.is_external \
                and rel.target_part.blob:
            part = rel.target_part
            xml = etree_tostring(parse_xml(part.blob))
            match = _XML_ENCODING.match(xml)
            others[part.partname.membername] = _Part(part.partname.membername, _source(xml),
                                                     match.group(1) if match else "utf-8")

    root.replace(body, root.makeelement(qn("w:body"), {}))
    skeleton = serialize_part_xml(root)
    root.replace(root.find(qn("w:body")), body)

    saved = io.BytesIO()
    document.save(saved)
    members: list[_Static | str] = []
    core_part = package._core_properties_part  # created above by document.core_properties if absent
    core = (core_part.partname.membername, copy.deepcopy(core_part.element))
    rendered = {body_part.name, *others, core[0]}
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
        if len(set(names)) != len(names) or not rendered <= set(names):
            raise _Unsupported("unexpected package layout")
        for name in names:
            if name in rendered:
                members.append(name)
            else:
                data = archive.read(name)
                members.append(_Static(name.encode("utf-8"), zlib.crc32(data), len(data), _deflate(data)))
    return _Prepared(tuple(members), skeleton, body_part, others, core)


def etree_tostring(element: Any) -> str:
    """DocxTemplate.xml_to_string."""
    return etree.tostring(element, encoding="unicode", pretty_print=False)


# --------------------------------------------------------------------------- writing the package


def _deflate(data: bytes) -> bytes:
    """What ``zipfile`` stores for ZIP_DEFLATED at its default level."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_VERSION = 20  # deflate
_SYSTEM = 3  # Unix, as zipfile records on this platform
_ATTRIBUTES = 0o600 << 16  # what ZipFile.writestr gives a member named by a string


def _zip(members: tuple[_Static | str, ...], rendered: dict[str, bytes]) -> bytes:
    """The archive ``zipfile.ZipFile(..., "w", ZIP_DEFLATED).writestr`` makes, member by member,
    with the static members' compressed bytes reused."""
    year, month, day, hour, minute, second = time.localtime(time.time())[:6]
    dos_date = (year - 1980) << 9 | month << 5 | day
    dos_time = hour << 11 | minute << 5 | second // 2
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for member in members:
        if isinstance(member, str):
            data = rendered[member]
            member = _Static(member.encode("utf-8"), zlib.crc32(data), len(data), _deflate(data))
        name, flags = member.name, 0 if member.name.isascii() else 0x800
        header = _LOCAL.pack(b"PK\x03\x04", _VERSION, 0, flags, zipfile.ZIP_DEFLATED, dos_time, dos_date,
                             member.crc, len(member.compressed), member.size, len(name), 0)
        out += (header, name, member.compressed)
        central.append(_CENTRAL.pack(b"PK\x01\x02", _VERSION, _SYSTEM, _VERSION, 0, flags, zipfile.ZIP_DEFLATED,
                                     dos_time, dos_date, member.crc, len(member.compressed), member.size,
                                     len(name), 0, 0, 0, 0, _ATTRIBUTES, offset) + name)
        offset += len(header) + len(name) + len(member.compressed)
    directory = b"".join(central)
    out += (directory, _END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), offset, 0))
    return b"".join(out)
