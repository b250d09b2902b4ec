"""import_intakes and the format's limits: a field longer than its column or a
list over 50 entries is refused by path and the rest of the batch imported
(it crashed with DataError and stopped); an export (JSON Lines) or a JSON
array imports as it is."""

from __future__ import annotations

import json

import pytest

from clinic.accounts.models import Patient
from screening.engine import DocumentError, parse_document
from screening.engine.document import MAX_LIST_ITEMS
from screening.models import Intake
from tests.screening.test_commands import person, run, write

pytestmark = pytest.mark.django_db


def trial(n: int) -> dict:
    return {
        "medication": f"sertraline {n}",
        "max_daily_dose_mg": 100,
        "duration_weeks": 8,
        "current_episode": False,
        "response": "none",
    }


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("patient.email", "a" * 250 + "@x.org", "must be at most 254 characters"),
        ("patient.phone", "5" * 41, "must be at most 40 characters"),
        ("patient.referring_clinician", "R" * 201, "must be at most 200 characters"),
        ("external_id", "E" * 201, "must be at most 200 characters"),
    ],
)
def test_a_field_longer_than_its_column_is_refused_and_the_batch_goes_on(
    tmp_path, path, value, message
):
    bad = person(2)
    if path.startswith("patient."):
        bad["patient"][path.split(".")[1]] = value
    else:
        bad[path] = value
    write(tmp_path / "1-good.json", person(1))
    write(tmp_path / "2-long.json", bad)
    write(tmp_path / "3-good.json", person(3))

    code, out, err = run("import_intakes", str(tmp_path))

    assert code == 2
    assert err == f"{tmp_path / '2-long.json'}: {path}: {message}\n"
    assert "Imported 2, already imported 0, invalid 1." in out
    assert sorted(Patient.objects.values_list("given_name", flat=True)) == ["Pat1", "Pat3"]


def test_fields_at_their_limits_import():
    doc = person(1, external_id="E" * 200)
    doc["patient"].update(
        email="a" * 240 + "@example.org"[:14], phone="5" * 40, referring_clinician="R" * 200
    )
    assert len(doc["patient"]["email"]) <= 254
    code, out, err = run("import_intakes", "-", stdin=json.dumps(doc).encode())
    assert (code, err) == (0, "")
    patient = Patient.objects.get()
    assert (len(patient.phone), len(patient.referring_clinician), len(patient.external_id)) == (
        40,
        200,
        200,
    )


def test_a_list_over_fifty_entries_is_refused_and_says_so(tmp_path):
    doc = person(1)
    doc["antidepressant_trials"] = [trial(n) for n in range(40_000)]
    write(tmp_path / "huge.json", doc)
    code, out, err = run("import_intakes", str(tmp_path / "huge.json"))
    assert code == 2
    assert err == (
        f"{tmp_path / 'huge.json'}: antidepressant_trials: "
        "must have at most 50 entries (this has 40000)\n"
    )
    assert not Intake.objects.exists()


def test_every_list_of_the_format_is_capped_at_fifty():
    doc = person(1)
    doc["allergies"] = [f"allergen {n}" for n in range(MAX_LIST_ITEMS)]
    parse_document(doc)  # 50 is fine
    for key, item in [
        ("allergies", "dust"),
        ("current_medications", {"name": "x"}),
        ("antidepressant_trials", trial(1)),
        ("augmentation_trials", trial(1)),
    ]:
        over = person(1)
        over[key] = [item] * (MAX_LIST_ITEMS + 1)
        with pytest.raises(DocumentError) as caught:
            parse_document(over)
        assert (key, "must have at most 50 entries (this has 51)") in caught.value.errors


def test_the_web_form_and_the_format_share_the_limits():
    from screening.intake.forms import AboutForm
    from screening.intake.steps import STEP_BY_KEY

    fields = AboutForm.base_fields
    assert (fields["email"].max_length, fields["phone"].max_length) == (254, 40)
    assert fields["referring_clinician"].max_length == 200
    lists = [spec for step in STEP_BY_KEY.values() for spec in step.lists]
    assert lists and all(spec.formset_class.max_num == MAX_LIST_ITEMS for spec in lists)


def test_an_export_imports_as_it_is_json_lines_round_trip(tmp_path):
    docs = [person(n, external_id=f"X-{n}") for n in range(3)]
    array = tmp_path / "batch.json"
    write(array, docs)
    code, out, err = run("import_intakes", str(array))
    assert (code, err) == (0, "")
    assert "Imported 3, already imported 0, invalid 0." in out

    code, exported, _ = run("export_intakes")
    assert code == 0 and len(exported.splitlines()) == 3
    before = sorted(exported.splitlines())
    lines = tmp_path / "export.jsonl"
    lines.write_text(exported)
    # The same export again: already there, nothing new.
    code, out, err = run("import_intakes", str(lines))
    assert (code, err) == (0, ""), err
    assert "Imported 0, already imported 3, invalid 0." in out

    # Into an empty clinic: the same intakes back.
    Intake.objects.all().delete()
    Patient.objects.all().delete()
    code, out, err = run("import_intakes", "-", stdin=exported.encode())
    assert (code, err) == (0, "")
    assert "Imported 3, already imported 0, invalid 0." in out
    assert sorted(run("export_intakes")[1].splitlines()) == before


def test_a_bad_line_of_json_lines_is_reported_by_line_and_the_others_imported(tmp_path):
    bad = person(2)
    bad["patient"]["phone"] = "5" * 41
    text = "\n".join(
        [json.dumps(person(1)), json.dumps(bad), "{not json", "", json.dumps(person(3))]
    )
    lines = write(tmp_path / "in.jsonl", text + "\n")
    code, out, err = run("import_intakes", str(tmp_path))
    assert code == 2
    assert err.splitlines()[0] == f"{lines}:2: patient.phone: must be at most 40 characters"
    assert err.splitlines()[1].startswith(f"{lines}:3: $: is not valid JSON")
    assert "Imported 2, already imported 0, invalid 2." in out
    assert sorted(Patient.objects.values_list("given_name", flat=True)) == ["Pat1", "Pat3"]


def test_an_array_entry_is_reported_by_its_index(tmp_path):
    bad = person(2)
    bad["patient"]["email"] = "x" * 250 + "@e.org"
    array = write(tmp_path / "a.json", [person(1), bad])
    code, out, err = run("import_intakes", str(array))
    assert code == 2
    assert err == f"{array}[1]: patient.email: must be at most 254 characters\n"
    assert "Imported 1, already imported 0, invalid 1." in out
