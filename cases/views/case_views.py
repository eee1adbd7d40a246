"""The case list, registration, the case file page and the case-level actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import audit, clock, page_sections, permissions, selectors
from cases.choices import CASE_STATUS_TRANSITIONS
from cases.forms import (
    AssignForm,
    AttachmentForm,
    CaseFilterForm,
    CaseForm,
    CaseOpenForm,
    CaseSearchForm,
    ExportForm,
    IncidentForm,
    NewDocumentForm,
    NoteForm,
    PersonForm,
    RelativeForm,
    ShareForm,
    StatusChangeForm,
)
from cases.pagination import CappedCountPaginator
from cases.selectors import identity as identity_selectors
from cases.services import access
from cases.services import cases as case_services
from cases.services import exports as export_services
from cases.views import identity_views
from cases.views.common import remember_search, remembered_search, run_form
from config.bidi import isolate

SEARCH_SESSION_KEY = "case_searches"


@login_required
def case_list(request):
    if request.method == "POST":
        search_form = CaseSearchForm(request.POST)
        params = request.GET.copy()
        params.pop("page", None)
        params.pop("s", None)
        if search_form.is_valid() and search_form.cleaned_data["q"].strip():
            params["s"] = remember_search(
                request, search_form.cleaned_data["q"].strip(), session_key=SEARCH_SESSION_KEY,
            )
        query = params.urlencode()
        return redirect(reverse("cases:list") + (f"?{query}" if query else ""))

    filters, list_filters = _list_filters(request)
    search_term = list_filters["search"]
    cases = selectors.case_list(request.user, **list_filters)
    page = CappedCountPaginator(cases, filters.cleaned_data.get("per_page") or 25).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "cases/case_list.html", {
        "page": page,
        "filters": filters,
        "filter_selects": [filters[name] for name in ("country", "status", "unhcr_status", "risk", "sort", "per_page")],
        "search_help": CaseSearchForm.base_fields["q"].help_text,
        "search_term": search_term,
        "query_without_page": params.urlencode(),
        "can_create": permissions.can_create_case(request.user),
        "can_export": permissions.can_export_caseload(request.user),
    })


def _list_filters(request):
    """The case list's filter form (from the query string) and the selector arguments it gives,
    with the search from the session. An invalid filter is dropped; the valid ones still apply."""
    filters = CaseFilterForm(request.GET)
    filters.is_valid()
    cleaned = filters.cleaned_data
    return filters, {
        "search": remembered_search(request, session_key=SEARCH_SESSION_KEY),
        "country": cleaned.get("country", ""), "status": cleaned.get("status", ""),
        "unhcr_status": cleaned.get("unhcr_status", ""), "risk": cleaned.get("risk", ""),
        "assigned_to_me": cleaned.get("mine", False), "sort": cleaned.get("sort") or selectors.DEFAULT_CASE_SORT,
    }


@login_required
def case_export(request):
    """The caseload as a CSV overview (cases.exports), after the password is typed again.

    Streams row by row under WSGI, so a 100,000-case caseload never sits in memory (under ASGI
    Django gathers a plain iterator first); the download is recorded in the audit trail before
    the first byte leaves (cases.services.exports).
    """
    permissions.require(permissions.can_export_caseload(request.user))
    form = ExportForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        lines = export_services.caseload_export_start(actor=request.user, filters=_list_filters(request)[1])
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="panah-caseload-{clock.today().isoformat()}.csv"'
        return response
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/case_export.html", {"form": form}, status=status)


@login_required
def case_create(request):
    permissions.require(permissions.can_create_case(request.user))
    data = request.POST if request.method == "POST" else None
    case_form = CaseOpenForm(data)
    # Local phone numbers are read in the host country chosen on the same form.
    region = data.get("host_country") if data else None
    principal_form = PersonForm(data, prefix="principal", principal=True, with_phone=True, region=region)
    if data is not None and "check" in data:
        # "Check for existing records" (without JavaScript): the same form again, nothing saved.
        return render(request, "cases/case_create.html", {
            "form": case_form, "principal_form": principal_form,
            "matches": identity_views.principal_matches(request.user, principal_form), "checked": True,
        })
    if data is not None and case_form.is_valid() and principal_form.is_valid():
        try:
            case = case_services.case_open(
                actor=request.user,
                principal=principal_form.person_data(),
                principal_phone=principal_form.cleaned_data.get("phone", ""),
                **case_form.cleaned_data,
            )
        except ValidationError as error:
            for message in error.messages:
                case_form.add_error(None, message)
        else:
            messages.success(request, _("Case %(reference)s registered.") % {"reference": isolate(case.reference)})
            return redirect(case_url(case))
    return render(
        request, "cases/case_create.html", {"form": case_form, "principal_form": principal_form},
        status=400 if data is not None else 200,
    )


@login_required
def case_detail(request, public_id):
    case = selectors.case_file(request.user, public_id)
    user = request.user
    can_edit = permissions.can_edit_case(user, case)
    context = {
        "case": case,
        "risk": selectors.risk_explanation(case.risk_assessment.explanation) if case.risk_assessment else None,
        "case_alerts": selectors.case_alerts(case),
        "can_edit": can_edit,
        "can_assign": permissions.can_assign_case(user, case),
        "can_share": permissions.can_share_case(user, case),
        "extra_sections": page_sections.sections(page_sections.CASE_PAGE, request, case),
    }
    identity_selectors.mark_same_person_elsewhere(user, case)
    if can_edit:
        context.update({
            "household_form": PersonForm(prefix="member", with_phone=True, region=case.host_country),
            "document_form": NewDocumentForm(case=case, prefix="document"),
            "relative_form": RelativeForm(prefix="relative"),
            "incident_form": IncidentForm(prefix="incident"),
            "note_form": NoteForm(prefix="note"),
            "attachment_form": AttachmentForm(prefix="attachment"),
        })
    if context["can_assign"]:
        context["assign_form"] = AssignForm(candidates=selectors.assignable_users(case))
    if context["can_share"]:
        context["share_form"] = ShareForm(recipients=selectors.share_recipients(case))
    return render(request, "cases/case_detail.html", context)


@login_required
def case_edit(request, public_id):
    case = selectors.visible_case(request.user, public_id)
    permissions.require(permissions.can_edit_case(request.user, case))
    if request.method == "GET":  # the form shows the case; a refused request read nothing
        audit.record_read(case)
    form = CaseForm(request.POST or None, instance=case)
    return run_form(
        request, form=form,
        action=lambda f: case_services.case_update(
            actor=request.user, case=case, expected_version=f.cleaned_data["version"], changes=f.changes(),
        ),
        success_url=case_url(case), template="cases/record_form.html",
        context={"case": case, "title": _("Edit case details")}, success_message=_("Case details saved."),
    )


@login_required
def case_status(request, public_id):
    case = selectors.visible_case(request.user, public_id)
    permissions.require(permissions.can_edit_case(request.user, case))
    if request.method == "GET":  # the form shows the case; a refused request read nothing
        audit.record_read(case)
    form = StatusChangeForm(
        request.POST or None, initial={"version": case.version},
        allowed_statuses=CASE_STATUS_TRANSITIONS[case.status],
    )
    return run_form(
        request, form=form,
        action=lambda f: case_services.case_change_status(
            actor=request.user, case=case, expected_version=f.cleaned_data["version"],
            to_status=f.cleaned_data["to_status"], reason=f.cleaned_data["reason"],
            effective_on=f.cleaned_data["effective_on"],
        ),
        success_url=case_url(case), template="cases/record_form.html",
        context={"case": case, "title": _("Change status")}, success_message=_("Status changed."),
    )


@login_required
def case_assign(request, public_id):
    case = selectors.visible_case(request.user, public_id)
    permissions.require(permissions.can_assign_case(request.user, case))
    form = AssignForm(request.POST or None, candidates=selectors.assignable_users(case))
    return run_form(
        request, form=form,
        action=lambda f: access.case_assign(actor=request.user, case=case, assignee=f.cleaned_data["assignee"]),
        success_url=case_url(case), template="cases/record_form.html",
        context={"case": case, "title": _("Assign a caseworker")}, success_message=_("Caseworker assigned."),
    )


@login_required
@require_POST
def case_unassign(request, public_id, user_id):
    case = selectors.visible_case(request.user, public_id)
    permissions.require(permissions.can_assign_case(request.user, case))
    assignment = selectors.case_assignment(case, user_id)
    access.case_unassign(actor=request.user, case=case, assignee=assignment.user)
    messages.success(request, _("Caseworker unassigned."))
    return redirect(case_url(case))


@login_required
def case_share(request, public_id):
    case = selectors.visible_case(request.user, public_id)
    permissions.require(permissions.can_share_case(request.user, case))
    form = ShareForm(request.POST or None, recipients=selectors.share_recipients(case), request=request)
    return run_form(
        request, form=form,
        action=lambda f: access.case_share(
            actor=request.user, case=case, organisation=f.cleaned_data["organisation"],
            purpose=f.cleaned_data["purpose"],
        ),
        success_url=case_url(case), template="cases/record_form.html",
        context={"case": case, "title": _("Share the case")}, success_message=_("Case shared."),
    )


@login_required
@require_POST
def case_unshare(request, public_id, organisation_id):
    case = selectors.visible_case(request.user, public_id)
    permissions.require(permissions.can_share_case(request.user, case))
    share = selectors.case_share(case, organisation_id)
    access.case_unshare(actor=request.user, case=case, organisation=share.organisation)
    messages.success(request, _("Sharing ended."))
    return redirect(case_url(case))


def case_url(case, anchor=""):
    url = reverse("cases:detail", kwargs={"public_id": case.public_id})
    return f"{url}#{anchor}" if anchor else url
