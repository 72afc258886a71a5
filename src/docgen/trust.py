"""The trust bundle: everything an archive needs, besides the PDFs, to verify them offline.

One JSON file (``docgen-trust/1``) per installation: the agency's root
certificate, every signer certificate the root ever issued (with the principal
id, name and roles the certificate itself carries), and the workflow of each
template version (which stage follows which, who may sign it, which decisions
exist and which of them return the document for resubmission), and the roles
that may void (作废) a document.

The bundle is the trust anchor: whoever hands it to the archive must hand it
over authentically (printed fingerprint of the root, a deposit outside the
agency). ``from_json`` checks its internal consistency — hashes, certificates,
the identity written in each certificate — but cannot tell a genuine bundle
from a forged one with another root.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from cryptography import x509

from . import jsontext
from .errors import VerificationError
from .catalogue import version_key
from .pki import Authority, Identity, certificate_pem, certificate_sha256
from .timefmt import format_time
from .tlog.note import NoteError, VerifierKey
from .workflow import ISSUANCE, WorkflowStage

FORMAT = "docgen-trust/1"


def workflow_key(template: str, version: str) -> str:
    """How the bundle keys a version's workflow: the catalogue's ``template@version``."""
    return version_key(template, version)


@dataclass(frozen=True)
class TrustedSigner(Identity):
    """A signer certificate the bundle vouches for, with the identity written in it."""

    @property
    def not_before(self) -> str:
        return format_time(self.certificate.not_valid_before_utc)

    @property
    def not_after(self) -> str:
        return format_time(self.certificate.not_valid_after_utc)

    def to_dict(self) -> dict[str, Any]:
        return {"principal_id": self.principal_id, "name": self.name, "roles": list(self.roles),
                "certificate": certificate_pem(self.certificate),
                "certificate_sha256": self.certificate_sha256,
                "not_before": self.not_before, "not_after": self.not_after}


@dataclass(frozen=True)
class TrustBundle:
    installation_id: str
    agency: str
    root_certificate: x509.Certificate = field(repr=False)
    signers: tuple[TrustedSigner, ...]
    workflows: Mapping[str, tuple[WorkflowStage, ...]]
    void_roles: tuple[str, ...] = ()
    """The roles that may void (作废) a document (the agency's ``void_roles`` when the bundle was
    exported); a void link in another role does not conform. Absent from older bundles: none."""
    format: str = FORMAT
    log_keys: tuple[str, ...] = ()
    """The transparency log's checkpoint keys as C2SP vkeys (``origin+keyid+key``): what
    ``docgen verify --checkpoint`` checks a checkpoint's signature with."""

    @classmethod
    def build(cls, authority: Authority, workflows: Mapping[str, Sequence[WorkflowStage]],
              signers: Iterable[Identity] | None = None, void_roles: Iterable[str] = (),
              log_keys: Sequence[str] = ()) -> "TrustBundle":
        """A bundle for ``authority``; ``signers`` defaults to every certificate it ever issued."""
        chosen = authority.identities() if signers is None else list(signers)
        unique: dict[str, TrustedSigner] = {}
        for identity in chosen:
            unique[identity.certificate_sha256] = TrustedSigner(
                identity.principal_id, identity.name, tuple(identity.roles), identity.certificate,
                identity.certificate_sha256)
        flows = {key: tuple(stages) for key, stages in workflows.items()}
        bundle = cls(authority.installation_id, authority.agency, authority.root_certificate,
                     tuple(unique.values()), flows, tuple(void_roles), log_keys=tuple(log_keys))
        return cls.from_json(bundle.to_json())  # the same checks a reader of the file gets

    def to_json(self) -> bytes:
        data = {
            "format": self.format,
            "installation_id": self.installation_id,
            "agency": self.agency,
            "root_certificate": certificate_pem(self.root_certificate),
            "root_certificate_sha256": certificate_sha256(self.root_certificate),
            "signers": [signer.to_dict() for signer in self.signers],
            "workflows": {key: [stage.to_dict() for stage in stages] for key, stages in self.workflows.items()},
            "void_roles": list(self.void_roles),
            "log_keys": list(self.log_keys),
        }
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes | str) -> "TrustBundle":
        """Parse and check a bundle; raises ``VerificationError`` saying what is wrong."""
        raw = jsontext.load_material(data, "信任包")
        if not isinstance(raw, dict):
            raise VerificationError("信任包应为 JSON 对象")
        if raw.get("format") != FORMAT:
            raise VerificationError(f"信任包格式应为 {FORMAT}，实际为 {raw.get('format')!r}")
        for key in ("installation_id", "agency", "root_certificate"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise VerificationError(f"信任包缺少 {key}")
        root = _certificate(raw["root_certificate"], "根证书")
        if "root_certificate_sha256" in raw and raw["root_certificate_sha256"] != certificate_sha256(root):
            raise VerificationError("根证书的 SHA-256 与所附证书不符")
        signers = raw.get("signers")
        if not isinstance(signers, list):
            raise VerificationError("信任包的 signers 应为数组")
        parsed = tuple(_signer(item, n) for n, item in enumerate(signers))
        if len({s.certificate_sha256 for s in parsed}) != len(parsed):
            raise VerificationError("信任包中有重复的签名证书")
        workflows = raw.get("workflows")
        if not isinstance(workflows, dict):
            raise VerificationError("信任包的 workflows 应为对象")
        flows = {key: _workflow(key, stages) for key, stages in workflows.items()}
        void_roles = raw.get("void_roles", [])
        if not isinstance(void_roles, list) or not all(isinstance(r, str) and r for r in void_roles):
            raise VerificationError("信任包的 void_roles 应为角色字符串数组")
        log_keys = raw.get("log_keys", [])
        if not isinstance(log_keys, list) or not all(isinstance(k, str) for k in log_keys):
            raise VerificationError("信任包的 log_keys 应为验证公钥（文本）的数组")
        for vkey in log_keys:
            try:
                VerifierKey.parse(vkey)
            except NoteError as exc:
                raise VerificationError(f"信任包的 log_keys 有误：{exc}") from None
        return cls(raw["installation_id"], raw["agency"], root, parsed, flows, tuple(void_roles), log_keys=tuple(log_keys))

    # -- lookups used by the verifier

    def signer(self, sha256: str) -> TrustedSigner | None:
        for signer in self.signers:
            if signer.certificate_sha256 == sha256:
                return signer
        return None

    def workflow(self, template: str, version: str) -> tuple[WorkflowStage, ...] | None:
        return self.workflows.get(workflow_key(template, version))


def _certificate(pem: Any, what: str) -> x509.Certificate:
    if not isinstance(pem, str):
        raise VerificationError(f"{what}应为 PEM 字符串")
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise VerificationError(f"{what}不是有效的 PEM 证书：{exc}") from exc


def _signer(item: Any, n: int) -> TrustedSigner:
    where = f"信任包 signers[{n}]"
    if not isinstance(item, dict):
        raise VerificationError(f"{where} 应为对象")
    certificate = _certificate(item.get("certificate"), f"{where}.certificate ")
    sha = certificate_sha256(certificate)
    if item.get("certificate_sha256") != sha:
        raise VerificationError(f"{where}：certificate_sha256 与证书不符")
    try:
        identity = Identity.from_certificate(certificate)
    except Exception as exc:
        raise VerificationError(f"{where}：证书中没有签名人身份：{exc}") from exc
    listed = (item.get("principal_id"), item.get("name"), item.get("roles"))
    if listed != (identity.principal_id, identity.name, list(identity.roles)):
        raise VerificationError(f"{where}：principal_id、name 或 roles 与证书中写明的不一致")
    return TrustedSigner(identity.principal_id, identity.name, identity.roles, certificate, sha)


def _workflow(key: Any, stages: Any) -> tuple[WorkflowStage, ...]:
    if not isinstance(key, str) or "@" not in key:
        raise VerificationError(f"流程键 {key!r} 应为 模板@版本")
    if not isinstance(stages, list) or not stages:
        raise VerificationError(f"流程 {key} 应为非空数组")
    parsed = tuple(WorkflowStage.from_dict(stage, f"流程 {key}[{n}]") for n, stage in enumerate(stages))
    if [stage.index for stage in parsed] != list(range(len(parsed))):
        raise VerificationError(f"流程 {key} 的 index 应从 0 连续编号")
    if len({stage.id for stage in parsed}) != len(parsed):
        raise VerificationError(f"流程 {key} 中环节标识重复")
    if parsed[0].id != ISSUANCE or parsed[0].decisions:
        raise VerificationError(f"流程 {key} 应以无决定的 issuance 环节开始")
    return parsed
