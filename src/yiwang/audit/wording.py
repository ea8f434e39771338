"""How a verification's problems read to people, in their language.

The verifier's own report (:mod:`yiwang.audit.verifier`) is written for operators and logs, in
English; the back office and the messages to auditors name the kind of problem and the record
in the reader's language, and keep the verifier's detail as it is.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
