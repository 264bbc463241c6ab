"""Pagination that fetches a page's primary keys first, then only those rows with their related rows.

A list page orders and filters many rows but shows 50. Asking the database for the page's rows with their joined
columns (select_related) makes it join every matching row before sorting and cutting the page: a search matching
10k of 100k projects joined 10k rows to show 50 (~40 ms on PostgreSQL). Asking first for the page's keys (the
filters and the ordering only) and then for those 50 rows with their joins costs two small queries (the "deferred
join" of SQL pagination). Querysets without joined related rows are paged as usual. Used by the pages (Django's
Paginator API) and the API (KaigongPagination).

``count_with_keys=True`` also reads the count in the keys query (``COUNT(*) OVER ()``): for filters that make
every matching row expensive to find (the warning list searched by project: a join through every matching
project's checklist), one pass instead of two. Not the default: where the count is an index-only scan and the
page an index walk that stops after 50 rows, the window would make the page query read every matching row.
"""

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window


class DeferredJoinPaginator(Paginator):
    def __init__(self, *args, count_with_keys: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_with_keys = count_with_keys
        self._window: tuple[int, list] | None = None  # (page number, keys from its start) read with the count

    def get_page(self, number) -> Page:
        self._read_window(number)
        return super().get_page(number)

    def page(self, number) -> Page:
        object_list = self.object_list
        if not _joins_related_rows(object_list):
            return super().page(number)
        self._read_window(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self._window is not None and self._window[0] == number:
            keys = self._window[1][: top - bottom]
        else:
            keys = list(object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in _rows_of(object_list, keys)}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)

    def _read_window(self, number) -> None:
        """With ``count_with_keys``, before anything asks for the count: the keys from the start of page ``number``
        (with room for orphans) and the count, in one query. Nothing when that page is empty or the number is not
        a page number: then the plain count decides, as usual."""
        if not self.count_with_keys or "count" in self.__dict__ or not _joins_related_rows(self.object_list):
            return
        try:
            number = int(number)
        except (TypeError, ValueError):
            return
        if number < 1:
            return
        bottom = (number - 1) * self.per_page
        rows = list(
            self.object_list.annotate(kaigong_total=Window(Count("pk"))).values_list("pk", "kaigong_total")[
                bottom : bottom + self.per_page + self.orphans
            ]
        )
        if rows:
            self.__dict__["count"] = rows[0][1]  # Paginator.count is a cached_property
            self._window = (number, [pk for pk, _total in rows])


def _joins_related_rows(object_list) -> bool:
    """Whether the rows come with joined related rows (select_related) and a plain, ordered query to page."""
    return (
        isinstance(object_list, QuerySet)
        and bool(object_list.query.select_related)
        and object_list.ordered
        and not object_list.query.distinct
    )


def _rows_of(object_list: QuerySet, keys: list) -> QuerySet:
    """The rows of ``keys`` with the related rows ``object_list`` joins and prefetches. The keys already passed the
    list's filters and scoping, so they are not applied again (a search's substring scan would run a third time);
    a queryset with annotations keeps its own query, filtered to the keys."""
    if object_list.query.annotations:
        return object_list.filter(pk__in=keys).order_by()
    rows = object_list.model._base_manager.filter(pk__in=keys)
    rows.query.select_related = object_list.query.select_related
    rows.query.deferred_loading = object_list.query.deferred_loading
    return rows.prefetch_related(*object_list._prefetch_related_lookups)
