"""Released template versions are immutable and self-consistent."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from docgen.catalogue import Catalogue, sha256_file
from docgen.config import PROJECT_DIR
from docgen.errors import TemplateError


def test_every_released_file_matches_its_pinned_hash(catalogue: Catalogue) -> None:
    for template in catalogue.templates.values():
        for release in template.versions:
            for name, digest in release.sha256.items():
                assert sha256_file(PROJECT_DIR / name) == digest, (
                    f"{template.template_id}@{release.version}: {name} changed after release; "
                    "make a new version instead")


def test_every_version_pins_its_template_schema_example_and_shared_definitions(catalogue: Catalogue) -> None:
    for template in catalogue.templates.values():
        for release in template.versions:
            pinned = set(release.sha256)
            assert set(release.files.values()) <= pinned
            refs = {ref.split("#")[0] for ref in _refs(release.schema)}
            for ref in refs:
                path = Path(ref.replace("https://docgen.example/", "")).with_suffix(".schema.json")
                assert str(path) in pinned, f"{template.template_id}@{release.version} does not pin {path}"


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) and not node["$ref"].startswith("#") else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_example_validates(catalogue: Catalogue) -> None:
    for template in catalogue.templates.values():
        for release in template.versions:
            catalogue.validator(release).validate(release.example)


def test_every_schema_field_has_a_chinese_title_and_description(catalogue: Catalogue) -> None:
    def walk(node: object, where: str) -> list[str]:
        missing = []
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                if "$ref" not in prop and not ("title" in prop and "description" in prop):
                    missing.append(f"{where}/{name}")
            for key, value in node.items():
                missing += walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                missing += walk(value, f"{where}/{index}")
        return missing

    for path in sorted((PROJECT_DIR / "schemas").rglob("*.schema.json")):
        assert not walk(json.loads(path.read_text(encoding="utf-8")), path.name)


def test_a_drifted_file_is_refused(tmp_path: Path, catalogue: Catalogue) -> None:
    shutil.copytree(PROJECT_DIR / "templates", tmp_path / "templates")
    shutil.copytree(PROJECT_DIR / "schemas", tmp_path / "schemas")
    Catalogue(tmp_path).verify()
    schema = tmp_path / "schemas" / "penalty-decision" / "1.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace("行政处罚", "行政处理", 1), encoding="utf-8")
    with pytest.raises(TemplateError, match="penalty-decision@1"):
        Catalogue(tmp_path).verify()


def test_unknown_template_or_version_is_not_found(catalogue: Catalogue) -> None:
    from docgen.errors import NotFound

    with pytest.raises(NotFound):
        catalogue.get("no-such-template")
    with pytest.raises(NotFound):
        catalogue.get("penalty-decision", "999")
