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

import asyncio
import hashlib
import secrets
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from asn1crypto import cms as asn1_cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils import generic as pdf_generic
from pyhanko.pdf_utils.embed import (
    EmbeddedFileObject,
    EmbeddedFileParams,
    FileSpec,
    embed_file,
)
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import constants as pdf_constants
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
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
    """The chain manifest as an embedded file and PDF/A-3 associated file of the catalog."""
    embed_json(writer, MANIFEST_NAME, manifest.to_json(), "文书签批链条清单 (docgen-chain/1)", manifest.last.moment)


def embed_json(writer: IncrementalPdfFileWriter, name: str, data: bytes, description: str,
               moment: Any) -> None:
    """``data`` as an uncompressed embedded JSON file and PDF/A-3 associated file (``/Data``) of the catalog.

    pyHanko's ``embed_file`` would raise the PDF version to 2.0 for an associated
    file, which PDF/A-3 (built on PDF 1.7) forbids, so ``/AFRelationship`` and the
    catalog's ``/AF`` are set here.
    """
    params = EmbeddedFileParams(embed_size=True, modification_date=moment)
    stream = EmbeddedFileObject.from_file_data(writer, data, compress=False, params=params, mime_type=MANIFEST_MIME)
    spec = FileSpec(file_spec_string=name, file_name=name, embedded_data=stream, description=description)
    embed_file(writer, spec)
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec_ref = names[-1]
    spec_ref.get_object()["/AFRelationship"] = pdf_generic.NameObject("/Data")
    associated = writer.root.get("/AF")
    associated = pdf_generic.ArrayObject(list(associated) if associated is not None else [])
    associated.append(spec_ref)
    writer.root["/AF"] = associated
    writer.update_root()


def seal_attachment(content_pdf: bytes, name: str, data: bytes, description: str, moment: Any, signer: Signer,
                    root_certificate: x509.Certificate, *, field_name: str, reason: str) -> bytes:
    """``content_pdf`` + one update holding the JSON attachment ``name`` and a PAdES signature over both:
    the shape of a stage PDF, for files that are not a stage of a chain (public renditions)."""
    writer = _KeepMetadataWriter(BytesIO(content_pdf))
    embed_json(writer, name, data, description, moment)
    return _sign(writer, content_pdf, signer, root_certificate, field_name=field_name, reason=reason, location=None)


def sign(pdf: bytes, signer: Signer, root_certificate: x509.Certificate, *, field_name: str,
         reason: str | None = None, location: str | None = None) -> bytes:
    """``pdf`` plus an incremental PAdES signature by ``signer`` in a new field ``field_name``."""
    return _sign(_KeepMetadataWriter(BytesIO(pdf)), pdf, signer, root_certificate, field_name=field_name,
                 reason=reason, location=location)


def _sign(writer: IncrementalPdfFileWriter, original: bytes, signer: Signer, root_certificate: x509.Certificate,
          *, field_name: str, reason: str | None, location: str | None) -> bytes:
    pdf_signer = _cms_signer(signer, root_certificate)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location=location, name=signer.name)
    result = _PdfA3Signer(meta, signer=pdf_signer).sign_pdf(
        writer, bytes_reserved=pdf_signer.bytes_reserved()).getvalue()
    if not result.startswith(original):
        raise RuntimeError("signing rewrote the PDF instead of appending an incremental update")
    return result


_SIGNERS: OrderedDict[tuple[str, str], _CmsSigner] = OrderedDict()
_SIGNERS_LOCK = threading.Lock()
_SIGNERS_KEPT = 256


def _cms_signer(signer: Signer, root_certificate: x509.Certificate) -> _CmsSigner:
    """One pyHanko signer per certificate, kept: converting the certificates and key to
    asn1crypto and building the certificate store is the same work on every signature."""
    key = (signer.certificate_sha256, hashlib.sha256(root_certificate.public_bytes(serialization.Encoding.DER)).hexdigest())
    with _SIGNERS_LOCK:
        cached = _SIGNERS.get(key)
        if cached is not None and cached.private_key is signer.private_key:
            _SIGNERS.move_to_end(key)
            return cached
    made = _CmsSigner(signer, root_certificate)
    with _SIGNERS_LOCK:
        _SIGNERS[key] = made
        while len(_SIGNERS) > _SIGNERS_KEPT:
            _SIGNERS.popitem(last=False)
    return made


def _der(tag: int, contents: bytes) -> bytes:
    """One DER TLV (definite length)."""
    size = len(contents)
    if size < 0x80:
        return bytes((tag, size)) + contents
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + contents


_ECDSA_P256_MAX = 72  # longest DER ECDSA-Sig-Value on P-256


class _CmsShape:
    """The CMS pyHanko builds for this signer, with the two values that change per
    signature (the document digest in the ``messageDigest`` attribute and the
    signature value) cut out, so the rest is not rebuilt through asn1crypto
    every time (that rebuilding was most of the sealing time).

    Made from a CMS pyHanko signed; ``assemble`` of that CMS's own digest and
    signature must give back its exact bytes, or the shape is not used.
    """

    def __init__(self, template: asn1_cms.ContentInfo, digest: bytes) -> None:
        der = template.dump()
        signed_data = template["content"]
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise ValueError("not one SignerInfo")
        info = signer_infos[0]
        if info["unsigned_attrs"].native is not None:
            raise ValueError("unsigned attributes")
        signature = info["signature"].native
        signature_field = info["signature"].dump()
        info_contents = info.contents
        if not info_contents.endswith(signature_field):
            raise ValueError("the signature is not the last field of the SignerInfo")
        before = info_contents[:-len(signature_field)]
        if before.count(digest) != 1:
            raise ValueError("the messageDigest is not found once")
        self.info_head, self.info_tail = before.split(digest)
        attributes = info["signed_attrs"]
        self.attributes_head, self.attributes_tail = attributes.contents.split(digest)
        if signed_data.contents.count(signer_infos.dump()) != 1 or \
                not signed_data.contents.endswith(signer_infos.dump()):
            raise ValueError("the SignerInfos are not the last field of the SignedData")
        self.signed_data_head = signed_data.contents[:-len(signer_infos.dump())]
        self.content_type = template["content_type"].dump()
        if self.assemble(digest, signature) != der:
            raise ValueError("reassembling does not give the same CMS")
        if self.signed_attributes(digest) != asn1_cms.CMSAttributes.load(self.signed_attributes(digest)).dump(force=True):
            raise ValueError("signed attributes do not re-encode the same")
        self.estimate = len(der) - len(signature) + _ECDSA_P256_MAX

    def signed_attributes(self, digest: bytes) -> bytes:
        """What is signed: the attributes as a DER SET (RFC 5652 §5.4)."""
        return _der(0x31, self.attributes_head + digest + self.attributes_tail)

    def assemble(self, digest: bytes, signature: bytes) -> bytes:
        info = _der(0x30, self.info_head + digest + self.info_tail + _der(0x04, signature))
        signed_data = _der(0x30, self.signed_data_head + _der(0x31, info))
        return _der(0x30, self.content_type + _der(0xA0, signed_data))


class _CmsSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner for one docgen signer, built once and reused, whose CMS for a
    PAdES signature is assembled from its ``_CmsShape`` (same bytes as pyHanko's, other
    than the digest and the signature value). Any other kind of request goes to pyHanko."""

    def __init__(self, signer: Signer, root_certificate: x509.Certificate) -> None:
        certificate = asn1_x509.Certificate.load(signer.certificate.public_bytes(serialization.Encoding.DER))
        root = asn1_x509.Certificate.load(root_certificate.public_bytes(serialization.Encoding.DER))
        key = asn1_keys.PrivateKeyInfo.load(signer.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        for value in (certificate, root, key):  # parse every field now: asn1crypto parses lazily, and this
            _ = value.native  # signer is shared by threads (concurrent first reads of a field raised KeyError)
        super().__init__(signing_cert=certificate, signing_key=key,
                         cert_registry=SimpleCertificateStore.from_certs([root]))
        self.private_key = signer.private_key
        self._shape: _CmsShape | None | bool = None  # False: pyHanko builds every CMS
        self._lock = threading.Lock()

    def shape(self) -> _CmsShape | None:
        """Made on first use, outside any event loop (pyHanko signs the template)."""
        with self._lock:
            if self._shape is None:
                self._shape = self._make_shape() or False
            return self._shape or None

    def _make_shape(self) -> _CmsShape | None:
        if not isinstance(self.private_key, ec.EllipticCurvePrivateKey) or \
                not isinstance(self.private_key.curve, ec.SECP256R1):
            return None
        digest = secrets.token_bytes(32)
        attributes = PdfCMSSignedAttributes(signing_time=datetime.now(UTC))
        template = asyncio.run(super().async_sign(digest, "sha256", use_pades=True, signed_attr_settings=attributes))
        try:
            shape = _CmsShape(template, digest)
            # pyHanko signed exactly the attributes the shape will sign
            self.private_key.public_key().verify(template["content"]["signer_infos"][0]["signature"].native,
                                                 shape.signed_attributes(digest), ec.ECDSA(hashes.SHA256()))
        except (ValueError, KeyError, InvalidSignature):
            return None
        return shape

    def bytes_reserved(self) -> int | None:
        """pyHanko's own estimate (the CMS length in hex plus half again), without signing a
        dummy CMS on every signature; ``None`` lets pyHanko estimate."""
        shape = self.shape()
        if shape is None:
            return None
        test_len = shape.estimate * 2
        return test_len + 2 * (test_len // 4)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        if digest_algorithm == "sha256" and isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            return self.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        return super().sign_raw(data, digest_algorithm)

    async def async_sign(self, data_digest: bytes, digest_algorithm: str, dry_run: bool = False,
                         use_pades: bool = False, timestamper: Any = None,
                         signed_attr_settings: Any = None, is_pdf_sig: bool = True,
                         encap_content_info: Any = None) -> asn1_cms.ContentInfo:
        shape = self._shape if isinstance(self._shape, _CmsShape) else None
        plain = (shape is not None and not dry_run and use_pades and timestamper is None and is_pdf_sig
                 and encap_content_info is None and digest_algorithm.lower() == "sha256"
                 and len(data_digest) == 32
                 and signed_attr_settings is not None
                 and signed_attr_settings.adobe_revinfo_attr is None
                 and signed_attr_settings.cades_signed_attrs is None
                 and self.signed_attr_prov_spec is None and self.unsigned_attr_prov_spec is None)
        if not plain:
            return await super().async_sign(
                data_digest, digest_algorithm, dry_run=dry_run, use_pades=use_pades, timestamper=timestamper,
                signed_attr_settings=signed_attr_settings, is_pdf_sig=is_pdf_sig,
                encap_content_info=encap_content_info)
        assert shape is not None
        signature = self.sign_raw(shape.signed_attributes(data_digest), "sha256")
        return asn1_cms.ContentInfo.load(shape.assemble(data_digest, signature))


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


def manifest_bytes(reader: PdfFileReader, name: str = MANIFEST_NAME) -> bytes | None:
    """The raw bytes of the embedded file ``name`` (``docgen-chain.json``) from the latest revision of
    ``reader``'s document."""
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
            if str(entries[position].get_object()) == name:
                if found is not None:
                    raise VerificationError(f"PDF 中有多个 {name}")
                found = entries[position + 1].get_object()
        if found is None:
            return None
        stream = found["/EF"]["/F"].get_object()
        if not isinstance(stream, pdf_generic.StreamObject):
            raise VerificationError(f"{name} 不是文件流")
        return stream.data
    except VerificationError:
        raise
    except Exception as exc:
        raise VerificationError(f"无法读取嵌入的 {name}：{exc}") from exc
