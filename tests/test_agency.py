"""The agency profile is parsed and checked once, and a mistake names its key."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from docgen.agency import Agency, as_agency
from docgen.config import Settings, load_agency


def test_the_shipped_profile_is_typed_and_still_reads_as_a_mapping() -> None:
    agency = load_agency()
    assert agency.timezone == ZoneInfo("Asia/Shanghai")
    assert agency.numbering.prefix("penalty-decision") == agency["numbering"]["prefixes"]["penalty-decision"]
    assert agency.numbering.text("株市监处罚", 2026, 7) == "株市监处罚〔2026〕7号"
    assert agency.case_numbering.prefix("case") == agency["cases"]["number_prefix"]
    assert agency.calendar.is_working_day(date(2026, 10, 1)) is False  # 国庆节
    assert agency["name"] == agency.name and dict(agency)["review_body"] == agency.review_body
    assert as_agency(agency) is agency
    assert agency.void_roles == ("director",)  # 作废 by the 局长 unless the profile says otherwise
    with pytest.raises(TypeError):
        agency.profile["name"] = "x"  # type: ignore[index]


@pytest.mark.parametrize("change, named", [
    ({"name": ""}, "name"),
    ({"court": 3}, "court"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"numbering": {"format": "{prefix}{seq}", "prefixes": {}}}, "numbering.format"),
    ({"numbering": {"format": "{prefix}〔{year}〕{seq}号", "prefixes": {"a": ""}}}, "numbering.prefixes"),
    ({"choices": {"case-review": {"review_type": ["法制审核"]}}}, "choices"),
    ({"cases": "株市监立"}, "cases"),
    ({"calendar": {"holidays": ["2026-02-30"]}}, "2026-02-30"),
    ({"void_roles": []}, "void_roles"),
    ({"void_roles": "director"}, "void_roles"),
])
def test_a_bad_entry_stops_the_start_with_file_and_key(tmp_path: Path, change: dict, named: str) -> None:
    profile = {**json.loads(json.dumps(dict(load_agency()))), **change}
    path = tmp_path / "agency.json"
    path.write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        Agency.load(path)
    assert str(path) in str(caught.value) and named in str(caught.value)


def test_settings_read_the_master_key_and_demo_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_MASTER_KEY", "ab" * 32)
    monkeypatch.setenv("DOCGEN_DEMO", "1")
    settings = Settings.from_env(tmp_path)
    monkeypatch.delenv("DOCGEN_MASTER_KEY")
    monkeypatch.delenv("DOCGEN_DEMO")
    assert settings.master_key().key == bytes.fromhex("ab" * 32) and settings.demo is True
    assert not (tmp_path / "master.key").exists()
