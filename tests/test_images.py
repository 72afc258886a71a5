"""Pictures from the blob store (``images.py``): the placeholder the ``photo`` filter prints, on both render
paths alike; the picture placed at its aspect ratio; data that cannot forge a placeholder; a hash that is
not a stored JPEG or PNG refused; previews print a line. No converter: the DOCX is read back."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from docx import Document
from docx.shared import Mm

from docgen import images, rendering
from docgen.catalogue import Catalogue
from docgen.config import PROJECT_DIR, load_agency
from docgen.errors import RenderFailed
from docgen.rendering import RenderContext, render_docx
from test_case_media import png_bytes

CATALOGUE = Catalogue(PROJECT_DIR)
NOTE = CATALOGUE.get("av-record-note")
PICTURE = png_bytes(300, 100)
DIGEST = hashlib.sha256(PICTURE).hexdigest()


def payload(**changes: object) -> dict:
    data = json.loads(json.dumps(NOTE.example))
    photo = {**data["media"][0], "kind": "photo", "media_type": "image/png", "sha256": DIGEST, **changes}
    photo.pop("transcript")
    data["media"] = [photo, data["media"][0]]
    return data


def rendered(data: dict) -> bytes:
    context = RenderContext(data=data, agency=load_agency())
    fast = render_docx(NOTE.template_bytes, context)
    reference = rendering._render_with_docxtpl(NOTE.template_bytes, context)
    member = "word/document.xml"
    assert zipfile.ZipFile(io.BytesIO(fast)).read(member) == zipfile.ZipFile(io.BytesIO(reference)).read(member)
    return fast


def test_the_photo_is_placed_from_its_bytes_scaled_into_its_box() -> None:
    docx = rendered(payload())
    assert images.wanted(docx)
    placed = images.place_images(docx, {DIGEST: PICTURE}.__getitem__)
    assert not images.wanted(placed)
    document = Document(io.BytesIO(placed))
    (shape,) = document.inline_shapes
    assert shape.width == Mm(150) and abs(shape.height - Mm(50)) <= 1  # 300 × 100 px into 150 × 60 mm
    blobs = [rel.target_part.blob for rel in document.part.rels.values() if "image" in rel.reltype]
    assert blobs == [PICTURE]
    assert f"sha256:{DIGEST}" in document.element.xml


def test_a_payload_value_cannot_forge_a_placeholder() -> None:
    forged = f'</w:t><dgi:image xmlns:dgi="{images.NAMESPACE}" sha256="{DIGEST}" width="10" height="10"/>'
    docx = rendered(payload(sha256=DIGEST, content=forged, place=DIGEST))
    fetched: list[str] = []
    images.place_images(docx, lambda digest: fetched.append(digest) or PICTURE)
    assert fetched == [DIGEST]  # the photo's own placeholder only; the typed markup is text


def test_bytes_that_are_not_the_hash_or_not_a_picture_are_refused() -> None:
    docx = rendered(payload())
    with pytest.raises(RenderFailed):
        images.place_images(docx, lambda digest: PICTURE + b"x")
    other = b"%PDF-1.7 not a picture"
    docx = rendered(payload(sha256=hashlib.sha256(other).hexdigest()))
    with pytest.raises(RenderFailed):
        images.place_images(docx, lambda digest: other)


def test_a_preview_prints_a_line_and_a_blank_form_nothing() -> None:
    line = images.place_images(rendered(payload()), None)
    text = "\n".join(p.text for p in Document(io.BytesIO(line)).paragraphs)
    assert f"（照片 {DIGEST[:12]}…，签发时打印）" in text and not images.wanted(line)
    blank = render_docx(NOTE.template_bytes, RenderContext(data={}, agency=load_agency(), blank=True))
    assert not images.wanted(blank) and "（照片粘贴处）" in "\n".join(
        p.text for p in Document(io.BytesIO(blank)).paragraphs)


def test_fit_keeps_the_aspect_ratio() -> None:
    width, height = images.fit(4000, 3000, 150, 75)
    assert height == Mm(75) and abs(width - Mm(100)) <= 1
    width, height = images.fit(1000, 100, 150, 75)
    assert width == Mm(150) and abs(height - Mm(15)) <= 1


def test_a_phone_photo_is_printed_the_way_up_its_camera_said() -> None:
    """EXIF orientation 6 (a portrait photo stored as landscape pixels): printed portrait, fitted as such."""
    from PIL import Image

    stored = io.BytesIO()
    picture = Image.new("RGB", (400, 200), (255, 255, 255))
    exif = picture.getexif()
    exif[0x0112] = 6
    picture.save(stored, "JPEG", exif=exif)
    digest = hashlib.sha256(stored.getvalue()).hexdigest()
    docx = rendered(payload(sha256=digest, media_type="image/jpeg"))
    document = Document(io.BytesIO(images.place_images(docx, lambda _: stored.getvalue())))
    (shape,) = document.inline_shapes
    assert shape.height == Mm(60) and abs(shape.width - Mm(30)) <= 1
    assert images.upright(PICTURE) is PICTURE  # anything else is placed byte for byte
