"""Date hints match what the browser shows (issue 9): a date box shows its
parts in the browser's own order (mm/dd/yyyy, dd/mm/aaaa), so no page gives an
example in one fixed format next to it, in any language."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from screening.intake.forms import DATE_HINT
from tests.factories.accounts import PatientFactory

pytestmark = pytest.mark.django_db

ISO_EXAMPLE = re.compile(r"\b\d{4}-\d{2}-\d{2}\.")


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    ("step", "field"), [("about", "date_of_birth"), ("physical", "bp_measured_on")]
)
def test_a_date_box_is_described_in_words(client, language, step, field):
    patient = PatientFactory(with_login=True, preferred_language=language)
    client.force_login(patient.user)
    client.get("/intake/")
    page = client.get(f"/intake/step/{step}/").content.decode()
    box = re.search(rf'<input type="date" name="{field}"[^>]*>', page)
    assert box is not None
    described_by = re.search(r'aria-describedby="([^"]+)"', box.group(0)).group(1)
    hint = re.search(rf'id="{described_by.split()[0]}"[^>]*>(.*?)</', page, re.S).group(1)
    with translation.override(language):
        assert hint.strip() == str(DATE_HINT)
    assert "For example 1982-03-14" not in page
    assert not ISO_EXAMPLE.search(hint)
