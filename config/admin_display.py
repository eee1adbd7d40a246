"""Admin list columns that read in the user's language.

Django draws a boolean column as an icon whose alt text is the Python value, "True" or "False",
in every language (django.contrib.admin.templatetags.admin_list._boolean_icon): a screen reader
reads English to a Kazakh administrator. Our boolean columns are words instead.
"""

from django.contrib import admin
from django.utils.translation import gettext as _


def yes_no(model, field_name):
    """A list_display column showing Yes or No for the boolean `field_name`, headed by its label."""

    @admin.display(description=model._meta.get_field(field_name).verbose_name, ordering=field_name)
    def column(obj):
        return _("Yes") if getattr(obj, field_name) else _("No")

    column.__name__ = f"{field_name}_yes_no"
    return column
