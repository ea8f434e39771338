"""Applications (办件), the cases they fan out into, departments' tasks, corrections and uploads.

* An :class:`Application` is what a person fills in and submits once. While it is a draft it is
  kept on the server, so the person can stop and come back. It keeps the catalogue versions it
  started with: a later publication changes nothing for it.
* On submission it fans out into one :class:`Case` per service (for a bundle, per service whose
  condition holds), each owned by the service's department and with its own deadlines.
* A case's steps become :class:`Task` rows, one per step, in the queue of the step's department.
* A clerk may ask for a correction (补正, :class:`CorrectionRequest`); while it is open the case's
  clock stands still.
* :class:`MaterialUpload` holds the files the person provided.

Each lifecycle is a django-fsm state machine whose state field cannot be assigned directly: a
change of state goes through a declared transition (or a refusal). The statuses of cases and
applications are never set by hand — :mod:`yiwang.applications.workflow` derives them from the
tasks. ``docs/workflow.md`` describes the rules for clerks and admins.
"""

from yiwang.applications.models.application import Application
from yiwang.applications.models.casework import Case, CorrectionRequest, Task
from yiwang.applications.models.materials import MaterialUpload, PrefillSnapshot

__all__ = [
    "Application",
    "Case",
    "CorrectionRequest",
    "MaterialUpload",
    "PrefillSnapshot",
    "Task",
]
