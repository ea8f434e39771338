"""Regions, departments, accounts, people, firms and staff memberships."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import TimeStampedModel
from yiwang.identity import domain
from yiwang.identity.constants import AccountKind, IdKind, RegionLevel, RepresentativeRole, Role

# What the data files allow (``demo/schemas``), checked the same when a form writes (each model's
# clean(), which the admin's forms call): a code or a user name is typed into addresses, files
# and logs, so it holds no spaces and no symbols. Not field validators: those are part of the
# migrations' state, and altering the fields of the account model makes every fresh migrate
# rebuild the models that refer to it.
REGION_CODE = RegexValidator(
    r"^[A-Z0-9]{2,32}\Z", _("Use 2 to 32 capital letters and digits, without spaces.")
)
DEPARTMENT_CODE = RegexValidator(
    r"^[a-z][a-z0-9_]{1,31}\Z",
    _("Use 2 to 32 lower-case letters, digits and _, starting with a letter."),
)
USERNAME = RegexValidator(
    r"^[A-Za-z0-9._@+-]{3,150}\Z",
    _("Use 3 to 150 letters, digits and the characters . _ @ + - (no spaces)."),
)
PHONE = RegexValidator(
    r"^[+(]?[0-9][0-9 ()-]{2,31}\Z",
    _("Enter a phone number: digits, with + at the start, spaces, brackets and - allowed."),
)


def _check_formats(instance: models.Model, rules: dict[str, RegexValidator]) -> None:
    """Each field's value against its rule, the errors beside the fields (empty values pass)."""
    errors: dict[str, list[ValidationError]] = {}
    for name, rule in rules.items():
        value = getattr(instance, name)
        if value:
            try:
                rule(value)
            except ValidationError as exc:
                errors[name] = [exc]
    if errors:
        raise ValidationError(errors)


class BilingualName(models.Model):
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


class Region(BilingualName, TimeStampedModel):
    """One node of the administrative tree (nation → province → city → district → ...)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent region"),
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def clean(self) -> None:
        _check_formats(self, {"code": REGION_CODE})

    def ancestors(self) -> list[Region]:
        chain: list[Region] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class Department(BilingualName, TimeStampedModel):
    code = models.CharField(_("code"), max_length=32, unique=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departments", verbose_name=_("region")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def clean(self) -> None:
        _check_formats(self, {"code": DEPARTMENT_CODE})


class AccountManager(BaseUserManager["Account"]):
    def create_user(self, username: str, password: str | None = None, **extra: Any) -> Account:
        account = self.model(username=username, **extra)
        account.set_password(password)
        account.save(using=self._db)
        return account

    def create_superuser(self, username: str, password: str | None = None, **extra: Any) -> Account:
        extra.setdefault("kind", AccountKind.STAFF)
        extra["is_superuser"] = True
        return self.create_user(username, password, **extra)


class Account(AbstractBaseUser, PermissionsMixin):
    """A login. Citizens and staff are separate kinds: one account is never both."""

    username = models.CharField(_("user name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices)
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = AccountManager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["kind"]

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self) -> None:
        super().clean()
        _check_formats(self, {"username": USERNAME})

    @property
    def is_staff(self) -> bool:
        """Django admin access: platform admins and department admins only."""
        if self.kind != AccountKind.STAFF or not self.is_active:
            return False
        if self.is_superuser:
            return True
        return (
            self.memberships.in_force()
            .filter(role__in=[Role.PLATFORM_ADMIN, Role.DEPARTMENT_ADMIN])
            .exists()
        )

    @property
    def is_platform_admin(self) -> bool:
        if self.kind != AccountKind.STAFF or not self.is_active:
            return False
        return (
            self.is_superuser
            or self.memberships.in_force().filter(role=Role.PLATFORM_ADMIN).exists()
        )

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        # Admin access follows roles, not Django's per-model permission table: a platform admin
        # may use every admin page (each ModelAdmin narrows further where it must), everyone
        # else gets only what an app's ModelAdmin grants by role.
        if self.is_platform_admin:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_platform_admin:
            return True
        return super().has_module_perms(app_label)

    @property
    def is_citizen(self) -> bool:
        return self.kind == AccountKind.CITIZEN

    @property
    def is_staff_member(self) -> bool:
        return self.kind == AccountKind.STAFF


class Person(TimeStampedModel):
    """A natural person: a citizen by national id, or a foreigner by passport and nationality."""

    account = models.OneToOneField(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        verbose_name=_("account"),
    )
    id_kind = models.CharField(
        _("identified by"), max_length=16, choices=IdKind.choices, default=IdKind.NATIONAL_ID
    )
    national_id = models.CharField(
        _("national id number"), max_length=18, null=True, blank=True, unique=True
    )
    passport_number = models.CharField(_("passport number"), max_length=32, blank=True)
    nationality = models.CharField(
        _("nationality"), max_length=3, blank=True, help_text=_("ISO 3166-1 alpha-3 country code")
    )
    name = models.CharField(_("name"), max_length=200)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["passport_number", "nationality"],
                condition=Q(id_kind="passport"),
                name="person_passport_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Every mistake at once, each beside its field: the document first, then the phone.
        errors: dict[str, list[ValidationError]] = {}
        if self.id_kind == IdKind.NATIONAL_ID:
            try:
                domain.check_national_id(self.national_id or "")
            except domain.IdentifierError as exc:
                errors["national_id"] = [ValidationError(exc.message, code=exc.code)]
        elif self.national_id:
            # A person is identified by one document (id_kind). A citizen ID number beside a
            # passport would go unchecked, and lookups by citizen ID would find this person by
            # it; so it is refused next to the field, never kept unchecked nor silently dropped.
            errors["national_id"] = [
                ValidationError(
                    _(
                        "A person identified by passport has no citizen ID number here: "
                        "leave this empty, or change “identified by” to citizen ID number."
                    ),
                    code="passport_holder",
                )
            ]
        elif not (self.passport_number and len(self.nationality) == 3):
            errors[NON_FIELD_ERRORS] = [
                ValidationError(_("A foreign person needs a passport number and nationality."))
            ]
        try:
            _check_formats(self, {"phone": PHONE})
        except ValidationError as exc:
            errors.update(exc.error_dict)
        if errors:
            raise ValidationError(errors)


class Firm(TimeStampedModel):
    """A legal entity identified by its unified social credit code."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("region")
    )
    representatives = models.ManyToManyField(
        Person,
        through="FirmRepresentative",
        related_name="firms",
        verbose_name=_("representatives"),
    )

    class Meta:
        verbose_name = _("firm")
        verbose_name_plural = _("firms")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            domain.check_uscc(self.uscc)
        except domain.IdentifierError as exc:
            raise ValidationError({"uscc": ValidationError(exc.message, code=exc.code)}) from exc


class FirmRepresentative(TimeStampedModel):
    """A person who may act for a firm, for a period."""

    firm = models.ForeignKey(
        Firm, on_delete=models.CASCADE, related_name="representations", verbose_name=_("firm")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="representations", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=32, choices=RepresentativeRole.choices)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("firm representative")
        verbose_name_plural = _("firm representatives")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["firm", "person", "role"], name="firm_rep_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.firm} – {self.get_role_display()}"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def in_force(self) -> MembershipQuerySet:
        """Memberships that grant their role: switched on, in a department that is open (a
        closed department's roles grant nothing)."""
        return self.filter(is_active=True, department__is_active=True)


class Membership(TimeStampedModel):
    """A staff account's role in a department."""

    objects = MembershipQuerySet.as_manager()

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("account")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("department"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["account", "department", "role"], name="membership_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} – {self.department} – {self.get_role_display()}"

    def clean(self) -> None:
        if self.account_id is not None and self.account.kind != AccountKind.STAFF:
            raise ValidationError({"account": _("Only staff accounts can work in a department.")})


class PasswordResetMail(models.Model):
    """A password-reset link sent by e-mail, kept for an hour so that sending can be limited.

    Counted per account and per client address that asked (see
    ``services.request_password_reset``); rows older than the hour are deleted as new ones come.
    The link itself is never kept.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    sent_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("password reset mail")
        verbose_name_plural = _("password reset mails")
        indexes: ClassVar = [
            models.Index(fields=["account", "sent_at"], name="reset_mail_account"),
            models.Index(fields=["ip_address", "sent_at"], name="reset_mail_address"),
        ]

    def __str__(self) -> str:
        return f"{self.account} at {self.sent_at:%Y-%m-%d %H:%M}"
