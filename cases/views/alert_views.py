"""The UNHCR liaison's alert queue and alert page, a case's risk history, and the rule book."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import clock, page_sections, permissions, selectors
from cases.choices import HOST_COUNTRIES, OPEN_ALERT_STATES, AlertState
from cases.forms import AlertCloseForm, AlertFilterForm, InterventionForm
from cases.pagination import CappedCountPaginator
from cases.risk import rules
from cases.services import alerts as alert_services
from cases.views.common import run_form


def _alert_url(alert):
    return reverse("cases:alert_detail", kwargs={"public_id": alert.public_id})


@login_required
def alert_queue(request):
    permissions.require(permissions.can_view_alert_queue(request.user))
    covered = permissions.covered_countries(request.user)
    filters = AlertFilterForm(request.GET, countries=covered or [c for c, _name in HOST_COUNTRIES])
    filters.is_valid()
    cleaned = filters.cleaned_data
    alerts = selectors.alert_queue(request.user, country=cleaned.get("country", ""),
                                   state=cleaned.get("state") or "open")
    page = CappedCountPaginator(alerts, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "cases/alerts/queue.html", {
        "page": page, "filters": filters, "now": clock.now(),
        "covered_names": [str(dict(HOST_COUNTRIES).get(code, code)) for code in covered],
        "query_without_page": params.urlencode(),
    })


def _detail_context(request, alert, **forms):
    user = request.user
    brief = selectors.alert_brief(alert)
    assessment = brief["current_assessment"]
    can_view_case = permissions.can_view_case(user, alert.case)
    open_ = alert.state in OPEN_ALERT_STATES
    can_work = permissions.can_work_alert(user, alert)
    return {
        "alert": alert,
        "brief": brief,
        "now": clock.now(),
        "is_open": open_,
        "overdue": open_ and alert.state == AlertState.NEW and alert.acknowledge_by < clock.now(),
        "current": selectors.risk_explanation(assessment.explanation, show_anchors=can_view_case)
        if assessment else None,
        "at_opening": selectors.risk_explanation(alert.opened_by_assessment.explanation, show_anchors=can_view_case),
        "can_view_case": can_view_case,
        "can_work": can_work and open_,
        "can_intervene": permissions.can_record_intervention(user, alert) and open_,
        "intervention_form": forms.get("intervention_form") or InterventionForm(
            prefix="intervention", initial={"done_at": timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M")},
        ),
        "close_form": forms.get("close_form") or AlertCloseForm(prefix="close"),
        "extra_sections": page_sections.sections(page_sections.ALERT_PAGE, request, alert),
    }


@login_required
def alert_detail(request, public_id):
    alert = selectors.visible_alert(request.user, public_id)
    return render(request, "cases/alerts/detail.html", _detail_context(request, alert))


@login_required
@require_POST
def alert_acknowledge(request, public_id):
    alert = selectors.visible_alert(request.user, public_id)
    permissions.require(permissions.can_work_alert(request.user, alert))
    try:
        alert_services.alert_acknowledge(actor=request.user, alert=alert)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(request, _("Alert acknowledged. You are now responsible for it."))
    return redirect(_alert_url(alert))


def _reread(alert):
    alert.refresh_from_db()
    return alert


def _run_alert_form(request, alert, *, form, form_name, action, success_message, anchor=""):
    """The house `run_form`, re-rendering the whole alert page (with what was typed) on refusal."""
    return run_form(
        request, form=form, action=action, success_url=_alert_url(alert) + anchor,
        template="cases/alerts/detail.html",
        # Built only on refusal, after the alert is re-read: showing the page is an audited read.
        context=lambda: _detail_context(request, _reread(alert), **{form_name: form}),
        success_message=success_message,
    )


@login_required
@require_POST
def alert_intervention(request, public_id):
    alert = selectors.visible_alert(request.user, public_id)
    permissions.require(permissions.can_record_intervention(request.user, alert))
    return _run_alert_form(
        request, alert, form=InterventionForm(request.POST, prefix="intervention"), form_name="intervention_form",
        action=lambda f: alert_services.alert_record_intervention(actor=request.user, alert=alert, **f.cleaned_data),
        success_message=_("Intervention recorded."), anchor="#interventions",
    )


@login_required
@require_POST
def alert_close(request, public_id):
    alert = selectors.visible_alert(request.user, public_id)
    permissions.require(permissions.can_work_alert(request.user, alert))
    return _run_alert_form(
        request, alert, form=AlertCloseForm(request.POST, prefix="close"), form_name="close_form",
        action=lambda f: alert_services.alert_close(actor=request.user, alert=alert, **f.cleaned_data),
        success_message=_("Alert closed."),
    )


@login_required
def case_risk(request, public_id):
    case = selectors.visible_case(request.user, public_id, audit_read=True)
    history = [
        {"assessment": assessment, "explained": selectors.risk_explanation(assessment.explanation)}
        for assessment in selectors.case_risk_history(case)
    ]
    return render(request, "cases/risk_history.html", {"case": case, "history": history})


@login_required
def risk_rules(request):
    permissions.require(permissions.can_view_risk_rules(request.user))
    return render(request, "cases/risk_rules.html", {
        "country_factors": rules.COUNTRY_FACTORS,
        "case_factors": rules.CASE_FACTORS,
        "mitigating_factors": rules.MITIGATING_FACTORS,
        "level_rules": rules.LEVEL_RULES,
        "decay_after_days": rules.DECAY_AFTER_DAYS,
        "acknowledge_within_hours": rules.ACKNOWLEDGE_WITHIN_HOURS,
        "fingerprint": rules.rule_set_fingerprint(),
        "rule_sets": selectors.risk_rule_sets(),
        "profiles": selectors.country_profile_facts(),
        "can_edit_profiles": permissions.can_edit_country_profiles(request.user),
    })
