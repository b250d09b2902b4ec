"""Pages at the scale of a clinic network (issue 16): constant queries per
page whatever the number of rows, deep pages read from the nearer end, the
search run once, and on PostgreSQL the indexes that serve them exist and are
used. Speed itself is measured in bench/run.py, never asserted here."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from clinic.paging import ScaleFreePaginator
from clinic.scheduling.models import Appointment, AppointmentStatus
from clinic.scheduling.services.booking import appointment_book
from clinic.scheduling.services.rules import BookingError
from screening.models import Intake
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.review import case, consult_decided
from tests.factories.scheduling import (
    AppointmentFactory,
    appointment_type,
    local_dt,
    seed_types_and_plans,
    working_week,
)

QUEUE = "/review/"


def _rows(response, testid: str) -> list[int]:
    pattern = rf'data-testid="{testid}" data-intake="(\d+)"'
    return [int(pk) for pk in re.findall(pattern, response.content.decode())]


# -- the review queue's pages ------------------------------------------------------


def _intakes(n: int) -> list[Intake]:
    start = timezone.now() - datetime.timedelta(days=30)
    return [
        case(
            "urgent" if i % 4 == 0 else "info",
            submitted_at=start + datetime.timedelta(hours=i),
            review_status=Intake.ReviewStatus.CLOSED if i % 2 else Intake.ReviewStatus.AWAITING,
        )
        for i in range(n)
    ]


@pytest.mark.django_db
def test_every_page_of_the_paginator_is_the_slice_of_the_ordering():
    _intakes(7)
    ordered = Intake.objects.filter(status="submitted").order_by(
        "-highest_severity_rank", "submitted_at", "pk"
    )
    expected = list(ordered.values_list("pk", flat=True))
    paginator = ScaleFreePaginator(ordered, 3)
    got = [[i.pk for i in paginator.page(n).object_list] for n in paginator.page_range]
    # Pages 1 and 2 are read forwards; page 3 (the last) backwards.
    assert got == [expected[0:3], expected[3:6], expected[6:7]]


@pytest.mark.django_db
def test_the_last_page_reads_the_reversed_ordering(django_assert_num_queries):
    _intakes(5)
    ordered = Intake.objects.filter(status="submitted").order_by(
        "-highest_severity_rank", "submitted_at", "pk"
    )
    paginator = ScaleFreePaginator(ordered, 2)
    assert paginator.count == 5
    with django_assert_num_queries(1) as captured:
        page = paginator.page(3)
    sql = captured.captured_queries[0]["sql"]
    assert 'ORDER BY "screening_intake"."highest_severity_rank" ASC' in sql
    assert [i.pk for i in page] == list(ordered.values_list("pk", flat=True))[4:]


@pytest.mark.django_db
def test_a_search_is_run_once_and_pages_its_matches(django_assert_num_queries):
    patients = [PatientFactory(family_name=f"Quillfeather{i}") for i in range(5)]
    for p in patients:
        case("info", patient=p)
    case("info", patient=PatientFactory(family_name="Other"))
    qs = Intake.objects.filter(status="submitted", patient__family_name__icontains="quill")
    qs = qs.order_by("submitted_at", "pk")
    calls = []

    def rows_for(ids):
        calls.append(ids)
        return Intake.objects.filter(pk__in=ids)

    paginator = ScaleFreePaginator(qs, 2, search_cap=1000, rows_for=rows_for)
    with django_assert_num_queries(2):  # the matching ids, then the page's rows
        page = paginator.page(2)
        assert paginator.count == 5
        rows = list(page)
    assert [r.pk for r in rows] == list(qs.values_list("pk", flat=True))[2:4]
    assert len(calls) == 1


def _queries(client, path, params) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "all"},
        {"status": "all", "page": "last"},
        {"status": "closed"},
        {"modality": "tms"},
        {"q": "quill", "status": "all"},
        {"q": "quill1@example.org", "status": "all"},
    ],
    ids=["default", "all", "all-last", "closed", "treatment", "name", "email"],
)
def test_queue_pages_make_the_same_queries_for_any_number_of_cases(client, clinician, params):
    client.force_login(clinician)
    counts = []
    made = 0
    for size in (2, 12):
        for i in range(made, size):
            p = PatientFactory(family_name=f"Quill{i}", email=f"quill{i}@example.org")
            case("urgent" if i % 2 else "high", patient=p)
            case("info", review_status=Intake.ReviewStatus.CLOSED)
        made = size
        asked = dict(params)
        if asked.get("page") == "last":
            asked["page"] = "2" if size > 2 else "1"
        counts.append(_queries(client, QUEUE, asked))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_queue_reads_no_document_for_its_rows(client, clinician):
    case("urgent")
    client.force_login(clinician)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(QUEUE)
    listing = [q["sql"] for q in captured.captured_queries if 'FROM "screening_intake"' in q["sql"]]
    assert listing
    assert all('"screening_intake"."document"' not in sql for sql in listing)


@pytest.mark.django_db
def test_consults_to_book_makes_the_same_queries_for_any_number(client, scheduler):
    seed_types_and_plans()
    booked = consult_decided()
    AppointmentFactory(
        patient=booked.patient,
        appointment_type=appointment_type("consult"),
        start=timezone.now() + datetime.timedelta(days=3),
    )
    client.force_login(scheduler)
    counts = []
    for size in (1, 6):
        while len(_rows(client.get("/review/to-book/"), "to-book-row")) < size:
            consult_decided()
        counts.append(_queries(client, "/review/to-book/", {}))
        listed = _rows(client.get("/review/to-book/"), "to-book-row")
        assert len(listed) == size
        assert booked.pk not in listed
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_queue_consult_filters_split_cases_by_a_live_consult_after_the_decision(client, clinician):
    """ "Consult booked" = the status, or "to book" with a live consult starting
    after the decision; "consult to book" = the rest of the "to book" cases."""
    seed_types_and_plans()
    consult = appointment_type("consult")
    waiting = consult_decided()
    booked_since = consult_decided()
    AppointmentFactory(
        patient=booked_since.patient,
        appointment_type=consult,
        start=timezone.now() + datetime.timedelta(days=3),
    )
    before_decision = consult_decided()
    AppointmentFactory(
        patient=before_decision.patient,
        appointment_type=consult,
        start=timezone.now() - datetime.timedelta(days=30),
    )
    cancelled = consult_decided()
    AppointmentFactory(
        patient=cancelled.patient,
        appointment_type=consult,
        start=timezone.now() + datetime.timedelta(days=4),
        status=AppointmentStatus.CANCELLED,
    )
    by_status = case("info", review_status=Intake.ReviewStatus.CONSULT_BOOKED)
    client.force_login(clinician)
    to_book = set(_rows(client.get(QUEUE, {"status": "consult_to_book"}), "queue-row"))
    booked = _rows(client.get(QUEUE, {"status": "consult_booked"}), "queue-row")
    assert to_book == {waiting.pk, before_decision.pk, cancelled.pk}
    assert sorted(booked) == sorted([booked_since.pk, by_status.pk])
    page = client.get(QUEUE, {"status": "consult_booked"}).content.decode()
    assert page.count("Consult booked") >= 2


# -- scheduling ---------------------------------------------------------------------


@pytest.mark.django_db
def test_overlapping_bounds_start_from_below_and_finds_long_ones():
    seed_types_and_plans()
    doctor = StaffFactory(role="clinician")
    long_one = AppointmentFactory(
        clinician=doctor,
        start=local_dt(2027, 3, 1, 8),
        end=local_dt(2027, 3, 1, 19),
    )
    AppointmentFactory(clinician=doctor, start=local_dt(2027, 2, 20, 9))
    window = Appointment.objects.overlapping(local_dt(2027, 3, 1, 18), local_dt(2027, 3, 1, 20))
    assert list(window) == [long_one]
    assert '"scheduling_appointment"."start" >' in str(window.query)


@pytest.mark.django_db
def test_an_appointment_longer_than_12_hours_is_refused():
    seed_types_and_plans()
    doctor = StaffFactory(role="clinician")
    working_week(doctor)
    with pytest.raises(BookingError, match="at most 12 hours"):
        appointment_book(
            patient=PatientFactory(),
            appointment_type=appointment_type("consult"),
            start=local_dt(2027, 3, 1, 8),
            end=local_dt(2027, 3, 1, 21),
            clinician=doctor,
            room=None,
            booked_by=None,
            override_reason="long day",
        )


@pytest.mark.django_db
def test_schedule_and_finder_make_the_same_queries_for_any_number(client, scheduler):
    seed_types_and_plans()
    doctor = StaffFactory(role="clinician")
    working_week(doctor)
    day = timezone.localdate() + datetime.timedelta(days=1)
    client.force_login(scheduler)
    counts = []
    made = 0
    for size in (1, 8):
        for i in range(made, size):
            AppointmentFactory(
                clinician=doctor,
                start=timezone.make_aware(
                    datetime.datetime.combine(day - datetime.timedelta(days=i), datetime.time(9))
                ),
            )
        made = size
        counts.append(
            (
                _queries(client, "/schedule/", {"date": day.isoformat()}),
                _queries(
                    client,
                    "/schedule/slots/",
                    {"appointment_type": "consult", "clinician": doctor.pk},
                ),
            )
        )
    assert counts[0] == counts[1]


# -- the admin lists ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 6])
@pytest.mark.parametrize(
    "path,params",
    [
        ("/admin/scheduling/appointment/", {}),
        ("/admin/scheduling/appointment/", {"q": "zed"}),
        ("/admin/scheduling/appointment/", {"status__exact": "booked"}),
        ("/admin/accounts/patient/", {}),
        ("/admin/accounts/patient/", {"q": "zed"}),
        ("/admin/screening/intake/", {}),
        ("/admin/screening/intake/", {"q": "zed"}),
    ],
)
def test_admin_lists_make_the_same_queries_for_any_number_of_rows(
    client, clinic_admin, size, path, params
):
    from django.test.utils import CaptureQueriesContext

    seed_types_and_plans()
    counts = []
    for batch in (size, size):
        for i in range(batch):
            p = PatientFactory(family_name=f"Zed{i}")
            AppointmentFactory(patient=p, start=local_dt(2027, 3, 1 + i % 20, 8 + i % 8))
            case("info", patient=p)
        client.force_login(clinic_admin)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, params)
        assert response.status_code == 200
        counts.append(len(captured))
        sqls = " ".join(q["sql"] for q in captured.captured_queries)
        assert 'COUNT("scheduling_reminder"' not in sqls
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_admin_appointment_list_counts_each_rows_sent_reminders(client, clinic_admin):
    seed_types_and_plans()
    appointment = AppointmentFactory(start=timezone.now() + datetime.timedelta(days=3))
    appointment.reminders.all().delete()
    appointment.reminders.create(due_at=timezone.now(), sent_at=timezone.now(), offset_minutes=60)
    appointment.reminders.create(due_at=timezone.now(), offset_minutes=120)
    client.force_login(clinic_admin)
    response = client.get("/admin/scheduling/appointment/")
    assert re.search(r'class="field-reminders_sent">1<', response.content.decode())


@pytest.mark.django_db
def test_admin_search_finds_by_patient_name_in_capitals_and_by_notes(client, clinic_admin):
    seed_types_and_plans()
    mine = AppointmentFactory(
        patient=PatientFactory(family_name="Oyelaran"), start=local_dt(2027, 3, 2, 9)
    )
    noted = AppointmentFactory(notes="wheelchair access", start=local_dt(2027, 3, 3, 9))
    other = AppointmentFactory(start=local_dt(2027, 3, 4, 9))
    client.force_login(clinic_admin)
    for term, found in (("OYEL", mine), ("wheelchair", noted)):
        body = client.get("/admin/scheduling/appointment/", {"q": term}).content.decode()
        assert f"/admin/scheduling/appointment/{found.pk}/change/" in body
        assert f"/admin/scheduling/appointment/{other.pk}/change/" not in body


# -- admin lists: no DISTINCT over a table, date links from its first and last date --

ADMIN_LISTS = [
    ("/admin/scheduling/appointment/", {}),
    ("/admin/scheduling/appointment/", {"when": "past"}),
    ("/admin/scheduling/appointment/", {"when": "all", "start__year": "2027"}),
    ("/admin/accounts/patient/", {}),
    ("/admin/accounts/patient/", {"preferred_language__exact": "es"}),
    ("/admin/screening/intake/", {}),
    ("/admin/screening/intake/", {"review_status__exact": "awaiting_review"}),
    ("/admin/screening/intake/", {"highest_severity_rank__exact": "4"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("path,params", ADMIN_LISTS)
def test_admin_lists_read_no_distinct_over_the_table(client, clinic_admin, path, params):
    """Django's date hierarchy reads DISTINCT years (months, days) over every
    filtered row, and its filter on a field without choices DISTINCT values
    over the table: neither is read on these lists."""
    from django.test.utils import CaptureQueriesContext

    seed_types_and_plans()
    p = PatientFactory(preferred_language="es")
    AppointmentFactory(patient=p, start=local_dt(2027, 3, 2, 9))
    case("urgent", patient=p)
    client.force_login(clinic_admin)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200
    distinct = [q["sql"] for q in captured.captured_queries if "DISTINCT" in q["sql"]]
    assert distinct == []


@pytest.mark.django_db
def test_admin_date_links_span_the_tables_first_to_last_date(client, clinic_admin):
    seed_types_and_plans()
    AppointmentFactory(start=local_dt(2026, 11, 30, 9))
    AppointmentFactory(start=local_dt(2028, 2, 3, 9))
    AppointmentFactory(start=local_dt(2028, 2, 5, 9))
    client.force_login(clinic_admin)
    path = "/admin/scheduling/appointment/"

    def links(params) -> str:
        """The date links (not the one back up) of the list's hierarchy."""
        body = client.get(path, params).content.decode()
        nav = body[body.index('<nav class="toplinks">') :]
        nav = nav[: nav.index("</nav>")].replace("&amp;", "&")
        return " ".join(re.findall(r'<a href="\?([^"]+)">', nav))

    years = links({"when": "all"})
    for year in (2026, 2027, 2028):
        assert f"start__year={year}" in years
    assert "start__year=2025" not in years and "start__year=2029" not in years
    months = links({"when": "all", "start__year": "2028"})
    assert "start__month=1&" in months + "&" and "start__month=2" in months
    assert "start__month=3" not in months  # after the last appointment
    days = links({"when": "all", "start__year": "2028", "start__month": "2"})
    assert "start__day=1&" in days + "&" and "start__day=5" in days
    assert "start__day=6" not in days
    # A day chosen lists that day's appointments only.
    body = client.get(
        path, {"when": "all", "start__year": "2028", "start__month": "2", "start__day": "3"}
    ).content.decode()
    assert body.count('class="field-when"') == 1


@pytest.mark.django_db
def test_admin_upcoming_keeps_an_appointment_under_way_and_past_does_not(client, clinic_admin):
    seed_types_and_plans()
    now = timezone.now()
    kind = appointment_type("consult")
    under_way = AppointmentFactory(
        appointment_type=kind,
        start=now - datetime.timedelta(minutes=20),
        end=now + datetime.timedelta(minutes=40),
    )
    ended = AppointmentFactory(
        appointment_type=kind,
        start=now - datetime.timedelta(hours=3),
        end=now - datetime.timedelta(hours=2),
    )
    ahead = AppointmentFactory(appointment_type=kind, start=now + datetime.timedelta(days=2))
    client.force_login(clinic_admin)

    def listed(when):
        body = client.get("/admin/scheduling/appointment/", {"when": when}).content.decode()
        return {
            a.pk
            for a in (under_way, ended, ahead)
            if f"/admin/scheduling/appointment/{a.pk}/change/" in body
        }

    assert listed("upcoming") == {under_way.pk, ahead.pk}
    assert listed("past") == {ended.pk}
    assert listed("all") == {under_way.pk, ended.pk, ahead.pk}


@pytest.mark.django_db
def test_admin_intake_severity_filter_lists_that_severity(client, clinic_admin):
    urgent = case("urgent")
    info = case("info")
    client.force_login(clinic_admin)
    body = client.get(
        "/admin/screening/intake/", {"highest_severity_rank__exact": "4"}
    ).content.decode()
    assert f"/admin/screening/intake/{urgent.pk}/change/" in body
    assert f"/admin/screening/intake/{info.pk}/change/" not in body
    assert "Urgent" in body


# -- PostgreSQL: the indexes exist and serve the queries -----------------------------

INDEXES = [
    "intake_queue_idx",
    "intake_queue_open_idx",
    "intake_queue_all_idx",
    "flag_current_iv_ketamine_idx",
    "flag_current_esketamine_idx",
    "flag_current_tms_idx",
    "flag_current_ect_idx",
    "casedecision_book_idx",
    "patient_given_name_trgm",
    "patient_family_name_trgm",
    "patient_email_trgm",
    "patient_external_id_trgm",
    "patient_order_idx",
    "patient_created_at_idx",
    "appt_start_idx",
    "appt_status_start_idx",
    "appt_live_patient_type_idx",
    "appt_notes_trgm",
    "intake_external_id_trgm",
    "intake_review_status_idx",
    "flag_urgent_unacknowledged_idx",
    "flag_current_intake_idx",
]


def _plan(sql: str, params, *, bitmap_only: bool = False) -> str:
    """EXPLAIN on a small table, with the plans that a small table makes
    cheaper (a sequential scan, a sort; for a LIKE, a plain index scan that
    filters every row) turned off."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan TO off; SET LOCAL enable_sort TO off")
        scans = "off" if bitmap_only else "on"
        cursor.execute(
            f"SET LOCAL enable_indexscan TO {scans}; SET LOCAL enable_indexonlyscan TO {scans}"
        )
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_scale_indexes_exist_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        present = {row[0] for row in cursor.fetchall()}
    assert set(INDEXES) <= present, set(INDEXES) - present


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_indexes_serve_the_queue_search_and_schedule(clinician):
    from screening.review.selectors import QueueFilters, queue_intakes

    seed_types_and_plans()
    for i in range(30):
        case("info", patient=PatientFactory(family_name=f"Name{i}"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    qs = queue_intakes(filters=QueueFilters(), user=clinician)[:50]
    assert "intake_queue_open_idx" in _plan(*qs.query.sql_with_params())
    qs = queue_intakes(filters=QueueFilters(status="all"), user=clinician)[:50]
    assert "intake_queue_all_idx" in _plan(*qs.query.sql_with_params())
    from clinic.accounts.models import Patient

    qs = Patient.objects.filter(family_name__icontains="ame1").order_by()
    assert "patient_family_name_trgm" in _plan(*qs.query.sql_with_params(), bitmap_only=True)
    words = Q(family_name__icontains="ame1") | Q(given_name__icontains="ame1")
    words |= Q(email__icontains="ame1") | Q(external_id__icontains="ame1")
    plan = _plan(
        *Patient.objects.filter(words).order_by().query.sql_with_params(), bitmap_only=True
    )
    assert "BitmapOr" in plan and "Seq Scan" not in plan
    doctor = StaffFactory(role="clinician")
    qs = (
        Appointment.objects.live()
        .overlapping(local_dt(2027, 3, 1, 0), local_dt(2027, 3, 2, 0))
        .filter(clinician=doctor)
    )
    plan = _plan(*qs.query.sql_with_params())
    assert re.search(r"Index Scan using appt_(clinician_)?start_idx", plan), plan
    # Both bounds of start are index conditions (not a filter of the history).
    assert re.search(r"Index Cond: .*start.*<.*start.*>|Index Cond: .*start.*>.*start.*<", plan)


@pytest.mark.postgres
@pytest.mark.django_db
def test_import_matches_the_email_through_its_index():
    from django.db.models.functions import Lower

    from clinic.accounts.models import Patient

    PatientFactory(email="dana@example.org")
    qs = (
        Patient.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower="dana@example.org", date_of_birth=datetime.date(1980, 1, 1))
        .order_by()
    )
    assert "patient_email_dob_idx" in _plan(*qs.query.sql_with_params())


def test_statuses_named_once():
    from screening.models import OPEN_REVIEW_STATUSES
    from screening.review.selectors import OPEN_STATUSES

    assert OPEN_STATUSES is OPEN_REVIEW_STATUSES
    assert set(OPEN_REVIEW_STATUSES) <= set(Intake.ReviewStatus.values)
    assert AppointmentStatus.CANCELLED in AppointmentStatus.values


@pytest.mark.django_db
def test_admin_row_checkbox_is_what_djangos_widget_writes(client, clinic_admin):
    """Each list row's checkbox is written without a widget template; it is
    the same markup (name, value, escaping of the row's name) and still
    selects the row for an action."""
    from django.contrib import admin as django_admin
    from django.contrib.admin import site

    from clinic.accounts.models import Patient

    patient = PatientFactory(given_name='Ana <b>"&', family_name="O'Neil")
    from clinic.admin_site import ClinicModelAdminMixin

    registered = site._registry[Patient]
    assert type(registered).action_checkbox is ClinicModelAdminMixin.action_checkbox
    ours = registered.action_checkbox(patient)
    djangos = django_admin.ModelAdmin.action_checkbox(site._registry[Patient], patient)
    assert ours == djangos
    client.force_login(clinic_admin)
    page = client.get("/admin/accounts/patient/").content.decode()
    assert djangos in page


@pytest.mark.django_db
def test_a_capped_search_lists_the_first_matches_and_says_more_matched():
    for i in range(4):
        case("info", patient=PatientFactory(family_name=f"Capworth{i}"))
    qs = Intake.objects.filter(patient__family_name__icontains="capworth").order_by("pk")
    paginator = ScaleFreePaginator(qs, 2, search_cap=3)
    assert paginator.capped and paginator.count == 3 and paginator.num_pages == 2
    assert len(paginator.page(2).object_list) == 1
    assert not ScaleFreePaginator(qs, 2, search_cap=4).capped
    assert not ScaleFreePaginator(qs, 2).capped


@pytest.mark.django_db
def test_the_queue_says_when_a_search_matches_more_than_it_lists(client, clinician, monkeypatch):
    import screening.review.views as review_views

    for i in range(4):
        case("info", patient=PatientFactory(family_name=f"Capworth{i}"))
    client.force_login(clinician)
    monkeypatch.setattr(review_views, "SEARCH_CAP", 3)  # the cap, set low for 4 cases
    page = client.get(QUEUE, {"q": "capworth", "status": "all"}).content.decode()
    assert len(_rows(client.get(QUEUE, {"q": "capworth", "status": "all"}), "queue-row")) == 3
    assert 'data-testid="queue-capped"' in page and "More than 3 cases match" in page
    monkeypatch.setattr(review_views, "SEARCH_CAP", 4)
    page = client.get(QUEUE, {"q": "capworth", "status": "all"}).content.decode()
    assert 'data-testid="queue-capped"' not in page


@pytest.mark.django_db
def test_admin_search_lists_its_first_matches_and_says_more_matched(
    client, clinic_admin, monkeypatch
):
    from django.contrib.admin import site

    from clinic.accounts.models import Patient

    for i in range(5):
        PatientFactory(family_name=f"Capworth{i}")
    PatientFactory(family_name="Other")
    admin = site._registry[Patient]
    # A cap of 3 at 2 rows a page (the clinic's: 1,000 at 100 a page).
    monkeypatch.setattr(admin, "search_cap", 3)
    monkeypatch.setattr(admin, "list_per_page", 2)
    client.force_login(clinic_admin)
    pages = [
        client.get("/admin/accounts/patient/", {"q": "capworth", "p": n}).content.decode()
        for n in (1, 2)
    ]
    assert "More than 3 match this search: the first 3 are listed." in pages[0]
    assert [page.count('name="_selected_action"') for page in pages] == [2, 1]
    assert not any("Other" in page for page in pages)
    monkeypatch.setattr(admin, "search_cap", 5)
    page = client.get("/admin/accounts/patient/", {"q": "capworth"}).content.decode()
    assert "More than" not in page and page.count('name="_selected_action"') == 2


@pytest.mark.django_db
def test_admin_deep_pages_are_the_slices_of_the_ordering(client, clinic_admin, monkeypatch):
    """Pages in the second half are read from the reversed ordering: walked
    2 rows a page, they are the rows of one long page, in its order."""
    from django.contrib.admin import site

    from clinic.accounts.models import Patient

    for i in range(7):
        PatientFactory(family_name=f"Deep{i % 3}", given_name=f"G{i % 2}")
    client.force_login(clinic_admin)

    def shown(response) -> list[int]:
        assert response.status_code == 200
        found = re.findall(r'name="_selected_action" value="(\d+)"', response.content.decode())
        return [int(pk) for pk in found]

    whole = shown(client.get("/admin/accounts/patient/"))
    assert len(whole) == 7
    monkeypatch.setattr(site._registry[Patient], "list_per_page", 2)
    walked = []
    for number in range(4):
        walked += shown(client.get("/admin/accounts/patient/", {"p": number + 1}))
    assert walked == whole


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_pages_current_flags_are_read_by_their_own_index_among_retired_ones(clinician):
    """Rescreens retire flags and keep them: with most flags retired, the
    queue's badges (a page's current flags) still read only current ones."""
    from screening.models import Flag
    from screening.review.selectors import QueueFilters, queue_intakes

    intakes = [case("high", patient=PatientFactory(family_name=f"Retired{i}")) for i in range(20)]
    current = list(Flag.objects.filter(is_current=True))
    retired = []
    for _ in range(10):  # ten rescreens' worth of retired flags
        for flag in current:
            flag.pk = None
            flag.is_current = False
            retired.append(flag)
    Flag.objects.bulk_create(retired)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE screening_flag")
    ids = [i.pk for i in intakes]
    qs = Flag.objects.filter(is_current=True, intake_id__in=ids).order_by().only("pk", "code")
    plan = _plan(*qs.query.sql_with_params(), bitmap_only=True)
    assert "flag_current_intake_idx" in plan and "BitmapAnd" not in plan, plan
    page = queue_intakes(filters=QueueFilters(status="all"), user=clinician)[:50]
    assert {i.pk: len(i.current_flags) for i in page} == {
        i.pk: Flag.objects.filter(intake=i, is_current=True).count() for i in intakes
    }
