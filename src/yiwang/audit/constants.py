import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

# A payload is a small summary of what happened, not a copy of the record: keep it under this.
MAX_DATA_BYTES = 8 * 1024
# A verification run still unfinished after this long is taken as lost (its worker stopped), so
# that another may be asked for. Verifying a million events takes seconds: this is generous.
RUN_LOST_AFTER = dt.timedelta(hours=1)


class ActorType(models.TextChoices):
    PERSON = "person", _("Person")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("System")
    ANONYMOUS = "anonymous", _("Anonymous")
