"""Pages of long ordered lists whose cost does not grow with the depth of
the page: a deep page is read from the nearer end of the ordering, and a
search is run once.

`ScaleFreePaginator` is a Django Paginator (templates see the same `Page`):

- pages in the second half are read in the reversed order (the ordering's
  index read backwards), so the last page costs what the first one does;
  the middle page is the deepest read, half the list's index entries;
- `search_cap`: the matching primary keys (at most `search_cap`) are read in
  one query, counted and sliced in Python, and only the page's rows are then
  read with their related data; the search condition runs once per request
  instead of once for the count and once for the page. `capped` says that
  more matched than are listed (the page should say so: narrow the search).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class ScaleFreePaginator(Paginator):
    def __init__(
        self,
        object_list: QuerySet,
        per_page: int,
        *,
        search_cap: int | None = None,
        rows_for: Callable[[list], QuerySet] | None = None,
    ):
        super().__init__(object_list, per_page)
        self.search_cap = search_cap
        # The page's rows by primary key, with their related data (without
        # the search condition): defaults to the list's queryset itself.
        self.rows_for = rows_for or (lambda ids: object_list.filter(pk__in=ids))

    @cached_property
    def _matched(self) -> list:
        # One more than the cap: whether more matched than are listed.
        return list(self.object_list.values_list("pk", flat=True)[: self.search_cap + 1])

    @property
    def _ids(self) -> list:
        return self._matched[: self.search_cap]

    @property
    def capped(self) -> bool:
        return self.search_cap is not None and len(self._matched) > self.search_cap

    @cached_property
    def count(self) -> int:
        if self.search_cap is not None:
            return len(self._ids)
        return super().count

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if self.search_cap is not None:
            ids = self._ids[bottom:top]
            rows = {row.pk: row for row in self.rows_for(ids)} if ids else {}
            return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)
        if bottom > self.count - top:
            # Nearer the end: read the reversed ordering from its start.
            rows = list(self.object_list.reverse()[self.count - top : self.count - bottom])
            rows.reverse()
            return self._get_page(rows, number, self)
        return self._get_page(list(self.object_list[bottom:top]), number, self)
