"""import_intakes stores its documents in chunks (intakes_import): what it
stores is what importing them one at a time stores: patients matched or
created, versions and `previous`, results and flags as intake_screen gives,
auditlog entries, safety alerts and their emails; a chunk costs a number of
queries that does not grow with its size."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from clinic.accounts.models import Patient
from clinic.operations.models import SafetyAlert
from screening.interchange import intake_import, intakes_import
from screening.models import Flag, Intake, ScreeningResult
from screening.services.intake import has_crisis_answer
from screening.services.screen import intake_screen
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.screening import IntakeFactory
from tests.screening.test_commands import person, run
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

FLAG_COLUMNS = (
    "code",
    "severity",
    "severity_rank",
    "modalities",
    "for_ect",
    "for_tms",
    "for_esketamine",
    "for_iv_ketamine",
    "summary",
    "evidence",
    "source",
)


def crisis(n: int, **overrides):
    """A document with PHQ-9 item 9 above 0: a crisis answer."""
    return person(n, depression__phq9=[2, 2, 2, 2, 2, 2, 2, 2, 1], **overrides)


def current_flags(intake: Intake) -> list[tuple]:
    return list(
        Flag.objects.filter(intake=intake, is_current=True)
        .order_by("code")
        .values_list(*FLAG_COLUMNS)
    )


def the_documents(known: list[Patient]) -> list[dict]:
    """30 documents: new patients, three of one patient (by external id) and
    two of another (by email and birth date) within the chunk, existing
    patients matched by their email in capitals, one invalid in the middle,
    crisis answers, and one document twice."""
    docs = []
    for n in range(30):
        doc = crisis(n) if n % 3 == 0 else person(n)
        docs.append(doc)
    for n, patient in zip((1, 4, 7), known, strict=True):
        docs[n]["patient"].update(
            given_name=patient.given_name,
            family_name=patient.family_name,
            email=patient.email.upper(),
            date_of_birth=patient.date_of_birth.isoformat(),
        )
        docs[n]["consent"]["signed_name"] = f"{patient.given_name} {patient.family_name}"
    for n, phq9 in ((10, [1] * 9), (18, [3] * 9), (25, [0] * 9)):
        docs[n] = person(10, external_id="EHR-7", depression__phq9=phq9)
    docs[20] = person(20, depression__phq9=[3] * 8 + [0])
    docs[22] = person(20, depression__phq9=[1] * 8 + [0])  # Pat20 again, by email and birth
    docs[15]["depression"]["phq9"] = [1, 2]  # invalid
    docs[28] = docs[2]  # the same document twice
    return docs


# The worker closes and reopens database connections: this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_a_chunk_stores_what_one_at_a_time_stores(tmp_path, mailoutbox):
    StaffFactory(role="clinician", is_on_call=True, email="oncall@example.org")
    known = [
        PatientFactory(email=f"known{n}@example.org", given_name=f"Known{n}") for n in range(3)
    ]
    earlier = IntakeFactory(patient=known[0], screened=True)
    docs = the_documents(known)
    source = tmp_path / "batch.jsonl"
    source.write_text("".join(json.dumps(doc) + "\n" for doc in docs))

    code, out, err = run("import_intakes", str(source))

    assert code == 2
    assert err.startswith(f"{source}:16: depression.phq9: ")
    assert len(err.splitlines()) == 1
    assert "Imported 28, already imported 1, invalid 1." in out

    imported = Intake.objects.filter(source="import")
    assert imported.count() == 28
    # The known patients got their intakes; nobody else was matched.
    assert Patient.objects.count() == 3 + 28 - 3 - 2 - 1
    assert earlier.patient.intakes.count() == 2
    second = earlier.patient.intakes.get(version=2)
    assert second.previous == earlier and second.source == "import"
    for patient in known[1:]:
        assert list(patient.intakes.values_list("version", "previous")) == [(1, None)]
    # Repeats within the chunk: in document order, each the next version.
    ehr7 = Patient.objects.get(external_id="EHR-7")
    chain = list(ehr7.intakes.order_by("version"))
    assert [(i.version, i.phq9_total) for i in chain] == [(1, 9), (2, 27), (3, 0)]
    assert [i.previous for i in chain] == [None, chain[0], chain[1]]
    pat20 = Patient.objects.get(given_name="Pat20")
    assert list(pat20.intakes.order_by("version").values_list("version", "phq9_total")) == [
        (1, 24),
        (2, 8),
    ]
    assert imported.filter(document__patient__given_name="Pat2").count() == 1

    # Screened as intake_screen screens: screening again gives the same flags.
    flags_before = {intake.pk: current_flags(intake) for intake in imported}
    results = dict(
        ScreeningResult.objects.filter(is_current=True).values_list("intake_id", "digest")
    )
    ranks = dict(imported.values_list("pk", "highest_severity_rank"))
    assert all(flags_before.values())
    for intake in imported:
        again = intake_screen(intake=intake)
        assert again.digest == results[intake.pk]
        assert current_flags(intake) == flags_before[intake.pk]
        intake.refresh_from_db()
        assert intake.highest_severity_rank == ranks[intake.pk]

    # One alert per crisis intake, emailed once the import committed.
    crisis_ids = {i.pk for i in imported if has_crisis_answer(i.document)}
    assert len(crisis_ids) == 10
    assert set(imported.filter(safety_alerted_at__isnull=False).values_list("pk", flat=True)) == (
        crisis_ids
    )
    assert sorted(SafetyAlert.objects.values_list("key", flat=True)) == sorted(
        f"intake-{pk}" for pk in crisis_ids
    )
    assert all(a.source == "intake" and a.link for a in SafetyAlert.objects.all())
    run_worker()
    assert len(mailoutbox) == 10
    assert {tuple(m.to) for m in mailoutbox} == {("oncall@example.org",)}

    # Every created patient and intake has its auditlog CREATE entry.
    for model, pks in (
        (Patient, Patient.objects.exclude(pk__in=[p.pk for p in known]).values_list("pk")),
        (Intake, imported.values_list("pk")),
    ):
        logged = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            action=LogEntry.Action.CREATE,
        ).values_list("object_id", flat=True)
        assert {pk for (pk,) in pks} <= set(logged)

    # Importing it all again stores nothing and alerts nobody.
    code, out, _ = run("import_intakes", str(source))
    assert "Imported 0, already imported 29, invalid 1." in out
    run_worker()
    assert len(mailoutbox) == 10 and Intake.objects.count() == 29


def _entry(model, pk) -> LogEntry:
    return LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(model),
        object_id=pk,
        action=LogEntry.Action.CREATE,
    )


VARYING = {"id", "patient", "created_at", "updated_at"}


def test_the_audit_entries_of_a_chunk_are_those_auditlog_writes():
    one = intake_import(document=crisis(1))
    [many] = intakes_import(documents=[crisis(2), crisis(3)])[:1]
    for model, a, b in (
        (Intake, one.intake.pk, many.intake.pk),
        (Patient, one.intake.patient_id, many.intake.patient_id),
    ):
        alone, bulk = _entry(model, a), _entry(model, b)
        assert set(alone.changes) == set(bulk.changes)
        names = {"given_name", "email", "external_id", "content_hash"}
        for name in set(alone.changes) - VARYING - names:
            assert alone.changes[name] == bulk.changes[name], name
        assert alone.object_repr.replace("Pat1", "Pat2") == bulk.object_repr
        assert (alone.serialized_data, alone.actor, alone.cid) == (
            bulk.serialized_data,
            bulk.actor,
            bulk.cid,
        )
    # Logged as created, before the screening and the alert were stored on it.
    assert _entry(Intake, many.intake.pk).changes["highest_severity_rank"] == ["None", "0"]
    assert many.intake.highest_severity_rank > 0 and many.intake.safety_alerted_at


def _chunk(n: int) -> list[dict]:
    known = [PatientFactory(email=f"k{n}-{i}@example.org") for i in range(n // 4)]
    docs = [crisis(100 * n + i) if i % 2 else person(100 * n + i) for i in range(n)]
    for i, (doc, patient) in enumerate(zip(docs, known, strict=False)):
        if i % 2 == 0:
            doc["external_id"] = f"S-{n}-{i}"  # the known patient is given it
        doc["patient"].update(
            given_name=patient.given_name,
            family_name=patient.family_name,
            email=patient.email.upper(),
            date_of_birth=patient.date_of_birth.isoformat(),
        )
        doc["consent"]["signed_name"] = f"{patient.given_name} {patient.family_name}"
    return docs


@pytest.mark.parametrize("size", [4, 40])
def test_a_chunk_costs_the_same_few_queries_whatever_its_size(size, django_assert_max_num_queries):
    docs = _chunk(size)
    from screening.services.policy import current_knowledge, current_policy

    policy, knowledge = current_policy(), current_knowledge()
    # What a process asks once and keeps (the audit entries' content types,
    # whether the server has lz4) is asked before, so that the count is the
    # chunk's whichever tests this process ran first.
    from django.contrib.contenttypes.models import ContentType

    from screening.services.rescreen_copy import has_lz4

    ContentType.objects.get_for_models(Patient, Intake)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            has_lz4(cursor)
    with django_assert_max_num_queries(19):
        outcomes = intakes_import(documents=docs, policy=policy, knowledge=knowledge)
    assert [o.status for o in outcomes] == ["created"] * size
    assert Intake.objects.count() == size
    assert Intake.objects.filter(safety_alerted_at__isnull=False).count() == size // 2
    assert SafetyAlert.objects.count() == size // 2
    assert Patient.objects.count() == size  # a quarter were known already
    assert Patient.objects.filter(external_id__startswith="S-").count() == len(
        range(0, size // 4, 2)
    )


@pytest.mark.postgres
def test_a_chunk_refused_by_the_database_is_imported_one_at_a_time(tmp_path):
    # A rule of the database (not of the format) that one document breaks.
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE accounts_patient ADD CONSTRAINT test_refused "
            "CHECK (given_name <> 'Refused')"
        )
    docs = [person(n) for n in range(5)]
    docs[2] = person(2, patient__given_name="Refused")
    for n, doc in enumerate(docs):
        (tmp_path / f"{n}.json").write_text(json.dumps(doc))

    code, out, err = run("import_intakes", str(tmp_path))

    assert code == 2
    assert err.startswith(f"{tmp_path / '2.json'}: $: the database refused it (IntegrityError: ")
    assert len(err.splitlines()) == 1
    assert "Imported 4, already imported 0, invalid 1." in out
    assert sorted(Patient.objects.values_list("given_name", flat=True)) == [
        "Pat0",
        "Pat1",
        "Pat3",
        "Pat4",
    ]
    assert Intake.objects.count() == 4 and ScreeningResult.objects.count() == 4


def _known_with_id(patient: Patient, external_id: str) -> dict:
    doc = person(1, external_id=external_id)
    doc["patient"].update(
        given_name=patient.given_name,
        family_name=patient.family_name,
        email=patient.email.upper(),
        date_of_birth=patient.date_of_birth.isoformat(),
    )
    doc["consent"]["signed_name"] = f"{patient.given_name} {patient.family_name}"
    return doc


def test_a_known_patient_without_the_senders_id_is_given_it_and_that_is_logged():
    alone, bulk = PatientFactory(email="kim@example.org"), PatientFactory(email="lee@example.org")
    intake_import(document=_known_with_id(alone, "EHR-8"))

    outcomes = intakes_import(documents=[_known_with_id(bulk, "EHR-9"), person(2), person(3)])

    assert [o.status for o in outcomes] == ["created"] * 3
    bulk.refresh_from_db()
    assert bulk.external_id == "EHR-9"
    assert outcomes[0].intake.patient == bulk and not outcomes[0].patient_created
    assert outcomes[1].patient_created
    updates = [
        LogEntry.objects.get(
            content_type=ContentType.objects.get_for_model(Patient),
            object_id=patient.pk,
            action=LogEntry.Action.UPDATE,
        )
        for patient in (alone, bulk)
    ]
    assert updates[0].changes == {"external_id": ["None", "EHR-8"]}
    assert updates[1].changes == {"external_id": ["None", "EHR-9"]}
    assert updates[1].object_repr == str(bulk)
