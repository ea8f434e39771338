"""The exchange in the back office: sharing agreements and flags for data officers, department
systems and their credentials for department admins.

Each page reads through the exchange selectors scoped to the member of staff, and each change is
one exchange service called with them as the actor: the services decide who may do what. An
agreement, flag or system the actor's departments have nothing to do with is a 404; one they
see but may not change that way is a 403.

One module per kind of page: agreement_pages (the list, one agreement, the decisions on it),
agreement_form (asking a provider for data), flag_pages and system_pages.
"""

from yiwang.backoffice.views.exchange.agreement_form import agreement_request
from yiwang.backoffice.views.exchange.agreement_pages import (
    agreement_action,
    agreement_detail,
    agreements,
)
from yiwang.backoffice.views.exchange.flag_pages import flag_close, flags
from yiwang.backoffice.views.exchange.system_pages import (
    system_issue,
    system_revoke,
    system_rotate,
    systems,
)

__all__ = [
    "agreement_action",
    "agreement_detail",
    "agreement_request",
    "agreements",
    "flag_close",
    "flags",
    "system_issue",
    "system_revoke",
    "system_rotate",
    "systems",
]
