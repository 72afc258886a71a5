"""The agency's own small PKI: one root CA and one certificate per signer.

Algorithms: ECDSA on NIST P-256 with SHA-256 for every key and certificate
(small keys, cheap to load, so nothing slow needs caching; supported by
pyHanko and every PDF reader). Private keys are stored as PKCS#8 PEM encrypted
with ``BestAvailableEncryption(master_key)``; the master key never touches the
disk next to them unless no ``DOCGEN_MASTER_KEY`` is configured.

Layout of an authority directory::

    authority.json           format, installation_id, agency
    root.cert.pem            self-signed root, CA, keyCertSign + cRLSign, ~30 years
    root.key.pem             encrypted
    log.key.pem              the transparency log's Ed25519 checkpoint key, encrypted
    signers/<pid>.cert.pem   the signer's current certificate
    signers/<pid>.key.pem    its encrypted key
    issued/<sha256>.cert.pem every signer certificate ever issued (never deleted),
                             so trust bundles keep verifying documents signed
                             before a key was rotated

Signer certificates carry their identity in the subject, readable in any PDF
reader's signature panel: ``CN`` = the signer's name, ``O`` = the agency,
``UID`` (0.9.2342.19200300.100.1.1) = the principal id, and one ``OU`` per
role id (``OU=dept_head``). Every ``OU`` of a signer certificate is a role.
"""
from __future__ import annotations

import base64
import contextlib
import fcntl
import binascii
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import stat
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from .durable import write_atomically
from .errors import Conflict, KeyStoreError, NotFound

MASTER_KEY_ENV = "DOCGEN_MASTER_KEY"
MASTER_KEY_FILE = "master.key"
MIN_MASTER_KEY = 32
AUTHORITY_FORMAT = "docgen-authority/1"
ROOT_VALIDITY = dt.timedelta(days=30 * 365 + 7)
SIGNER_VALIDITY = dt.timedelta(days=10 * 365 + 2)
#: RFC 9336 id-kp-documentSigning; emailProtection too, which older Acrobat
#: versions expect on signing certificates.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
PRINCIPAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ROLE_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")


# --------------------------------------------------------------------------- master key


@dataclass(frozen=True)
class MasterKey:
    """Secret bytes that encrypt every private key at rest (≥ 32 bytes)."""

    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.key) < MIN_MASTER_KEY:
            raise KeyStoreError(f"主密钥至少需要 {MIN_MASTER_KEY} 字节，实际 {len(self.key)} 字节")

    @classmethod
    def from_env_or_file(cls, data_dir: Path, environ: Mapping[str, str] | None = None) -> "MasterKey":
        """``DOCGEN_MASTER_KEY`` (hex, else base64) if set; else ``data_dir/master.key``.

        The file is created with 32 random bytes and mode 0600 when missing. An
        existing file readable or writable by group or others is refused: a
        world-readable master key would decrypt every signer's key.
        """
        env = os.environ if environ is None else environ
        value = env.get(MASTER_KEY_ENV, "").strip()
        if value:
            return cls(_decode_key(value))
        return cls(_key_file(Path(data_dir) / MASTER_KEY_FILE))


def _decode_key(value: str) -> bytes:
    if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", value):
        return bytes.fromhex(value)
    try:
        padded = value + "=" * (-len(value) % 4)
        alphabet = b"-_" if ("-" in value or "_" in value) else None
        return base64.b64decode(padded, altchars=alphabet, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyStoreError(f"{MASTER_KEY_ENV} 既不是十六进制也不是 base64") from exc


def _key_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(MIN_MASTER_KEY))
            handle.flush()
            os.fsync(handle.fileno())
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise KeyStoreError(f"{path} 不是普通文件")
    if info.st_mode & 0o077:
        raise KeyStoreError(
            f"{path} 的权限为 {stat.S_IMODE(info.st_mode):04o}，宽于 0600；请执行 chmod 600 后重试")
    return path.read_bytes()


# --------------------------------------------------------------------------- identities


@dataclass(frozen=True)
class Identity:
    """The public half of a signer: who, in which roles, with which certificate."""

    principal_id: str
    name: str
    roles: tuple[str, ...]
    certificate: x509.Certificate = field(repr=False, compare=False)
    certificate_sha256: str

    @classmethod
    def from_certificate(cls, certificate: x509.Certificate) -> "Identity":
        """Read principal id, name and roles back from a signer certificate's subject."""
        subject = certificate.subject
        uid = subject.get_attributes_for_oid(NameOID.USER_ID)
        cn = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if len(uid) != 1 or len(cn) != 1:
            raise KeyStoreError(f"证书主题缺少 UID 或 CN：{subject.rfc4514_string()}")
        roles = tuple(str(a.value) for a in subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME))
        return cls(str(uid[0].value), str(cn[0].value), roles, certificate, certificate_sha256(certificate))


@dataclass(frozen=True)
class Signer(Identity):
    """An identity together with its private key, able to sign links and PDFs."""

    private_key: ec.EllipticCurvePrivateKey = field(default=None, repr=False, compare=False)  # type: ignore[assignment]


def certificate_sha256(certificate: x509.Certificate) -> str:
    """Hex SHA-256 of the DER encoding: how links and bundles name a certificate."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def certificate_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def issued_by(certificate: x509.Certificate, root: x509.Certificate) -> bool:
    """True when ``root`` signed ``certificate`` (names match and the signature verifies)."""
    if certificate.issuer != root.subject:
        return False
    try:
        certificate.verify_directly_issued_by(root)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# --------------------------------------------------------------------------- authority


class Authority:
    """The root CA of one installation, its signer keys, and their certificates."""

    def __init__(self, directory: Path, master_key: MasterKey, meta: Mapping[str, str],
                 root_certificate: x509.Certificate, root_key: ec.EllipticCurvePrivateKey) -> None:
        self.directory = Path(directory)
        self._master_key = master_key
        self.installation_id: str = meta["installation_id"]
        self.agency: str = meta["agency"]
        self.root_certificate = root_certificate
        self._root_key = root_key
        self._signers: dict[str, Signer] = {}
        self._lock = threading.Lock()

    # -- life cycle

    @classmethod
    def create(cls, directory: Path, agency_name: str, master_key: MasterKey) -> "Authority":
        """A new root key and certificate and a new installation id; refuses to overwrite."""
        directory = Path(directory)
        if not agency_name.strip():
            raise KeyStoreError("机关名称不能为空")
        directory.mkdir(parents=True, exist_ok=True)
        with _process_lock(directory):
            return cls._create_locked(directory, agency_name, master_key)

    @classmethod
    def _create_locked(cls, directory: Path, agency_name: str, master_key: MasterKey) -> "Authority":
        if (directory / "authority.json").exists() or (directory / "root.key.pem").exists():
            raise Conflict(f"{directory} 已有根证书，不能重复创建")
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, f"{agency_name} 电子文书根证书"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_name),
        ])
        now = _now()
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + ROOT_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(ski, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
            .sign(key, hashes.SHA256())
        )
        meta = {"format": AUTHORITY_FORMAT, "installation_id": str(uuid.uuid4()), "agency": agency_name}
        _write(directory / "root.key.pem", _encrypt(key, master_key), secret=True)
        _write(directory / "root.cert.pem", certificate.public_bytes(serialization.Encoding.PEM))
        _write(directory / "authority.json",
               json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8"))
        return cls(directory, master_key, meta, certificate, key)

    @classmethod
    def load(cls, directory: Path, master_key: MasterKey) -> "Authority":
        directory = Path(directory)
        try:
            meta = json.loads((directory / "authority.json").read_text(encoding="utf-8"))
            certificate = x509.load_pem_x509_certificate((directory / "root.cert.pem").read_bytes())
            key_pem = (directory / "root.key.pem").read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"{directory} 中没有根证书：{exc.filename}") from exc
        if meta.get("format") != AUTHORITY_FORMAT:
            raise KeyStoreError(f"{directory}/authority.json 格式不符")
        key = _decrypt(key_pem, master_key, "根证书私钥")
        if key.public_key() != certificate.public_key():
            raise KeyStoreError("根证书私钥与根证书不匹配")
        return cls(directory, master_key, meta, certificate, key)

    # -- the transparency log's checkpoint key

    def log_key(self) -> ed25519.Ed25519PrivateKey:
        """The Ed25519 key that signs the log's checkpoints (C2SP notes want Ed25519, not P-256).

        Made once, beside the root key and encrypted like it, so it travels (and is backed up) with
        the agency's signing material; never derived from the master key, whose rotation must not
        change the log's identity.
        """
        path = self.directory / "log.key.pem"
        with self._lock, _process_lock(self.directory):
            if not path.exists():
                key = ed25519.Ed25519PrivateKey.generate()
                pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.BestAvailableEncryption(self._master_key.key))
                _write(path, pem, secret=True)
                return key
            try:
                loaded = serialization.load_pem_private_key(path.read_bytes(), password=self._master_key.key)
            except (ValueError, TypeError) as exc:
                raise KeyStoreError("无法解密日志检查点私钥：主密钥不对或文件已损坏") from exc
        if not isinstance(loaded, ed25519.Ed25519PrivateKey):
            raise KeyStoreError("日志检查点私钥不是 Ed25519 密钥")
        return loaded

    # -- signers

    def issue_signer(self, principal_id: str, name: str, roles: Iterable[str]) -> Signer:
        """A new key and certificate for ``principal_id``; an earlier one is kept in ``issued/``."""
        roles = tuple(roles)
        if not PRINCIPAL_ID.fullmatch(principal_id):
            raise KeyStoreError(f"主体标识不合法：{principal_id!r}")
        if not name.strip():
            raise KeyStoreError("签名人姓名不能为空")
        if not roles or any(not ROLE_ID.fullmatch(role) for role in roles) or len(set(roles)) != len(roles):
            raise KeyStoreError(f"角色不合法：{roles!r}")
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME, name)]),
             x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.agency)])]
            + [x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role)])
               for role in roles]
            + [x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.USER_ID, principal_id)])]
        )
        now = _now()
        root_ski = self.root_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(self.root_certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(min(now + SIGNER_VALIDITY, self.root_certificate.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski),
                           critical=False)
            .sign(self._root_key, hashes.SHA256())
        )
        signer = Signer(principal_id, name, roles, certificate, certificate_sha256(certificate), key)
        pem = certificate.public_bytes(serialization.Encoding.PEM)
        with self._lock, _process_lock(self.directory):
            _write(self.directory / "issued" / f"{signer.certificate_sha256}.cert.pem", pem)
            _write(self.directory / "signers" / f"{principal_id}.key.pem", _encrypt(key, self._master_key),
                   secret=True)
            _write(self.directory / "signers" / f"{principal_id}.cert.pem", pem)
            self._signers[principal_id] = signer
        return signer

    def signer(self, principal_id: str) -> Signer:
        """The current signer of ``principal_id``; loaded once, then served from memory."""
        with self._lock:
            cached = self._signers.get(principal_id)
            if cached is not None:
                return cached
            if not PRINCIPAL_ID.fullmatch(principal_id):
                raise NotFound(f"没有签名人 {principal_id!r}")
            base = self.directory / "signers" / principal_id
            try:
                certificate = x509.load_pem_x509_certificate(base.with_name(f"{principal_id}.cert.pem").read_bytes())
                key_pem = base.with_name(f"{principal_id}.key.pem").read_bytes()
            except FileNotFoundError as exc:
                raise NotFound(f"没有签名人 {principal_id!r}") from exc
            key = _decrypt(key_pem, self._master_key, f"签名人 {principal_id} 的私钥")
            if key.public_key() != certificate.public_key():
                raise KeyStoreError(f"签名人 {principal_id} 的私钥与证书不匹配")
            identity = Identity.from_certificate(certificate)
            signer = Signer(identity.principal_id, identity.name, identity.roles, certificate,
                            identity.certificate_sha256, key)
            self._signers[principal_id] = signer
            return signer

    def identities(self) -> list[Identity]:
        """Every signer certificate this authority ever issued, oldest first."""
        found = []
        for path in sorted((self.directory / "issued").glob("*.cert.pem")):
            found.append(Identity.from_certificate(x509.load_pem_x509_certificate(path.read_bytes())))
        found.sort(key=lambda identity: (identity.certificate.not_valid_before_utc, identity.principal_id))
        return found


# --------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def _process_lock(directory: Path) -> Iterator[None]:
    """Serialises writers across processes (several API workers share one key store)."""
    with open(directory / ".lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _key_usage(**flags: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{name: flags.get(name, False) for name in names})


def _encrypt(key: ec.EllipticCurvePrivateKey, master_key: MasterKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(master_key.key))


def _decrypt(pem: bytes, master_key: MasterKey, what: str) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=master_key.key)
    except (ValueError, TypeError) as exc:
        raise KeyStoreError(f"无法解密{what}：主密钥不对或文件已损坏") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise KeyStoreError(f"{what}不是 P-256 ECDSA 密钥")
    return key


def _write(path: Path, data: bytes, secret: bool = False) -> None:
    """Atomic write; secrets are created 0600 from the start."""
    write_atomically(path, data, 0o600 if secret else 0o644)
