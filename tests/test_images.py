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
from docgen.errors import RenderFailed, UnprintableImage
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
    other = b"%PDF-1.7 not a picture"  # a stored file, but no picture: the request's fault (422)
    docx = rendered(payload(sha256=hashlib.sha256(other).hexdigest()))
    with pytest.raises(UnprintableImage) as refused:
        images.place_images(docx, lambda digest: other)
    assert refused.value.status == 422


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
    assert images.print_copy(PICTURE) is PICTURE  # a small upright picture is placed byte for byte


def jpeg(width: int, height: int, quality: int = 30) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_a_large_photo_is_printed_reduced_to_print_size_without_being_decoded_whole() -> None:
    """8000 × 6000 (48 megapixels): the printed copy is 1800 px on its long side; decoding at a reduced
    scale keeps the server's memory to a few megabytes instead of 144."""
    import resource

    from PIL import Image

    big = jpeg(8000, 6000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    copy = images.print_copy(big)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert Image.open(io.BytesIO(copy)).size == (1800, 1350)
    assert grown_mb < 60, grown_mb


@pytest.mark.parametrize("data", [
    PICTURE[:40] + b"\0" * 200,  # a PNG header, then garbage
    b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00" + b"\x13" * 300,  # a JPEG header with EXIF, then garbage
    png_bytes(1, 1).replace(b"\x00\x00\x00\x01\x00\x00\x00\x01", b"\x00\x00\x00\x00\x00\x00\x00\x00"),  # 0 × 0
], ids=["damaged-png", "damaged-jpeg", "no-pixels"])
def test_a_damaged_picture_is_refused_as_unprintable_not_a_server_error(data: bytes) -> None:
    digest = hashlib.sha256(data).hexdigest()
    docx = rendered(payload(sha256=digest, media_type="image/png"))
    with pytest.raises(UnprintableImage) as refused:
        images.place_images(docx, lambda _: data)
    assert refused.value.status == 422 and digest[:12] in refused.value.detail


def test_a_picture_of_too_many_pixels_is_refused_before_it_is_decoded() -> None:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    huge = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))  # 400 megapixels declared
    with pytest.raises(UnprintableImage, match="百万像素"):
        images.print_copy(huge)
