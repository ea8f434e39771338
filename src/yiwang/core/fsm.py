"""Lifecycles: django-fsm's optimistic locking, with each model's state fields found once."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMFieldMixin


@functools.cache
def _state_fields(model: type[models.Model]) -> tuple[FSMFieldMixin, ...]:
    return tuple(f for f in model._meta.fields if isinstance(f, FSMFieldMixin))


class ConcurrentStateMachine(ConcurrentTransitionMixin):
    """Refuses to save a row whose state changed since it was read (see django-fsm).

    The library looks through all of a model's fields for its state fields every time an
    instance is built, read from the database or saved; a submission builds a few dozen rows,
    so this finds them once per model class instead.
    """

    @property
    def state_fields(self) -> Iterable[FSMFieldMixin]:
        return _state_fields(type(self))  # type: ignore[arg-type]
