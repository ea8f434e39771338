"""How a verification's problems read to people, in their language.

The verifier's own report (:mod:`yiwang.audit.report`) is written for operators and logs, in
English; the back office and the messages to auditors name the kind of problem, the record and
why, in the reader's language. A detail without a known reason (a run of an older version) is
left as the verifier wrote it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.audit.report import DETAILS

# What the verifier's report says, in the reader's language; its detail stays as written.
_PROBLEM_KINDS = {
    "changed": gettext_lazy("changed"),
    "removed": gettext_lazy("removed"),
    "inserted": gettext_lazy("inserted"),
    "reordered": gettext_lazy("reordered"),
    "forged": gettext_lazy("forged"),
}
_PROBLEM_SUBJECTS = {
    "event": gettext_lazy("Event"),
    "leaf": gettext_lazy("Sealed entry"),
    "checkpoint": gettext_lazy("Checkpoint"),
    "export": gettext_lazy("Export"),
}


def problem_detail(problem: dict[str, Any] | None) -> str:
    """Why the record is a problem, in the reader's language; "" when the reason is unknown."""
    if not problem or problem.get("reason") not in DETAILS:
        return ""
    try:
        # The English is the report's; the catalogues carry it (marked there).
        reason = _(DETAILS[problem["reason"]]) % dict(problem.get("params") or {})
    except (KeyError, TypeError, ValueError):  # values that do not fit the wording
        return ""
    if problem.get("action") or problem.get("timestamp"):
        return _("%(reason)s (the event's action: %(action)s, written at %(at)s)") % {
            "reason": reason,
            "action": problem.get("action", ""),
            "at": problem.get("timestamp", ""),
        }
    return reason


def problem_summary(problem: dict[str, Any] | None) -> str:
    """``Event 12: changed``, from a run's first problem, in the reader's language."""
    if not problem:
        return ""
    subject = _PROBLEM_SUBJECTS.get(problem.get("subject", ""), problem.get("subject", ""))
    kind = _PROBLEM_KINDS.get(problem.get("kind", ""), problem.get("kind", ""))
    return _("%(what)s %(ref)s: %(kind)s") % {
        "what": subject,
        "ref": problem.get("ref", ""),
        "kind": kind,
    }
