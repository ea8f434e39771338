"""What the audit log tells the apps above it. The log depends on nothing but core, so it does not
send messages itself: it says what happened, and whoever is concerned listens."""

from __future__ import annotations

from django.dispatch import Signal

# A verification found the log altered. Sent with ``run_id`` (the VerificationRun, its outcome
# kept) and ``report`` (the verifier's Report), once per run, after the outcome is recorded.
log_altered = Signal()
