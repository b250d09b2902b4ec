"""Screening services: run the rules engine over stored intakes and keep the
results, and change the clinic's screening policy and medication knowledge.

- `current_policy()` / `current_knowledge()`: the policy and dose table in force.
- `intake_screen(...)`: screen one intake, store a new current result and flags.
- `intakes_rescreen(...)`: the bulk path (batches, bulk inserts) for `rescreen`.
- `policy_update(...)`, `medication_save(...)`, `medication_delete(...)`: every
  change is recorded as a `PolicyChange` and bumps the policy version.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from screening.engine import (
    RULES_VERSION,
    DocumentError,
    MedicationKnowledge,
    Policy,
    parse_document,
    screen,
)
from screening.engine.policy import POLICY_FIELDS
from screening.engine.vocabulary import MODALITIES, NO_FLAG_RANK, SEVERITY_BY_RANK, SEVERITY_RANK
from screening.models import (
    Flag,
    Intake,
    Medication,
    PolicyChange,
    ScreeningPolicy,
    ScreeningResult,
)

MEDICATION_FIELDS = ("generic", "brand_names", "classes", "min_dose_mg", "min_dose_older_mg")

PolicyArg = Policy | tuple[Policy, int] | None


# -- policy and knowledge -------------------------------------------------------


def _policy_row(*, lock: bool = False) -> ScreeningPolicy:
    """The policy row, created with the engine's defaults if it is missing
    (a flushed test database, say)."""
    qs = ScreeningPolicy.objects.select_for_update() if lock else ScreeningPolicy.objects
    row = qs.filter(pk=1).first()
    if row is None:
        from screening.engine import DEFAULT_POLICY

        defaults = {k: v for k, v in DEFAULT_POLICY.to_dict().items() if k in _policy_columns()}
        row, _ = ScreeningPolicy.objects.get_or_create(pk=1, defaults=defaults)
    return row


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


def current_policy(*, seed: bool = True) -> tuple[Policy, int]:
    """The policy in force and its version. Without `seed`, a missing policy
    row is not created: the engine's defaults are returned as version 1."""
    if not seed:
        row = ScreeningPolicy.objects.filter(pk=1).first()
        if row is None:
            from screening.engine import DEFAULT_POLICY

            return DEFAULT_POLICY, 1
        return _policy_of(row), row.version
    row = _policy_row()
    return _policy_of(row), row.version


def medications_seed(*, model: Any = Medication) -> int:
    """Fill an empty medication table from the engine's data file (the
    migration does this on install; this covers a flushed database)."""
    from screening.engine.knowledge import DATA_FILE

    if model.objects.exists():
        return 0
    knowledge = MedicationKnowledge.from_json_file(DATA_FILE)
    rows = [
        model(
            generic=r["generic"],
            brand_names=r["brands"],
            classes=r["classes"],
            min_dose_mg=r["min_dose_mg"],
            min_dose_older_mg=r["min_dose_older_mg"],
        )
        for r in knowledge.to_records()
    ]
    model.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def current_knowledge(*, seed: bool = True) -> MedicationKnowledge:
    """The medication knowledge built from the Medication rows. An empty table
    is seeded from the data file (without `seed`: the file is read only)."""
    rows = list(Medication.objects.order_by("generic"))
    if not rows:
        if not seed:
            from screening.engine import DEFAULT_KNOWLEDGE

            return DEFAULT_KNOWLEDGE
        medications_seed()
        rows = list(Medication.objects.order_by("generic"))
    return MedicationKnowledge.from_records([row.to_record() for row in rows])


def _resolve(policy: PolicyArg, knowledge: MedicationKnowledge | None):
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


# -- screening ------------------------------------------------------------------


def _highest_rank(output: Mapping[str, Any]) -> int:
    return max((SEVERITY_RANK[f["severity"]] for f in output["flags"]), default=NO_FLAG_RANK)


def _highest_severity(rank: int) -> str:
    return SEVERITY_BY_RANK.get(rank, "")


def _flag_rows(result: ScreeningResult, output: Mapping[str, Any], intake_id: int) -> list[Flag]:
    rows = []
    for f in output["flags"]:
        modalities = f["modalities"]
        rows.append(
            Flag(
                result=result,
                intake_id=intake_id,
                is_current=True,
                code=f["code"],
                severity=f["severity"],
                severity_rank=SEVERITY_RANK[f["severity"]],
                modalities=modalities,
                **{f"for_{m}": m in modalities for m in MODALITIES},
                summary=f["summary"],
                evidence=f["evidence"],
                source=f["source"],
            )
        )
    return rows


_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


def output_digest(output: Mapping[str, Any]) -> str:
    """SHA-256 of a clinic-screening/1 result (canonical JSON)."""
    return hashlib.sha256(_canonical(output).encode()).hexdigest()


def _result_row(intake_id: int, output: dict, policy_version: int, now) -> ScreeningResult:
    return ScreeningResult(
        intake_id=intake_id,
        computed_at=now,
        rules_version=output.get("rules_version", RULES_VERSION),
        policy_version=policy_version,
        is_current=True,
        scores=output["scores"],
        output=output,
        highest_severity=_highest_severity(_highest_rank(output)),
        digest=output_digest(output),
    )


@transaction.atomic
def intake_screen(
    *,
    intake: Intake,
    policy: PolicyArg = None,
    knowledge: MedicationKnowledge | None = None,
) -> ScreeningResult:
    """Screen the intake's document and store the result as its current one.

    `policy` is a `(Policy, version)` pair as `current_policy()` returns (a bare
    Policy is stored under the version in force); both default to what is in
    force. Earlier results and flags stay as history, no longer current.
    Raises `screening.engine.DocumentError` when the document is invalid.
    """
    policy, version, knowledge = _resolve(policy, knowledge)
    doc = parse_document(intake.document)
    output = screen(doc, policy, knowledge)
    # One screening of an intake at a time (see _rescreen_batch).
    list(Intake.objects.select_for_update().filter(pk=intake.pk).values_list("pk"))
    now = timezone.now()
    Flag.objects.filter(intake=intake, is_current=True).update(is_current=False)
    ScreeningResult.objects.filter(intake=intake, is_current=True).update(is_current=False)
    result = _result_row(intake.pk, output, version, now)
    result.save()
    Flag.objects.bulk_create(_flag_rows(result, output, intake.pk))
    intake.highest_severity_rank = _highest_rank(output)
    intake.phq9_total = output["scores"]["phq9_total"]
    Intake.objects.filter(pk=intake.pk).update(
        highest_severity_rank=intake.highest_severity_rank, phq9_total=intake.phq9_total
    )
    return result


@dataclass
class RescreenReport:
    """What `intakes_rescreen` did."""

    screened: int = 0
    changed: int = 0
    stored: int = 0
    invalid: list[tuple[int, list[tuple[str, str]]]] = field(default_factory=list)
    appeared: Counter = field(default_factory=Counter)
    disappeared: Counter = field(default_factory=Counter)
    policy_version: int = 0
    rules_version: str = RULES_VERSION

    def merge(self, other: RescreenReport) -> None:
        self.screened += other.screened
        self.changed += other.changed
        self.stored += other.stored
        self.invalid.extend(other.invalid)
        self.appeared.update(other.appeared)
        self.disappeared.update(other.disappeared)


def submitted_intakes(*, since: datetime.date | None = None):
    """Submitted intakes, optionally from a day on (in the clinic's time zone)."""
    qs = Intake.objects.filter(status=Intake.Status.SUBMITTED)
    if since is not None:
        start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
        qs = qs.filter(submitted_at__gte=start)
    return qs


RESCREEN_COLUMNS = ("pk", "document", "highest_severity_rank", "phq9_total")


def intakes_rescreen(
    *,
    since: datetime.date | None = None,
    batch_size: int = 1000,
    workers: int = 1,
    policy: PolicyArg = None,
    knowledge: MedicationKnowledge | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> RescreenReport:
    """Re-screen submitted intakes with the current rules and policy, in
    batches of `batch_size` (one transaction each), keeping earlier results
    as history. `on_batch(n)` is called after each batch with its size.

    With `workers` > 1, batches run in that many forked processes, each with
    its own database connection, so batches are parsed and screened on
    several cores at once (threads would share one: the GIL). Workers see
    only committed data, so inside a transaction (a test, say) or on SQLite
    the batches run in this process."""
    if connection.in_atomic_block or connection.vendor == "sqlite":
        workers = 1
    policy, version, knowledge = _resolve(policy, knowledge)
    report = RescreenReport(policy_version=version)
    intakes = submitted_intakes(since=since)
    columns = RESCREEN_COLUMNS
    if workers <= 1:
        base = intakes.order_by("pk")
        last_pk = 0
        while True:
            batch = list(base.filter(pk__gt=last_pk).values_list(*columns)[:batch_size])
            if not batch:
                break
            last_pk = batch[-1][0]
            _rescreen_batch(batch, policy, version, knowledge, report)
            if on_batch is not None:
                on_batch(len(batch))
        return report

    ids = list(intakes.order_by("pk").values_list("pk", flat=True))
    ranges = [
        (ids[i], ids[min(i + batch_size, len(ids)) - 1]) for i in range(0, len(ids), batch_size)
    ]
    del ids
    # Forked workers must not share this process's database connection: close
    # it before the pool forks (each worker opens its own).
    connections.close_all()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_start,
        initargs=(since, policy, version, knowledge),
    )
    with pool:
        for part, size in pool.map(_rescreen_range, ranges):
            report.merge(part)
            if on_batch is not None:
                on_batch(size)
    return report


_WORKER: dict[str, Any] = {}


def _worker_start(since, policy, version, knowledge) -> None:
    """Set up a forked rescreen worker (its own database connection opens on
    first use). A connection object inherited from the parent is dropped
    without closing it: its socket belongs to the parent (and, through an
    async context such as a browser test's event loop, may still be open)."""
    for conn in connections.all():
        conn.connection = None
    _WORKER.update(since=since, policy=policy, version=version, knowledge=knowledge)


def _rescreen_range(bounds: tuple[int, int]) -> tuple[RescreenReport, int]:
    """One batch, by intake id range, in a worker process."""
    w = _WORKER
    part = RescreenReport(policy_version=w["version"])
    try:
        batch = list(
            submitted_intakes(since=w["since"])
            .filter(pk__gte=bounds[0], pk__lte=bounds[1])
            .order_by("pk")
            .values_list(*RESCREEN_COLUMNS)
        )
        _rescreen_batch(batch, w["policy"], w["version"], w["knowledge"], part)
        return part, len(batch)
    finally:
        connection.close()


@transaction.atomic
def _rescreen_batch(batch, policy, version, knowledge, report: RescreenReport) -> None:
    """Screen one batch; store a new result only where the output differs
    from the current one (an identical result stays current, with the
    versions it was computed with)."""
    ids = [row[0] for row in batch]
    # Lock the batch's intakes (in id order) so that a submission screened at
    # the same moment waits instead of racing for the "current" result.
    list(Intake.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    current = dict(
        ScreeningResult.objects.filter(intake_id__in=ids, is_current=True).values_list(
            "intake_id", "digest"
        )
    )
    outputs: list[tuple[int, dict, str, str]] = []  # (intake, output, digest, JSON)
    intake_updates: list[tuple[int, int, int]] = []
    for pk, document, old_rank, old_phq9 in batch:
        try:
            doc = parse_document(document)
        except DocumentError as exc:
            report.invalid.append((pk, exc.errors))
            continue
        report.screened += 1
        output = screen(doc, policy, knowledge)
        text = _canonical(output)
        digest = hashlib.sha256(text.encode()).hexdigest()
        if current.get(pk) == digest:
            continue
        outputs.append((pk, output, digest, text))
        rank = _highest_rank(output)
        phq9 = output["scores"]["phq9_total"]
        if rank != old_rank or phq9 != old_phq9:
            intake_updates.append((pk, rank, phq9))
    if not outputs:
        return
    stored_ids = [pk for pk, *_ in outputs]
    old: dict[int, set[tuple[str, str]]] = {pk: set() for pk in stored_ids}
    for intake_id, code, severity in _retire_current(stored_ids):
        old[intake_id].add((code, severity))
    for pk, output, *_ in outputs:
        new = {(f["code"], f["severity"]) for f in output["flags"]}
        if new != old[pk]:
            report.changed += 1
            old_codes = {code for code, _ in old[pk]}
            new_codes = {code for code, _ in new}
            report.appeared.update(new_codes - old_codes)
            report.disappeared.update(old_codes - new_codes)
    now = timezone.now()
    if connection.vendor == "postgresql":
        # A batch lost to a crash is simply re-screened by the next run (the
        # digests tell what is done), so the commit need not wait for the disk.
        # Compressing the stored results with lz4 (where the server has it) is
        # several times cheaper than the default pglz.
        with connection.cursor() as cursor:
            settings = "SET LOCAL synchronous_commit TO OFF"
            if _has_lz4(cursor):
                settings += "; SET LOCAL default_toast_compression TO lz4"
            cursor.execute(settings)
        _copy_results(outputs, version, now)
    else:
        results = ScreeningResult.objects.bulk_create(
            [_result_row(pk, output, version, now) for pk, output, *_ in outputs]
        )
        flags: list[Flag] = []
        for result, (pk, output, *_) in zip(results, outputs, strict=True):
            flags.extend(_flag_rows(result, output, pk))
        Flag.objects.bulk_create(flags, batch_size=5000)
    if intake_updates:
        _intakes_denormalise(intake_updates)
    report.stored += len(outputs)


def _intakes_denormalise(updates: list[tuple[int, int, int | None]]) -> None:
    """Store each intake's highest severity rank and PHQ-9 total, given as
    (intake id, rank, total). On PostgreSQL one UPDATE joined to the arrays
    (bulk_update's CASE per row costs rows x cases)."""
    if connection.vendor == "postgresql":
        ids, ranks, totals = zip(*updates, strict=True)
        with connection.cursor() as cursor:
            table = Intake._meta.db_table
            cursor.execute(
                f"UPDATE {table} AS i SET highest_severity_rank = v.rank, "  # noqa: S608
                "phq9_total = v.total FROM unnest(%s::bigint[], %s::smallint[], "
                "%s::smallint[]) AS v(id, rank, total) WHERE i.id = v.id",
                [list(ids), list(ranks), list(totals)],
            )
        return
    Intake.objects.bulk_update(
        [Intake(pk=pk, highest_severity_rank=r, phq9_total=p) for pk, r, p in updates],
        ["highest_severity_rank", "phq9_total"],
        batch_size=1000,
    )


def _retire_current(intake_ids: list[int]) -> list[tuple[int, str, str]]:
    """Make these intakes' current results and flags history; returns the
    retired flags as (intake id, code, severity). On PostgreSQL the flags are
    read and retired by one UPDATE ... RETURNING (one pass over them)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = Flag._meta.db_table
            cursor.execute(
                f"UPDATE {table} SET is_current = false WHERE intake_id = ANY(%s) "  # noqa: S608
                "AND is_current RETURNING intake_id, code, severity",
                [intake_ids],
            )
            retired = cursor.fetchall()
    else:
        current = Flag.objects.filter(intake_id__in=intake_ids, is_current=True)
        retired = list(current.values_list("intake_id", "code", "severity"))
        current.update(is_current=False)
    ScreeningResult.objects.filter(intake_id__in=intake_ids, is_current=True).update(
        is_current=False
    )
    return retired


# -- PostgreSQL bulk writer -------------------------------------------------------

BACKSLASH = "\\"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_json = json.JSONEncoder(separators=(",", ":")).encode


_LZ4: dict[str, bool] = {}


def _has_lz4(cursor) -> bool:
    """Whether this PostgreSQL server was built with lz4 (asked once per database)."""
    key = connection.settings_dict["NAME"]
    if key not in _LZ4:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
        _LZ4[key] = bool(row and row[0])
    return _LZ4[key]


def _copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _copy_json(value: Any) -> str:
    # ensure_ascii JSON has no raw control characters; only backslashes need doubling.
    return _json(value).replace("\\", "\\\\")


def _copy_results(outputs: list[tuple[int, dict, str, str]], version: int, now) -> None:
    """Insert results and flags with COPY (no model instances, no per-row SQL)."""
    result_table = ScreeningResult._meta.db_table
    flag_table = Flag._meta.db_table
    stamp = now.isoformat()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [result_table, len(outputs)],
        )
        result_ids = [row[0] for row in cursor.fetchall()]
        results = io.StringIO()
        flags = io.StringIO()
        fixed: dict[tuple, tuple[str, str]] = {}
        for result_id, (intake_id, output, digest, text) in zip(result_ids, outputs, strict=True):
            rank = _highest_rank(output)
            output_text = text.replace(BACKSLASH, BACKSLASH * 2)
            results.write(
                f"{result_id}\t{intake_id}\t{stamp}\t{_copy_text(str(output['rules_version']))}"
                f"\t{version}\tt\t{_copy_json(output['scores'])}\t{output_text}"
                f"\t{_highest_severity(rank)}\t{digest}\n"
            )
            for f in output["flags"]:
                modalities = tuple(f["modalities"])
                columns = fixed.get((f["code"], f["severity"], modalities, f["source"]))
                if columns is None:
                    # Code, severity, treatments and source repeat across intakes.
                    m = modalities
                    columns = fixed[(f["code"], f["severity"], modalities, f["source"])] = (
                        f"{_copy_text(f['code'])}\t{f['severity']}"
                        f"\t{SEVERITY_RANK[f['severity']]}\t{_copy_json(list(m))}"
                        f"\t{'t' if 'iv_ketamine' in m else 'f'}"
                        f"\t{'t' if 'esketamine' in m else 'f'}"
                        f"\t{'t' if 'tms' in m else 'f'}\t{'t' if 'ect' in m else 'f'}",
                        _copy_text(f["source"]),
                    )
                flags.write(
                    f"{result_id}\t{intake_id}\tt\t{columns[0]}"
                    f"\t{_copy_text(f['summary'])}\t{_copy_json(f['evidence'])}"
                    f"\t{columns[1]}\n"
                )
        results.seek(0)
        flags.seek(0)
        cursor.copy_expert(
            f"COPY {result_table} (id, intake_id, computed_at, rules_version, policy_version, "
            "is_current, scores, output, highest_severity, digest) FROM STDIN",
            results,
        )
        cursor.copy_expert(
            f"COPY {flag_table} (result_id, intake_id, is_current, code, severity, "
            "severity_rank, modalities, for_iv_ketamine, for_esketamine, for_tms, for_ect, "
            "summary, evidence, source) FROM STDIN",
            flags,
        )
