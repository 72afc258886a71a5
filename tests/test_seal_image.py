"""The agency's seal image at the seal position of a signed copy (sealimage.py), through real LibreOffice."""
from __future__ import annotations

import io
import json
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from docx import Document

from docgen.catalogue import Catalogue
from docgen.config import PROJECT_DIR, load_agency
from docgen.conversion import ConverterPool
from docgen.rendering import RenderContext, render_docx
from docgen.sealimage import DESCRIPTION, LABEL, SEAL_MARK, place_seal_image

CATALOGUE = Catalogue(PROJECT_DIR)
AGENCY = load_agency()


def red_disc_png(size: int = 96) -> bytes:
    """A red disc on a transparent ground, as a seal image is (RGBA PNG, written by hand)."""
    rows = []
    centre, radius = (size - 1) / 2, size / 2 - 2
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            inside = (x - centre) ** 2 + (y - centre) ** 2 <= radius ** 2
            row += bytes((220, 0, 0, 255 if inside else 0))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))


def issued(template_id: str) -> bytes:
    release = CATALOGUE.get(template_id)
    return render_docx(release.path("template").read_bytes(),
                       RenderContext(data=release.example, agency=AGENCY, doc_number="株市监处罚〔2026〕1号"))


def test_the_image_floats_behind_the_seal_position_with_its_label() -> None:
    stamped = place_seal_image(issued("penalty-decision"), red_disc_png())
    document = Document(io.BytesIO(stamped))
    texts = [p.text.strip() for p in document.paragraphs]
    assert SEAL_MARK not in texts and LABEL in texts
    assert texts[texts.index(LABEL) + 1] == AGENCY["name"]  # the label stands where the mark stood
    xml = document.element.xml
    assert xml.count("<wp:anchor") == 1 and 'behindDoc="1"' in xml and DESCRIPTION in xml
    assert any(part.partname.endswith(".png") for part in document.part.package.parts)


def test_a_form_without_a_seal_position_is_left_alone() -> None:
    form = issued("case-review")
    assert place_seal_image(form, red_disc_png()) == form


@pytest.mark.libreoffice  # its own ConverterPool: real soffice
def test_the_converted_copy_shows_the_image_on_the_last_page(tmp_path: Path) -> None:
    stamped = place_seal_image(issued("penalty-decision"), red_disc_png())
    with ConverterPool(1, tmp_path / "profiles", timeout=120.0) as pool:
        pdf = pool.convert(stamped)
    path = tmp_path / "stamped.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    last = int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")))
    images = [line.split() for line in listing.splitlines()[2:]]
    assert [int(row[0]) for row in images if row[2] == "image"] == [last]
    text = subprocess.run(["pdftotext", "-f", str(last), "-l", str(last), str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert LABEL in text.replace(" ", "") and AGENCY["name"] in text.replace(" ", "")


def test_the_profile_names_an_image_beside_it(tmp_path: Path) -> None:
    (tmp_path / "seal.png").write_bytes(red_disc_png())
    profile = tmp_path / "agency.json"
    profile.write_text(json.dumps({**AGENCY, "seal_image": "seal.png"}, ensure_ascii=False), encoding="utf-8")
    assert load_agency(profile)["seal_image"] == str((tmp_path / "seal.png").resolve())
    (tmp_path / "seal.png").write_text("not an image", encoding="utf-8")
    with pytest.raises(ValueError, match="seal_image（印章图像）.*应为 PNG 或 JPEG"):
        load_agency(profile)
    assert load_agency()["seal_image"] == ""  # the shipped profile has none
