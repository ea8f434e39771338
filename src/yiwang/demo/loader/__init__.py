"""Read and check the demo world's data files. Nothing here touches the database.

Every mistake is reported as a :class:`~yiwang.core.errors.LoadProblem` naming the file, the path
inside it (``people[2].national_id``) and the reason; all of them are collected before anything is
written, so a broken file loads nothing.
"""

from yiwang.demo.loader.exchange_records import (
    EXCHANGE_DIR,
    RECORDS_FILE,
    RecordSpec,
    RelativeDate,
    read_exchange_records,
)
from yiwang.demo.loader.files import DATA_DIR, SCHEMA_DIR, format_path
from yiwang.demo.loader.specs import (
    DepartmentSpec,
    FirmSpec,
    Login,
    PersonSpec,
    RegionSpec,
    StaffSpec,
    World,
    logins,
)
from yiwang.demo.loader.world import FILES, read_world

__all__ = [
    "DATA_DIR",
    "EXCHANGE_DIR",
    "FILES",
    "RECORDS_FILE",
    "SCHEMA_DIR",
    "DepartmentSpec",
    "FirmSpec",
    "Login",
    "PersonSpec",
    "RecordSpec",
    "RegionSpec",
    "RelativeDate",
    "StaffSpec",
    "World",
    "format_path",
    "logins",
    "read_exchange_records",
    "read_world",
]
