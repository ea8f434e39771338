"""Model fields of our own."""

from __future__ import annotations

from typing import Any

from django.db import models


class OrderedJSONField(models.JSONField):
    """JSON kept as it was written, the order of an object's keys included, on every database.

    Django's JSONField is a ``jsonb`` column on PostgreSQL, which reorders the keys of every
    object. Definitions rely on the order their authors wrote: the questions of a group are asked
    in the order of their ``properties``. On PostgreSQL this field is a ``json`` column, which
    keeps the text; reading into it (``->``, ``->>``) works as on ``jsonb``, containment and
    equality do not. Elsewhere it is Django's JSONField unchanged.
    """

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        from django.db.backends.postgresql.operations import get_json_dumps
        from psycopg.types.json import Json

        if not prepared:
            value = self.get_prep_value(value)
        # Sent as json, not jsonb: a jsonb value cast to json would come back with its keys sorted.
        return Json(value, dumps=get_json_dumps(self.encoder))
