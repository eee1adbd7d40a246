from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("case/<uuid:public_id>/new/", views.document_new, name="new"),
    path("verify/", views.document_verify, name="verify"),
    path("alert/<uuid:public_id>/new/", views.alert_sheet_new, name="alert_new"),
    path("<uuid:public_id>/", views.document_status, name="status"),
    path("<uuid:public_id>/download/", views.document_download, name="download"),
]
