"""The caseload export: a CSV overview of the organisation's cases a person may see, in their language.

A file on a laptop outlives the session that made it, so it carries no names, documents, phone
numbers, addresses or notes: reference, place, status, risk, UNHCR status, dates, household size
and the caseworkers' usernames. Dates are ISO 8601 so spreadsheets in every locale read them.
Every cell is quoted: spreadsheets set to a Russian, Turkish or Kazakh locale split unquoted
lines on ";", so "Almaty;=…" would otherwise become a cell of its own starting with "=".
"""

import csv

from django.utils.translation import gettext as _

from cases.models import Case

# A cell a spreadsheet would run as a formula ("=HYPERLINK(…)", "+…", "@…") is written as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def caseload_rows(cases):
    """The header, then one row per case, as lists of text; `cases` from selectors.caseload_export."""
    field = Case._meta.get_field
    yield [_cell(label) for label in (
        field("reference").verbose_name, field("host_country").verbose_name, field("host_city").verbose_name,
        field("status").verbose_name, field("risk_level").verbose_name, field("unhcr_status").verbose_name,
        field("opened_on").verbose_name, _("last changed"), _("people in the household"), _("Caseworkers"),
    )]
    for case in cases.iterator(chunk_size=2000):
        yield [_cell(value) for value in (
            case.reference, case.get_host_country_display(), case.host_city, case.get_status_display(),
            case.get_risk_level_display(), case.get_unhcr_status_display(), case.opened_on.isoformat(),
            case.updated_at.date().isoformat(), case.household_size,
            ", ".join(sorted(assignment.user.username for assignment in case.assignments.all())),
        )]


class _Echo:
    """csv.writer writes into this and gets the line back, so the response streams row by row."""

    def write(self, value):
        return value


def caseload_csv_lines(cases):
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    yield "\ufeff"  # a byte-order mark: spreadsheet programs then read the file as UTF-8 (Uyghur, Cyrillic, Chinese)
    for row in caseload_rows(cases):
        yield writer.writerow(row)
