"""One person, many spellings (issue 8): the person search page and duplicate suggestions at registration."""

import unicodedata

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import permissions
from cases.forms import PersonForm
from cases.models.people import NAME_FIELDS
from cases.selectors import identity
from cases.views.common import remember_search, remembered_search

PERSON_SEARCH_SESSION_KEY = "person_searches"
# Letters typed across the name fields before suggestions are looked for (as the script does).
MIN_LETTERS = 2


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name"), max_length=200,
        help_text=gettext_lazy("A name in any script: Uyghur, Latin, Cyrillic, Chinese characters or pinyin."),
        error_messages={"required": gettext_lazy("Type a name to search for.")},
    )

    def clean_q(self):
        term = self.cleaned_data["q"].strip()
        if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") for ch in term):
            raise forms.ValidationError(
                _("The search contains characters that are not letters. Type the name again."), code="control",
            )
        if sum(ch.isalpha() for ch in term) < MIN_LETTERS:
            raise forms.ValidationError(_("Type at least two letters of a name."), code="short")
        return term


@login_required
def person_search(request):
    """Search people by name in any script; the term travels through the session, never the URL."""
    if request.method == "POST":
        form = PersonSearchForm(request.POST)
        if form.is_valid():
            key = remember_search(request, form.cleaned_data["q"], session_key=PERSON_SEARCH_SESSION_KEY)
            return redirect(f"{reverse('cases:person_search')}?s={key}")
        return render(request, "cases/person_search.html", {"form": form, "results": None}, status=400)
    term = remembered_search(request, session_key=PERSON_SEARCH_SESSION_KEY)
    form = PersonSearchForm(initial={"q": term})
    results = identity.person_search(request.user, term) if term else None
    return render(request, "cases/person_search.html", {
        "form": form, "term": term, "results": results,
        "expired": bool(request.GET.get("s")) and not term,
    })


def principal_matches(user, principal_form):
    """Existing records the user may see that may be the principal typed in `principal_form`.

    Fields that do not validate are left out, so half-filled forms still get suggestions.
    """
    principal_form.is_valid()
    cleaned = principal_form.cleaned_data
    typed = {name: cleaned.get(name) or "" for name in NAME_FIELDS}
    if sum(ch.isalpha() for value in typed.values() for ch in value) < MIN_LETTERS:
        return []
    typed["date_of_birth"] = cleaned.get("date_of_birth")
    typed["place_of_birth"] = cleaned.get("place_of_birth") or ""
    return identity.registration_matches(user, typed)


@login_required
def registration_matches(request):
    """The suggestions panel for the registration form's script (an HTML fragment; POST only)."""
    permissions.require(permissions.can_create_case(request.user))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = PersonForm(request.POST, prefix="principal", principal=True)
    return render(request, "cases/_registration_matches.html", {
        "matches": principal_matches(request.user, form), "checked": True,
    })
