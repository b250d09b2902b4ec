"""Carry out a patient's deletion request (docs/security.md, "Deletion requests").

    python manage.py erase_patient PATIENT_ID --by ADMIN_EMAIL --reason "..." [--dry-run]

Refused while a legal hold is active. Removes the login, invitations, drafts,
unanswered check-ins and unsent reminders, cancels future appointments,
anonymises the patient when there are no clinical records, and keeps signed
and submitted clinical records, safety alerts and the access log. Prints what
was removed and kept (recorded as an ErasureRecord).
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clinic.accounts.models import Patient
from clinic.accounts.roles import ADMIN, role_of
from clinic.privacy.services import ErasureRefused, patient_erase


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Carry out a patient's deletion request (refused under a legal hold)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("patient_id", type=int)
        parser.add_argument("--by", required=True, help="Email of the admin carrying it out.")
        parser.add_argument("--reason", required=True, help="The request, e.g. its reference.")
        parser.add_argument("--dry-run", action="store_true", help="Say what; change nothing.")

    def handle(self, *args, **options) -> None:
        try:
            patient = Patient.objects.get(pk=options["patient_id"])
        except Patient.DoesNotExist:
            raise CommandError(f"No patient {options['patient_id']}.") from None
        admin = get_user_model().objects.filter(email__iexact=options["by"]).first()
        if admin is None or role_of(admin) != ADMIN:
            raise CommandError(f"--by: {options['by']} is not an admin.")
        reason = options["reason"].strip()
        if not reason:
            raise CommandError("--reason must say what the request is.")
        try:
            with transaction.atomic():
                record = patient_erase(patient=patient, requested_by=admin, reason=reason)
                summary = {
                    "removed": record.removed,
                    "kept": record.kept,
                    "anonymised": record.anonymised,
                }
                if options["dry_run"]:
                    raise DryRun
        except ErasureRefused as exc:
            raise CommandError(str(exc)) from None
        except DryRun:
            self.stdout.write("Dry run, nothing changed. It would do:")
        else:
            self.stdout.write(f"Erasure record {record.pk} for patient {patient.pk}:")
        self.stdout.write(json.dumps(summary, indent=2, sort_keys=True))
