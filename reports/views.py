"""Requesting a document, watching it being generated, and downloading it."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cases import permissions as case_permissions
from cases.selectors import visible_alert, visible_case
from cases.views.common import run_form
from reports import permissions, selectors, services
from reports.forms import DocumentRequestForm, VerifyForm
from reports.models import RECIPIENTS_BY_KIND, DocumentKind, DocumentStatus


def _request_form(request, case, data=None):
    return DocumentRequestForm(
        data, referrals=list(selectors.referrals_for_forms(case)), prefix="document",
        initial={"language": translation.get_language(), "recipient_kind": "file"},
    )


def case_section(request, case):
    """The "Documents" section of the case page (registered in ReportsConfig.ready)."""
    if not case_permissions.can_view_case(request.user, case):
        return None
    return {
        "template": "reports/includes/case_section.html", "anchor": "generated-documents",
        "title": gettext_lazy("Documents (PDF)"), "documents": selectors.case_documents(case),
        "form": _request_form(request, case),
    }


class AlertSheetForm(DocumentRequestForm):
    """Language, recipient and archival choice for an alert sheet (the kind and the alert are given)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["kind"], self.fields["referral"]
        allowed = RECIPIENTS_BY_KIND[DocumentKind.ALERT_SHEET]
        self.fields["recipient_kind"].choices = [c for c in self.fields["recipient_kind"].choices if c[0] in allowed]

    def clean(self):
        return forms.Form.clean(self)


def _alert_form(data=None):
    return AlertSheetForm(data, prefix="sheet", initial={"language": translation.get_language(),
                                                         "recipient_kind": "unhcr"})


def alert_section(request, alert):
    """The "Alert sheet (PDF)" section of the alert page (registered in ReportsConfig.ready)."""
    if not permissions.can_generate_document(request.user, alert.case, DocumentKind.ALERT_SHEET, alert=alert):
        return None
    return {
        "template": "reports/includes/alert_section.html", "anchor": "alert-sheet",
        "title": gettext_lazy("Alert sheet (PDF)"), "form": _alert_form(),
        "documents": selectors.alert_documents(alert),
    }


@login_required
@require_POST
def alert_sheet_new(request, public_id):
    alert = visible_alert(request.user, public_id)
    return _request_then_follow(
        request, _alert_form(request.POST), context={"alert": alert},
        request_document=lambda data: services.document_request(
            actor=request.user, case=alert.case, kind=DocumentKind.ALERT_SHEET, alert=alert,
            language=data["language"], recipient_kind=data["recipient_kind"], archival=data["archival"],
        ),
    )


@login_required
@require_POST
def document_new(request, public_id):
    case = visible_case(request.user, public_id)
    return _request_then_follow(
        request, _request_form(request, case, request.POST), context={"case": case},
        request_document=lambda data: services.document_request(
            actor=request.user, case=case, kind=data["kind"], language=data["language"],
            recipient_kind=data["recipient_kind"], referral=data["referral"], archival=data["archival"],
        ),
    )


def _request_then_follow(request, form, *, context, request_document):
    """Run the request form; on success go to the new document's progress page, else show the form again."""
    created = []
    response = run_form(
        request, form=form, action=lambda form: created.append(request_document(form.cleaned_data)),
        success_url="/", template="reports/request_refused.html", context=context,
    )
    if created:
        return redirect("reports:status", public_id=created[0].public_id)
    return response


@never_cache
@login_required
def document_verify(request):
    """Check a verification code read off a printed or forwarded document."""
    form = VerifyForm(request.POST or None)
    checked, document = False, None
    if request.method == "POST" and form.is_valid():
        checked = True
        document = selectors.document_by_code(request.user, form.cleaned_data["code"])
    return render(request, "reports/verify.html", {"form": form, "checked": checked, "document": document},
                  status=400 if request.method == "POST" and not form.is_valid() else 200)


@never_cache
@login_required
def document_status(request, public_id):
    document = selectors.visible_document(request.user, public_id)
    return render(request, "reports/status.html", {
        "document": document, "waiting": document.status in (DocumentStatus.PENDING, DocumentStatus.RENDERING),
    })


@never_cache
@login_required
def document_download(request, public_id):
    document = selectors.visible_document(request.user, public_id, audit_read=True)
    if document.status != DocumentStatus.DONE or not document.file or not document.file.storage.exists(
        document.file.name,
    ):
        raise Http404
    # The file name carries the kind and a short id: never a name or a case reference.
    name = f"{document.kind}-{document.short_id}.pdf"
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=name,
                        content_type="application/pdf")

