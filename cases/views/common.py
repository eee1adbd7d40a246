"""What every case view shares: running a form through a service without losing input, and
keeping search terms out of URLs."""

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases.services.versioning import StaleEditError


def run_removal(request, remove, *, removed) -> None:
    """Call `remove()` (a service) and say how it went: `removed`, or the refusal it raised (a
    legal hold, a record still in use) in the person's language."""
    try:
        remove()
    except ValidationError as refusal:
        for message in refusal.messages:
            messages.error(request, message)
    else:
        messages.success(request, removed)


def run_form(request, *, form, action, success_url, template, context, success_message=""):
    """Validate `form` and call `action(form)`; on any refusal re-render with the typed values kept.

    Service-level refusals (a stale version, a rule the form cannot see, a constraint) come back
    as form errors on the same page, never as a 500 and never as a half-saved record (services
    are atomic).
    """
    saved_meanwhile = []
    if request.method == "POST" and form.is_valid():
        try:
            action(form)
        except StaleEditError as error:
            form.add_error(None, str(error.message))
            saved_meanwhile = _take_in_current_version(form, error.current)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        except IntegrityError:
            form.add_error(None, _("This could not be saved because it conflicts with an existing record."))
        else:
            if success_message:
                messages.success(request, success_message)
            return redirect(success_url)
    status = 400 if request.method == "POST" else 200
    # A callable context is built only when the page is shown: some pages audit what they read.
    context = {**(context() if callable(context) else context), "form": form, "saved_meanwhile": saved_meanwhile}
    return render(request, template, context, status=status)


def _take_in_current_version(form, current):
    """Let the next save go through, and list what the other person saved that differs from the form.

    The typed values stay in the form; its hidden version becomes the stored one, so saving
    again (after reading what changed) overwrites knowingly rather than failing for ever.
    """
    data = form.data.copy()
    data[form.add_prefix("version")] = current.version
    form.data = data
    differences = []
    for name, field in form.fields.items():
        if name == "version" or not hasattr(current, name):
            continue
        stored = getattr(current, name)
        if stored != form.cleaned_data.get(name):
            display = getattr(current, f"get_{name}_display", None)
            differences.append((field.label, display() if display else stored))
    return differences


MAX_REMEMBERED_SEARCHES = 20


def remember_search(request, term, *, session_key):
    """Keep the search term in the session under `session_key`; return a random key for the URL.

    Names, document and phone numbers must not appear in URLs (they end up in server logs,
    proxies and browser history), so a search page's URL carries only this key.
    """
    searches = request.session.get(session_key, {})
    key = secrets.token_urlsafe(8)
    searches[key] = term
    request.session[session_key] = dict(list(searches.items())[-MAX_REMEMBERED_SEARCHES:])
    return key


def remembered_search(request, *, session_key, param="s"):
    """The term `remember_search` kept for the key in the query string, or ''."""
    return request.session.get(session_key, {}).get(request.GET.get(param, ""), "")
