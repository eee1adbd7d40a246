"""Form widgets shared by the apps."""

from django import forms
from django.utils.translation import get_language_info


class LanguageSelect(forms.Select):
    """A choice of UI language, each option written in its own language and marked as such.

    As in the language switcher, "Türkçe" stays Türkçe on a Uyghur page: a person looks for their
    own language by its own name. `lang` and `dir` on each option let screen readers pronounce it
    and browsers shape and order it correctly.
    """

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value:
            info = get_language_info(value)
            option["attrs"].update({"lang": value, "dir": "rtl" if info["bidi"] else "ltr"})
        return option
