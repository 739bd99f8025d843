"""Models of the exchange app: what each reader's TAXII collections hold and since when
(`ledger`), STIX objects posted or polled and their status resources (`imports`), and
members' own TAXII servers the hub polls (`sources`)."""

from .imports import ImportedObject, ImportJob
from .ledger import CollectionEntry
from .sources import TaxiiSource

__all__ = ["CollectionEntry", "ImportJob", "ImportedObject", "TaxiiSource"]
