"""Legal holds and the record of each erasure request (see docs/security.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalHold(models.Model):
    """While a hold is active (not released), nothing of the patient's may be
    erased: litigation, an investigation, a records request in progress."""

    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.PROTECT, related_name="legal_holds"
    )
    reason = models.CharField(_("reason"), max_length=300)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        indexes = [
            # patient_erase: the patient's active holds.
            models.Index(
                fields=["patient"],
                name="privacy_hold_active_idx",
                condition=models.Q(released_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        state = "released" if self.released_at else "active"
        return f"Legal hold on patient {self.patient_id} ({state})"


class ErasureRecord(models.Model):
    """What one erasure request removed and what it kept, and why. Kept for
    good (it holds no clinical content, only counts and the request)."""

    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.PROTECT, related_name="erasures"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300)
    done_at = models.DateTimeField(_("done at"), auto_now_add=True)
    anonymised = models.BooleanField(_("patient anonymised"), default=False)
    removed = models.JSONField(_("removed"), default=dict)
    kept = models.JSONField(_("kept"), default=dict)

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")
        ordering = ["-done_at"]

    def __str__(self) -> str:
        return f"Erasure for patient {self.patient_id} on {self.done_at:%Y-%m-%d}"
