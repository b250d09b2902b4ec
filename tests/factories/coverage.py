"""Prior-authorization test data: the seeded payer policies (again, after a
transactional test flushed them) and authorizations."""

from __future__ import annotations

import importlib

from screening.coverage.models import PayerPolicy


def seed_policies() -> None:
    """Run the data migration's seeding again (idempotent)."""
    from django.apps import apps

    migration = importlib.import_module("screening.coverage.migrations.0002_seed_policies")
    migration.seed(apps, None)


def seeded_policy(identifier: str) -> PayerPolicy:
    if not PayerPolicy.objects.filter(identifier=identifier).exists():
        seed_policies()
    return PayerPolicy.objects.get(identifier=identifier)
