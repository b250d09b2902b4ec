"""Re-screen stored intakes in bulk (the `rescreen` command): batches, one
transaction each, optionally in forked worker processes; a new result is
stored only where the output changed. On PostgreSQL the results and flags
are written with COPY (`screening.services.rescreen_copy`)."""

from __future__ import annotations

import datetime
import hashlib
import multiprocessing
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

from screening.engine import (
    RULES_VERSION,
    DocumentError,
    MedicationKnowledge,
    parse_document,
    screen,
)
from screening.engine.document import canonical_json
from screening.models import Flag, Intake, ScreeningResult
from screening.services.policy import PolicyArg, resolve_policy
from screening.services.rescreen_copy import copy_results, has_lz4
from screening.services.screen import flag_rows, highest_rank, result_row
from screening.signals import results_replaced


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
    policy, version, knowledge = resolve_policy(policy, knowledge)
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
        text = canonical_json(output)
        digest = hashlib.sha256(text.encode("ascii")).hexdigest()
        if current.get(pk) == digest:
            continue
        outputs.append((pk, output, digest, text))
        rank = highest_rank(output)
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
    # A batch lost to a crash is simply re-screened by the next run (the
    # digests tell what is done), so the commit need not wait for the disk.
    fast_commit()
    results_store(outputs, version, timezone.now())
    replaced = [pk for pk in stored_ids if pk in current]
    if replaced:
        results_replaced.send(sender=ScreeningResult, intake_ids=replaced)
    if intake_updates:
        _intakes_denormalise(intake_updates)
    report.stored += len(outputs)


def fast_commit() -> None:
    """On PostgreSQL, for the current transaction only: its commit does not
    wait for the disk (`synchronous_commit` off: a crash may lose the last
    commits, never corrupt them), and stored results are compressed with lz4
    where the server has it (several times cheaper than the default pglz).
    Only for work that a re-run redoes exactly (rescreen's digests, import's
    content hashes); elsewhere a no-op."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        settings = "SET LOCAL synchronous_commit TO OFF"
        if has_lz4(cursor):
            settings += "; SET LOCAL default_toast_compression TO lz4"
        cursor.execute(settings)


def results_store(outputs: list[tuple[int, dict, str, str]], version: int, now) -> None:
    """Store screening outputs, given as (intake id, output, digest, canonical
    JSON), as the current results of their intakes, with their flags: COPY on
    PostgreSQL (`rescreen_copy`), bulk_create elsewhere. The intakes' earlier
    results must be retired first (`_retire_current`). Used by `rescreen` and
    by the bulk import alike."""
    if connection.vendor == "postgresql":
        copy_results(outputs, version, now)
        return
    results = ScreeningResult.objects.bulk_create(
        [result_row(pk, output, version, now) for pk, output, *_ in outputs]
    )
    flags: list[Flag] = []
    for result, (pk, output, *_) in zip(results, outputs, strict=True):
        flags.extend(flag_rows(result, output, pk))
    Flag.objects.bulk_create(flags, batch_size=5000)


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
