"""Project-level pages: health check and translated error pages (never Django's debug pages)."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render


def health(request):
    """Liveness and database reachability, with no data about cases."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database_ok = True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        database_ok = False
    return JsonResponse({"database": database_ok}, status=200 if database_ok else 503)


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def forbidden(request, exception=None):
    return render(request, "errors/403.html", status=403)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def server_error(request):
    return render(request, "errors/500.html", status=500)
