"""Sessions in the database, as Django keeps them, read with SQL written once.

Every signed-in request reads its session row first. Django's database store builds that
query through the ORM each time, which costs more than the database takes to answer it; the
query itself is the same here (the key, not expired), and so is everything else.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        key = self.session_key
        if not key:
            return None
        model = self.get_model_class()
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        sql = (
            f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)} "  # noqa: S608
            f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        now = model._meta.get_field("expire_date").get_db_prep_value(timezone.now(), connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, now])
            row = cursor.fetchone()
        if row is None:  # unknown or expired: a new session, as Django does
            self._session_key = None
            return None
        return model(session_key=key, session_data=row[0])
