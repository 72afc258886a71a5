"""Content PDF/A → stage PDF: embed the chain manifest, then sign, both incrementally.

Order matters: every later step only appends, so the content PDF stays an exact
byte prefix of the stage PDF (its hash and length are in the last link), and the
manifest sits inside the bytes the signature covers.

1. pypdf incremental update: ``docgen-chain.json`` as an embedded file and a
   PDF/A-3 associated file (``/AF`` on the catalog, ``/AFRelationship /Data``,
   ``/Subtype /application#2Fjson``), stored uncompressed so an archivist can
   read it with any text tool.
2. pyHanko PAdES baseline B-B signature (``ETSI.CAdES.detached``), ECDSA P-256
   with SHA-256, invisible field ``docgen-<index>``, signer certificate plus the
   agency root in the CMS so a PDF reader can show the chain.

Nothing may rewrite the file afterwards: a full rewrite by any PDF tool voids
the signature.
"""
from __future__ import annotations

import hashlib
from io import BytesIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic as pdf_generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import constants as pdf_constants
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject, NumberObject, TextStringObject

from .chain import Manifest
from .errors import VerificationError
from .pki import Signer

MANIFEST_NAME = "docgen-chain.json"
MANIFEST_MIME = "application/json"
FIELD_PREFIX = "docgen-"


def seal(content_pdf: bytes, manifest: Manifest, signer: Signer, root_certificate: x509.Certificate,
         *, reason: str | None = None, location: str | None = None) -> bytes:
    """The stage PDF: ``content_pdf`` + manifest update + PAdES signature update.

    ``manifest.last`` must describe ``content_pdf`` and be signed by ``signer``;
    anything else is a programming error and raises ``ValueError``.
    """
    link = manifest.last
    if link.content_length != len(content_pdf) or link.content_sha256 != hashlib.sha256(content_pdf).hexdigest():
        raise ValueError("the last link does not describe this content PDF")
    if link.certificate_sha256 != signer.certificate_sha256:
        raise ValueError("the last link was signed by another certificate than this signer's")
    with_manifest = attach_manifest(content_pdf, manifest)
    if reason is None:
        reason = link.stage if link.decision is None else f"{link.stage}：{link.decision}"
    signed = sign(with_manifest, signer, root_certificate, field_name=f"{FIELD_PREFIX}{link.index}",
                  reason=reason, location=location)
    if not signed.startswith(content_pdf):
        raise RuntimeError("signing rewrote the content PDF instead of appending to it")
    return signed


def attach_manifest(pdf: bytes, manifest: Manifest) -> bytes:
    """``pdf`` plus an incremental update embedding the manifest as a PDF/A-3 associated file."""
    data = manifest.to_json()
    # pypdf 7.1: the incremental source is the first argument; clone_from= with incremental=True
    # tries to open("") and fails.
    writer = PdfWriter(PdfReader(BytesIO(pdf)), incremental=True)
    attachment = writer.add_attachment(MANIFEST_NAME, data)
    attachment.subtype = NameObject("/" + MANIFEST_MIME)
    attachment.associated_file_relationship = NameObject("/Data")
    attachment.description = TextStringObject("文书签批链条清单 (docgen-chain/1)")
    attachment.size = NumberObject(len(data))
    attachment.modification_date = manifest.last.moment  # PDF/A-3 wants /Params /ModDate
    filespec = attachment.pdf_object
    filespec[NameObject("/UF")] = TextStringObject(MANIFEST_NAME)
    root = writer.root_object
    associated = root.get("/AF")
    associated = ArrayObject(list(associated.get_object()) if associated is not None else [])
    associated.append(filespec.indirect_reference)
    root[NameObject("/AF")] = associated
    out = BytesIO()
    writer.write(out)
    result = out.getvalue()
    if not result.startswith(pdf):
        raise RuntimeError("pypdf rewrote the PDF instead of appending an incremental update")
    return result


def sign(pdf: bytes, signer: Signer, root_certificate: x509.Certificate, *, field_name: str,
         reason: str | None = None, location: str | None = None) -> bytes:
    """``pdf`` plus an incremental PAdES signature by ``signer`` in a new field ``field_name``."""
    certificate = asn1_x509.Certificate.load(signer.certificate.public_bytes(serialization.Encoding.DER))
    root = asn1_x509.Certificate.load(root_certificate.public_bytes(serialization.Encoding.DER))
    key = asn1_keys.PrivateKeyInfo.load(signer.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    pdf_signer = signers.SimpleSigner(signing_cert=certificate, signing_key=key,
                                      cert_registry=SimpleCertificateStore.from_certs([root]))
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location=location, name=signer.name)
    out = _PdfA3Signer(meta, signer=pdf_signer).sign_pdf(_KeepMetadataWriter(BytesIO(pdf)))
    result = out.getvalue()
    if not result.startswith(pdf):
        raise RuntimeError("pyHanko rewrote the PDF instead of appending an incremental update")
    return result


class _KeepMetadataWriter(IncrementalPdfFileWriter):
    """Leaves ``/Info`` and the XMP packet exactly as LibreOffice wrote them.

    pyHanko would otherwise set ``pdf:Producer`` in XMP and ``/Producer`` in
    ``/Info`` to different values, which PDF/A forbids (6.6.2.3.1).
    """

    def _update_meta(self) -> None:
        return None


class _PdfA3Signer(signers.PdfSigner):
    """Registers only the ESIC (PAdES) extension, never ISO 32002.

    pyHanko marks ECDSA signatures with the ISO/TS 32002 extension, which raises
    the catalog ``/Version`` to 2.0; PDF/A-3 is built on PDF 1.7, and ECDSA in
    PAdES is already allowed by ETSI EN 319 142 on PDF 1.7.
    """

    def register_extensions(self, pdf_out, *, md_algorithm: str) -> None:  # type: ignore[no-untyped-def]
        pdf_out.ensure_output_version(version=(1, 7))
        pdf_out.register_extension(pdf_constants.ESIC_EXTENSION_1)


def read_manifest(pdf: bytes) -> Manifest | None:
    """The manifest embedded in a stage PDF, ``None`` if there is none.

    Raises ``VerificationError`` when the PDF cannot be read or the manifest is malformed.
    """
    try:
        reader = PdfFileReader(BytesIO(pdf))
    except Exception as exc:  # pyHanko raises several unrelated types on garbage
        raise VerificationError(f"无法读取 PDF：{exc}") from exc
    data = manifest_bytes(reader)
    return None if data is None else Manifest.from_json(data)


def manifest_bytes(reader: PdfFileReader) -> bytes | None:
    """The raw ``docgen-chain.json`` bytes from the latest revision of ``reader``'s document."""
    try:
        names = reader.root.get("/Names")
        if names is None:
            return None
        tree = names.get_object().get("/EmbeddedFiles")
        if tree is None:
            return None
        entries = tree.get_object().get("/Names")
        if entries is None:
            return None
        entries = entries.get_object()
        found = None
        for position in range(0, len(entries) - 1, 2):
            if str(entries[position].get_object()) == MANIFEST_NAME:
                if found is not None:
                    raise VerificationError(f"PDF 中有多个 {MANIFEST_NAME}")
                found = entries[position + 1].get_object()
        if found is None:
            return None
        stream = found["/EF"]["/F"].get_object()
        if not isinstance(stream, pdf_generic.StreamObject):
            raise VerificationError(f"{MANIFEST_NAME} 不是文件流")
        return stream.data
    except VerificationError:
        raise
    except Exception as exc:
        raise VerificationError(f"无法读取嵌入的 {MANIFEST_NAME}：{exc}") from exc
