"""The referring side on a case: consents, new referrals and draft edits, and the case-page section."""

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import audit, clock
from cases import permissions as case_permissions
from cases.selectors import visible_case
from cases.views.common import run_form
from referrals import permissions, selectors
from referrals.choices import ReferralState
from referrals.forms import ConsentForm, NoteForm, ReferralForm
from referrals.services import consents as consent_services
from referrals.services import referrals as referral_services


def case_section(request, case):
    """The "Referrals and consent" section of the case page (registered in ReferralsConfig.ready)."""
    user = request.user
    if not permissions.can_view_case_referrals(user, case):
        return None
    return {
        "template": "referrals/includes/case_section.html",
        "anchor": "referrals",
        "title": gettext_lazy("Referrals and consent"),
        "consents": selectors.case_consents(case),
        "referrals": selectors.case_referrals(case),
        "can_record_consent": permissions.can_record_consent(user, case),
        "can_refer": permissions.can_refer_case(user, case),
        "can_withdraw": permissions.can_withdraw_consents(user, case),
        "today": clock.today(),
    }


def _case_url(case):
    return reverse("cases:detail", kwargs={"public_id": case.public_id}) + "#referrals"


@login_required
def consent_new(request, public_id):
    case = visible_case(request.user, public_id)
    case_permissions.require(permissions.can_record_consent(request.user, case))
    if request.method == "GET":  # the form shows the case's people; a refused request read nothing
        audit.record_read(case)
    people = list(selectors.case_people(case))
    form = ConsentForm(request.POST or None, people=people, attachments=selectors.case_attachments(case),
                       initial={"person": people[0].pk if people else None})

    def record(form):
        data = dict(form.cleaned_data)
        data["person"] = next(person for person in people if person.pk == data["person"])
        consent_services.consent_record(actor=request.user, case=case, **data)

    return run_form(
        request, form=form, action=record, success_url=_case_url(case), template="referrals/consent_form.html",
        context={"case": case, "title": _("Record consent")}, success_message=_("Consent recorded."),
    )


@login_required
def consent_withdraw(request, consent_id):
    consent = selectors.case_consent(request.user, consent_id)
    case_permissions.require(permissions.can_withdraw_consent(request.user, consent))
    if request.method == "GET":
        audit.record_read(consent.case)
    form = NoteForm(request.POST or None)
    form.fields["note"].required = False
    return run_form(
        request, form=form,
        action=lambda form: consent_services.consent_withdraw(
            actor=request.user, consent=consent, note=form.cleaned_data["note"],
        ),
        success_url=_case_url(consent.case), template="referrals/consent_withdraw.html",
        context={"case": consent.case, "consent": consent, "title": _("Withdraw consent")},
        success_message=_("Consent withdrawn. Referrals resting on it have ended and the providers' access "
                          "is closed."),
    )


@login_required
def referral_new(request, public_id):
    user = request.user
    case = visible_case(user, public_id)
    case_permissions.require(permissions.can_refer_case(user, case))
    if request.method == "GET":
        audit.record_read(case)
    people = list(selectors.case_people(case))
    providers = list(selectors.providers_for_case(case))
    initial = {"person": people[0].pk if people else None}
    with contextlib.suppress(ValueError):  # no or a malformed choice: the caseworker picks one
        initial["provider"] = int(request.GET.get("provider", ""))
    may_override = permissions.can_send_without_consent(user, case)
    form = ReferralForm(request.POST or None, people=people, providers=providers, may_override=may_override,
                        initial=initial)
    send = "send" in request.POST
    created = {}

    def create(form):
        data = dict(form.cleaned_data)
        created["referral"] = referral_services.referral_create(
            actor=user, case=case, send=send, override_reason=data.pop("override_reason", "") if send else "",
            **{key: data[key] for key in ("person", "provider", "purpose", "priority", "services_requested",
                                          "reasons", "services_provided", "data_categories")},
        )

    response = run_form(
        request, form=form, action=create, success_url=_case_url(case), template="referrals/referral_form.html",
        context={"case": case, "title": _("Refer the client"), "providers": providers, "may_override": may_override},
        success_message=_("Referral sent.") if send else _("Draft referral saved."),
    )
    if "referral" in created:
        return redirect("referrals:detail", public_id=created["referral"].public_id)
    return response


@login_required
def referral_edit(request, public_id):
    """Edit a draft, guarded by its version."""
    user = request.user
    referral = selectors.visible_referral(user, public_id)
    if not permissions.can_act_as_referrer(user, referral):
        raise Http404  # the provider side may open the referral, but has no draft form
    if request.method == "GET":
        audit.record_read(referral)
    if referral.state != ReferralState.DRAFT:
        messages.error(request, _("Only a draft can be edited; this referral has been sent."))
        return redirect("referrals:detail", public_id=referral.public_id)
    case = referral.case
    people = list(selectors.case_people(case))
    providers = list(selectors.providers_for_case(case))
    initial = {name: getattr(referral, name) for name in (
        "priority", "services_requested", "reasons", "services_provided", "data_categories")}
    initial.update(person=referral.person_id, provider=referral.provider_id)
    form = ReferralForm(request.POST or None, people=people, providers=providers, initial=initial,
                        version=referral.version)

    def save(form):
        data = dict(form.cleaned_data)
        changes = {key: data[key] for key in ("person", "provider", "purpose", "priority", "services_requested",
                                              "reasons", "services_provided", "data_categories")}
        referral_services.referral_update(actor=user, referral=referral, expected_version=data["version"],
                                          changes=changes)

    return run_form(
        request, form=form, action=save, success_url=reverse("referrals:detail", args=[referral.public_id]),
        template="referrals/referral_form.html",
        context={"case": case, "title": _("Edit the draft referral"), "providers": providers, "editing": True},
        success_message=_("Draft referral saved."),
    )
