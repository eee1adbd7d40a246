from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("case/<uuid:public_id>/new/", views.document_new, name="new"),
    path("case/<uuid:public_id>/filing/", views.filing_edit, name="filing"),
    path("case/<uuid:public_id>/filing/exhibits/", views.exhibit_add, name="exhibit_add"),
    path("case/<uuid:public_id>/filing/exhibits/<int:exhibit_id>/", views.exhibit_change, name="exhibit_change"),
    path("case/<uuid:public_id>/filing/needs/", views.need_add, name="need_add"),
    path("case/<uuid:public_id>/filing/needs/<int:need_id>/remove/", views.need_remove, name="need_remove"),
    path("verify/", views.document_verify, name="verify"),
    path("alert/<uuid:public_id>/new/", views.alert_sheet_new, name="alert_new"),
    path("<uuid:public_id>/", views.document_status, name="status"),
    path("<uuid:public_id>/download/", views.document_download, name="download"),
]
