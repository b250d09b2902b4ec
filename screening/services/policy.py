"""The clinic's screening policy (thresholds) and medication knowledge (dose
table): what is in force, and every change to it, recorded as a
`PolicyChange` under a new policy version."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from screening.engine import DEFAULT_POLICY, MedicationKnowledge, Policy
from screening.engine.knowledge import DATA_FILE
from screening.engine.policy import POLICY_FIELDS
from screening.models import Medication, PolicyChange, ScreeningPolicy

MEDICATION_FIELDS = (
    "generic",
    "brand_names",
    "classes",
    "min_dose_mg",
    "min_dose_older_mg",
    "antidepressant_class",
    "max_dose_mg",
    "max_dose_source",
)

# What the screening services accept as a policy: a (Policy, version) pair as
# `current_policy()` returns, a bare Policy (stored under the version in
# force), or None (what is in force).
PolicyArg = Policy | tuple[Policy, int] | None


def _policy_row(*, lock: bool = False) -> ScreeningPolicy:
    """The policy row (created by the migrations, see `reference_data_seed`)."""
    qs = ScreeningPolicy.objects.select_for_update() if lock else ScreeningPolicy.objects
    return qs.get(pk=1)


def _policy_columns() -> list[str]:
    names = {f.name for f in ScreeningPolicy._meta.get_fields()}
    return [name for name in POLICY_FIELDS if name in names]


def _policy_of(row: ScreeningPolicy) -> Policy:
    values = {}
    for name in _policy_columns():
        value = getattr(row, name)
        if POLICY_FIELDS[name][0] is float and float(value).is_integer():
            value = int(value)
        values[name] = value
    return Policy.from_dict(values)


def current_policy() -> tuple[Policy, int]:
    """The policy in force and its version."""
    row = _policy_row()
    return _policy_of(row), row.version


def current_knowledge() -> MedicationKnowledge:
    """The medication knowledge built from the Medication rows."""
    rows = Medication.objects.order_by("generic")
    return MedicationKnowledge.from_records([row.to_record() for row in rows])


def reference_data_seed(**kwargs: Any) -> None:
    """After `migrate` (and after a test database is flushed, which sends the
    same signal): a database without its policy row gets it, with the
    engine's defaults, and an empty medication table the data file's rows.
    A database that has its policy row is left as the clinic made it."""
    if ScreeningPolicy.objects.filter(pk=1).exists():
        return
    columns = _policy_columns()
    defaults = {k: v for k, v in DEFAULT_POLICY.to_dict().items() if k in columns}
    ScreeningPolicy.objects.get_or_create(pk=1, defaults={"version": 1, **defaults})
    if Medication.objects.exists():
        return
    knowledge = MedicationKnowledge.from_json_file(DATA_FILE)
    Medication.objects.bulk_create(
        [
            Medication(
                generic=r["generic"],
                brand_names=r["brands"],
                classes=r["classes"],
                min_dose_mg=r["min_dose_mg"],
                min_dose_older_mg=r["min_dose_older_mg"],
                antidepressant_class=r.get("antidepressant_class") or "",
                max_dose_mg=r["max_dose_mg"],
                max_dose_source=r["max_dose_source"] or "",
            )
            for r in knowledge.to_records()
        ],
        ignore_conflicts=True,
    )


def resolve_policy(policy: PolicyArg, knowledge: MedicationKnowledge | None):
    if policy is None:
        policy, version = current_policy()
    elif isinstance(policy, tuple):
        policy, version = policy
    else:
        version = _policy_row().version
    if knowledge is None:
        knowledge = current_knowledge()
    return policy, version, knowledge


def _bump(by: Any, changes: Iterable[tuple[str, Any, Any]]) -> int:
    """Record changes (field, old, new) under one new policy version."""
    row = _policy_row(lock=True)
    row.version += 1
    row.updated_at = timezone.now()
    row.save(update_fields=["version", "updated_at"])
    PolicyChange.objects.bulk_create(
        [
            PolicyChange(
                changed_by=by if getattr(by, "pk", None) else None,
                changed_at=row.updated_at,
                field=name,
                old_value=old,
                new_value=new,
                version=row.version,
            )
            for name, old, new in changes
        ]
    )
    return row.version


@transaction.atomic
def policy_update(*, changes: Mapping[str, Any], by: Any = None) -> int:
    """Change policy thresholds. Records one PolicyChange per changed value
    and bumps the version once; returns the version now in force. Raises
    ValidationError (naming the field) for an unknown field or a bad value."""
    row = _policy_row(lock=True)
    columns = _policy_columns()
    unknown = sorted(set(changes) - set(columns))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Not a screening policy setting."))
    current = _policy_of(row)
    try:
        current.replace(**dict(changes))
    except ValueError as exc:
        name, _, message = str(exc).partition(": ")
        if name in columns:
            raise ValidationError({name: message or str(exc)}) from None
        raise ValidationError(str(exc)) from None
    recorded = []
    for name in columns:
        if name not in changes:
            continue
        old, new = getattr(row, name), changes[name]
        if old != new:
            recorded.append((name, old, new))
            setattr(row, name, new)
    if not recorded:
        return row.version
    row.save(update_fields=[name for name, _, _ in recorded])
    return _bump(by, recorded)


def _check_knowledge(records: list[dict]) -> None:
    try:
        MedicationKnowledge.from_records(records)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


@transaction.atomic
def medication_save(*, medication: Medication, by: Any = None) -> int:
    """Store a new or edited medication row, recording each changed value and
    bumping the policy version. Returns the version now in force."""
    medication.generic = " ".join(medication.generic.split()).lower()
    old = Medication.objects.select_for_update().filter(pk=medication.pk).first()
    others = (
        Medication.objects.exclude(pk=medication.pk) if medication.pk else Medication.objects.all()
    )
    _check_knowledge([m.to_record() for m in others] + [medication.to_record()])
    label = f"medication:{medication.generic}"
    if old is None:
        medication.save()
        return _bump(by, [(label, None, medication.to_record())])
    recorded = [
        (f"{label}.{name}", getattr(old, name), getattr(medication, name))
        for name in MEDICATION_FIELDS
        if getattr(old, name) != getattr(medication, name)
    ]
    medication.save()
    if not recorded:
        return _policy_row().version
    return _bump(by, recorded)


@transaction.atomic
def medication_delete(*, medication: Medication, by: Any = None) -> int:
    """Delete a medication row, recording it and bumping the policy version."""
    record = medication.to_record()
    medication.delete()
    return _bump(by, [(f"medication:{record['generic']}", record, None)])
