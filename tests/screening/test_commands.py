"""The command-line contract of screen_intake, import_intakes, export_intakes
and rescreen, run with real files and folders."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from clinic.accounts.models import Patient
from screening.engine import parse_document, screen
from screening.models import Flag, Intake, ScreeningResult
from screening.services.policy import policy_update
from tests.factories.screening import IntakeFactory, valid_document
from tests.worker import run_worker

pytestmark = pytest.mark.django_db


def run(*args, stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run a command; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    extra = {"stdin": io.BytesIO(stdin)} if stdin is not None else {}
    try:
        call_command(*args, stdout=out, stderr=err, **extra)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def write(path: Path, document) -> Path:
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


def person(n: int, **overrides):
    base = {
        "patient__given_name": f"Pat{n}",
        "patient__family_name": "Example",
        "patient__email": f"pat{n}@example.org",
    }
    return valid_document(**{**base, **overrides})


# -- screen_intake ----------------------------------------------------------------


def test_screen_intake_prints_one_result_per_document_in_order(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    write(folder / "b.json", person(2))
    write(folder / "a.json", person(1, depression__phq9=[3] * 9))
    (folder / "notes.txt").write_text("not a document")
    single = write(tmp_path / "single.json", person(3))

    code, out, err = run("screen_intake", str(folder), str(single))

    assert code == 0 and err == ""
    lines = out.splitlines()
    assert [json.loads(line)["file"] for line in lines] == [
        str(folder / "a.json"),
        str(folder / "b.json"),
        str(single),
    ]
    first = json.loads(lines[0])
    expected = screen(parse_document(person(1, depression__phq9=[3] * 9)))
    assert {k: v for k, v in first.items() if k != "file"} == json.loads(json.dumps(expected))
    assert first["scores"]["phq9_total"] == 27
    assert "severe_depression" in [f["code"] for f in first["flags"]]
    assert " " not in lines[0].split('"summary"')[0]  # compact JSON
    assert Intake.objects.count() == 0 and ScreeningResult.objects.count() == 0


def test_screen_intake_reads_standard_input():
    code, out, err = run("screen_intake", "-", stdin=json.dumps(person(1)).encode())
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["file"] == "-"
    assert result["format"] == "clinic-screening/1"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json", "$: invalid JSON"),
        ("", "$: invalid JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff", "$: invalid JSON"),
        ("[1, 2]", "$: must be a JSON object"),
    ],
    ids=["not-json", "empty", "binary", "list"],
)
def test_screen_intake_invalid_input_is_reported_by_path(tmp_path, content, expected):
    bad = tmp_path / "bad.json"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content)
    good = write(tmp_path / "good.json", person(1))

    code, out, err = run("screen_intake", str(bad), str(good))

    assert code == 2
    assert err.startswith(f"{bad}: {expected}")
    assert "Traceback" not in err
    assert [json.loads(line)["file"] for line in out.splitlines()] == [str(good)]


def test_screen_intake_names_the_json_path_of_each_error(tmp_path):
    doc = person(1)
    doc["antidepressant_trials"][1]["duration_weeks"] = -1
    del doc["consent"]
    bad = write(tmp_path / "bad.json", doc)

    code, out, err = run("screen_intake", str(bad))

    assert code == 2 and out == ""
    lines = err.splitlines()
    assert any(
        line.startswith(f"{bad}: antidepressant_trials[1].duration_weeks: ") for line in lines
    )
    assert f"{bad}: consent: required" in lines


def test_screen_intake_missing_path(tmp_path):
    code, out, err = run("screen_intake", str(tmp_path / "nope.json"))
    assert code == 2 and out == ""
    assert err == f"{tmp_path / 'nope.json'}: $: no such file or folder\n"


def test_screen_intake_uses_the_stored_policy(tmp_path):
    doc = write(
        tmp_path / "d.json",
        person(1, blood_pressure={"systolic": 136, "diastolic": 80, "measured_on": "2026-10-30"}),
    )
    assert "uncontrolled_hypertension" not in run("screen_intake", str(doc))[1]
    policy_update(changes={"bp_high_systolic": 135}, by=None)
    assert "uncontrolled_hypertension" in run("screen_intake", str(doc))[1]


# -- import_intakes ----------------------------------------------------------------


def test_import_stores_screened_intakes_and_is_idempotent(tmp_path):
    for n in range(3):
        write(tmp_path / f"{n}.json", person(n))

    code, out, err = run("import_intakes", str(tmp_path))

    assert (code, err) == (0, "")
    assert "Imported 3, already imported 0, invalid 0." in out
    assert Intake.objects.filter(source="import", status="submitted").count() == 3
    assert Patient.objects.filter(user__isnull=True).count() == 3
    for intake in Intake.objects.all():
        assert intake.current_result is not None
        assert intake.flags.filter(is_current=True, code="trd_likely").exists()
        assert intake.phq9_total == 16
        assert intake.content_hash and intake.submitted_at

    code, out, _ = run("import_intakes", str(tmp_path))
    assert code == 0
    assert "Imported 0, already imported 3, invalid 0." in out
    assert Intake.objects.count() == 3 and ScreeningResult.objects.count() == 3


def test_import_same_document_reformatted_is_stored_once(tmp_path):
    doc = person(1)
    write(tmp_path / "a.json", doc)
    (tmp_path / "b.json").write_text(json.dumps(doc, indent=4, sort_keys=True))
    code, out, _ = run("import_intakes", str(tmp_path))
    assert code == 0 and "Imported 1, already imported 1" in out
    assert Intake.objects.count() == 1


def test_import_bad_document_is_reported_and_the_others_imported(tmp_path):
    write(tmp_path / "1-good.json", person(1))
    bad = person(2)
    bad["depression"]["phq9"] = [1, 2]
    write(tmp_path / "2-bad.json", bad)
    write(tmp_path / "3-good.json", person(3))

    code, out, err = run("import_intakes", str(tmp_path))

    assert code == 2
    assert err.startswith(f"{tmp_path / '2-bad.json'}: depression.phq9: ")
    assert "Imported 2, already imported 0, invalid 1." in out
    assert sorted(Patient.objects.values_list("given_name", flat=True)) == ["Pat1", "Pat3"]


def test_import_dry_run_stores_nothing(tmp_path):
    write(tmp_path / "a.json", person(1))
    write(tmp_path / "b.json", "{}")
    code, out, err = run("import_intakes", "--dry-run", str(tmp_path))
    assert code == 2
    assert "Dry run: 1 valid, 0 already imported, 1 invalid; nothing stored." in out
    assert f"{tmp_path / 'b.json'}: format: required" in err
    assert Intake.objects.count() == 0 and Patient.objects.count() == 0


def test_import_from_standard_input():
    code, out, _ = run("import_intakes", "-", stdin=json.dumps(person(1)).encode())
    assert code == 0 and "Imported 1" in out
    assert Intake.objects.get().document["patient"]["given_name"] == "Pat1"


def test_import_matches_patients_by_external_id_then_email_and_birth_date(tmp_path):
    existing = Patient.objects.create(
        given_name="Pat1",
        family_name="Example",
        email="PAT1@example.org",
        date_of_birth="1982-03-14",
    )
    by_email = person(1)
    write(tmp_path / "1.json", by_email)
    with_id = person(2, external_id="EHR-42")
    write(tmp_path / "2.json", with_id)
    # A later intake of the same sender id, with a changed email: same patient.
    later = person(2, external_id="EHR-42", patient__email="new@example.org")
    later["depression"]["phq9"] = [3] * 9
    write(tmp_path / "3.json", later)

    code, _, _ = run("import_intakes", str(tmp_path))

    assert code == 0
    assert Patient.objects.count() == 2
    assert Intake.objects.get(document__patient__given_name="Pat1").patient == existing
    pat2 = Patient.objects.get(external_id="EHR-42")
    assert list(pat2.intakes.order_by("version").values_list("version", "phq9_total")) == [
        (1, 16),
        (2, 27),
    ]
    second = pat2.intakes.get(version=2)
    assert second.previous == pat2.intakes.get(version=1)


# -- export_intakes ----------------------------------------------------------------


def _canonical(doc):
    return parse_document(doc).to_json_dict()


def test_export_then_import_gives_back_the_same_intakes(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    docs = [person(n, external_id=f"X-{n}" if n % 2 else None) for n in range(4)]
    for n, doc in enumerate(docs):
        write(source / f"{n}.json", doc)
    assert run("import_intakes", str(source))[0] == 0
    exported = tmp_path / "out"

    code, out, _ = run("export_intakes", "--out", str(exported))

    assert code == 0 and "Exported 4 intakes (clinic-intake/1)" in out
    files = sorted(exported.glob("*.json"))
    assert len(files) == 4
    back = [json.loads(p.read_text()) for p in files]
    assert sorted(back, key=lambda d: d["patient"]["given_name"]) == [_canonical(d) for d in docs]

    # Import into an empty clinic gives the same documents, screened the same way.
    flags_before = sorted(Flag.objects.values_list("code", "severity"))
    Intake.objects.all().delete()
    Patient.objects.all().delete()
    assert run("import_intakes", str(exported))[0] == 0
    again = tmp_path / "again"
    run("export_intakes", "--out", str(again))
    assert [json.loads(p.read_text()) for p in sorted(again.glob("*.json"))] == [
        json.loads(p.read_text()) for p in files
    ]
    assert Intake.objects.filter(source="import").count() == 4
    assert sorted(Flag.objects.values_list("code", "severity")) == flags_before


def test_export_to_stdout_as_json_lines_and_since(tmp_path):
    import datetime

    from django.utils import timezone

    old = IntakeFactory(document=person(1), screened=True)
    Intake.objects.filter(pk=old.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=30)
    )
    IntakeFactory(document=person(2), screened=True)
    since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()

    code, out, _ = run("export_intakes")
    assert code == 0 and len(out.splitlines()) == 2
    code, out, _ = run("export_intakes", "--since", since)
    lines = out.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["patient"]["email"] != old.patient.email


def test_export_fhir_bundles_validate_and_carry_scores_and_flags(tmp_path):
    from fhir.resources.R4B.bundle import Bundle

    doc = person(1, blood_pressure={"systolic": 152, "diastolic": 94, "measured_on": "2026-10-30"})
    intake = IntakeFactory(document=doc, screened=True)

    code, out, _ = run("export_intakes", "--format", "fhir", "--out", str(tmp_path))

    assert code == 0
    [path] = list(tmp_path.glob("*.fhir.json"))
    data = json.loads(path.read_text())
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds[:2] == ["Patient", "QuestionnaireResponse"]
    observations = {
        o["code"]["coding"][0]["code"]: o["valueInteger"]
        for o in (e["resource"] for e in data["entry"])
        if o["resourceType"] == "Observation"
    }
    assert observations == {"44261-6": 16, "70274-6": 8}
    flags = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Flag"]
    codes = {f["code"]["coding"][0]["code"] for f in flags}
    assert codes == set(intake.flags.filter(is_current=True).values_list("code", flat=True))
    assert "uncontrolled_hypertension" in codes
    patient = data["entry"][0]["resource"]
    assert patient["birthDate"] == intake.patient.date_of_birth.isoformat()
    # The whole document travels in the QuestionnaireResponse.
    import base64

    qr = data["entry"][1]["resource"]
    attachment = next(i for i in qr["item"] if i["linkId"] == "clinic-intake-document")
    carried = json.loads(base64.b64decode(attachment["answer"][0]["valueAttachment"]["data"]))
    assert carried == intake.document


def test_export_fhir_to_stdout_without_gad7():
    from fhir.resources.R4B.bundle import Bundle

    IntakeFactory(document=person(1, depression__gad7=None), screened=True)
    code, out, _ = run("export_intakes", "--format", "fhir")
    data = json.loads(out)
    Bundle.model_validate(data)
    loinc = [
        e["resource"]["code"]["coding"][0]["code"]
        for e in data["entry"]
        if e["resource"]["resourceType"] == "Observation"
    ]
    assert loinc == ["44261-6"]


# -- rescreen ----------------------------------------------------------------------


def test_rescreen_reports_changed_flags_and_keeps_history():
    raised = person(
        1, blood_pressure={"systolic": 136, "diastolic": 80, "measured_on": "2026-10-30"}
    )
    changed = [IntakeFactory(document=raised, screened=True) for _ in range(2)]
    same = IntakeFactory(document=person(2), screened=True)
    policy_update(changes={"bp_high_systolic": 135}, by=None)

    code, out, err = run("rescreen", "--batch-size", "2")

    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Re-screened 3 intakes with rules version 1, policy version 2.",
        "New results stored for 2 intakes; 1 unchanged.",
        "Flags changed for 2 intakes.",
        "Codes appeared: uncontrolled_hypertension (2)",
        "Codes disappeared: none",
    ]
    assert same.results.get().policy_version == 1  # identical result, kept as it was
    for intake in changed:
        assert intake.results.count() == 2
        assert intake.results.get(is_current=False).policy_version == 1
        assert intake.results.get(is_current=True).policy_version == 2
    assert Flag.objects.filter(code="uncontrolled_hypertension", is_current=True).count() == 2
    # The changed intakes' old flags stay, no longer current.
    for intake in changed:
        old_result = intake.results.get(is_current=False)
        assert old_result.flags.count() == old_result.flags.filter(is_current=False).count() > 0
        assert not old_result.flags.filter(code="uncontrolled_hypertension").exists()

    policy_update(changes={"bp_high_systolic": 140}, by=None)
    code, out, _ = run("rescreen")
    assert "Codes disappeared: uncontrolled_hypertension (2)" in out


def test_rescreen_since_only_takes_recent_intakes():
    import datetime

    from django.utils import timezone

    old = IntakeFactory(screened=True)
    Intake.objects.filter(pk=old.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=9)
    )
    IntakeFactory(screened=True)
    since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    code, out, _ = run("rescreen", "--since", since)
    assert code == 0 and out.startswith("Re-screened 1 intakes")
    assert old.results.count() == 1


# The worker closes and reopens database connections, so this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_import_of_an_urgent_safety_answer_alerts_the_on_call_clinicians(tmp_path, mailoutbox):
    from tests.factories.accounts import StaffFactory

    StaffFactory(role="clinician", is_on_call=True, email="oncall@example.org")
    urgent = person(1, depression__phq9=[3, 3, 3, 3, 3, 3, 3, 3, 2])
    urgent["suicide_screen"].update(suicidal_thoughts=True, method=True, intent=True, plan=False)
    write(tmp_path / "urgent.json", urgent)
    write(tmp_path / "calm.json", person(2))

    code, _, _ = run("import_intakes", str(tmp_path))
    run_worker()

    assert code == 0
    flagged = Intake.objects.get(document__patient__given_name="Pat1")
    assert flagged.safety_alerted_at is not None
    assert flagged.highest_severity_rank == 4
    assert Intake.objects.get(document__patient__given_name="Pat2").safety_alerted_at is None
    assert [m.to for m in mailoutbox] == [["oncall@example.org"]]
    assert "Pat1" not in mailoutbox[0].body  # no name in the email
    # Importing it again alerts nobody again.
    run("import_intakes", str(tmp_path))
    run_worker()
    assert len(mailoutbox) == 1


def test_exported_web_intake_imported_again_is_already_there(tmp_path):
    doc = person(1)
    del doc["external_id"], doc["blood_pressure"], doc["suicide_screen"]["method"]
    intake = IntakeFactory(document=doc, screened=True)  # as the web form stores it
    assert run("export_intakes", "--out", str(tmp_path))[0] == 0

    code, out, _ = run("import_intakes", str(tmp_path))

    assert code == 0 and "Imported 0, already imported 1" in out
    assert Intake.objects.get() == intake


def test_screen_intake_stores_nothing(tmp_path):
    from screening.models import Flag, PolicyChange, ScreeningResult

    doc = write(tmp_path / "d.json", person(1))
    code, out, _ = run("screen_intake", str(doc))
    assert code == 0 and '"trd_likely"' in out
    assert not Intake.objects.exists() and not ScreeningResult.objects.exists()
    assert not Flag.objects.exists() and not PolicyChange.objects.exists()
