"""Content PDF/A → stage PDF: the chain manifest and the signature in one incremental update.

The update only appends, so the content PDF stays an exact byte prefix of the
stage PDF (its hash and length are in the last link), and the manifest sits
inside the bytes the signature covers. One update rather than two: cloning the
document for a separate manifest update cost as much as the signature.

- ``docgen-chain.json`` as an embedded file and a PDF/A-3 associated file
  (``/AF`` on the catalog, ``/AFRelationship /Data``, ``/Subtype
  /application#2Fjson``), stored uncompressed so an archivist can read it with
  any text tool.
- A pyHanko PAdES baseline B-B signature (``ETSI.CAdES.detached``), ECDSA P-256
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
from pyhanko.pdf_utils.embed import EmbeddedFileObject, EmbeddedFileParams, FileSpec, embed_file
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import constants as pdf_constants
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .chain import Manifest
from .errors import VerificationError
from .pki import Signer

MANIFEST_NAME = "docgen-chain.json"
MANIFEST_MIME = "application/json"
FIELD_PREFIX = "docgen-"


def seal(content_pdf: bytes, manifest: Manifest, signer: Signer, root_certificate: x509.Certificate,
         *, reason: str | None = None, location: str | None = None) -> bytes:
    """The stage PDF: ``content_pdf`` + one update holding the manifest and the PAdES signature.

    ``manifest.last`` must describe ``content_pdf`` and be signed by ``signer``;
    anything else is a programming error and raises ``ValueError``.
    """
    link = manifest.last
    if link.content_length != len(content_pdf) or link.content_sha256 != hashlib.sha256(content_pdf).hexdigest():
        raise ValueError("the last link does not describe this content PDF")
    if link.certificate_sha256 != signer.certificate_sha256:
        raise ValueError("the last link was signed by another certificate than this signer's")
    if reason is None:
        reason = link.stage if link.decision is None else f"{link.stage}：{link.decision}"
    writer = _KeepMetadataWriter(BytesIO(content_pdf))
    _embed_manifest(writer, manifest)
    return _sign(writer, content_pdf, signer, root_certificate, field_name=f"{FIELD_PREFIX}{link.index}",
                 reason=reason, location=location)


def _embed_manifest(writer: IncrementalPdfFileWriter, manifest: Manifest) -> None:
    """The manifest as an embedded file and PDF/A-3 associated file of the catalog.

    pyHanko's ``embed_file`` would raise the PDF version to 2.0 for an associated
    file, which PDF/A-3 (built on PDF 1.7) forbids, so ``/AFRelationship`` and the
    catalog's ``/AF`` are set here.
    """
    data = manifest.to_json()
    params = EmbeddedFileParams(embed_size=True, modification_date=manifest.last.moment)
    stream = EmbeddedFileObject.from_file_data(writer, data, compress=False, params=params, mime_type=MANIFEST_MIME)
    spec = FileSpec(file_spec_string=MANIFEST_NAME, file_name=MANIFEST_NAME, embedded_data=stream,
                    description="文书签批链条清单 (docgen-chain/1)")
    embed_file(writer, spec)
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec_ref = names[-1]
    spec_ref.get_object()["/AFRelationship"] = pdf_generic.NameObject("/Data")
    associated = writer.root.get("/AF")
    associated = pdf_generic.ArrayObject(list(associated) if associated is not None else [])
    associated.append(spec_ref)
    writer.root["/AF"] = associated
    writer.update_root()


def sign(pdf: bytes, signer: Signer, root_certificate: x509.Certificate, *, field_name: str,
         reason: str | None = None, location: str | None = None) -> bytes:
    """``pdf`` plus an incremental PAdES signature by ``signer`` in a new field ``field_name``."""
    return _sign(_KeepMetadataWriter(BytesIO(pdf)), pdf, signer, root_certificate, field_name=field_name,
                 reason=reason, location=location)


def _sign(writer: IncrementalPdfFileWriter, original: bytes, signer: Signer, root_certificate: x509.Certificate,
          *, field_name: str, reason: str | None, location: str | None) -> bytes:
    certificate = asn1_x509.Certificate.load(signer.certificate.public_bytes(serialization.Encoding.DER))
    root = asn1_x509.Certificate.load(root_certificate.public_bytes(serialization.Encoding.DER))
    key = asn1_keys.PrivateKeyInfo.load(signer.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    pdf_signer = signers.SimpleSigner(signing_cert=certificate, signing_key=key,
                                      cert_registry=SimpleCertificateStore.from_certs([root]))
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location=location, name=signer.name)
    result = _PdfA3Signer(meta, signer=pdf_signer).sign_pdf(writer).getvalue()
    if not result.startswith(original):
        raise RuntimeError("signing rewrote the PDF instead of appending an incremental update")
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
