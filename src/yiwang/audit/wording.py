"""How a verification's problems read to people, in their language.

The verifier's own report (:mod:`yiwang.audit.verifier`) is written for operators and logs, in
English; the back office and the messages to auditors name the kind of problem, the record and
why, in the reader's language. A detail without a known reason (a run of an older version) is
left as the verifier wrote it.
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


# The verifier's DETAILS, reason by reason, with the same values.
_DETAILS = {
    "event_gone": gettext_lazy(
        "sealed at position %(position)s, but the event is no longer in the log"
    ),
    "out_of_order": gettext_lazy(
        "sealed at position %(position)s after event %(previous)s; one seal always writes events "
        "in increasing id order"
    ),
    "beyond_checkpoint": gettext_lazy(
        "sealing event %(event)s, beyond the last signed checkpoint (tree size %(signed)s)"
    ),
    "positions_missing": gettext_lazy("position(s) missing before event %(event)s"),
    "duplicate_position": gettext_lazy("duplicate position for event %(event)s"),
    "content_changed": gettext_lazy(
        "its content no longer matches what was sealed at position %(position)s"
    ),
    "content_of_other": gettext_lazy("it carries the content sealed for event %(other)s"),
    "content_moved": gettext_lazy("its sealed content is now found under event %(other)s"),
    "leaves_missing": gettext_lazy("signs %(size)s entries but only %(count)s are in the log"),
    "size_not_growing": gettext_lazy("tree sizes must grow from one checkpoint to the next"),
    "unknown_key": gettext_lazy("signed by an unknown key, %(key)s"),
    "bad_signature": gettext_lazy("the signature does not verify"),
    "root_mismatch": gettext_lazy(
        "the sealed entries at positions %(first)s-%(last)s no longer hash to the signed root"
    ),
    "frontier_mismatch": gettext_lazy("its stored frontier does not match the sealed entries"),
    "unsealed_too_old": gettext_lazy(
        "not sealed, yet older than the last checkpoint (%(sealed_at)s) less the longest "
        "transaction allowed"
    ),
}


def problem_detail(problem: dict[str, Any] | None) -> str:
    """Why the record is a problem, in the reader's language; "" when the reason is unknown."""
    if not problem or problem.get("reason") not in _DETAILS:
        return ""
    try:
        reason = str(_DETAILS[problem["reason"]]) % dict(problem.get("params") or {})
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
