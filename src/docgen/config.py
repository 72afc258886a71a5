"""Settings, read once from the environment, with defaults that run on a fresh machine."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .sealimage import read_seal_image
from .workdays import Calendar

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _float_env(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


#: Agency profile fields templates may read that a profile need not give (templates see the default).
#: ``review_body_alternative``: for a 派出机构 of a 设区的市's department set up by district, the
#: 人民政府 of its district, which the party may choose as 复议机关 besides ``review_body``
#: (行政复议法第24条第2款); empty for an agency that is not such a 派出机构.
#: ``seal_image``: a PNG or JPEG of the agency's seal (a path, relative to the profile's folder),
#: printed at the seal position of signed copies as the visible sign of their electronic signature
#: (``sealimage.py``); empty: none.
OPTIONAL_AGENCY_FIELDS: dict[str, Any] = {"review_body_alternative": "", "seal_image": ""}


def load_agency(path: Path | None = None) -> dict[str, Any]:
    """The issuing agency's profile: names used on documents, 文书编号 prefixes and the
    working-day ``calendar`` (checked here, so a bad date stops the service at start)."""
    path = path or PACKAGE_DIR / "defaults" / "agency.json"
    agency = json.loads(path.read_text(encoding="utf-8"))
    for key, default in OPTIONAL_AGENCY_FIELDS.items():
        agency.setdefault(key, default)
    try:
        calendar_of(agency)
        _check_limits(agency.get("limits"))
        if agency["seal_image"]:
            image = (path.parent / agency["seal_image"]).resolve()
            read_seal_image(image)
            agency["seal_image"] = str(image)
    except ValueError as exc:
        raise ValueError(f"机构配置 {path} 无效：{exc}") from None
    return agency


def _check_limits(limits: Any) -> None:
    """``limits``: {template id: {JSON pointer: [allowed values, at least one]}} (or absent)."""
    if limits is None:
        return
    good = isinstance(limits, dict) and all(
        isinstance(fields, dict) and all(
            isinstance(at, str) and at.startswith("/") and isinstance(allowed, list) and allowed
            for at, allowed in fields.items())
        for fields in limits.values())
    if not good:
        raise ValueError('limits 应为 {"模板编号": {"/字段指针": ["允许的值", …]}}，如 '
                         '{"case-review": {"/review_type": ["法制审核"]}}')


def calendar_of(agency: Mapping[str, Any]) -> Calendar:
    """The agency's working-day calendar; Monday–Friday when the profile has none."""
    return Calendar.from_config(agency.get("calendar"))


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_path: Path
    catalogue_dir: Path
    agency: Mapping[str, Any]
    converters: int
    recycle_after: int = 200
    conversion_timeout: float = 60.0
    queue_limit: int = 16
    queue_timeout: float = 30.0
    uno_python: str = "/usr/bin/python3"

    @property
    def limits(self) -> Mapping[str, Any]:
        """The agency's narrowing of some templates' choices (``limits``: template id → pointer →
        allowed values), e.g. the 案件审核表 only as 法制审核; see ``catalogue.limited``."""
        return self.agency.get("limits") or {}

    @property
    def calendar(self) -> Calendar:
        """The agency's working-day calendar (``calendar`` in the agency profile)."""
        return calendar_of(self.agency)

    @classmethod
    def from_env(cls, data_dir: Path | None = None) -> "Settings":
        """Build settings from ``DOCGEN_*`` variables; ``data_dir`` overrides the variable."""
        data_dir = (data_dir or Path(os.environ.get("DOCGEN_DATA_DIR", "var"))).resolve()
        agency_file = os.environ.get("DOCGEN_AGENCY_FILE")
        return cls(
            data_dir=data_dir,
            database_path=database_path(os.environ.get("DOCGEN_DATABASE_URL"), data_dir),
            catalogue_dir=Path(os.environ.get("DOCGEN_CATALOGUE_DIR", PROJECT_DIR)).resolve(),
            agency=load_agency(Path(agency_file) if agency_file else None),
            converters=_int_env("DOCGEN_CONVERTERS", os.cpu_count() or 1),
            recycle_after=_int_env("DOCGEN_RECYCLE_AFTER", 200),
            conversion_timeout=_float_env("DOCGEN_CONVERSION_TIMEOUT", 60.0),
            queue_limit=_int_env("DOCGEN_QUEUE_LIMIT", 16),
            queue_timeout=_float_env("DOCGEN_QUEUE_TIMEOUT", 30.0),
            uno_python=os.environ.get("DOCGEN_UNO_PYTHON", "/usr/bin/python3"),
        )


def database_path(url: str | None, data_dir: Path) -> Path:
    """Only SQLite is supported: ``sqlite:///relative.db`` or ``sqlite:////abs/path.db``."""
    if not url:
        return data_dir / "docgen.sqlite3"
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        raise ValueError(f"DOCGEN_DATABASE_URL must start with {prefix!r}, got {url!r}")
    return Path(url[len(prefix):]).resolve()
