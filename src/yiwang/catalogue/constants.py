from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.identity.constants import Role


class DefinitionKind(models.TextChoices):
    SERVICE = "service", _("Service")
    BUNDLE = "bundle", _("Bundle")


class Audience(models.TextChoices):
    PERSON = "person", _("Individuals")
    FIRM = "firm", _("Businesses and organisations")
    BOTH = "both", _("Individuals and businesses")


class OnlineLevel(models.TextChoices):
    FULLY_ONLINE = "fully_online", _("Fully online")
    AT_MOST_ONE_VISIT = "at_most_one_visit", _("At most one visit")
    VISIT_REQUIRED = "visit_required", _("Visit required")


class OutputKind(models.TextChoices):
    LICENCE = "licence", _("Licence")
    PERMIT = "permit", _("Permit")
    CERTIFICATE = "certificate", _("Certificate")
    DECISION = "decision", _("Decision")
    REGISTRATION = "registration", _("Registration")
    FILING = "filing", _("Filing")


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


# Roles that may carry out a step of a case. The other roles administer or oversee and never
# handle a case themselves.
STEP_ROLES: tuple[str, ...] = (Role.REVIEWER, Role.APPROVER, Role.TEAM_LEAD)

# JSON Schema formats a form field may use. The platform checks every one of them when a person
# submits; a format outside this list would silently check nothing.
FIELD_FORMATS: tuple[str, ...] = (
    "date",
    "date-time",
    "time",
    "email",
    "uri",
    "national-id",
    "uscc",
    "cn-mobile",
    "bank-account",
)

# Extension keywords yiwang reads in a form field. Anything else starting with "x-" is a typo.
FIELD_EXTENSIONS: tuple[str, ...] = ("x-title", "x-hint", "x-enum-titles", "x-prefill")

# The file types a material may accept: each content type with the file name extensions that go
# with it. These are exactly the types the upload check recognises by a file's content
# (yiwang.applications.domain.uploads.SNIFFABLE_TYPES); a material accepting anything else could
# never receive a file, so the loader refuses it.
FILE_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/tiff": (".tif", ".tiff"),
    "application/msword": (".doc",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.ms-excel": (".xls",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.ms-powerpoint": (".ppt",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
    "application/zip": (".zip",),
}
