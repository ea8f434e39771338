"""What each staff role is for, in words a member of staff reads on the back-office home page.

The authoritative rules live in the apps that enforce them; this is the explanation. A role
without an entry here fails the back-office tests, so a new role cannot appear unexplained.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yiwang.identity.constants import Role

ROLE_DUTIES: dict[str, tuple[Promise, ...]] = {
    Role.REVIEWER: (
        _("Work through your department's queue of cases."),
        _("Check the data and materials of each case against the service's rules."),
        _("Ask the applicant for a correction (补正) when something is missing or wrong."),
    ),
    Role.APPROVER: (
        _("Decide cases: approve or refuse them, with reasons the applicant can read."),
        _("Hand tasks to the members of your department who will do them."),
    ),
    Role.TEAM_LEAD: (
        _("See your team's queue, deadlines and overdue cases."),
        _("Assign and reassign tasks between members of your team."),
    ),
    Role.DEPARTMENT_ADMIN: (
        _("Define and publish your department's services."),
        _("Give and remove roles for your department's staff."),
        _("Register your department's systems and issue, rotate or revoke their API credentials."),
    ),
    Role.DATA_OFFICER: (
        _("Look after your department's registries and their data elements."),
        _("Approve or refuse other departments' requests to use your department's data."),
        _("Review who read your department's data, and why."),
        _(
            "Decide the wrong values people report in your department's registries: "
            "record each as corrected, or say why the record stays as it is."
        ),
        _(
            "Answer the flags people raise on reads of your department's data: say what you "
            "found and what was done."
        ),
    ),
    Role.AUDITOR: (
        _("Inspect the audit log and verify that it has not been altered."),
        _("Look into unusual access to personal data."),
    ),
    Role.PLATFORM_ADMIN: (
        _("Run the platform: regions, departments and staff accounts."),
        _("Appoint department admins."),
        _("Read and verify the audit log, as auditors do."),
    ),
}


def duties_of(role: str) -> tuple[Promise, ...]:
    return ROLE_DUTIES.get(role, ())
