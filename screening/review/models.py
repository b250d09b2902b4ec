"""The clinician's review of a submitted intake (a "case"): notes, flag
acknowledgements, decisions, and the case history.

The case's status and assignee live on `screening.models.Intake`
(`review_status`, `assigned_to`); this app records what clinicians did.
`CaseEvent` is append-only: services only create rows, the admin is
read-only, and on PostgreSQL a trigger rejects UPDATE and DELETE.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from screening.models import Flag, Intake


class CaseNote(models.Model):
    """A clinician's note on a case."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="case_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_notes"
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # Case page: the notes of one case, newest first.
            models.Index(fields=["intake", "-created_at"], name="casenote_intake_idx"),
        ]

    def __str__(self) -> str:
        return f"Note on {self.intake_id} by {self.author_id} at {self.created_at:%Y-%m-%d %H:%M}"


class FlagAcknowledgement(models.Model):
    """A clinician has read a flag (a topic to discuss), with an optional note.
    One acknowledgement per flag: the first one stands."""

    flag = models.OneToOneField(Flag, on_delete=models.CASCADE, related_name="acknowledgement")
    # Denormalised from flag.intake so the case page fetches a case's
    # acknowledgements in one query.
    intake = models.ForeignKey(
        Intake, on_delete=models.CASCADE, related_name="flag_acknowledgements"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="flag_acknowledgements"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at"]
        indexes = [
            # Case page: the acknowledgements of one case's flags.
            models.Index(fields=["intake"], name="flagack_intake_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.flag} acknowledged by {self.by_id}"


class CaseDecision(models.Model):
    """What the clinician decided for a case. The latest decision is the one
    in force; earlier ones stay as history."""

    class Kind(models.TextChoices):
        BOOK_CONSULT = "book_consult", _("Book a consult")
        MORE_INFO = "more_info", _("Request more information")
        NOT_SUITABLE = "not_suitable", _("Not suitable at present")
        REFERRED = "referred", _("Referred elsewhere")

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="case_decisions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_decisions"
    )
    at = models.DateTimeField(default=timezone.now)
    # Request more information: the intake steps to update and the message
    # emailed to the patient.
    steps = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    # Not suitable at present: the reason (required).
    reason = models.TextField(blank=True)
    # Referred elsewhere: to whom (required).
    referred_to = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="not_suitable") | ~models.Q(reason=""),
                name="casedecision_not_suitable_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="referred") | ~models.Q(referred_to=""),
                name="casedecision_referred_has_recipient",
            ),
        ]
        indexes = [
            # Case page and the patient's own page: the latest decision on an intake;
            # Consults to book (selectors.consults_to_book): the latest "book a
            # consult" decision of each listed case.
            models.Index(fields=["intake", "-at"], name="casedecision_intake_idx"),
            # Consults to book: the latest "book a consult" decision of each
            # case in the consult-booked status (an index-only probe per case).
            models.Index(
                fields=["intake", "-at"],
                name="casedecision_book_idx",
                condition=models.Q(kind="book_consult"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for intake {self.intake_id}"


class CaseEvent(models.Model):
    """One line of a case's history: who did what, when. Append-only."""

    class Action(models.TextChoices):
        VIEWED = "viewed", _("Opened the case")
        ASSIGNED = "assigned", _("Assigned")
        FLAG_ACKNOWLEDGED = "flag_acknowledged", _("Acknowledged a flag")
        NOTE_ADDED = "note_added", _("Added a note")
        DECIDED = "decided", _("Decided")
        PRINTED = "printed", _("Opened the printable summary")

    # PROTECT: the history outlives nothing it describes.
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="case_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_events"
    )
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=20, choices=Action.choices)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            # Case page: the history of one case, newest first.
            models.Index(fields=["intake", "-at"], name="caseevent_intake_idx"),
            # Navigation's urgent count: has anyone opened this case yet?
            models.Index(
                fields=["intake"],
                name="caseevent_viewed_idx",
                condition=models.Q(action="viewed"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} on {self.intake_id} by {self.actor_id}"
