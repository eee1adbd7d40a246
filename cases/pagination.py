"""Pagination that stays fast when a list is long."""

from django.core.paginator import InvalidPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property

COUNT_CAP = 1000


class CappedCountPaginator(Paginator):
    """Count at most COUNT_CAP + 1 rows, and still page through everything.

    Counting all 50,000 cases a supervisor sees, or every "Memet" among them, costs more than
    the page itself; past a thousand matches the exact number helps nobody, so the page says
    "more than 1,000" and the database stops counting there. Beyond the cap, whether there is a
    next page is learnt by fetching one row more than the page shows.
    """

    cap = COUNT_CAP

    @cached_property
    def count(self):
        return self.object_list[: self.cap + 1].count()

    @property
    def is_capped(self):
        return self.count > self.cap

    def validate_number(self, number):
        if not self.is_capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if number < 1:
            raise InvalidPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        if not self.is_capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        return CappedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)


class CappedPage(Page):
    def __init__(self, object_list, number, paginator, *, has_more):
        super().__init__(object_list, number, paginator)
        self.has_more = has_more

    def has_next(self):
        return self.has_more
