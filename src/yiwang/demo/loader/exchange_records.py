"""Reading the registry records of the hand-written people and firms (``exchange/records.yaml``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yiwang.core.errors import LoadError
from yiwang.demo.loader.files import DATA_DIR, Problems, read_file

EXCHANGE_DIR = DATA_DIR / "exchange"
RECORDS_FILE = "exchange/records.yaml"


@dataclass(frozen=True)
class RelativeDate:
    """``{days_ago: N}`` in records.yaml: N days before the record is first loaded."""

    days_ago: int

    def on(self, today: dt.date) -> str:
        return (today - dt.timedelta(days=self.days_ago)).isoformat()


@dataclass(frozen=True)
class RecordSpec:
    registry: str
    index: int
    values: dict[str, Any]  # field name -> value, or a RelativeDate

    @property
    def path(self) -> str:
        return f"records.{self.registry}[{self.index}]"

    def resolved(self, today: dt.date) -> dict[str, Any]:
        return {
            name: value.on(today) if isinstance(value, RelativeDate) else value
            for name, value in self.values.items()
        }

    @property
    def fixed(self) -> dict[str, Any]:
        """The values that do not depend on the day of loading."""
        return {k: v for k, v in self.values.items() if not isinstance(v, RelativeDate)}


def read_exchange_records(data_dir: Path = DATA_DIR) -> tuple[RecordSpec, ...]:
    """Read ``exchange/records.yaml``; its values are checked against the registries' data
    elements when they are loaded (see :func:`yiwang.demo.services.load_exchange`)."""
    problems = Problems()
    doc = read_file(data_dir, "exchange-records", problems, file=RECORDS_FILE)
    if problems.items or doc is None:
        raise LoadError(problems.items)
    out = []
    for registry, rows in doc["records"].items():
        for i, row in enumerate(rows):
            values = {
                name: RelativeDate(value["days_ago"]) if isinstance(value, dict) else value
                for name, value in row.items()
            }
            out.append(RecordSpec(registry=registry, index=i, values=values))
    return tuple(out)
