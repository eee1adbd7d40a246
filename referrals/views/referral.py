"""One referral, from either side: the page, and every step taken on it."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cases import clock
from cases.views.common import run_form
from referrals import permissions, selectors, snapshot
from referrals.choices import DataCategory, ReferralEventKind, ReferralState, ServiceType, Side
from referrals.forms import DeclineForm, NoteForm, OptionalNoteForm, OutcomeForm, OverrideReviewForm
from referrals.services import referrals as services

# What the provider side sees of the history: its own steps with their notes, the referrer's
# steps without theirs (a referrer's note may hold data outside the consent).
PROVIDER_EVENT_KINDS = {
    ReferralEventKind.SENT, ReferralEventKind.ACCEPTED, ReferralEventKind.FULL_DATA_RELEASED,
    ReferralEventKind.DECLINED, ReferralEventKind.PROGRESS, ReferralEventKind.COMPLETED, ReferralEventKind.REMINDER,
}
PROVIDER_AUTHORED = {
    ReferralEventKind.ACCEPTED, ReferralEventKind.DECLINED, ReferralEventKind.PROGRESS, ReferralEventKind.COMPLETED,
}


class SendForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    override_reason = forms.CharField(
        label=_("Emergency: reason for sending without consent"), max_length=8000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class Step:
    def __init__(self, form, run, done, allowed, button):
        self.form, self.run, self.done, self.allowed, self.button = form, run, done, allowed, button


STEPS = {
    "send": Step(
        SendForm,
        lambda user, r, data: services.referral_send(actor=user, referral=r, expected_version=data["version"],
                                                     override_reason=data["override_reason"]),
        _("Referral sent."),
        lambda user, r: r.state == ReferralState.DRAFT and permissions.can_act_as_referrer(user, r),
        _("Send the referral"),
    ),
    "accept": Step(
        OptionalNoteForm, lambda user, r, data: services.referral_accept(actor=user, referral=r, note=data["note"]),
        _("Referral accepted."), lambda user, r: permissions.can_move_referral(user, r, ReferralState.ACCEPTED),
        _("Accept"),
    ),
    "decline": Step(
        DeclineForm,
        lambda user, r, data: services.referral_decline(actor=user, referral=r, reason=data["reason"],
                                                        note=data["note"]),
        _("Referral declined."), lambda user, r: permissions.can_move_referral(user, r, ReferralState.DECLINED),
        _("Decline"),
    ),
    "progress": Step(
        NoteForm, lambda user, r, data: services.referral_record_progress(actor=user, referral=r, note=data["note"]),
        _("Progress recorded."), permissions.can_record_progress, _("Record progress"),
    ),
    "outcome": Step(
        OutcomeForm,
        lambda user, r, data: services.referral_complete(actor=user, referral=r, outcome=data["outcome"],
                                                         note=data["note"]),
        _("Outcome recorded."), lambda user, r: permissions.can_move_referral(user, r, ReferralState.COMPLETED),
        _("Record the outcome"),
    ),
    "follow_up": Step(
        NoteForm, lambda user, r, data: services.referral_follow_up(actor=user, referral=r, note=data["note"]),
        _("Follow-up recorded."), permissions.can_follow_up, _("Record a follow-up"),
    ),
    "close": Step(
        NoteForm, lambda user, r, data: services.referral_close(actor=user, referral=r, note=data["note"]),
        _("Referral closed."), lambda user, r: permissions.can_move_referral(user, r, ReferralState.CLOSED),
        _("Close the referral"),
    ),
    "withdraw": Step(
        NoteForm, lambda user, r, data: services.referral_withdraw(actor=user, referral=r, note=data["note"]),
        _("Referral withdrawn. The provider's access has ended."),
        lambda user, r: permissions.can_move_referral(user, r, ReferralState.WITHDRAWN),
        _("Withdraw the referral"),
    ),
    "review": Step(
        OverrideReviewForm,
        lambda user, r, data: services.referral_review_override(actor=user, referral=r, review=data["review"],
                                                                note=data["note"]),
        _("Review recorded."),
        lambda user, r: r.is_override and not r.override_review and r.state != ReferralState.DRAFT
        and permissions.can_review_override(user, r),
        _("Record the review"),
    ),
}


def _step_form(name, referral, data=None):
    step = STEPS[name]
    initial = {"version": referral.version} if name == "send" else None
    return step.form(data, prefix=name, initial=initial)


def _detail_context(request, referral, bound=None):
    user = request.user
    side = Side.REFERRER if permissions.is_referrer_side(user, referral) else Side.PROVIDER
    full = side == Side.REFERRER or permissions.provider_sees_full_data(referral)
    events = list(selectors.referral_events(referral))
    if side == Side.PROVIDER:
        events = [event for event in events if event.kind in PROVIDER_EVENT_KINDS]
        for event in events:
            if event.kind not in PROVIDER_AUTHORED:
                event.note = ""
    steps, placed = [], False
    for name, step in STEPS.items():
        if step.allowed(user, referral):
            form = bound if bound is not None and bound.prefix == name else _step_form(name, referral)
            placed = placed or form is bound
            if name == "send" and not permissions.can_send_without_consent(user, referral.case):
                del form.fields["override_reason"]
            steps.append({"name": name, "form": form, "button": step.button})
    return {
        "referral": referral,
        "side": side,
        "full": full,
        "sections": snapshot.display_sections(referral.shared_data) if full else [],
        "summary": snapshot.display_summary(referral.summary) if referral.summary else [],
        "services_labels": [ServiceType(code).label for code in referral.services_requested
                            if code in ServiceType.values],
        "draft_categories": [DataCategory(code).label for code in referral.data_categories
                             if code in DataCategory.values],
        "events": events,
        "steps": steps,
        # A step refused because the referral moved on meanwhile has no form left to show its error in.
        "refusals": bound.non_field_errors() if bound is not None and not placed else [],
        "now": clock.now(),
        "overdue": referral.due_at is not None and referral.state in (ReferralState.SENT, ReferralState.ACCEPTED)
        and referral.due_at < clock.now(),
        "can_edit_draft": referral.state == ReferralState.DRAFT and permissions.can_act_as_referrer(user, referral),
    }


@never_cache  # released data must not outlive the provider's access in a browser cache
@login_required
def referral_detail(request, public_id):
    referral = selectors.visible_referral(request.user, public_id, audit_read=True)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


@never_cache
@login_required
@require_POST
def referral_step(request, public_id, step):
    if step not in STEPS:
        raise Http404
    referral = selectors.visible_referral(request.user, public_id)
    form = _step_form(step, referral, request.POST)
    return run_form(
        request, form=form,
        action=lambda form: STEPS[step].run(request.user, referral, form.cleaned_data),
        success_url=reverse("referrals:detail", args=[referral.public_id]),
        template="referrals/detail.html",
        context=lambda: _detail_context(
            request, selectors.visible_referral(request.user, public_id, audit_read=True), bound=form,
        ),
        success_message=STEPS[step].done,
    )
