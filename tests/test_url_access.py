"""Every URL of the project, asked by someone who is not logged in, with GET and POST: only the
few public pages answer; everything else sends them to a login page or refuses, and nothing is
written. The URLs are read from the URL configuration, so a new view that forgets its login
check fails here without anyone having to list it. (Role by role, the case URLs are covered by
tests/cases/test_access_matrix.py, referrals and documents by their own tests.)"""

import uuid

from auditlog.models import LogEntry
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Pages meant for people who are not logged in, and why.
PUBLIC = {
    "login": "the login page",
    "account_login": "the same login page, under the name allauth's views use for it",
    "set_language": "choosing the language before logging in",
    "health": "the load balancer's probe; says only whether the database answers",
}
SAMPLES = {"uuid": uuid.uuid4(), "int": 1, "slug": "step", "str": "x", "path": "x"}


def named_routes(patterns=None, namespace="", outer=None):
    """(full name, keyword arguments) for every named route with simple converters (those of
    the includes it sits in as well)."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        converters = {**(outer or {}), **getattr(pattern.pattern, "converters", {})}
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's admin guards itself (admin_view); tested in tests/cases/test_views.py
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_routes(pattern.url_patterns, inner, converters)
        elif isinstance(pattern, URLPattern) and pattern.name:
            kwargs = {name: SAMPLES[type(conv).__name__.replace("Converter", "").lower()]
                      for name, conv in converters.items()}
            yield f"{namespace}{pattern.name}", kwargs


def test_nothing_but_the_public_pages_answers_someone_not_logged_in(db):
    client = Client()
    checked = []
    writes = LogEntry.objects.count()
    for name, kwargs in named_routes():
        url = reverse(name, kwargs=kwargs)
        for method in ("get", "post"):
            response = getattr(client, method)(url, {})
            if name in PUBLIC:
                continue
            ok = response.status_code in (403, 404, 405) or (
                response.status_code == 302 and response["Location"].startswith("/login/"))
            assert ok, (name, method, response.status_code, response.get("Location"))
        checked.append(name)
    assert LogEntry.objects.count() == writes
    assert len(checked) >= 60, checked  # every app's routes were found


def test_the_route_reader_finds_routes_of_every_app():
    names = {name for name, _kwargs in named_routes()}
    assert {"cases:detail", "referrals:inbox", "reports:filing", "reports:download", "cases:export", "home"} <= names
