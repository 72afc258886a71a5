"""Schemas as clients fetch them: self-contained, and identified by URLs this service answers.

A released schema file is immutable (``templates/manifest.json`` pins its sha256) and names
itself and the shared definitions with placeholder ``$id``s (``https://docgen.example/schemas/…``)
that nothing serves: a client validating with such a schema fails on its first ``$ref``. So the
API serves a *view* of the released file, made on the fly and never stored:

- every released ``$id`` is replaced by the URL this service answers for it:
  ``<base>/v1/templates/{id}/versions/{v}/schema`` for a template version,
  ``<base>/v1/schemas/_defs/{v}`` for shared definitions, where ``<base>`` is
  ``DOCGEN_PUBLIC_URL`` or else the base URL of the request;
- every ``$ref`` to a released ``$id`` is rewritten to that URL (fragment kept), so it resolves
  against the service itself;
- bundled (the default): every schema the template references, transitively, is embedded under
  the root's ``$defs`` keyed by its URL and keeping its own ``$id`` and ``$schema``: a JSON Schema
  2020-12 compound schema document (Core §9.3, "Bundling"). Any 2020-12 validator resolves the
  ``$ref``s to the embedded resources by ``$id``, with no registry and no network.

The original ``$id`` is kept in ``$comment`` with the rules a stock validator does not apply
(docgen's ``format``s are check characters and real dates; ``x-docgen-after`` counts the agency's
working days): a payload the schema accepts can still be refused by the server for those.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from . import schemaref
from .catalogue import Catalogue, TemplateVersion
from .errors import NotFound

DEFS_DIR = "_defs"
NOTE = ("已发布为 {released}（文件不可变，sha256 见 templates/manifest.json）；此处的 $id 与 $ref 指向本服务。"
        "通用校验器按 JSON Schema 2020-12 检查结构、必填项、长度、pattern 与 enum；"
        "服务端另外检查 format（真实日期、统一社会信用代码与居民身份证号码校验码、金额等）"
        "和 x-docgen-after（按本机关工作日计算的期限），以服务端结果为准。")


class PublishedSchemas:
    """Every released schema (template versions and shared definitions) as served over HTTP."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._paths: dict[str, str] = {}  # released $id → path under the service's base URL
        self._schemas: dict[str, dict[str, Any]] = {}  # released $id → released contents
        for template in catalogue.templates.values():
            for release in template.versions:
                self._add(release.schema, f"/v1/templates/{release.template_id}/versions/{release.version}/schema")
        self._shared: dict[str, str] = {}  # shared definitions version → released $id
        for path in sorted((catalogue.root / "schemas" / DEFS_DIR).glob("*.schema.json")):
            contents = json.loads(path.read_text(encoding="utf-8"))
            version = path.name.removesuffix(".schema.json")
            self._shared[version] = contents["$id"]
            self._add(contents, f"/v1/schemas/{DEFS_DIR}/{version}")

    def _add(self, contents: dict[str, Any], path: str) -> None:
        self._paths[contents["$id"]] = path
        self._schemas[contents["$id"]] = contents

    def template(self, release: TemplateVersion, base_url: str, bundle: bool = True) -> dict[str, Any]:
        """The version's schema for ``base_url``: bundled (self-contained) unless told otherwise."""
        return self._view(release.schema["$id"], base_url.rstrip("/"), bundle)

    def shared(self, version: str, base_url: str) -> dict[str, Any]:
        """Shared definitions ``version``, the resource the templates' ``$ref``s name."""
        released = self._shared.get(version)
        if released is None:
            raise NotFound(f"没有共享定义版本 {version}")
        return self._view(released, base_url.rstrip("/"), bundle=False)

    @lru_cache(maxsize=512)  # noqa: B019 - one instance per service; bounded against many Host headers
    def _view(self, released: str, base: str, bundle: bool) -> dict[str, Any]:
        view = self._served(released, base)
        if bundle:
            embedded: dict[str, Any] = {}
            pending = [ref for ref in self._references(released) if ref != released]
            while pending:
                other = pending.pop()
                url = base + self._paths[other]
                if url not in embedded:
                    embedded[url] = self._served(other, base)
                    pending.extend(ref for ref in self._references(other) if ref != released)
            if embedded:
                view["$defs"] = {**view.get("$defs", {}), **dict(sorted(embedded.items()))}
        return view

    def _served(self, released: str, base: str) -> dict[str, Any]:
        """One released resource with its ``$id`` and ``$ref``s pointing at the service."""
        contents = self._rewrite(self._schemas[released], base)
        head = {key: contents.pop(key) for key in ("$schema",) if key in contents}
        note = NOTE.format(released=released)
        if "$comment" in contents:
            note = f"{note} {contents.pop('$comment')}"
        return {**head, "$id": base + self._paths[released], "$comment": note,
                **{key: value for key, value in contents.items() if key != "$id"}}

    def _rewrite(self, node: Any, base: str) -> Any:
        def served(reference: str) -> str:
            target, fragment = schemaref.split(reference)
            if target not in self._paths:
                return reference
            return base + self._paths[target] + ("" if fragment is None else f"#{fragment}")

        return schemaref.rewritten(node, served)

    def _references(self, released: str) -> set[str]:
        """The released ``$id``s a resource's ``$ref``s point into."""
        targets = (schemaref.split(reference)[0] for reference in schemaref.references(self._schemas[released]))
        return {target for target in targets if target in self._paths}
