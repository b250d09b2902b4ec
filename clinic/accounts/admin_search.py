"""Admin search on lists of a model with a `patient` (appointments, intakes):
scale-free at the size of a clinic network.

Django's default search ORs `UPPER(patient.name) LIKE '%...%'` with the
model's own columns across the join, which reads and joins every row of
both tables. Here each word first finds the matching patients (one query on
the patient table, served by its trigram indexes on PostgreSQL), then the
list is filtered by those patient ids OR the model's own fields (an index
on `patient_id`, ORed with the own fields' trigram indexes): the work grows
with the matches, not with the tables.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.contrib import messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.db.models import Q
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext as _

from clinic.accounts.models import Patient
from clinic.paging import ScaleFreePaginator

# Past this many matching patients for one word, the ids are matched by a
# subquery instead of a list (correct, slower: a very common word).
PATIENT_IDS_LIMIT = 5000


def _words(search_term: str) -> list[str]:
    words = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1] and len(bit) > 1:
            bit = unescape_string_literal(bit)
        if bit:
            words.append(bit)
    return words


class PatientSearchMixin:
    """For a ModelAdmin: `patient_search_fields` are the patient's fields,
    `own_search_fields` the model's; `search_fields` (both, as Django spells
    them) only shows the search box."""

    patient_search_fields: tuple[str, ...] = ("family_name", "given_name", "email")
    own_search_fields: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        for word in _words(search_term):
            # Unordered: the patients' default ordering would walk its index
            # past every non-matching name to find a common word's matches.
            matching = (
                Patient.objects.filter(
                    reduce(
                        or_, (Q(**{f"{f}__icontains": word}) for f in self.patient_search_fields)
                    )
                )
                .order_by()
                .values_list("pk", flat=True)
            )
            ids = list(matching[: PATIENT_IDS_LIMIT + 1])
            condition = Q(patient_id__in=ids if len(ids) <= PATIENT_IDS_LIMIT else matching)
            for f in self.own_search_fields:
                condition |= Q(**{f"{f}__icontains": word})
            queryset = queryset.filter(condition)
        return queryset, False


class ScaleFreeDateHierarchyMixin:
    """For a ModelAdmin with a `date_hierarchy` over a large table: its links
    come from the table's first and last date (see
    `clinic/accounts/templatetags/admin_dates.py`), not from a DISTINCT over
    every filtered row. The field needs an index (for its min and max)."""

    change_list_template = "admin/scale_free_change_list.html"


class ScaleFreeListMixin:
    """For a ModelAdmin over a large table (appointments, patients, intakes):
    its pages through `ScaleFreePaginator`. A deep page is read from the
    nearer end of the ordering (the last page costs what the first does, not
    an OFFSET over the table), and a search lists its first `search_cap`
    matches, read once (no COUNT over every match of a common word); when
    more matched, the page says so."""

    search_cap = 1000

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        searched = bool(request.GET.get(SEARCH_VAR, "").strip())
        if not searched:
            return ScaleFreePaginator(queryset, per_page)

        def rows_for(ids):
            # The page's rows by id, with the list's related data and order:
            # the ids come from the filtered, searched list, so its conditions
            # (a common word's subquery) are not run again.
            rows = queryset.all()
            rows.query.clear_where()
            return rows.filter(pk__in=ids)

        paginator = ScaleFreePaginator(
            queryset, per_page, search_cap=self.search_cap, rows_for=rows_for
        )
        if paginator.capped:
            messages.info(
                request,
                _(
                    "More than %(cap)s match this search: the first %(cap)s are listed. "
                    "Add a word to narrow it."
                )
                % {"cap": f"{self.search_cap:,}"},
            )
        return paginator
