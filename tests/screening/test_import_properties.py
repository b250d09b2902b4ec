"""Property: whatever an import is given, an invalid document never raises
anything but DocumentError and never stores anything."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.accounts.models import Patient
from screening.engine import DocumentError
from screening.interchange import intake_import
from screening.models import Flag, Intake, ScreeningResult
from tests.factories.screening import valid_document

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)

SECTIONS = list(valid_document())


@st.composite
def broken_documents(draw):
    """A valid document with one part replaced, removed or added."""
    doc = valid_document()
    how = draw(st.sampled_from(["replace", "remove", "add", "nested"]))
    key = draw(st.sampled_from(SECTIONS))
    if how == "replace":
        value = draw(json_values)
        if value == doc[key] or (
            key == "external_id" and (value is None or isinstance(value, str))
        ):
            value = {"unexpected": True}
        doc[key] = value
    elif how == "remove":
        if key in {"external_id", "blood_pressure"}:
            key = "patient"
        del doc[key]
    elif how == "add":
        doc[draw(st.text(min_size=1, max_size=10).filter(lambda k: k not in SECTIONS))] = draw(
            json_values
        )
    else:
        section = draw(st.sampled_from(["patient", "depression", "suicide_screen", "consent"]))
        field = draw(st.sampled_from(sorted(doc[section])))
        doc[section][field] = draw(
            st.one_of(st.just("not valid"), st.just([1, 2, 3]), st.just({"x": 1}), st.just(-5))
        )
    return doc


def _nothing_stored() -> bool:
    return not (
        Intake.objects.exists()
        or Patient.objects.exists()
        or ScreeningResult.objects.exists()
        or Flag.objects.exists()
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(json_values, broken_documents()))
def test_invalid_documents_never_raise_unexpectedly_and_never_store(data):
    try:
        intake_import(document=data)
    except DocumentError as exc:
        assert exc.errors and all(isinstance(p, str) and m for p, m in exc.errors)
        assert _nothing_stored()
    else:
        # A replacement that happened to be valid (rare): it was stored whole.
        assert Intake.objects.count() == 1
        Intake.objects.all().delete()
        Patient.objects.all().delete()


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_random_bytes_and_truncated_json_are_rejected(data):
    with pytest.raises(DocumentError):
        intake_import(document=data)
    assert _nothing_stored()


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2000))
def test_truncated_documents_are_rejected(cut):
    text = json.dumps(valid_document()).encode()
    cut = min(cut, len(text) - 1)
    with pytest.raises(DocumentError) as info:
        intake_import(document=text[:cut])
    assert info.value.errors[0][0] == "$"
    assert _nothing_stored()
