"""Load the demo world into the database.

Loading is idempotent: every record is found by its natural key (region and department code,
user name, national id or passport, credit code) and only what is missing or different is
written, so a second load with the same files and the same seed writes nothing and records no
audit event. The loader adds and updates; it never deletes what it finds in the database.

The hand-written part goes through the identity services, which check the actor and write one
audit event per change. Generated people and firms are written in bulk: see
:func:`load_generated_people` for how they are audited.
"""

from __future__ import annotations

from yiwang.demo.services._common import (
    DEFAULT_SEED,
    DemoRefusedError,
    demo_actor,
    refuse_in_production,
)
from yiwang.demo.services.bulk import BATCH_SIZE, LOOKUP_CHUNK
from yiwang.demo.services.catalogue import SERVICES_DIR, load_catalogue
from yiwang.demo.services.exchange import (
    EXCHANGE_DEFINITIONS,
    LEGAL_ENTITY,
    POPULATION,
    RECORDS_REASON,
    ExchangeReport,
    load_exchange,
    registry_officer,
)
from yiwang.demo.services.generated import (
    BulkReport,
    Progress,
    legal_entity_row,
    load_generated_firms,
    load_generated_people,
    population_row,
)
from yiwang.demo.services.world import LoadReport, load_world

__all__ = [
    "BATCH_SIZE",
    "DEFAULT_SEED",
    "EXCHANGE_DEFINITIONS",
    "LEGAL_ENTITY",
    "LOOKUP_CHUNK",
    "POPULATION",
    "RECORDS_REASON",
    "SERVICES_DIR",
    "BulkReport",
    "DemoRefusedError",
    "ExchangeReport",
    "LoadReport",
    "Progress",
    "demo_actor",
    "legal_entity_row",
    "load_catalogue",
    "load_exchange",
    "load_generated_firms",
    "load_generated_people",
    "load_world",
    "population_row",
    "refuse_in_production",
    "registry_officer",
]
