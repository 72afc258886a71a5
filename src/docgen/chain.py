"""The approval hash chain: one signed link per issued PDF, no PDF code here.

A link records who approved what, when, and which exact bytes. Its hash,
``link_sha256``, is the SHA-256 of the canonical JSON of every field except
``signature``: keys sorted, no whitespace, UTF-8, non-ASCII kept as is. For the
data links hold (ASCII keys, strings, small non-negative integers, null) this is
the same byte string RFC 8785 (JCS) produces, so any JCS library can recompute
it decades from now.

``signature`` is ECDSA P-256 with SHA-256 over that canonical JSON (computed as
a pre-hashed signature over ``link_digest``; both descriptions give the same
bytes), DER-encoded, then base64. Each link names the hash of the previous link
and the SHA-256 of the previous stage's complete signed PDF, so a link commits
to the whole history before it.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from . import jsontext
from .jsontext import canonical_json
from .timefmt import TIME, format_time, parse_time, utc_now  # noqa: F401 - part of this module's interface
from .errors import VerificationError
from .pki import Signer
from .workflow import ISSUANCE, VOID

FORMAT = "docgen-chain/1"
FIRST_ROUND = 1
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_SIGNATURE = re.compile(r"[A-Za-z0-9+/]+={0,2}")


@dataclass(frozen=True)
class Link:
    """One signed stage of a document's approval history: one element of ``links`` in the
    ``docgen-chain/1`` manifest.

    The archival format is exactly these nineteen fields, no more and no fewer
    (``from_dict`` refuses any other key), as a JSON object. Every field but
    ``signature`` is covered by ``signature`` and by ``link_sha256``. Times are
    RFC 3339 UTC with whole seconds (``2026-11-26T23:59:01Z``); hashes are SHA-256
    as 64 lower-case hexadecimal digits.
    """

    index: int
    """Position in the chain, from 0 (the first issuance); the link at position k has index k."""
    round: int
    """Approval round, from 1. A document returned for resubmission (补充调查, 变更或修正) starts
    a new round with a new ``issuance`` link; every other link continues the round before it."""
    stage: str
    """Workflow stage id (``issuance``, ``dept_head``, ``legal_review`` …) as named in the trust
    bundle's workflow for ``template``@``template_version``; its label (``法制审核意见``) is there."""
    role: str
    """The role the stage requires (``case_system``, ``legal_review`` …), which the signer's
    certificate must carry."""
    signer_name: str
    """The signer's name as written in the signer certificate (``王芳``, or the case system's name)."""
    principal_id: str
    """The signer's principal id as written in the signer certificate."""
    certificate_sha256: str
    """SHA-256 of the DER signer certificate whose key made ``signature`` and the PDF's signature;
    the trust bundle lists the certificate under this hash."""
    decision: str | None
    """The decision taken at this stage (``同意``, ``补充调查`` …), one of the stage's decisions in
    the workflow; ``null`` for stages without decisions (issuance)."""
    opinion: str | None
    """The opinion or reasons written with the decision, as printed on the page; ``null`` when none."""
    time: str
    """When the signer signed, as the signer's system clock said (self-asserted: no RFC 3161
    timestamp vouches for it). Certificates are validated at this time."""
    content_sha256: str
    """SHA-256 of the content PDF of this stage: the first ``content_length`` bytes of the stage
    PDF, i.e. the page as LibreOffice produced it, before the manifest and signature were appended."""
    content_length: int
    """Length in bytes of that content PDF (the signed stage PDF is longer: one incremental update follows)."""
    previous_file_sha256: str | None
    """SHA-256 of the complete signed stage PDF of the previous link; ``null`` only at index 0.
    With it, the latest file vouches for each earlier file byte for byte."""
    previous_link_sha256: str | None
    """``link_sha256`` of the previous link; ``null`` only at index 0."""
    document_id: str
    """The document's id in the issuing installation (a UUID in hex); the same in every link.
    Not the 文书编号, which is printed on the page only."""
    installation_id: str
    """The issuing installation (its agency root key); must equal the trust bundle's."""
    template: str
    """Template id (``major-decision-review``); the same in every link."""
    template_version: str
    """Released template version (``1``); the same in every link. With ``template`` it names the
    workflow in the trust bundle (``template@version``)."""
    signature: str
    """Base64 of the DER ECDSA P-256 / SHA-256 signature over the canonical JSON of the other
    eighteen fields, by the key of ``certificate_sha256``."""

    def payload(self) -> dict[str, Any]:
        """Every field but ``signature``: what the signature and the link hash cover."""
        data = asdict(self)
        del data["signature"]
        return data

    @property
    def link_digest(self) -> bytes:
        return hashlib.sha256(canonical_json(self.payload())).digest()

    @property
    def link_sha256(self) -> str:
        return self.link_digest.hex()

    @property
    def moment(self) -> dt.datetime:
        return parse_time(self.time)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "Link":
        """A link from parsed JSON, with every field's type and shape checked."""
        if not isinstance(data, dict):
            raise VerificationError("链条环节不是 JSON 对象")
        expected = {f.name for f in fields(cls)}
        if set(data) != expected:
            missing, extra = expected - set(data), set(data) - expected
            raise VerificationError(f"链条环节字段不符：缺少 {sorted(missing)}，多出 {sorted(extra)}")
        for name in ("index", "round", "content_length"):
            if type(data[name]) is not int or data[name] < 0:
                raise VerificationError(f"链条环节字段 {name} 应为非负整数")
        for name in ("stage", "role", "signer_name", "principal_id", "time", "document_id",
                     "installation_id", "template", "template_version", "signature",
                     "certificate_sha256", "content_sha256"):
            if not isinstance(data[name], str) or not data[name]:
                raise VerificationError(f"链条环节字段 {name} 应为非空字符串")
        for name in ("decision", "opinion", "previous_file_sha256", "previous_link_sha256"):
            if data[name] is not None and not isinstance(data[name], str):
                raise VerificationError(f"链条环节字段 {name} 应为字符串或 null")
        for name in ("certificate_sha256", "content_sha256", "previous_file_sha256", "previous_link_sha256"):
            if data[name] is not None and not SHA256_HEX.fullmatch(data[name]):
                raise VerificationError(f"链条环节字段 {name} 不是 SHA-256 十六进制值")
        if not TIME.fullmatch(data["time"]):
            raise VerificationError(f"链条环节时间 {data['time']!r} 不是 RFC 3339 UTC 格式")
        parse_time(data["time"])
        if not _SIGNATURE.fullmatch(data["signature"]):
            raise VerificationError("链条环节签名不是 base64")
        return cls(**data)


def sign_link(*, index: int, round: int, stage: str, role: str, decision: str | None,
              opinion: str | None, time: str, content_sha256: str, content_length: int,
              previous_file_sha256: str | None, previous_link_sha256: str | None,
              document_id: str, installation_id: str, template: str, template_version: str,
              signer: Signer) -> Link:
    """A link signed by ``signer``, whose name, principal id and certificate it records."""
    unsigned = Link(
        index=index, round=round, stage=stage, role=role, signer_name=signer.name,
        principal_id=signer.principal_id, certificate_sha256=signer.certificate_sha256,
        decision=decision, opinion=opinion, time=time, content_sha256=content_sha256,
        content_length=content_length, previous_file_sha256=previous_file_sha256,
        previous_link_sha256=previous_link_sha256, document_id=document_id,
        installation_id=installation_id, template=template, template_version=template_version,
        signature="",
    )
    # Round-trip through the validator so that a link we sign is one we can read back.
    Link.from_dict({**unsigned.to_dict(), "signature": "AA=="})
    return Link(**{**unsigned.to_dict(), "signature": sign_digest(signer, unsigned.link_digest)})


def verify_link_signature(link: Link, certificate: x509.Certificate) -> bool:
    """True when ``link.signature`` is a valid ECDSA-SHA256 signature by ``certificate``'s key."""
    return verify_digest(link.signature, link.link_digest, certificate)


def sign_digest(signer: Signer, digest: bytes) -> str:
    """Base64 of the DER ECDSA P-256 signature over a SHA-256 ``digest`` (pre-hashed): how every signed
    docgen record (links, ``derivation.PublicManifest``) is signed."""
    der = signer.private_key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    return base64.b64encode(der).decode("ascii")


def verify_digest(signature: str, digest: bytes, certificate: x509.Certificate) -> bool:
    """True when ``signature`` (as ``sign_digest`` writes it) is ``certificate``'s key's over ``digest``."""
    public_key = certificate.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return False
    try:
        der = base64.b64decode(signature, validate=True)
        public_key.verify(der, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Manifest:
    """The ordered links of one document so far, as embedded in each stage PDF."""

    links: tuple[Link, ...]
    format: str = FORMAT

    def __post_init__(self) -> None:
        object.__setattr__(self, "links", tuple(self.links))
        if not self.links:
            raise VerificationError("链条清单没有任何环节")

    @property
    def last(self) -> Link:
        return self.links[-1]

    @property
    def document_id(self) -> str:
        return self.links[0].document_id

    def is_prefix_of(self, other: "Manifest") -> bool:
        return len(self.links) <= len(other.links) and other.links[: len(self.links)] == self.links

    def to_json(self) -> bytes:
        return canonical_json({"format": self.format, "links": [link.to_dict() for link in self.links]})

    @classmethod
    def from_json(cls, data: bytes | str) -> "Manifest":
        """Parse and check a manifest; raises ``VerificationError`` with the reason."""
        parsed = jsontext.load_material(data, "链条清单")
        if not isinstance(parsed, dict) or set(parsed) != {"format", "links"}:
            raise VerificationError("链条清单应只含 format 和 links")
        if parsed["format"] != FORMAT:
            raise VerificationError(f"不支持的链条清单格式：{parsed['format']!r}")
        if not isinstance(parsed["links"], list) or not parsed["links"]:
            raise VerificationError("链条清单的 links 应为非空数组")
        return cls(tuple(Link.from_dict(item) for item in parsed["links"]))


@dataclass(frozen=True)
class VoidMark:
    """What a chain ending in a void (作废) link says: the document is void, why, by whom, when.

    Read from the links alone, so the service, the pages and the offline verifier
    tell it the same way.
    """

    reason: str
    """The reason, the void link's ``opinion``."""
    signer: str
    """Who voided it (``signer_name``)."""
    principal_id: str
    role: str
    """The role the void was signed in (one of the agency's ``void_roles``)."""
    time: str
    """When (the link's ``time``, RFC 3339 UTC)."""
    index: int
    """The void link's index: the last of the chain."""

    @classmethod
    def of(cls, links: Sequence[Link]) -> "VoidMark | None":
        """The mark of a chain whose last link is a void stage; ``None`` otherwise."""
        if not links or links[-1].stage != VOID:
            return None
        last = links[-1]
        return cls(last.opinion or "", last.signer_name, last.principal_id, last.role, last.time, last.index)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- building a chain


def start(content_pdf: bytes, *, document_id: str, installation_id: str, template: str,
          template_version: str, signer: Signer, time: str | None = None,
          stage: str = ISSUANCE, role: str = "case_system") -> Manifest:
    """The manifest of a newly issued document: link 0, round 1, issuance."""
    link = sign_link(
        index=0, round=FIRST_ROUND, stage=stage, role=role, decision=None, opinion=None,
        time=time or utc_now(), content_sha256=hashlib.sha256(content_pdf).hexdigest(),
        content_length=len(content_pdf), previous_file_sha256=None, previous_link_sha256=None,
        document_id=document_id, installation_id=installation_id, template=template,
        template_version=template_version, signer=signer)
    return Manifest((link,))


def extend(manifest: Manifest, previous_file: bytes, content_pdf: bytes, *, stage: str, role: str,
           signer: Signer, decision: str | None = None, opinion: str | None = None,
           time: str | None = None) -> Manifest:
    """``manifest`` plus the next link; ``previous_file`` is the complete signed PDF of the last link.

    An ``issuance`` stage after the first starts a new round (resubmission after
    补充调查 / 变更或修正); any other stage continues the current round.
    """
    last = manifest.last
    link = sign_link(
        index=last.index + 1,
        round=last.round + 1 if stage == ISSUANCE else last.round,
        stage=stage, role=role, decision=decision, opinion=opinion, time=time or utc_now(),
        content_sha256=hashlib.sha256(content_pdf).hexdigest(), content_length=len(content_pdf),
        previous_file_sha256=hashlib.sha256(previous_file).hexdigest(),
        previous_link_sha256=last.link_sha256, document_id=last.document_id,
        installation_id=last.installation_id, template=last.template,
        template_version=last.template_version, signer=signer)
    return Manifest(manifest.links + (link,))
