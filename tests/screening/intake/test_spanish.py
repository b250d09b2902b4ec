"""The intake in Spanish: chosen by the patient's language or the switcher."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories.accounts import PatientFactory
from tests.factories.intake import URGENT_SAFETY, document_for, step_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def paciente(client):
    patient = PatientFactory(with_login=True, preferred_language="es")
    client.force_login(patient.user)
    client.get("/intake/")
    return patient


def test_a_spanish_speaking_patient_gets_the_intake_in_spanish(client, paciente):
    page = client.get("/intake/step/feeling/").content.decode()
    assert '<html lang="es">' in page
    assert "Cómo se ha sentido" in page
    assert (
        "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los "
        "siguientes problemas?" in page
    )
    assert "Casi todos los días" in page and "Guardar y continuar" in page
    assert "Nearly every day" not in page


def test_errors_and_crisis_resources_in_spanish(client, paciente):
    document = document_for(paciente, URGENT_SAFETY)
    data = step_post("safety", document, paciente)
    del data["intent"]
    page = client.post("/intake/step/safety/", data).content.decode()
    assert "se la hacemos porque respondió sí a la pregunta 2" in page
    response = client.post(
        "/intake/step/safety/", step_post("safety", document, paciente), follow=True
    )
    page = response.content.decode()
    assert "Si está en peligro ahora, llame al <strong>911</strong>" in page
    assert "Llame o envíe un mensaje de texto al <strong>988</strong>" in page


def test_the_switcher_wins_over_the_patients_language(client, paciente):
    client.post("/i18n/setlang/", {"language": "en", "next": "/intake/step/about/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/intake/step/about/").content.decode()
    assert "About you" in page and "Sus datos" not in page


def test_an_english_speaker_can_switch_to_spanish(client):
    patient = PatientFactory(with_login=True)
    client.force_login(patient.user)
    client.get("/intake/")
    client.post("/i18n/setlang/", {"language": "es", "next": "/intake/step/about/"})
    page = client.get("/intake/step/about/").content.decode()
    assert "Sus datos" in page
    assert "Saltar al contenido principal" in page  # the base template too


PATIENT_FACING = (
    "screening/intake/",
    "templates/intake/",
    "templates/partials/crisis_resources.html",
    "templates/accounts/",
    "templates/base.html",
    "clinic/accounts/invitation_views.py",
)


def _po_entries(path: Path):
    """(references, msgid, msgstr or plural msgstrs) of each entry of a .po file."""
    for block in path.read_text(encoding="utf-8").split("\n\n")[1:]:
        refs, fields, current = [], {}, None
        for line in block.splitlines():
            if line.startswith("#: "):
                refs.extend(ref.rsplit(":", 1)[0] for ref in line[3:].split())
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
            elif not line.startswith("#") and " " in line:
                current, value = line.split(" ", 1)
                fields[current] = ast.literal_eval(value)
        if "msgid" in fields:
            yield refs, fields


def test_the_spanish_catalog_is_complete_and_compiled_for_the_intake():
    locale = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"
    with open(locale / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    checked = 0
    for refs, fields in _po_entries(locale / "django.po"):
        if not any(ref.startswith(PATIENT_FACING) for ref in refs):
            continue
        checked += 1
        if "msgid_plural" in fields:
            assert fields.get("msgstr[0]") and fields.get("msgstr[1]"), fields["msgid"]
            assert (
                compiled.ngettext(fields["msgid"], fields["msgid_plural"], 2) == fields["msgstr[1]"]
            )
        else:
            assert fields["msgstr"], f"not translated: {fields['msgid']!r}"
            assert compiled.gettext(fields["msgid"]) == fields["msgstr"], fields["msgid"]
    assert checked > 300
