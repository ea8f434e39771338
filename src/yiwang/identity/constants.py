from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    NATION = "nation", _("Nation")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    TOWNSHIP = "township", _("Township or street")


class AccountKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen or business representative")
    STAFF = "staff", _("Staff")


class Role(models.TextChoices):
    REVIEWER = "reviewer", _("Reviewer")
    APPROVER = "approver", _("Approver")
    TEAM_LEAD = "team_lead", _("Team lead")
    DEPARTMENT_ADMIN = "department_admin", _("Department admin")
    DATA_OFFICER = "data_officer", _("Data officer")
    AUDITOR = "auditor", _("Auditor")
    PLATFORM_ADMIN = "platform_admin", _("Platform admin")


class IdKind(models.TextChoices):
    NATIONAL_ID = "national_id", _("Citizen ID number")
    PASSPORT = "passport", _("Passport")


class RepresentativeRole(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
    AGENT = "agent", _("Authorised agent")


class Realm(models.TextChoices):
    """Where a session was started. A session is only ever valid in the realm it started in."""

    PORTAL = "portal", _("Citizen portal")
    BACKOFFICE = "backoffice", _("Back office")


# Given to ``authenticate`` with the current password when a person changes it, so that the
# check counts towards the log-in lock-out but is audited as what it is, not as a log-in.
PASSWORD_CHANGE_CHECK = "password_change"

# Roles that open the Django admin; everything else is done in the back office.
ADMIN_ROLES = (Role.PLATFORM_ADMIN, Role.DEPARTMENT_ADMIN)
