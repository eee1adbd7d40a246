from django.urls import path

from cases.views import alert_views, audit_views, case_views, record_views, retention_views

app_name = "cases"

urlpatterns = [
    path("", case_views.case_list, name="list"),
    path("new/", case_views.case_create, name="create"),
    path("export/", case_views.case_export, name="export"),
    path("audit/", audit_views.audit_log, name="audit"),
    path("alerts/", alert_views.alert_queue, name="alert_queue"),
    path("alerts/<uuid:public_id>/", alert_views.alert_detail, name="alert_detail"),
    path("alerts/<uuid:public_id>/acknowledge/", alert_views.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<uuid:public_id>/interventions/", alert_views.alert_intervention, name="alert_intervention"),
    path("alerts/<uuid:public_id>/close/", alert_views.alert_close, name="alert_close"),
    path("risk/rules/", alert_views.risk_rules, name="risk_rules"),
    path("retention/", retention_views.retention_queue, name="retention_queue"),
    path("retention/schedule/", retention_views.retention_schedule, name="retention_schedule"),
    path("retention/erasures/", retention_views.erasure_records, name="erasure_records"),
    path("retention/reviews/<int:review_id>/", retention_views.retention_review, name="retention_review"),
    path(
        "retention/reviews/<int:review_id>/erase/", retention_views.retention_review_erase,
        name="retention_review_erase",
    ),
    path("<uuid:public_id>/risk/", alert_views.case_risk, name="case_risk"),
    path("<uuid:public_id>/", case_views.case_detail, name="detail"),
    path("<uuid:public_id>/edit/", case_views.case_edit, name="edit"),
    path("<uuid:public_id>/status/", case_views.case_status, name="status"),
    path("<uuid:public_id>/assign/", case_views.case_assign, name="assign"),
    path("<uuid:public_id>/unassign/<int:user_id>/", case_views.case_unassign, name="unassign"),
    path("<uuid:public_id>/share/", case_views.case_share, name="share"),
    path("<uuid:public_id>/unshare/<int:organisation_id>/", case_views.case_unshare, name="unshare"),
    path("<uuid:public_id>/legal-hold/", retention_views.legal_hold_place, name="legal_hold_place"),
    path("<uuid:public_id>/legal-hold/lift/", retention_views.legal_hold_lift, name="legal_hold_lift"),
    path("<uuid:public_id>/erase/", retention_views.case_erase, name="erase"),
    path("<uuid:public_id>/people/add/", record_views.person_add, name="person_add"),
    path("<uuid:public_id>/people/<int:person_id>/edit/", record_views.person_edit, name="person_edit"),
    path("<uuid:public_id>/people/<int:person_id>/remove/", record_views.person_remove, name="person_remove"),
    path("<uuid:public_id>/people/<int:person_id>/phones/add/", record_views.phone_add, name="phone_add"),
    path("<uuid:public_id>/phones/<int:phone_id>/remove/", record_views.phone_remove, name="phone_remove"),
    path("<uuid:public_id>/documents/add/", record_views.document_add, name="document_add"),
    path("<uuid:public_id>/documents/<int:document_id>/edit/", record_views.document_edit, name="document_edit"),
    path(
        "<uuid:public_id>/documents/<int:document_id>/remove/", record_views.document_remove,
        name="document_remove",
    ),
    path("<uuid:public_id>/legal-status/add/", record_views.legal_status_add, name="legal_status_add"),
    path(
        "<uuid:public_id>/legal-status/<int:legal_status_id>/remove/", record_views.legal_status_remove,
        name="legal_status_remove",
    ),
    path("<uuid:public_id>/relatives/add/", record_views.relative_add, name="relative_add"),
    path("<uuid:public_id>/relatives/<int:relative_id>/edit/", record_views.relative_edit, name="relative_edit"),
    path(
        "<uuid:public_id>/relatives/<int:relative_id>/remove/", record_views.relative_remove,
        name="relative_remove",
    ),
    path("<uuid:public_id>/incidents/add/", record_views.incident_add, name="incident_add"),
    path("<uuid:public_id>/incidents/<int:incident_id>/edit/", record_views.incident_edit, name="incident_edit"),
    path(
        "<uuid:public_id>/incidents/<int:incident_id>/remove/", record_views.incident_remove,
        name="incident_remove",
    ),
    path("<uuid:public_id>/notes/add/", record_views.note_add, name="note_add"),
    path("<uuid:public_id>/attachments/add/", record_views.attachment_add, name="attachment_add"),
    path(
        "<uuid:public_id>/attachments/<int:attachment_id>/",
        record_views.attachment_download, name="attachment_download",
    ),
]
