"""Requesting a document, watching it being generated, and downloading it."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cases import audit
from cases import permissions as case_permissions
from cases.selectors import visible_alert, visible_case
from cases.views.common import run_form, run_removal
from reports import permissions, selectors
from reports.documents import exhibit_entries
from reports.forms import DocumentRequestForm, ExhibitForm, FilingForm, NeedForm, VerifyForm
from reports.models import RECIPIENTS_BY_KIND, DocumentKind, DocumentStatus
from reports.services import documents as services
from reports.services import filings


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
        "title": gettext_lazy("Documents (PDF)"), "documents": selectors.case_documents(case, request.user),
        "form": _request_form(request, case),
        "can_prepare_filing": permissions.can_prepare_filing(request.user, case),
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



# --- Filing materials: the declaration, cover details, exhibits and needs a packet is built from ---

def _filing_case(request, public_id, *, audit_read=True):
    # The page shows the applicant's declaration and the case's people: an audited read of the case,
    # recorded once the request is allowed (a refused request read nothing).
    case = visible_case(request.user, public_id)
    case_permissions.require(permissions.can_prepare_filing(request.user, case))
    if audit_read:
        audit.record_read(case)
    return case


def _filing_context(case, filing, **given_forms):
    """The filing page; the form that was just submitted (with its errors and typed values) replaces its blank."""
    people = selectors.filing_people(case)
    return {
        "case": case, "filing": filing,
        "filing_form": given_forms.get("filing_form")
        or FilingForm(instance=filing, people=people, prefix="filing"),
        "exhibit_form": given_forms.get("exhibit_form")
        or ExhibitForm(attachments=selectors.exhibit_candidates(case), prefix="exhibit"),
        "need_form": given_forms.get("need_form") or NeedForm(people=people, prefix="need"),
        "exhibits": exhibit_entries(filing),
        "needs": filing.needs.all() if filing else [],
    }


def _run_filing_form(request, case, form_name, form, action, message):
    return run_form(
        request, form=form, action=action, success_url=reverse("reports:filing", args=[case.public_id]),
        template="reports/filing.html", success_message=message,
        context=lambda: _filing_context(
            case, selectors.case_filing(case, request.user.organisation_id), **{form_name: form},
        ),
    )


@never_cache
@login_required
def filing_edit(request, public_id):
    case = _filing_case(request, public_id)
    filing = selectors.case_filing(case, request.user.organisation_id)
    if request.method != "POST":
        return render(request, "reports/filing.html", {**_filing_context(case, filing), "saved_meanwhile": []})
    form = FilingForm(request.POST, instance=filing, people=selectors.filing_people(case), prefix="filing")
    return _run_filing_form(
        request, case, "filing_form", form, message=gettext_lazy("Filing materials saved."),
        action=lambda form: filings.filing_save(
            actor=request.user, case=case, expected_version=form.cleaned_data.get("version"), data=form.changes(),
        ),
    )


@login_required
@require_POST
def exhibit_add(request, public_id):
    case = _filing_case(request, public_id)
    form = ExhibitForm(request.POST, request.FILES, attachments=selectors.exhibit_candidates(case), prefix="exhibit")
    return _run_filing_form(
        request, case, "exhibit_form", form, message=gettext_lazy("Exhibit added."),
        action=lambda form: filings.exhibit_add(
            actor=request.user, case=case, section=form.cleaned_data["section"], title=form.cleaned_data["title"],
            source=form.cleaned_data["source"], supports=form.cleaned_data["supports"],
            attachment=form.cleaned_data["attachment"], upload=form.cleaned_data.get("upload") or None,
        ),
    )


@login_required
@require_POST
def exhibit_change(request, public_id, exhibit_id):
    """Move an exhibit up or down in its section, or remove it (buttons on the filing page)."""
    case = _filing_case(request, public_id, audit_read=False)
    exhibit = selectors.filing_exhibit(request.user, case, exhibit_id)
    audit.record_read(case)
    operation = request.POST.get("operation")
    if operation == "remove":
        run_removal(request, lambda: filings.exhibit_remove(actor=request.user, exhibit=exhibit),
                    removed=gettext_lazy("Exhibit removed."))
    elif operation in ("up", "down"):
        filings.exhibit_move(actor=request.user, exhibit=exhibit, up=operation == "up")
    return redirect(reverse("reports:filing", args=[case.public_id]) + "#exhibits")


@login_required
@require_POST
def need_add(request, public_id):
    case = _filing_case(request, public_id)
    form = NeedForm(request.POST, people=selectors.filing_people(case), prefix="need")
    return _run_filing_form(
        request, case, "need_form", form, message=gettext_lazy("Specific need recorded."),
        action=lambda form: filings.need_add(actor=request.user, case=case, **form.cleaned_data),
    )


@login_required
@require_POST
def need_remove(request, public_id, need_id):
    case = _filing_case(request, public_id, audit_read=False)
    need = selectors.filing_need(request.user, case, need_id)
    audit.record_read(case)
    run_removal(request, lambda: filings.need_remove(actor=request.user, need=need),
                removed=gettext_lazy("Specific need removed."))
    return redirect(reverse("reports:filing", args=[case.public_id]) + "#needs")
