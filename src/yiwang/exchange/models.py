"""Tables of the exchange. Private to this app: other apps use services, selectors and types.

Reverse accessors from identity models are switched off (``related_name="+"``) so that nobody
reaches registry data by walking from a department or an account.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from yiwang.core.fsm import ConcurrentStateMachine
from yiwang.core.models import TimeStampedModel
from yiwang.exchange.constants import (
    AgreementState,
    Classification,
    CorrectionStatus,
    ElementType,
    FlagStatus,
    Outcome,
    RecordStatus,
    SharingClass,
    Storage,
    SubjectKind,
)
from yiwang.exchange.types import ElementSpec, EnumOption


class Bilingual(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "zh-hans").lower()
        return self.name_en if lang.startswith("en") and self.name_en else self.name_zh


class DataElement(Bilingual, TimeStampedModel):
    """数据元: one standard field, shared by every registry that holds it."""

    code = models.CharField(max_length=64, unique=True)
    description_zh = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    type = models.CharField(max_length=16, choices=ElementType.choices)
    # pattern, enumeration [{value, title_zh, title_en}], min_length, max_length, minimum, maximum
    format = models.JSONField(default=dict, blank=True)
    classification = models.CharField(max_length=16, choices=Classification.choices)
    personal = models.BooleanField(default=False)
    source_file = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("data element")
        verbose_name_plural = _("data elements")

    def spec(self) -> ElementSpec:
        fmt: dict[str, Any] = self.format or {}
        return ElementSpec(
            code=self.code,
            type=self.type,
            name_zh=self.name_zh,
            name_en=self.name_en,
            pattern=fmt.get("pattern"),
            options=tuple(
                EnumOption(str(o["value"]), o.get("title_zh", ""), o.get("title_en", ""))
                for o in fmt.get("enumeration", ())
            ),
            min_length=fmt.get("min_length"),
            max_length=fmt.get("max_length"),
            minimum=fmt.get("minimum"),
            maximum=fmt.get("maximum"),
            classification=self.classification,
            personal=self.personal,
        )


class Purpose(Bilingual, TimeStampedModel):
    """A managed purpose of use (用途) that agreements and reads name."""

    code = models.CharField(max_length=64, unique=True)
    description_zh = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    source_file = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")


class Registry(Bilingual, TimeStampedModel):
    """基础库: the authoritative data of one department about persons or firms."""

    code = models.CharField(max_length=64, unique=True)
    description_zh = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    department = models.ForeignKey(
        "identity.Department", on_delete=models.PROTECT, related_name="+"
    )
    subject_kind = models.CharField(max_length=16, choices=SubjectKind.choices)
    # Field names (not element codes): a registry may hold the same element twice under
    # different names, e.g. the mother's and the father's national id.
    subject_field = models.CharField(max_length=64)
    record_key_field = models.CharField(max_length=64)
    storage = models.CharField(max_length=16, choices=Storage.choices, default=Storage.HOSTED)
    connector = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    source_file = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("registry")
        verbose_name_plural = _("registries")


class RegistryField(models.Model):
    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=64)
    element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="+")
    required = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("registry field")
        verbose_name_plural = _("registry fields")
        ordering: ClassVar = ["registry", "position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["registry", "name"], name="registry_field_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.registry_id}.{self.name}"


class RegistryRecord(models.Model):
    """The current version of one hosted record; every version is in RegistryRecordVersion."""

    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="+")
    record_key = models.CharField(max_length=128)
    subject_key = models.CharField(max_length=32)
    version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    # A copy of the current version's values, so the exchange reads one row per record.
    values = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("registry record")
        verbose_name_plural = _("registry records")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["registry", "record_key"], name="registry_record_key_unique"
            ),
        ]
        indexes: ClassVar = [
            # The exchange's lookup: every record of one subject in one registry.
            models.Index(fields=["registry", "subject_key"], name="registry_record_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.registry_id}/{self.record_key} v{self.version}"


class RegistryRecordVersion(models.Model):
    record = models.ForeignKey(RegistryRecord, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    values = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=RecordStatus.choices)
    changed_by_account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_by_system = models.ForeignKey(
        "DepartmentSystem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who, as shown in the history, even if the account is renamed later.
    changed_by_label = models.CharField(max_length=200)
    reason = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("registry record version")
        verbose_name_plural = _("registry record versions")
        ordering: ClassVar = ["record", "version"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["record", "version"], name="record_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} v{self.version}"


class DepartmentSystem(TimeStampedModel):
    """A department's own IT system acting through the API with its own credentials."""

    department = models.ForeignKey(
        "identity.Department", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("department system")
        verbose_name_plural = _("department systems")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["department", "name"], name="department_system_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.department.code}/{self.name}"

    @property
    def audit_name(self) -> str:
        return f"department-system:{self.department.code}/{self.name}"


class SystemCredential(models.Model):
    """An API token of a department system. Only its SHA-256 is kept; the prefix finds it."""

    system = models.ForeignKey(
        DepartmentSystem, on_delete=models.CASCADE, related_name="credentials"
    )
    prefix = models.CharField(max_length=32, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("system credential")
        verbose_name_plural = _("system credentials")

    def __str__(self) -> str:
        return f"{self.prefix} ({'revoked' if self.revoked_at else 'live'})"


class SharingAgreement(ConcurrentStateMachine, Bilingual, TimeStampedModel):
    """共享协议: a consumer department may read fields of a registry for listed purposes."""

    code = models.CharField(max_length=64, unique=True)
    consumer = models.ForeignKey("identity.Department", on_delete=models.PROTECT, related_name="+")
    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="agreements")
    fields = models.JSONField(default=list)
    purposes = models.ManyToManyField(Purpose, related_name="+")
    legal_basis_zh = models.TextField()
    legal_basis_en = models.TextField()
    legal_basis_url = models.URLField(max_length=500, blank=True)
    sharing_class = models.CharField(max_length=16, choices=SharingClass.choices)
    requires_consent = models.BooleanField(default=False)
    requires_open_case = models.BooleanField(default=False)
    roles = models.JSONField(default=list, blank=True)
    masking = models.JSONField(default=dict, blank=True)
    official_identity_restricted = models.BooleanField(default=False)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    state = FSMField(
        max_length=16,
        choices=AgreementState.choices,
        default=AgreementState.REQUESTED,
        protected=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    state_note = models.TextField(blank=True)
    source_file = models.CharField(max_length=500, blank=True)

    # The transitions only move the state; the services in services/agreements.py check the
    # actor, stamp who and when, bump the policy version and write the audit event.

    class Meta:
        verbose_name = _("sharing agreement")
        verbose_name_plural = _("sharing agreements")

    @transition(field=state, source=AgreementState.REQUESTED, target=AgreementState.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=state, source=AgreementState.REQUESTED, target=AgreementState.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=state, source=AgreementState.APPROVED, target=AgreementState.SUSPENDED)
    def suspend(self) -> None:
        pass

    @transition(field=state, source=AgreementState.SUSPENDED, target=AgreementState.APPROVED)
    def resume(self) -> None:
        pass

    @transition(
        field=state,
        source=[AgreementState.REQUESTED, AgreementState.APPROVED, AgreementState.SUSPENDED],
        target=AgreementState.REVOKED,
    )
    def revoke(self) -> None:
        pass


class PolicyVersion(models.Model):
    """One row: changes whenever anything the authorisation policies depend on changes.

    ``token`` is new at every bump, so a version number that was used inside a transaction
    which then rolled back can never be mistaken for the committed one.
    """

    version = models.BigIntegerField(default=0)
    token = models.CharField(max_length=32, default="")
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")

    def __str__(self) -> str:
        return f"policy version {self.version}"


class Consent(models.Model):
    """A person lets a consumer department read listed fields of a registry for a purpose."""

    subject_key = models.CharField(max_length=32)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    consumer = models.ForeignKey("identity.Department", on_delete=models.PROTECT, related_name="+")
    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="+")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    fields = models.JSONField(default=list)
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes: ClassVar = [
            models.Index(
                fields=["subject_key", "consumer", "registry", "purpose"], name="consent_lookup"
            ),
        ]

    def __str__(self) -> str:
        return f"consent {self.pk} for {self.consumer_id}"


class AccessLogEntry(models.Model):
    """数据使用记录: one read (or refused attempt) of one subject's data, shown to the subject."""

    created_at = models.DateTimeField()
    subject_kind = models.CharField(max_length=16, choices=SubjectKind.choices)
    subject_key = models.CharField(max_length=32)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.CharField(max_length=32)
    consumer = models.ForeignKey(
        "identity.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consumer_code = models.CharField(max_length=32)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    system = models.ForeignKey(
        DepartmentSystem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=32)
    identity_restricted = models.BooleanField(default=False)
    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="+")
    fields = models.JSONField(default=list)
    purpose = models.ForeignKey(
        Purpose, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose_code = models.CharField(max_length=64)
    agreement = models.ForeignKey(
        SharingAgreement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    legal_basis_zh = models.TextField(blank=True)
    legal_basis_en = models.TextField(blank=True)
    legal_basis_url = models.URLField(max_length=500, blank=True)
    case_ref = models.CharField(max_length=64, blank=True)
    # [{"key": record_key, "version": n}] of what was served.
    records = models.JSONField(default=list, blank=True)
    audit_event_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("data-use log entry")
        verbose_name_plural = _("data-use log entries")
        indexes: ClassVar = [
            models.Index(
                fields=["subject_kind", "subject_key", "-created_at"], name="access_log_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} {self.registry_id} {self.created_at:%Y-%m-%d %H:%M}"


class FlagOutcome(models.TextChoices):
    """What the provider's data officer found when closing a flag; the person reads it."""

    EXPLAINED = "explained", _("The use was explained")
    ACTED_ON = "acted_on", _("Misuse found and acted on")


class Flag(models.Model):
    """A person's "this read looks wrong" on an access-log entry, for the provider to look at.

    When a data officer of the provider closes it, the outcome and their note stay on the flag:
    the person who raised it reads them next to it (the audit event keeps them too).
    """

    entry = models.ForeignKey(AccessLogEntry, on_delete=models.PROTECT, related_name="flags")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey("identity.Department", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    created_at = models.DateTimeField()
    # The language the person flagged in: the outcome is written to them in it.
    language = models.CharField(max_length=16, blank=True)
    outcome = models.CharField(max_length=16, choices=FlagOutcome.choices, blank=True)
    closing_note = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        indexes: ClassVar = [
            models.Index(fields=["provider", "status"], name="flag_provider"),
            # The person's own flags, newest first, for their access log and the API.
            models.Index(fields=["raised_by", "-created_at"], name="flag_raised_by"),
        ]

    def __str__(self) -> str:
        return f"flag {self.pk} on {self.entry_id}"


class RegistryCorrectionRequest(models.Model):
    """A person's report that a registry holds a wrong value about them (数据纠错).

    Routed to the department that owns the registry: only it may change its records. The person
    says what is wrong in their own words; the value they believe right stays with the
    application that prompted the report, not here.
    """

    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("identity.Department", on_delete=models.PROTECT, related_name="+")
    subject_kind = models.CharField(max_length=16, choices=SubjectKind.choices)
    subject_key = models.CharField(max_length=32)
    record_key = models.CharField(max_length=128, blank=True)
    record_version = models.PositiveIntegerField(null=True, blank=True)
    field = models.CharField(max_length=64)
    note = models.TextField()
    # Where the person noticed it (an application's reference), for the provider's follow-up.
    case_ref = models.CharField(max_length=64, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The language the person reported in: the outcome is written to them in it.
    language = models.CharField(max_length=16, blank=True)
    status = models.CharField(
        max_length=16, choices=CorrectionStatus.choices, default=CorrectionStatus.OPEN
    )
    created_at = models.DateTimeField()
    # The data officer's decision: what was fixed, or why not. The person reads it.
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("registry correction request")
        verbose_name_plural = _("registry correction requests")
        indexes: ClassVar = [
            models.Index(fields=["provider", "status"], name="registry_correction_provider"),
            # The person's own reports, newest first, on their "my data" pages.
            models.Index(
                fields=["reported_by", "-created_at"], name="registry_correction_reporter"
            ),
        ]

    def __str__(self) -> str:
        return f"correction {self.pk} of {self.field} in {self.registry_id}"


# The remote registries' circuit breakers live beside their connectors; importing the model
# here makes it part of this app (and of its migrations).
from yiwang.exchange.connectors.models import ConnectorCircuit  # noqa: E402, F401
