from django.db import models
from django.utils.translation import gettext_lazy as _

# A payload is a small summary of what happened, not a copy of the record: keep it under this.
MAX_DATA_BYTES = 8 * 1024


class ActorType(models.TextChoices):
    PERSON = "person", _("Person")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("System")
    ANONYMOUS = "anonymous", _("Anonymous")
