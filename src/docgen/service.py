"""Wiring: one installation's catalogue, storage, keys, converters and workflows, from settings."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

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
from .stages import Stages
from .storage import Storage
from .trust import TrustBundle
from .verify import VerificationReport
from .verify_job import verify_files


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
        """Become the one server of this data directory: lock it (or refuse, ``DataDirInUse``),
        then start a boot that frees what a crashed predecessor left in flight."""
        paths = [self.settings.data_dir / "docgen.lock", self.settings.database_path.with_name(
            self.settings.database_path.name + ".lock")]
        lock = InstanceLock(paths)
        lock.acquire()
        self._lock = lock
        started = boot.begin(self.storage.db)
        self.boot_id = started.id
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
    def storage(self) -> Storage:
        return Storage(self.settings.data_dir, self.settings.database_path)

    @cached_property
    def converter(self) -> Converter:
        """LibreOffice processes, or the test-only fixed PDF (``DOCGEN_CONVERTER``)."""
        return Metered(converter_for(self.settings, self.settings.data_dir / "converters"))

    @cached_property
    def stages(self) -> Stages:
        """The one way every signed file is produced and stored."""
        return Stages(self.storage, self.converter, self.authority, self.settings.agency,
                      min_free=self.settings.limits.min_free)

    @cached_property
    def issuer(self) -> Issuer:
        issuer = Issuer(self.catalogue, self.stages, boot_id=self.boot_id)
        issuer.cases = self.cases
        return issuer

    @cached_property
    def cases(self) -> CaseStore:
        """Cases (一案一卷): their numbers, events, documents; they fill the payloads issued for them."""
        return CaseStore(self.storage.db, self.catalogue.registry, self.settings.calendar, self.settings.agency,
                         self.boot_id)

    @cached_property
    def approver(self) -> Approver:
        return Approver(self.catalogue, self.stages, self.settings.calendar)

    @cached_property
    def principals(self) -> Principals:
        return Principals(self.storage.db, self.authority)

    @cached_property
    def sandbox(self) -> Sandbox:
        """Worker processes for verification: never in the event loop, always within budget."""
        limits = self.settings.limits
        return Sandbox(limits.verify_workers, limits.verify_queue, limits.verify_seconds, limits.verify_memory)

    async def verify(self, files: list[tuple[str, bytes]], trust_json: bytes,
                     complete: bool = False) -> VerificationReport:
        """The verifier's report, computed in a sandbox worker (``SandboxError`` past its budget)."""
        outcome = "rejected"  # the sandbox raised: unreadable material
        try:
            with metrics.timed(metrics.VERIFICATION_SECONDS):
                report: VerificationReport = await self.sandbox.run(verify_files, files, trust_json, complete)
            outcome = "verified" if report.ok else "failed"
            return report
        except VerifierBusy:
            outcome = "busy"
            raise
        except BudgetExceeded:
            outcome = "budget"
            raise
        finally:
            metrics.VERIFICATIONS.labels(outcome).inc()

    @cached_property
    def drafts(self) -> Drafts:
        return Drafts(self.storage.db, self.catalogue)

    @cached_property
    def previewer(self) -> Previewer:
        return Previewer(self.issuer)

    def trust_bundle(self) -> TrustBundle:
        """The agency root, every signer certificate ever issued, and every version's workflow."""
        return TrustBundle.build(self.authority, self.catalogue.workflows())
