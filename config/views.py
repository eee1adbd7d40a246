"""Project-level pages: the landing page, health check and translated error pages (never Django's debug pages)."""

import logging
import sys

from django import db
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import translation

from cases import selectors as case_selectors
from cases.encryption import EncryptionKeyError
from referrals import permissions as referral_permissions
from referrals import selectors as referral_selectors

logger = logging.getLogger(__name__)


@login_required
def home(request):
    """Where a login lands: a provider's referral inbox, or everyone else's dashboard."""
    user = request.user
    if referral_permissions.works_only_on_referrals(user):
        return redirect("referrals:inbox")
    return render(request, "home.html", {
        **referral_selectors.dashboard_referrals(user),
        "alerts": case_selectors.alerts_on_my_cases(user),
    })


def health(request):
    """Liveness, database reachability and whether the field keys can read the stored data,
    with no data about cases: a failure gives a reason code, never a model, field or value."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database_ok = True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        database_ok = False
    if not database_ok:
        return JsonResponse({"database": False}, status=503)
    from cases.checks import key_problems

    try:
        problems = key_problems(sample=1, files=0)
    except Exception as error:  # noqa: BLE001 - a health check answers, it does not raise
        logger.error("Health: the field key check failed (%s)", type(error).__name__)
        return JsonResponse({"database": True, "field_keys": False, "reason": "check_failed"}, status=503)
    if problems:
        logger.error("Health: stored data cannot be decrypted (%s)", ", ".join(p.where for p in problems))
        return JsonResponse({"database": True, "field_keys": False, "reason": problems[0].code}, status=503)
    return JsonResponse({"database": True, "field_keys": True})


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def forbidden(request, exception=None):
    return render(request, "errors/403.html", status=403)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def server_error(request):
    """The 500 page, or, when the database or the field keys are what failed, a 503 that says so.

    Both are drawn without touching the database: the usual page template asks who is logged in,
    which needs the database that may be the very thing that failed. The person's language
    comes from the request (LocaleMiddleware), not from their account.
    """
    failure = sys.exc_info()[1]
    if isinstance(failure, (db.OperationalError, db.InterfaceError)):
        logger.error("Database unavailable: %s", type(failure).__name__)  # the class only: messages can quote data
        return _standalone_page(request, "errors/database_unavailable.html", status=503)
    if isinstance(failure, EncryptionKeyError):
        # Where (model and field), never the value: an operator fault to fix, not the person's.
        logger.error("Stored data cannot be decrypted: %s", failure.where)
        return _standalone_page(request, "errors/encryption_key.html", status=503)
    return _standalone_page(request, "errors/500.html", status=500)


def _standalone_page(request, template, *, status):
    context = {
        "LANGUAGE_CODE": translation.get_language(), "LANGUAGE_BIDI": translation.get_language_bidi(),
        "page_template": template,
    }
    response = HttpResponse(loader.render_to_string("errors/standalone.html", context), status=status)
    if status == 503:
        response["Retry-After"] = "60"
    return response


def locked_out(request, original_response=None, credentials=None):
    """Too many wrong passwords for this username from this address (django-axes): say so, say
    when to try again, and where to go meanwhile. The typed username is not echoed back."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "errors/locked_out.html", {"minutes": minutes}, status=429)


def admin_login(request):
    """Django's admin login, never served: it would skip the second factor. Someone logged out
    goes to our login (and back to the admin after it); someone logged in who got here was sent by
    the admin because it isn't theirs: they get the 403 page, not a loop between the two logins."""
    if request.user.is_authenticated:
        return forbidden(request)
    return redirect(f"{reverse('login')}?{request.GET.urlencode()}" if request.GET else reverse("login"))


def too_many_requests(request, exception=None):
    return render(request, "errors/429.html", status=429)


def csrf_failure(request, reason=""):
    """A form sent after its page expired (or from elsewhere): say so in the user's language.

    Django's own page is English-first and talks about cookies and Referer headers; the person
    needs to know that nothing was saved and what to do. `reason` is for developers and stays out.
    """
    return render(request, "errors/csrf.html", status=403)


def set_language(request):
    """Django's language switch, and for a logged-in person: remember the choice for their next login."""
    from django.views.i18n import set_language as switch

    from cases.services.access import user_set_preferred_language

    response = switch(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_set_preferred_language(user=request.user, language=language)
    return response
