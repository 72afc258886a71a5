"""Wiring: one installation's catalogue, storage, keys, converters and workflows, from settings."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .approvals import Approver
from .catalogue import Catalogue
from .config import Settings
from .converters import Converter, converter_for
from .errors import NotFound
from .issuance import Issuer
from .pki import Authority, MasterKey
from .principals import Principals
from .published import PublishedSchemas
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
    def schemas(self) -> PublishedSchemas:
        """The released schemas as clients fetch them (self-contained, resolvable ``$id``s)."""
        return PublishedSchemas(self.catalogue)

    @cached_property
    def storage(self) -> Storage:
        return Storage(self.settings.data_dir, self.settings.database_path)

    @cached_property
    def converter(self) -> Converter:
        """LibreOffice processes, or the test-only fixed PDF (``DOCGEN_CONVERTER``)."""
        return converter_for(self.settings, self.settings.data_dir / "converters")

    @cached_property
    def issuer(self) -> Issuer:
        return Issuer(self.catalogue, self.storage, self.converter, self.authority, self.settings.agency)

    @cached_property
    def approver(self) -> Approver:
        return Approver(self.issuer, self.settings.calendar)

    @cached_property
    def principals(self) -> Principals:
        return Principals(self.storage.db, self.authority)

    def trust_bundle(self) -> TrustBundle:
        """The agency root, every signer certificate ever issued, and every version's workflow."""
        return TrustBundle.build(self.authority, self.catalogue.workflows())
