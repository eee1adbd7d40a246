"""What the page frame needs to know about the viewer, asked of `cases.permissions`."""

from cases import permissions


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "nav_can_view_audit_log": permissions.can_view_audit_log(user),
        "nav_can_administer": permissions.can_administer_organisation(user),
        "nav_can_view_alerts": permissions.can_view_alert_queue(user),
        "nav_can_manage_retention": permissions.can_manage_retention(user),
        "nav_can_open_duplicate_queue": permissions.can_open_duplicate_queue(user),
        "nav_can_view_erasure_records": permissions.can_view_erasure_records(user),
    }
