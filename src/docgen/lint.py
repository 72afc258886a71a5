"""``docgen templates lint``: check every released template version before anyone issues with it.

A released version is immutable and documents cite it, so its mistakes are
permanent unless they are found before release. Most of them are silent at
run time: a misspelt ``{{ data.party.nmae }}`` prints nothing instead of
failing, a required field the template never prints is collected and lost, a
Jinja tag that Word split across runs renders half-formatted or not at all. The
linter looks for exactly these, per version:

- ``manifest``: the files still match the sha256 pinned at release, and every
  file the version depends on is pinned;
- ``numbering``: a numbered template has a 文书编号 prefix in the agency profile
  (issuing it fails without one);
- ``example``: the example payload validates against the schema;
- ``split-tag``: every Jinja tag sits inside one text run of one paragraph;
- ``syntax``: every part parses as Jinja after docxtpl's own ``patch_xml``;
- ``placeholder``: every expression resolves — ``data.…`` to a schema property,
  ``agency.…`` to the agency profile, ``approvals.<stage>.…`` to a stage of the
  version's workflow, any other name to the rendering context or a loop/set
  variable, every filter and test to the rendering environment;
- ``unused-required``: every required schema property is read by the template;
- ``render``: the example and the blank form render, leaving no tag behind.

Each ``Problem`` names ``template@version``, where (file, part, paragraph, the
tag's text, or a JSON pointer) and what is wrong; ``LintReport.exit_status`` is
0 when there is none.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Mapping

from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError

from . import docxparts
from .catalogue import ACTIVE, Catalogue, TemplateVersion, version_key
from .config import calendar_of
from .errors import DocgenError
from .rendering import _ENVIRONMENTS, RenderContext, render_docx  # the exact environment documents use
from .schemapaths import SchemaTree, dotted, schema_of_value
from .templatefields import ContextModel, FieldProblem, approvals_schema, parse, unused_required, walk
from .workflow import ISSUANCE

# What rendering must never leave in a document's text (the same rule as tools/build_templates.py).
LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|None|Undefined")
CHECK_NUMBER = "株市监〔2026〕1号"


class Severity(str, Enum):
    """An error makes the exit status 1. A warning is probably wrong but may be meant, and
    a released version cannot change anyway: it is reported for the next version."""

    ERROR = "error"
    WARNING = "warning"


class Check(str, Enum):
    """The kinds of problem, each with the reason it matters (``why``)."""

    MANIFEST = "manifest"
    NUMBERING = "numbering"
    EXAMPLE = "example"
    SPLIT_TAG = "split-tag"
    SYNTAX = "syntax"
    PLACEHOLDER = "placeholder"
    UNUSED_REQUIRED = "unused-required"
    RENDER = "render"

    @property
    def why(self) -> str:
        return _WHY[self]


_WHY = {
    Check.MANIFEST: "已发布的文件不得修改，签发的文书凭 manifest 中的 sha256 追溯所用模板；修改须发布新版本。",
    Check.NUMBERING: "编号文书签发时从机关配置取文书编号前缀，缺少前缀的模板无法签发。",
    Check.EXAMPLE: "示例数据是调用方的样板，也是发布前渲染检查的输入，必须通过 schema 校验。",
    Check.SPLIT_TAG: "Word 会把标签拆到多个 run 中；docxtpl 只能拼回一部分，拼回的标签丢失后续 run 的格式，跨段落的会破坏文档。",
    Check.SYNTAX: "模板各部分须在 docxtpl 预处理后能被 Jinja 解析，否则任何文书都无法渲染。",
    Check.PLACEHOLDER: "读取不存在的字段不会报错，只会在每一份文书上输出空白。",
    Check.UNUSED_REQUIRED: "必填字段向调用方收集了却不出现在文书上，说明模板或 schema 有遗漏。",
    Check.RENDER: "示例和空白表单必须能渲染，且不残留模板标签。",
}


@dataclass(frozen=True)
class Where:
    """Where a problem is: a file of the version, and inside it a part and paragraph,
    the tag's text, or a JSON pointer into the example."""

    file: str = ""
    part: str = ""
    paragraph: int | None = None
    snippet: str = ""
    pointer: str | None = None

    def __str__(self) -> str:
        text = self.file
        if self.part:
            text += f":{self.part}"
        if self.paragraph is not None:
            text += f" 第{self.paragraph}段"
        if self.pointer is not None:
            text += f" {self.pointer or '/'}"
        if self.snippet:
            text += f" «{self.snippet}»"
        return text.strip()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one released version."""

    template_id: str
    version: str
    check: Check
    where: Where
    message: str
    severity: Severity = Severity.ERROR

    @property
    def key(self) -> str:
        return version_key(self.template_id, self.version)

    def __str__(self) -> str:
        label = "错误" if self.severity is Severity.ERROR else "警告"
        return f"{label} {self.key} [{self.check.value}] {self.where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        where = {k: v for k, v in asdict(self.where).items() if v not in ("", None)}
        return {"template": self.template_id, "version": self.version, "check": self.check.value,
                "severity": self.severity.value, "where": where, "message": self.message,
                "why": self.check.why}


@dataclass(frozen=True)
class LintReport:
    """Every version checked and every problem found; clean when there is none."""

    versions: tuple[str, ...]
    problems: tuple[Problem, ...] = field(default=())

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors

    @property
    def exit_status(self) -> int:
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "versions": list(self.versions),
                "problems": [problem.to_dict() for problem in self.problems]}

    def describe(self) -> str:
        lines = [str(problem) for problem in self.problems]
        checks = sorted({p.check for p in self.problems}, key=list(Check).index)
        lines += [f"  {check.value}: {check.why}" for check in checks]
        lines.append(f"检查了 {len(self.versions)} 个模板版本：{len(self.errors)} 个错误，"
                     f"{len(self.warnings)} 个警告。")
        return "\n".join(lines)


# The whole catalogue ---------------------------------------------------------------------


def lint_catalogue(root: Path, agency: Mapping[str, Any]) -> LintReport:
    """Lint every released version (active and retired) of the catalogue under ``root``."""
    catalogue = Catalogue(root, calendar_of(agency))  # examples are validated as the service would
    versions, problems = [], []
    for template in catalogue.templates.values():
        for release in template.versions:
            versions.append(release.key)
            problems += lint_version(catalogue, release, agency)
    return LintReport(tuple(versions), tuple(problems))


def lint_version(catalogue: Catalogue, release: TemplateVersion, agency: Mapping[str, Any]) -> list[Problem]:
    """Every problem of one version; later checks are skipped when their input is missing."""
    report = _VersionLint(catalogue, release, agency)
    report.manifest()
    report.numbering()
    if not report.readable():
        return report.problems
    report.example()
    report.template()
    report.render()
    return report.problems


class _VersionLint:
    def __init__(self, catalogue: Catalogue, release: TemplateVersion, agency: Mapping[str, Any]) -> None:
        self.catalogue = catalogue
        self.release = release
        self.agency = agency
        self.problems: list[Problem] = []

    def add(self, check: Check, where: Where, message: str, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(self.release.template_id, self.release.version, check, where, message,
                                     severity))

    # manifest ----------------------------------------------------------------------------

    def manifest(self) -> None:
        release = self.release
        for name in release.drifted():
            exists = (release.root / name).is_file()
            self.add(Check.MANIFEST, Where(file=name),
                     "文件内容与发布时记录的 sha256 不一致" if exists else "文件不存在")
        for role, name in release.files.items():
            if name not in release.sha256:
                self.add(Check.MANIFEST, Where(file=name), f"{role} 文件未在 manifest 的 sha256 中登记")
        try:
            refs = _schema_refs(release.schema)
        except (OSError, ValueError):
            return
        for ref in refs:
            if ref not in release.sha256:
                self.add(Check.MANIFEST, Where(file=release.files.get("schema", "")),
                         f"schema 引用的 {ref} 未在 manifest 的 sha256 中登记")

    def numbering(self) -> None:
        """Only active versions are issued (a retired one renders documents already numbered)."""
        if not self.release.numbered or self.release.status != ACTIVE:
            return
        prefixes = (self.agency.get("numbering") or {}).get("prefixes") or {}
        if self.release.template_id not in prefixes:
            self.add(Check.NUMBERING, Where(file="templates/manifest.json"),
                     f"模板标记为 numbered，但机关配置 numbering.prefixes 中没有 {self.release.template_id} "
                     "的文书编号前缀，签发时将失败")

    def readable(self) -> bool:
        """Whether template, schema and example can be read at all (else say so and stop)."""
        ok = True
        for role in ("template", "schema", "example"):
            try:
                getattr(self.release, f"{role}_bytes" if role == "template" else role)
            except KeyError:
                self.add(Check.MANIFEST, Where(), f"manifest 未列出 {role} 文件")
                ok = False
            except (OSError, ValueError) as exc:
                self.add(Check.MANIFEST, Where(file=self.release.files.get(role, "")), f"无法读取：{exc}")
                ok = False
        return ok

    # example -----------------------------------------------------------------------------

    def example(self) -> None:
        file = self.release.files["example"]
        try:
            issues = self.catalogue.validator(self.release).issues(self.release.example)
        except DocgenError as exc:
            self.add(Check.EXAMPLE, Where(file=self.release.files["schema"]), f"schema 无法使用：{exc.detail}")
            return
        for issue in issues:
            self.add(Check.EXAMPLE, Where(file=file, pointer=issue.pointer), issue.message)

    # template ----------------------------------------------------------------------------

    def template(self) -> None:
        file = self.release.files["template"]
        try:
            parts = docxparts.rendered_parts(self.release.template_bytes)
        except Exception as exc:  # noqa: BLE001 - any unreadable zip or XML is the finding
            self.add(Check.SYNTAX, Where(file=file), f"不是可读的 DOCX：{exc}")
            return
        model = self.context_model()
        used: set[tuple[str, ...]] = set()
        parsed_all = True
        for part, xml in parts.items():
            try:
                paragraphs = docxparts.paragraphs(xml)
            except Exception as exc:  # noqa: BLE001
                self.add(Check.SYNTAX, Where(file=file, part=part), f"XML 无法解析：{exc}")
                parsed_all = False
                continue
            for split in docxparts.split_tags(xml):
                self.add(Check.SPLIT_TAG, Where(file=file, part=part, paragraph=split.paragraph,
                                                snippet=split.snippet), split.reason)
            try:
                ast = parse(DocxTemplate.patch_xml(None, xml))  # type: ignore[arg-type]  # uses no state
            except TemplateSyntaxError as exc:
                self.add(Check.SYNTAX, Where(file=file, part=part),
                         f"docxtpl 预处理后 Jinja 无法解析：{exc.message}")
                parsed_all = False
                continue
            fields = walk(ast, model)
            used |= fields.used
            for problem in fields.problems:
                self.add(Check.PLACEHOLDER, _locate(file, part, paragraphs, problem), problem.message,
                         Severity.ERROR if problem.certain else Severity.WARNING)
        if parsed_all:
            for place in unused_required(model.data, used):
                label = f"（{place.label}）" if place.label else ""
                self.add(Check.UNUSED_REQUIRED, Where(file=self.release.files["schema"],
                                                      pointer=_schema_pointer(place.path)),
                         f"必填字段 {dotted(place.path)}{label} 在模板中没有被使用",
                         Severity.ERROR if len(place.path) == 1 else Severity.WARNING)

    def context_model(self) -> ContextModel:
        env = _ENVIRONMENTS[False]
        try:
            stages = [stage.id for stage in self.release.workflow.stages if stage.id != ISSUANCE]
        except (KeyError, OSError, ValueError, DocgenError):
            stages = []
        return ContextModel(
            data=SchemaTree(self.release.schema, self.catalogue.registry),
            agency=SchemaTree(schema_of_value(dict(self.agency))),
            approvals=SchemaTree(approvals_schema(stages)),
            filters=frozenset(env.filters), tests=frozenset(env.tests), globals=frozenset(env.globals),
        )

    # render ------------------------------------------------------------------------------

    def render(self) -> None:
        release = self.release
        contexts = {
            "示例": RenderContext(data=release.example, agency=self.agency,
                                doc_number=CHECK_NUMBER if release.numbered else "", extra={"approvals": {}}),
            "空白表单": RenderContext(data={}, agency=self.agency, blank=True),
        }
        for name, context in contexts.items():
            try:
                docx = render_docx(release.template_bytes, context)
            except Exception as exc:  # noqa: BLE001 - whatever breaks rendering is the finding
                self.add(Check.RENDER, Where(file=release.files["template"]), f"{name}渲染失败：{exc}")
                continue
            for part, xml in docxparts.rendered_parts(docx).items():
                for paragraph in docxparts.paragraphs(xml):
                    leftover = LEFTOVER.search(paragraph.text)
                    if leftover:
                        self.add(Check.RENDER, Where(file=release.files["template"], part=part,
                                                     paragraph=paragraph.number, snippet=paragraph.text[:60]),
                                 f"{name}渲染后仍含有 “{leftover.group(0)}”")


def _schema_refs(schema: Any) -> list[str]:
    """Files of the shared definitions a schema refers to (their hashes must be pinned too)."""
    found = re.findall(r'"\$ref":\s*"https://docgen\.example/schemas/([^"#/]+)/([^"#]+)', json.dumps(schema))
    return sorted({f"schemas/{name}/{version}.schema.json" for name, version in found})


def _schema_pointer(path: tuple[str, ...]) -> str:
    return "".join("/*" if step == "[]" else f"/{step}" for step in path)


def _locate(file: str, part: str, paragraphs: list[docxparts.Paragraph], problem: FieldProblem) -> Where:
    """The first paragraph whose tags contain the expression, so the report points at it."""
    expression = problem.expression
    if expression.startswith("|"):
        pattern = re.compile(r"\|\s*" + re.escape(expression[1:]) + r"\b")
    elif expression.startswith("is "):
        pattern = re.compile(r"\bis\s+(?:not\s+)?" + re.escape(expression[3:]) + r"\b")
    else:
        pattern = re.compile(r"(?<![\w.])" + re.escape(expression) + r"(?![\w])")
    for paragraph in paragraphs:
        for tag in paragraph.tags():
            if pattern.search(tag):
                return Where(file=file, part=part, paragraph=paragraph.number, snippet=tag)
    return Where(file=file, part=part, snippet=expression)


def lint_command(root: Path, agency: Mapping[str, Any], as_json: bool) -> int:
    """What ``docgen templates lint [--json]`` prints and returns."""
    try:
        report = lint_catalogue(root, agency)
    except (OSError, ValueError, KeyError) as exc:  # no catalogue to speak of: nothing else to check
        print(f"docgen templates lint: 无法读取 {root / 'templates' / 'manifest.json'}：{exc!r}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.describe())
    return report.exit_status

