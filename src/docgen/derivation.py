"""``docgen-public/1``: the signed manifest that binds a public rendition to its signed original.

Embedded in the public PDF as ``docgen-public.json`` (a PDF/A-3 associated
file, inside the bytes the agency's PAdES signature covers) and signed on its
own like a chain link (ECDSA P-256 / SHA-256 over the canonical JSON of every
field but ``signature``). It records:

- the original: document id, template and version, 文书编号, the sha256 of the
  signed original PDF given to the party (its latest stage) and of its payload;
- the public content: sha256 and length of the content PDF (a byte prefix of
  the public file, as in a stage PDF), and how many of its first pages are the
  信息摘要;
- every redaction: its JSON pointer, what is shown, the reason, a per-entry
  ``salt`` and ``sha256`` = SHA-256(K ‖ UTF-8 value without whitespace), where
  K = SHA-256("docgen-public/1\\0" ‖ salt ‖ original PDF bytes).

Why K depends on the whole original file: a hash with a public salt of a phone
number whose ends are shown (139＊＊＊＊1234) would be undone by trying 10⁴
candidates. Only a holder of the original can compute K, and the original holds
the value anyway; from the manifest's sha256 of the original K cannot be had
(the original's bytes come after the prefix, so no length extension helps).
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import asdict, dataclass, fields
from typing import Any

from cryptography import x509

from . import jsontext
from .chain import sign_digest, verify_digest
from .errors import VerificationError
from .jsontext import canonical_json
from .pki import Signer

FORMAT = "docgen-public/1"
NAME = "docgen-public.json"
FIELD = "docgen-public"
_TAG = b"docgen-public/1\0"
_SPACE = re.compile(r"\s+")


def value_key(salt: str, original_pdf: bytes) -> bytes:
    """K for one entry: only a holder of the original's bytes can compute it."""
    return hashlib.sha256(_TAG + bytes.fromhex(salt) + original_pdf).digest()


def value_hash(salt: str, original_pdf: bytes, value: str) -> str:
    """SHA-256(K ‖ the value's UTF-8 without whitespace): a verifier reads the value back from the
    original's text layer, where line breaks and spacing are layout."""
    return hashlib.sha256(value_key(salt, original_pdf) + _SPACE.sub("", value).encode("utf-8")).hexdigest()


def new_salt() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Entry:
    """One hidden value at one place of the payload."""

    pointer: str
    shown: str
    reason: str
    kind: str
    salt: str
    sha256: str


@dataclass(frozen=True)
class PublicManifest:
    """See the module docstring; every field but ``signature`` is signed."""

    format: str
    document_id: str
    installation_id: str
    template: str
    template_version: str
    doc_number: str | None
    original_pdf_sha256: str
    original_payload_sha256: str
    content_sha256: str
    content_length: int
    summary_pages: int
    revision: int
    """1 for the first public rendition of the document, 2 for its first correction …"""
    redactions: tuple[Entry, ...]
    time: str
    signer_name: str
    principal_id: str
    certificate_sha256: str
    signature: str

    def payload(self) -> dict[str, Any]:
        data = asdict(self)
        del data["signature"]
        return data

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(canonical_json(self.payload())).digest()

    def to_json(self) -> bytes:
        return canonical_json(asdict(self))

    @classmethod
    def signed(cls, signer: Signer, **values: Any) -> "PublicManifest":
        unsigned = cls(**values, format=FORMAT, signer_name=signer.name, principal_id=signer.principal_id,
                       certificate_sha256=signer.certificate_sha256, signature="")
        return cls(**{**asdict(unsigned), "redactions": unsigned.redactions,
                      "signature": sign_digest(signer, unsigned.digest)})

    def verify_signature(self, certificate: x509.Certificate) -> bool:
        return verify_digest(self.signature, self.digest, certificate)

    @classmethod
    def from_json(cls, data: bytes) -> "PublicManifest":
        parsed = jsontext.load_material(data, "公示清单")
        expected = {f.name for f in fields(cls)}
        if not isinstance(parsed, dict) or set(parsed) != expected:
            raise VerificationError(f"公示清单字段不符，应为 {sorted(expected)}")
        if parsed["format"] != FORMAT:
            raise VerificationError(f"不支持的公示清单格式：{parsed['format']!r}")
        entry_fields = {f.name for f in fields(Entry)}
        entries = parsed["redactions"]
        if not isinstance(entries, list) or not all(
                isinstance(e, dict) and set(e) == entry_fields and all(isinstance(v, str) for v in e.values())
                for e in entries):
            raise VerificationError("公示清单的 redactions 应为对象数组，每项含 " + "、".join(sorted(entry_fields)))
        for name in ("content_length", "summary_pages", "revision"):
            if type(parsed[name]) is not int or parsed[name] < 0:
                raise VerificationError(f"公示清单字段 {name} 应为非负整数")
        for name in expected - {"content_length", "summary_pages", "revision", "redactions"}:
            if not isinstance(parsed[name], str) and not (name == "doc_number" and parsed[name] is None):
                raise VerificationError(f"公示清单字段 {name} 应为字符串")  # a list here once reached the catalogue
        return cls(**{**parsed, "redactions": tuple(Entry(**e) for e in entries)})
