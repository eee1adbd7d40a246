"""Pagination that stays fast when a list is long."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 1000


class CappedCountPaginator(Paginator):
    """Count at most COUNT_CAP + 1 rows.

    Counting all 50,000 cases a supervisor sees, or every "Memet" among them, costs more than
    the page itself; past a thousand matches the exact number helps nobody, so the page says
    "more than 1,000" and the database stops counting there.
    """

    cap = COUNT_CAP

    @cached_property
    def count(self):
        return self.object_list[: self.cap + 1].count()

    @property
    def is_capped(self):
        return self.count > self.cap
