"""Display helpers for the case file templates."""

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases import phones
from cases.choices import LANGUAGES_SPOKEN, DatePrecision

register = template.Library()


@register.filter
def date_with_precision(value, precision):
    """Show a date only as precisely as it is known: '1987', 'March 1987', 'about 1987'."""
    if not value:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return date_format(value, "YEAR_MONTH_FORMAT")
    if precision == DatePrecision.APPROXIMATE:
        return _("about %(year)s") % {"year": value.year}
    return date_format(value, "DATE_FORMAT")


@register.filter
def phone_for_country(e164, host_country):
    """National format for a number of the host country, international format otherwise."""
    return phones.display(e164, host_country)


@register.filter
def language_names(codes):
    """Spoken-language codes as translated names: 'ug, ru' becomes 'Uyghur, Russian'."""
    names = dict(LANGUAGES_SPOKEN)
    return ", ".join(str(names.get(code, code)) for code in codes or [])
