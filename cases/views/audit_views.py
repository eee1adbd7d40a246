"""The audit trail for auditors: browse and filter, never edit."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from cases import audit, permissions, selectors
from cases.forms import AuditFilterForm


@login_required
def audit_log(request):
    permissions.require(permissions.can_view_audit_log(request.user))
    filters = AuditFilterForm(request.GET)
    filters.is_valid()  # an invalid filter is dropped; the valid ones still apply
    cleaned = filters.cleaned_data
    entries = selectors.audit_entries(
        request.user,
        action=cleaned.get("action"),
        model=cleaned.get("model", ""),
        actor_username=cleaned.get("actor", ""),
        date_from=cleaned.get("date_from"),
        date_to=cleaned.get("date_to"),
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    rows = list(audit.readable_entries(page))
    return render(request, "cases/audit_log.html", {
        "page": page, "rows": rows, "filters": filters, "query_without_page": params.urlencode(),
    })
