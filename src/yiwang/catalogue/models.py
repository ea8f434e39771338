"""Service and bundle definitions and their versions.

A definition (``ServiceDefinition``, ``BundleDefinition``) is the stable code; each loaded
content is a numbered version. A version's content never changes once written: applications keep
the version they started with, and a new content is a new version. A version is a draft, published
or retired; at most one version of a definition is published at a time, and the definition points
to it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from yiwang.catalogue.constants import VersionState
from yiwang.core import clock
from yiwang.core.errors import YiwangError
from yiwang.core.fields import OrderedJSONField
from yiwang.core.fsm import ConcurrentStateMachine
from yiwang.core.models import TimeStampedModel


class ImmutableVersionError(YiwangError):
    """Somebody tried to change the content of a stored version."""


class BaseDefinition(TimeStampedModel):
    code = models.CharField(_("code"), max_length=64, unique=True)

    class Meta:
        abstract = True
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return self.code


# The code of each version read without its definition, by (model, id, content hash).
_CODES: dict[tuple[type, int, str], str] = {}


class BaseVersion(ConcurrentStateMachine, models.Model):
    """One immutable content of a definition, with its lifecycle state."""

    number = models.PositiveIntegerField(_("version"))
    definition = OrderedJSONField(_("definition"))
    content_hash = models.CharField(max_length=64)
    state = FSMField(
        _("state"), default=VersionState.DRAFT, choices=VersionState.choices, protected=True
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    source = models.CharField(_("source file"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=clock.now)
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    # Only the lifecycle may change after the version is written.
    MUTABLE_FIELDS: ClassVar[frozenset[str]] = frozenset({"state", "published_at", "retired_at"})

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.code} v{self.number} ({self.state})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                frozen = set(update_fields) - self.MUTABLE_FIELDS
                if frozen:
                    raise ImmutableVersionError(
                        f"{self}: {', '.join(sorted(frozen))} cannot change; load a new version"
                    )
            else:
                self._refuse_content_change()
        super().save(*args, **kwargs)

    def _refuse_content_change(self) -> None:
        fields = [
            f.attname
            for f in self._meta.concrete_fields
            if f.name not in self.MUTABLE_FIELDS and not f.primary_key
        ]
        stored = type(self)._default_manager.filter(pk=self.pk).values(*fields).first()
        if stored is None:
            return
        changed = sorted(name for name in fields if stored[name] != getattr(self, name))
        if changed:
            raise ImmutableVersionError(
                f"{self}: {', '.join(changed)} cannot change; load a new version"
            )

    @property
    def code(self) -> str:
        definition = self.__dict__.get("definition")
        if definition is not None:
            return str(definition["code"])
        # Read without its definition (a large document most pages do not need): a version's
        # content never changes, so its code is kept per process once the definition is read.
        key = (type(self), self.pk, self.content_hash)
        code = _CODES.get(key)
        if code is None:
            code = _CODES[key] = str(self.definition["code"])
        return code

    @property
    def name(self) -> str:
        lang = (get_language() or "zh-hans").lower()
        return self.name_en if lang.startswith("en") else self.name_zh

    # The lifecycle. django-fsm refuses every transition not declared here.
    @transition(field=state, source=VersionState.DRAFT, target=VersionState.PUBLISHED)
    def publish(self) -> None:
        self.published_at = clock.now()

    @transition(
        field=state,
        source=[VersionState.DRAFT, VersionState.PUBLISHED],
        target=VersionState.RETIRED,
    )
    def retire(self) -> None:
        self.retired_at = clock.now()


class ServiceDefinition(BaseDefinition):
    published_version = models.OneToOneField(
        "ServiceVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta(BaseDefinition.Meta):
        verbose_name = _("service")


class ServiceVersion(BaseVersion):
    service = models.ForeignKey(
        ServiceDefinition, on_delete=models.PROTECT, related_name="versions"
    )
    department_code = models.CharField(_("department"), max_length=32, db_index=True)
    audience = models.CharField(_("audience"), max_length=16)

    class Meta:
        verbose_name = _("service version")
        ordering: ClassVar = ["service_id", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["service", "number"], name="service_version_unique"),
        ]


class BundleDefinition(BaseDefinition):
    published_version = models.OneToOneField(
        "BundleVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta(BaseDefinition.Meta):
        verbose_name = _("bundle")


class BundleVersion(BaseVersion):
    bundle = models.ForeignKey(BundleDefinition, on_delete=models.PROTECT, related_name="versions")
    life_event_code = models.CharField(_("life event"), max_length=64, db_index=True)
    audience = models.CharField(_("audience"), max_length=16)

    class Meta:
        verbose_name = _("bundle version")
        ordering: ClassVar = ["bundle_id", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["bundle", "number"], name="bundle_version_unique"),
        ]
