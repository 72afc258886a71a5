"""Wiring: one installation's catalogue, storage, keys, converters and workflows, from settings."""
from __future__ import annotations

import logging
import os
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path
from functools import cached_property
from typing import Any, Callable

from . import boot, metrics
from .approvals import Approver
from .cases import CaseStore
from .catalogue import Catalogue
from .config import Settings
from .converters import Converter, Metered, converter_for
from .drafts import Drafts
from .errors import NotFound, VerifierBusy
from .issuance import Issuer
from .lock import InstanceLock
from .pki import Authority
from .previews import Previewer
from .principals import Principals
from .sandbox import BudgetExceeded, Sandbox
from .published import PublishedSchemas
from .publicity import PublicityStore, Renditions, Withholding
from .stages import Stages
from .database import Database
from .errors import DocgenError
from .storage import BlobStore, DatabaseBlobStore, Storage, connect, pending
from .tlog import note
from .tlog.log import Log, Publisher, backfill
from .trust import TrustBundle
from .verify import VerificationReport
from .verify_job import public_renditions, verify_files, verify_public_file
from .voiding import Voider
from .register import NumberRegister


class SchemaBehind(DocgenError):
    status = 503
    type = "schema-behind"
    title = "数据库架构需要迁移"


def _own_runtime_dir(parent: Path) -> Path:
    """``<parent>/<host>-<pid>`` for this process; those of dead processes on this host are removed."""
    host = socket.gethostname()
    parent.mkdir(parents=True, exist_ok=True)
    for other in parent.glob(f"{host}-*"):
        pid = other.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(other, ignore_errors=True)
    return parent / f"{host}-{os.getpid()}"


def authority(settings: Settings, create: bool = False) -> Authority:
    """The installation's root CA under ``<data dir>/pki``; created on first use if asked to."""
    master_key = settings.master_key()
    directory = settings.data_dir / "pki"
    try:
        return Authority.load(directory, master_key)
    except NotFound:
        if not create:
            raise
        return Authority.create(directory, settings.agency["name"], master_key)


@dataclass
class Service:
    settings: Settings
    authority: Authority
    boot_id: str = ""
    _lock: InstanceLock | None = field(default=None, repr=False)

    def claim(self) -> boot.Boot:
        """Start serving: on SQLite become the one server of this data directory (lock it, or refuse
        with ``DataDirInUse``); on PostgreSQL many servers share the database and the data directory.
        Then start a boot that frees what crashed servers left in flight."""
        sqlite_path = self.settings.store.sqlite_path
        if sqlite_path is not None:
            lock = InstanceLock([self.settings.data_dir / "docgen.lock",
                                 sqlite_path.with_name(sqlite_path.name + ".lock")])
            lock.acquire()
            self._lock = lock
        started = boot.begin(self.storage.db)
        self.boot_id = started.id
        logged = backfill(self.log, self.storage.db)  # files issued before the log existed get their leaves
        if logged:
            logging.getLogger("docgen").warning("启动时为透明日志建立之前签发的 %d 个文件补记了叶子", logged)
        reconciled = self.publicity.reconcile_voids()  # decisions voided before voids reached publicity
        if reconciled:
            logging.getLogger("docgen").warning("启动时为 %d 个在此前版本中作废的决定更新了公示记录", reconciled)
        if started.reclaimed_numbers or started.reclaimed_keys:
            logging.getLogger("docgen").warning(
                "启动时收回了上次异常退出留下的 %d 个文书编号预留和 %d 个幂等键", started.reclaimed_numbers,
                started.reclaimed_keys)
        return started

    @cached_property
    def catalogue(self) -> Catalogue:
        catalogue = Catalogue(self.settings.catalogue_dir, self.settings.calendar, self.settings.choices)
        catalogue.verify()
        return catalogue

    @cached_property
    def schemas(self) -> PublishedSchemas:
        """The released schemas as clients fetch them (self-contained, resolvable ``$id``s)."""
        return PublishedSchemas(self.catalogue)

    @cached_property
    def database(self) -> Database:
        """The records' database, migrated at start unless ``DOCGEN_MIGRATE=explicit``."""
        store = self.settings.store
        db = connect(store.database_url, upgrade=store.migrate == "startup", pool_size=store.pool_size)
        behind = pending(db)
        if behind:
            db.close()
            raise SchemaBehind(f"数据库的架构落后 {behind} 个版本：请先运行 docgen migrate（DOCGEN_MIGRATE=explicit）")
        return db

    @cached_property
    def storage(self) -> Storage:
        store = self.settings.store
        blobs = (DatabaseBlobStore(self.database, self.settings.data_dir / "blobstage")
                 if store.blob_store == "database" else BlobStore(store.blob_dir))
        return Storage(self.settings.data_dir, self.database, blobs)

    @cached_property
    def converter(self) -> Converter:
        """LibreOffice processes, or the test-only fixed PDF (``DOCGEN_CONVERTER``).

        Their profiles live under ``<data dir>/converters``, which a converter pool wipes at start:
        on PostgreSQL, where servers may share the data directory, each process gets its own."""
        directory = self.settings.data_dir / "converters"
        if self.settings.store.postgres:
            directory = _own_runtime_dir(directory)
        return Metered(converter_for(self.settings, directory))

    @cached_property
    def stages(self) -> Stages:
        """The one way every signed file is produced, stored and logged."""
        return Stages(self.storage, self.converter, self.authority, self.settings.agency, self.log,
                      min_free=self.settings.limits.min_free)

    @cached_property
    def log(self) -> Log:
        """The transparency log: its origin (``DOCGEN_LOG_ORIGIN``, else the one it already signed
        checkpoints under, else ``docgen/<installation id>``) is also its key's name; the key lives
        with the agency's signing material (``pki/log.key.pem``)."""
        settings = self.settings.log
        origin = settings.origin or Log.signed_origin(self.storage.db) or f"docgen/{self.authority.installation_id}"
        try:
            witnesses = tuple(note.VerifierKey.parse(vkey) for vkey in settings.witnesses)
        except note.NoteError as exc:
            raise ValueError(f"环境变量 DOCGEN_LOG_WITNESSES 有误：{exc}") from None
        key = note.SignerKey(note.check_name(origin), note.ED25519, self.authority.log_key())
        return Log(self.storage.db, origin, key, witnesses)

    @cached_property
    def publisher(self) -> Publisher:
        """Signs checkpoints every ``DOCGEN_CHECKPOINT_INTERVAL`` seconds while the server runs."""
        return Publisher(self.log, self.settings.log.checkpoint_interval)

    @cached_property
    def issuer(self) -> Issuer:
        issuer = Issuer(self.catalogue, self.stages, boot_id=self.boot_id)
        issuer.cases = self.cases
        issuer.publicity = self.publicity
        return issuer

    @cached_property
    def publicity(self) -> PublicityStore:
        """Publicity (公示) records: opened when a decision to publish is issued."""
        return PublicityStore(self.storage.db, self.stages.agency)

    @cached_property
    def withholding(self) -> Withholding:
        """拟不予公开: proposals and their signed approvals."""
        return Withholding(self.publicity, self.storage, self.authority)

    @cached_property
    def renditions(self) -> Renditions:
        """Public renditions (公示文本), through ``stages``."""
        return Renditions(self.publicity, self.catalogue, self.stages)

    @cached_property
    def cases(self) -> CaseStore:
        """Cases (一案一卷): their numbers, events, documents; they fill the payloads issued for them."""
        return CaseStore(self.storage.db, self.catalogue.registry, self.settings.calendar, self.settings.agency,
                         self.boot_id)

    @cached_property
    def approver(self) -> Approver:
        return Approver(self.catalogue, self.stages, self.settings.calendar)

    @cached_property
    def voider(self) -> Voider:
        """Voiding (作废) by the agency's ``void_roles``: a signed stage that ends the chain."""
        voider = Voider(self.stages, self.stages.agency.void_roles)
        voider.publicity = self.publicity
        return voider

    @cached_property
    def register(self) -> NumberRegister:
        """The 文书编号 register: what became of every number of a prefix and year."""
        return NumberRegister(self.storage, self.stages.agency.numbering)

    @cached_property
    def principals(self) -> Principals:
        return Principals(self.storage.db, self.authority)

    @cached_property
    def sandbox(self) -> Sandbox:
        """Worker processes for verification: never in the event loop, always within budget."""
        limits = self.settings.limits
        return Sandbox(limits.verify_workers, limits.verify_queue, limits.verify_seconds, limits.verify_memory)

    async def _counted(self, ok: Callable[[Any], bool], job: Callable[..., Any], *args: Any) -> Any:
        """``job(*args)`` in a sandbox worker (``SandboxError`` past its budget), timed and counted by
        outcome: verified / failed (by ``ok``), rejected (unreadable material), busy, budget."""
        outcome = "rejected"  # the sandbox raised: unreadable material
        try:
            with metrics.timed(metrics.VERIFICATION_SECONDS):
                result = await self.sandbox.run(job, *args)
            outcome = "verified" if ok(result) else "failed"
            return result
        except VerifierBusy:
            outcome = "busy"
            raise
        except BudgetExceeded:
            outcome = "budget"
            raise
        finally:
            metrics.VERIFICATIONS.labels(outcome).inc()

    async def verify(self, files: list[tuple[str, bytes]], trust_json: bytes,
                     complete: bool = False) -> VerificationReport:
        """The verifier's report, computed in a sandbox worker."""
        report: VerificationReport = await self._counted(lambda r: r.ok, verify_files, files, trust_json, complete)
        return report

    async def verify_public(self, name: str, data: bytes, trust_json: bytes,
                            original: tuple[str, bytes] | None) -> dict[str, Any]:
        """A public rendition's report (``verify.public``), in a sandbox worker and counted like ``verify``."""
        report: dict[str, Any] = await self._counted(lambda r: bool(r["ok"]), verify_public_file, name, data,
                                                     trust_json, original)
        return report

    async def public_renditions(self, files: list[tuple[str, bytes]]) -> list[bool]:
        """Which uploaded files are public renditions (公示文本), read in a sandbox worker like ``verify``."""
        flags: list[bool] = await self.sandbox.run(public_renditions, files)
        return flags

    @cached_property
    def drafts(self) -> Drafts:
        return Drafts(self.storage.db, self.catalogue)

    @cached_property
    def previewer(self) -> Previewer:
        return Previewer(self.issuer)

    def close(self) -> None:
        """Give back database connections (and with them, on PostgreSQL, this boot's lock)."""
        if "storage" in self.__dict__ and isinstance(self.storage.blobs, DatabaseBlobStore):
            self.storage.blobs.close()
        if "database" in self.__dict__:
            self.database.close()

    def trust_bundle(self) -> TrustBundle:
        """The agency root, every signer certificate ever issued, and every version's workflow."""
        return TrustBundle.build(self.authority, self.catalogue.workflows(), void_roles=self.stages.agency.void_roles,
                                 log_keys=(self.log.vkey.encode(),))
