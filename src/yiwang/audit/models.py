"""The audit log: events, the Merkle leaves that seal them, and signed checkpoints.

All three tables are append-only. The database refuses UPDATE, DELETE and TRUNCATE with triggers
(migration 0002); these models refuse the same through the ORM, so a mistake fails loudly in
development instead of at the database.

There are deliberately no foreign keys, neither to accounts (the log must outlive them) nor
between the audit tables (the sealer bulk-loads a million leaves without a lookup per row, and the
verifier, not a constraint, is what proves the tables agree).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, NoReturn

from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext_lazy as _

from yiwang.audit.constants import RUN_LOST_AFTER, ActorType
from yiwang.audit.wording import problem_detail, problem_summary
from yiwang.core import clock


class AppendOnlyError(Exception):
    """Something tried to change or delete an audit record."""

    def __init__(self, model: str) -> None:
        super().__init__(f"{model} records are append-only: they cannot be changed or deleted")


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def _refuse(self) -> NoReturn:
        raise AppendOnlyError(self.model._meta.label)

    def update(self, **kwargs: Any) -> NoReturn:
        self._refuse()

    def delete(self) -> NoReturn:  # type: ignore[override]  # refusing is the point
        self._refuse()

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse()


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(self._meta.label)
        # Never let Django try an UPDATE first when the primary key is already set.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(self._meta.label)


# Set on an event whose INSERT the connection holds back (see services._insert): sends it.
SEND_HELD = "_send_held"


class _EventId(DeferredAttribute):
    """An event's id. On PostgreSQL the INSERT of a new event travels with the transaction's
    next message, and the id with its result; asking for the id before then sends it at once."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        data = instance.__dict__
        if "id" not in data and (send := data.get(SEND_HELD)) is not None:
            send()
            return data.get("id")
        return super().__get__(instance, cls)


class EventIdField(models.BigAutoField):
    """Django's id, read through :class:`_EventId`. The column is the same: migrations see the
    BigAutoField they created (altering the field would rebuild the table on SQLite, and with
    it drop the append-only triggers)."""

    descriptor_class = _EventId

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.BigAutoField", args, kwargs


class AuditEvent(AppendOnlyModel):
    """One thing that happened, written in the same transaction as the change it records."""

    id = EventIdField(auto_created=True, primary_key=True, serialize=False, verbose_name=_("ID"))
    created_at = models.DateTimeField(_("time"), db_index=True)
    actor_type = models.CharField(_("actor type"), max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(_("actor id"), max_length=100, blank=True)
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    actor_department = models.CharField(_("actor's department"), max_length=32, blank=True)
    actor_role = models.CharField(_("actor's role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=100)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=100, blank=True)
    # Stored as the canonical JSON text that is hashed, so verifying needs no re-encoding.
    subjects_json = models.TextField(_("data subjects"), default="[]")
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    data_json = models.TextField(_("data"), default="{}")
    # Computed when the event is written; the sealer commits to this value.
    content_hash = models.BinaryField(_("content hash"), max_length=32)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering: ClassVar = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"

    @property
    def subjects(self) -> list[str]:
        return list(json.loads(self.subjects_json))

    @property
    def data(self) -> dict[str, Any]:
        return dict(json.loads(self.data_json))


class Leaf(AppendOnlyModel):
    """An event's position in the Merkle tree, with the content hash that was sealed."""

    leaf_index = models.BigIntegerField(_("position"), primary_key=True)
    event_id = models.BigIntegerField(_("event"), unique=True)
    content_hash = models.BinaryField(_("content hash"), max_length=32)

    class Meta:
        verbose_name = _("sealed entry")
        verbose_name_plural = _("sealed entries")
        ordering: ClassVar = ["leaf_index"]

    def __str__(self) -> str:
        return f"{self.leaf_index}: event {self.event_id}"


class Checkpoint(AppendOnlyModel):
    """A signed tree head: the root over the first ``tree_size`` leaves."""

    tree_size = models.BigIntegerField(_("tree size"), unique=True)
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    created_at = models.DateTimeField(_("time"))
    key_id = models.CharField(_("key id"), max_length=16)
    signature = models.BinaryField(_("signature"), max_length=64)
    # Roots of the perfect subtrees left of tree_size: the next seal extends the tree from here.
    frontier = models.BinaryField(_("frontier"))

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering: ClassVar = ["tree_size"]

    def __str__(self) -> str:
        return f"tree size {self.tree_size}"


class VerificationRun(models.Model):
    """A verification of the whole log asked for in the back office, run by a worker.

    Not part of the log (it may be updated as the run goes), and not its proof: the events
    ``audit.verification_requested`` and ``audit.verified`` are. It is what the audit page shows.
    """

    requested_at = models.DateTimeField(_("requested"))
    # The account's id and name as they were, like the log itself: the run outlives accounts.
    requester_id = models.CharField(_("requested by (id)"), max_length=100, blank=True)
    requester_label = models.CharField(_("requested by"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    ok = models.BooleanField(_("log intact"), null=True, blank=True)
    events = models.BigIntegerField(_("events"), null=True, blank=True)
    sealed = models.BigIntegerField(_("sealed"), null=True, blank=True)
    awaiting = models.BigIntegerField(_("awaiting seal"), null=True, blank=True)
    checkpoints = models.BigIntegerField(_("checkpoints"), null=True, blank=True)
    problems = models.BigIntegerField(_("problems"), null=True, blank=True)
    # The first problem, as the report gives it (kind, subject, ref, detail, message).
    problem = models.JSONField(_("first problem"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("verification run")
        verbose_name_plural = _("verification runs")
        ordering: ClassVar = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"verification {self.pk} of {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def pending(self) -> bool:
        """Waiting for a worker or running, and not yet taken as lost."""
        return self.finished_at is None and self.requested_at >= clock.now() - RUN_LOST_AFTER

    @property
    def problem_text(self) -> str:
        """The first problem, worded in the reader's language."""
        return problem_summary(self.problem)

    @property
    def problem_reason(self) -> str:
        """Why the first problem is one, in the reader's language ("" if it cannot be said)."""
        return problem_detail(self.problem)


class SearchTerm(models.Model):
    """One way into the log for the auditors' search: a data subject (``person:…``, ``firm:…``),
    the actor (``actor:<id>``), the record (``object:<type>:<id>``, and ``record:<id>`` by its id
    alone) or the action (``action:<action>``) of a sealed event.

    Not part of the log and not its proof: it is built from sealed events off the write path
    (:mod:`yiwang.audit.search_index`), may lag behind them, and can be rebuilt. A search always
    checks the event itself too, so an entry that no longer matches finds nothing.
    """

    pk = models.CompositePrimaryKey("term", "event")
    term = models.CharField(_("term"), max_length=210)
    # A join for the search to follow, without a constraint (see the module's docstring) or an
    # index of its own: the primary key's index, by term then event, is the one searches read.
    event = models.ForeignKey(
        AuditEvent,
        verbose_name=_("event"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="search_terms",
    )

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self) -> str:
        return f"{self.term}: event {self.event_id}"


class SearchIndexProgress(models.Model):
    """How much of the sealed log the search terms cover: the first ``tree_size`` entries, which
    is always a checkpoint's tree size. One row."""

    tree_size = models.BigIntegerField(_("tree size"), default=0)

    class Meta:
        verbose_name = _("search index progress")
        verbose_name_plural = _("search index progress")

    def __str__(self) -> str:
        return f"search index through tree size {self.tree_size}"
