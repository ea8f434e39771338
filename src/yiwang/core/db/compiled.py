"""Querysets built into SQL once per process, then run again and again with another value.

Django compiles a queryset into SQL on every evaluation: for a query with a few joins that costs
more time in Python than the database takes to answer it. A few queries run on nearly every
request or write (the session's account, the application a submission or decision locks); for
those, :class:`CompiledQuery` compiles the queryset once per database, with a placeholder value,
and afterwards only swaps the value in and turns rows into model instances the way Django does
(related objects from ``select_related`` included).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)

# Stands for the value while compiling; no real key or id is this number.
_PLACEHOLDER = -7_919_000_000_001


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]
    for_update: bool
    compiler: Any
    model: type[Model]
    init_list: tuple[str, ...]
    fields: slice
    populators: tuple[Any, ...]


class CompiledQuery(Generic[M]):
    """``build(value)`` gives the queryset for a value (an id); :meth:`all` runs it for one.

    The queryset must select model instances (no ``values()``), and ``value`` must appear in
    it as a parameter, compared with an integer column. Built lazily on first use, per
    database alias.
    """

    def __init__(self, build: Callable[[int], QuerySet[M]]) -> None:
        self._build = build
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, using: str) -> _Compiled:
        queryset = self._build(_PLACEHOLDER)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = tuple(i for i, p in enumerate(params) if p == _PLACEHOLDER)
        if not slots:
            raise ValueError("the queryset does not use the value it was built with")
        klass_info = compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        # (django-stubs describes a later Django, whose signature has one more argument)
        populators = get_related_populators(klass_info, compiler.select, using)  # type: ignore[call-arg]
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=slots,
            for_update=bool(queryset.query.select_for_update),
            compiler=compiler,
            model=klass_info["model"],
            init_list=tuple(f[0].target.attname for f in compiler.select[start:end]),
            fields=slice(start, end),
            populators=tuple(populators),
        )

    def all(self, value: int, using: str = DEFAULT_DB_ALIAS) -> list[M]:
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(using) or self._compile(using)
                self._compiled[using] = compiled
        connection = connections[using]
        if compiled.for_update and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(compiled.params)
        for slot in compiled.slots:
            params[slot] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        found: list[M] = []
        for row in compiled.compiler.results_iter([rows]):
            obj = compiled.model.from_db(using, compiled.init_list, row[compiled.fields])
            for populator in compiled.populators:
                populator.populate(row, obj)
            found.append(obj)  # type: ignore[arg-type]
        return found
