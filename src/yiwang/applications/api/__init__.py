"""Applications and tasks over HTTP.

Two routers, mounted by :mod:`yiwang.api.main`:

* ``applicant_router`` (``/applications``, :mod:`.applicant`) — for citizens in the portal's
  session: start a draft, fill it in page by page, upload materials, submit once, follow it,
  withdraw it.
* ``clerk_router`` (``/tasks``, :mod:`.clerk`) — for clerks in the back office's session and for
  department systems with a bearer token: the department's queue, one task with its case, claim,
  decide.

Both share the request and response shapes (:mod:`.schemas`) and the code that fills them in
(:mod:`.render`). Each operation parses its input, calls one selector or service and renders the
result. Who may see or do what is decided there, never here: a refusal to see comes back as
:class:`~yiwang.core.errors.PermissionDenied`, which the API answers with 404.
"""

from __future__ import annotations

from yiwang.applications.api.applicant import applicant_router
from yiwang.applications.api.clerk import clerk_router

__all__ = ["applicant_router", "clerk_router"]
