"""The catalogue of released template versions, read from ``templates/manifest.json``.

A released version is immutable: the manifest pins the sha256 of every file it
depends on, and loading refuses a version whose files drifted, so an issued
document can always be traced to the exact template and schema that made it.
"""
from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from referencing import Registry, Resource

from .errors import NotFound, TemplateError
from . import workflow
from .jsontext import integral, pointer_parts
from .validation import compile_validator
from .workdays import DEFAULT, Calendar
from .workflow import Workflow, WorkflowStage

ACTIVE, RETIRED = "active", "retired"


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def version_key(template_id: str, version: str) -> str:
    """``template@version``: how a version is named in keys, bundles and messages."""
    return f"{template_id}@{version}"


@dataclass(frozen=True)
class TemplateVersion:
    """One immutable release of an instrument."""

    template_id: str
    title: str
    kind: str
    numbered: bool
    version: str
    status: str
    root: Path
    files: dict[str, str]
    sha256: dict[str, str]

    def path(self, role: str) -> Path:
        return self.root / self.files[role]

    @cached_property
    def template_bytes(self) -> bytes:
        return self.path("template").read_bytes()

    @cached_property
    def schema(self) -> dict[str, Any]:
        return json.loads(self.path("schema").read_text(encoding="utf-8"))

    @cached_property
    def example(self) -> dict[str, Any]:
        return json.loads(self.path("example").read_text(encoding="utf-8"))

    @cached_property
    def workflow(self) -> Workflow:
        return workflow.load(self.path("workflow"))

    @property
    def key(self) -> str:
        return version_key(self.template_id, self.version)

    def drifted(self) -> list[str]:
        """Files whose content no longer matches the hash pinned at release."""
        return [name for name, digest in self.sha256.items()
                if not (self.root / name).is_file() or sha256_file(self.root / name) != digest]

    @property
    def fingerprint(self) -> str:
        """One hash naming this exact release, for caches and provenance."""
        joined = "\n".join(f"{name} {digest}" for name, digest in sorted(self.sha256.items()))
        return hashlib.sha256(joined.encode()).hexdigest()

    def summary(self) -> dict[str, Any]:
        return {"version": self.version, "status": self.status, "sha256": dict(self.sha256)}


@dataclass(frozen=True)
class Template:
    template_id: str
    title: str
    kind: str
    numbered: bool
    versions: tuple[TemplateVersion, ...]

    @property
    def current(self) -> TemplateVersion:
        active = [v for v in self.versions if v.status == ACTIVE]
        if not active:
            raise NotFound(f"模板 {self.template_id} 没有现行版本")
        return active[-1]

    def version(self, version: str | None) -> TemplateVersion:
        if version is None:
            return self.current
        for candidate in self.versions:
            if candidate.version == version:
                return candidate
        raise NotFound(f"模板 {self.template_id} 没有版本 {version}")


def schema_registry(root: Path) -> Registry:
    """Shared definitions (``schemas/_defs``) and every schema, addressable by ``$id``."""
    resources = []
    for path in sorted((root / "schemas").rglob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


def narrowed(schema: dict[str, Any], choices: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """``schema`` with the ``enum`` of each property at a pointer of ``choices`` narrowed to the
    values the agency allows there (in the schema's order): a copy, the released file untouched.

    An agency's own rule that a released template cannot know: the seed's bureau has every
    penalty decision pass 法制审核, so its 案件审核表 may only say 法制审核
    (``choices`` in the agency profile, ``{"case-review": {"/review_type": ["法制审核"]}}``).
    """
    copied = copy.deepcopy(schema)
    for at, allowed in choices.items():
        node: Any = copied
        for part in pointer_parts(at):
            node = (node.get("properties") or {}).get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or not isinstance(node.get("enum"), list):
            raise TemplateError(f"机关配置 choices 中的 {at} 不是 {schema.get('$id')} 的可选项字段（enum）")
        values = [value for value in node["enum"] if value in allowed]
        if not values:
            raise TemplateError(f"机关配置 choices 中的 {at} 不允许 {schema.get('$id')} 的任何一个可选项")
        node["enum"] = values
        node["description"] = (node.get("description", "") + "本机关只允许：" + "、".join(map(str, values)) + "。")
    return copied


class Catalogue:
    """Every template, loaded from a project root holding ``templates/`` and ``schemas/``.

    ``calendar`` is the agency's working-day calendar: the validators count
    ``x-docgen-after`` deadlines with it. ``choices`` (the agency profile's) narrows the
    choices of some fields of some templates: ``{template id: {pointer: [allowed values]}}``;
    the validators and the e-form use ``schema(release)``, which applies them."""

    def __init__(self, root: Path, calendar: Calendar = DEFAULT,
                 choices: Mapping[str, Mapping[str, Sequence[str]]] | None = None) -> None:
        self.root = root
        self.calendar = calendar
        self.choices = dict(choices or {})
        self._schemas: dict[tuple[str, str], dict[str, Any]] = {}
        manifest = json.loads((root / "templates" / "manifest.json").read_text(encoding="utf-8"))
        self.templates = {entry["id"]: self._template(entry) for entry in manifest["templates"]}
        self.registry = schema_registry(root)
        self._validators: dict[tuple[str, str], Any] = {}

    def _template(self, entry: dict[str, Any]) -> Template:
        versions = tuple(
            TemplateVersion(
                template_id=entry["id"], title=entry["title"], kind=entry["kind"],
                numbered=entry.get("numbered", False), version=release["version"],
                status=release["status"], root=self.root, files=release["files"],
                sha256=release["sha256"]
            )
            for release in entry["versions"]
        )
        return Template(entry["id"], entry["title"], entry["kind"], entry.get("numbered", False), versions)

    def template(self, template_id: str) -> Template:
        template = self.templates.get(template_id)
        if template is None:
            raise NotFound(f"没有模板 {template_id}")
        return template

    def get(self, template_id: str, version: str | None = None) -> TemplateVersion:
        return self.template(template_id).version(version)

    def schema(self, release: TemplateVersion) -> dict[str, Any]:
        """The schema a payload of ``release`` is held to here: the released one, narrowed by the
        agency's ``choices`` for its template (the same object as ``release.schema`` without).
        Only the current version is narrowed: the choices are a rule for what is issued now,
        and a retired version issues nothing new (its example stays valid as released)."""
        key = (release.template_id, release.version)
        if key not in self._schemas:
            current = self.templates[release.template_id].current
            choices = self.choices.get(release.template_id) if release.version == current.version else None
            self._schemas[key] = narrowed(release.schema, choices) if choices else release.schema
        return self._schemas[key]

    def validator(self, release: TemplateVersion) -> Any:
        """The compiled validator of a version, built once."""
        key = (release.template_id, release.version)
        if key not in self._validators:
            self._validators[key] = compile_validator(self.schema(release), self.registry, self.calendar)
        return self._validators[key]

    def validated(self, release: TemplateVersion, data: Any) -> Any:
        """``data`` as it will be stored and rendered (integral floats as ints, ``jsontext.integral``),
        once it satisfies the version's schema; ``ValidationFailed`` otherwise."""
        data = integral(data)
        self.validator(release).validate(data)
        return data

    def workflows(self) -> dict[str, tuple[WorkflowStage, ...]]:
        """Every version's stages, keyed ``template@version``, as the trust bundle carries them."""
        return {release.key: release.workflow.stages
                for template in self.templates.values() for release in template.versions}

    def verify(self) -> None:
        """Refuse to serve a catalogue whose released files changed after release."""
        drifted = [f"{v.key}: {name}"
                   for template in self.templates.values() for v in template.versions
                   for name in v.drifted()]
        if drifted:
            raise TemplateError("已发布的模板文件被修改：" + "; ".join(drifted))
