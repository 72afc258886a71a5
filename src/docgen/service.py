"""Wiring: one installation's catalogue, storage, keys, converters and workflows, from settings."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .approvals import Approver
from .catalogue import Catalogue
from .config import Settings
from .conversion import ConverterPool
from .drafts import Drafts
from .errors import NotFound
from .issuance import Issuer
from .pki import Authority, MasterKey
from .previews import Previewer
from .principals import Principals
from .storage import Storage
from .trust import TrustBundle


def authority(settings: Settings, create: bool = False) -> Authority:
    """The installation's root CA under ``<data dir>/pki``; created on first use if asked to."""
    master_key = MasterKey.from_env_or_file(settings.data_dir)
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

    @cached_property
    def catalogue(self) -> Catalogue:
        catalogue = Catalogue(self.settings.catalogue_dir, self.settings.calendar)
        catalogue.verify()
        return catalogue

    @cached_property
    def storage(self) -> Storage:
        return Storage(self.settings.data_dir, self.settings.database_path)

    @cached_property
    def pool(self) -> ConverterPool:
        s = self.settings
        return ConverterPool(s.converters, s.data_dir / "converters", recycle_after=s.recycle_after,
                             timeout=s.conversion_timeout, queue_limit=s.queue_limit,
                             queue_timeout=s.queue_timeout, uno_python=s.uno_python)

    @cached_property
    def issuer(self) -> Issuer:
        return Issuer(self.catalogue, self.storage, self.pool, self.authority, self.settings.agency)

    @cached_property
    def approver(self) -> Approver:
        return Approver(self.issuer, self.settings.calendar)

    @cached_property
    def principals(self) -> Principals:
        return Principals(self.storage.db, self.authority)

    @cached_property
    def drafts(self) -> Drafts:
        return Drafts(self.storage.db, self.catalogue)

    @cached_property
    def previewer(self) -> Previewer:
        return Previewer(self.issuer)

    def trust_bundle(self) -> TrustBundle:
        """The agency root, every signer certificate ever issued, and every version's workflow."""
        return TrustBundle.build(self.authority, self.catalogue.workflows())
