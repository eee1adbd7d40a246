"""Retention for supervisors: the review queue, the schedule, legal holds, erasure and its records.

Only the owning organisation's supervisors act; to everyone else these pages do not exist (404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import permissions, retention, selectors
from cases.forms import ErasureForm, LegalHoldForm, LegalHoldLiftForm, RetentionKeepForm
from cases.models.retention import ErasureReason
from cases.services import retention as retention_services
from cases.views.common import run_form
from config.bidi import isolate


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _case_url(case):
    return reverse("cases:detail", kwargs={"public_id": case.public_id}) + "#retention"


def case_section(request, case):
    """The "Retention" section of the case page, for the owning organisation's supervisors."""
    if not permissions.can_manage_case_retention(request.user, case):
        return None
    return {
        "template": "cases/retention/case_section.html",
        "anchor": "retention",
        "title": gettext_lazy("Retention"),
        **selectors.case_retention(case),
    }


@login_required
def retention_queue(request):
    _require(permissions.can_manage_retention(request.user))
    return render(request, "cases/retention/queue.html", {
        **selectors.retention_queue(request.user), "upcoming_days": selectors.RETENTION_UPCOMING_DAYS,
    })


@login_required
def retention_schedule(request):
    _require(permissions.can_manage_retention(request.user))
    return render(request, "cases/retention/schedule.html", {"rules": retention.schedule()})


@login_required
def retention_review(request, review_id):
    """A due review: keep the file for a stated period (this form), or go on to erase it."""
    review = selectors.open_retention_review(request.user, review_id)
    case = review.case
    form = RetentionKeepForm(request.POST or None)
    return run_form(
        request, form=form,
        action=lambda f: retention_services.retention_review_keep(
            actor=request.user, review=review, keep_for_days=f.cleaned_data["keep_for"],
            reason=f.cleaned_data["reason"],
        ),
        success_url=reverse("cases:retention_queue"), template="cases/retention/review.html",
        context=lambda: {
            "review": review, "case": case, "hold": selectors.active_legal_hold(case),
            "preview": selectors.erasure_preview(case),
        },
        success_message=_("Case %(reference)s will be kept and reviewed again later.") % {
            "reference": isolate(review.case_reference)},
    )


@login_required
def retention_review_erase(request, review_id):
    review = selectors.open_retention_review(request.user, review_id)
    return _erase(request, review.case, review=review)


@login_required
def case_erase(request, public_id):
    """Erase a case on the client's request (or because it should never have been recorded)."""
    case = selectors.visible_case(request.user, public_id)
    _require(permissions.can_manage_case_retention(request.user, case))
    return _erase(request, case)


def _erase(request, case, *, review=None):
    form = ErasureForm(request.POST or None, case=case, by_review=review is not None, request=request)
    hold = selectors.active_legal_hold(case)
    if request.method == "POST" and form.is_valid():
        try:
            record = retention_services.case_erase(
                actor=request.user, case=case, review=review,
                reason=ErasureReason.RETENTION_REVIEW if review else form.cleaned_data["reason"],
                request_received_on=None if review else form.cleaned_data.get("request_received_on"),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Case %(reference)s has been erased.") % {
                "reference": isolate(record.case_reference)})
            return redirect("cases:erasure_records")
    return render(request, "cases/retention/erase.html", {
        "case": case, "review": review, "form": form, "hold": hold, "preview": selectors.erasure_preview(case),
    }, status=400 if request.method == "POST" else 200)


@login_required
def legal_hold_place(request, public_id):
    case = selectors.visible_case(request.user, public_id)
    _require(permissions.can_manage_case_retention(request.user, case))
    form = LegalHoldForm(request.POST or None)
    return run_form(
        request, form=form,
        action=lambda f: retention_services.legal_hold_place(
            actor=request.user, case=case, reason=f.cleaned_data["reason"]),
        success_url=_case_url(case), template="cases/record_form.html",
        context={"case": case, "title": _("Place a legal hold")},
        success_message=_("Legal hold placed: the case cannot be erased until it is lifted."),
    )


@login_required
def legal_hold_lift(request, public_id):
    case = selectors.visible_case(request.user, public_id)
    _require(permissions.can_manage_case_retention(request.user, case))
    form = LegalHoldLiftForm(request.POST or None)
    return run_form(
        request, form=form,
        action=lambda f: retention_services.legal_hold_lift(
            actor=request.user, case=case, reason=f.cleaned_data["reason"]),
        success_url=_case_url(case), template="cases/record_form.html",
        context={"case": case, "title": _("Lift the legal hold")}, success_message=_("Legal hold lifted."),
    )


@login_required
def erasure_records(request):
    _require(permissions.can_view_erasure_records(request.user))
    page = Paginator(selectors.erasure_records(request.user), 50).get_page(request.GET.get("page"))
    rows = [(record, selectors.record_type_counts(record.counts)) for record in page]
    return render(request, "cases/retention/erasures.html", {
        "page": page, "rows": rows, "can_manage": permissions.can_manage_retention(request.user),
    })
