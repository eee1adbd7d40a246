"""The referral workflow: draft, send (consent-gated), answer, follow, end.

Every step locks the referral row, checks the step is allowed from the state it is in *now*
and by whom (`REFERRAL_TRANSITIONS`), and records who, when and a note as a ReferralEvent in the
same transaction. Two people acting at once cannot both win: the second finds the new state
and is told so.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cases import audit, clock
from cases.audit import acting_as
from cases.models import Case, Person, User
from cases.permissions import require
from cases.services.versioning import StaleEditError
from config.bidi import isolate
from referrals import permissions, selectors, snapshot
from referrals.choices import (
    OVERRIDE_PRIORITIES,
    PRIORITY_DEADLINE,
    PROVIDER_ACCESS_STATES,
    REFERRAL_TRANSITIONS,
    SERVICE_PURPOSE,
    DataCategory,
    DeclineReason,
    NotificationReason,
    OverrideReview,
    Purpose,
    ReferralEventKind,
    ReferralOutcome,
    ReferralPriority,
    ReferralState,
)
from referrals.models import Consent, Referral, ReferralEvent, ReferralSequence, ServiceProvider
from referrals.services import notifications
from referrals.services.consents import ended_state

DRAFT_FIELDS = {
    "person", "provider", "purpose", "priority", "services_requested", "reasons", "services_provided",
    "data_categories",
}


def _next_reference(year: int) -> str:
    sequence, _created = ReferralSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"RF-{year}-{sequence.last_number:06d}"


def _check_draft(case: Case, fields: dict) -> None:
    """What a referral must say before it can exist; messages name the field to fix."""
    person, provider = fields["person"], fields["provider"]
    if person.case_id != case.pk:
        raise ValidationError(_("Choose a person of this case."), code="person")
    if fields["purpose"] not in Purpose.values:
        raise ValidationError(_("Choose the type of referral."), code="purpose")
    if fields["priority"] not in ReferralPriority.values:
        raise ValidationError(_("Choose a priority."), code="priority")
    services = fields["services_requested"]
    if not services:
        raise ValidationError(_("Choose at least one service to request."), code="services")
    if any(SERVICE_PURPOSE.get(service) != fields["purpose"] for service in services):
        raise ValidationError(_("Every service requested must belong to the type of referral."), code="services")
    offered = set(provider.services.values_list("service_type", flat=True))
    if set(services) - offered:
        raise ValidationError(_("This provider does not offer every service requested."), code="services")
    if not provider.is_active or not provider.areas.filter(country=case.host_country).exists():
        raise ValidationError(_("This provider does not work in the case's host country."), code="provider")
    if set(fields["data_categories"]) - set(DataCategory.values):
        raise ValidationError(_("Choose the data to share from the list."), code="categories")
    if not fields["reasons"].strip():
        raise ValidationError(_("Give the reasons for the referral."), code="reasons")


@transaction.atomic
def referral_create(
    *,
    actor: User,
    case: Case,
    person: Person,
    provider: ServiceProvider,
    purpose: str,
    priority: str,
    services_requested: list[str],
    reasons: str,
    data_categories: list[str],
    services_provided: str = "",
    send: bool = False,
    override_reason: str = "",
) -> Referral:
    """Write a draft referral; with `send`, send it in the same transaction (all or nothing)."""
    require(permissions.can_refer_case(actor, case))
    fields = {
        "person": person, "provider": provider, "purpose": purpose, "priority": priority,
        "services_requested": list(dict.fromkeys(services_requested)), "reasons": reasons,
        "services_provided": services_provided, "data_categories": list(dict.fromkeys(data_categories)),
    }
    _check_draft(case, fields)
    now = clock.now()
    with acting_as(actor):
        referral = Referral.objects.create(
            case=case, reference=_next_reference(now.year), referred_by=actor, state=ReferralState.DRAFT, **fields,
        )
        ReferralEvent.objects.create(referral=referral, kind=ReferralEventKind.CREATED, actor=actor, at=now)
    if send:
        referral = referral_send(actor=actor, referral=referral, expected_version=referral.version,
                                 override_reason=override_reason)
    return referral


def _lock(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().get(pk=referral.pk)


@transaction.atomic
def referral_update(*, actor: User, referral: Referral, expected_version: int, changes: dict) -> Referral:
    """Edit a draft. A draft saved by someone else since the form was opened is refused, not overwritten."""
    unknown = set(changes) - DRAFT_FIELDS
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    current = _lock(referral)
    require(permissions.can_act_as_referrer(actor, current))
    if current.version != expected_version:
        raise StaleEditError(current)
    if current.state != ReferralState.DRAFT:
        raise ValidationError(_("Only a draft can be edited; this referral has been sent."), code="not_draft")
    fields = {name: changes.get(name, getattr(current, name)) for name in DRAFT_FIELDS}
    _check_draft(current.case, fields)
    with acting_as(actor):
        for name, value in changes.items():
            setattr(current, name, value)
        current.version += 1
        current.save()
        ReferralEvent.objects.create(referral=current, kind=ReferralEventKind.EDITED, actor=actor, at=clock.now())
    return current


def _refuse_step(current: Referral, to_state: str):
    raise ValidationError(
        _("A referral that is %(from)s cannot become %(to)s. Nothing was changed.")
        % {"from": current.get_state_display(), "to": ReferralState(to_state).label},
        code="invalid_transition",
    )


def _step(*, actor, referral, to_state, event, note="", details=None, **fields) -> Referral:
    """Move `referral` to `to_state` if the state machine and the actor's side allow it now."""
    current = _lock(referral)
    # Outsiders are refused before anything about the referral's state is said.
    require(permissions.side_of(actor, current) is not None)
    if to_state not in REFERRAL_TRANSITIONS[current.state]:
        _refuse_step(current, to_state)
    require(permissions.can_move_referral(actor, current, to_state))
    now = clock.now()
    with acting_as(actor):
        current.state = to_state
        if to_state in (ReferralState.CLOSED, ReferralState.WITHDRAWN, ReferralState.DECLINED):
            current.ended_at = now
        for name, value in fields.items():
            setattr(current, name, value)
        current.version += 1
        current.save()
        ReferralEvent.objects.create(referral=current, kind=event, actor=actor, at=now, note=note,
                                     details=details or {})
    return current


def _check_override_respects_the_client(referral: Referral) -> None:
    """Vital interest stands in for consent that cannot be obtained in time, never against the
    client's own decision: not after a withdrawal, and not beyond what a consent in force allows."""
    decided = Consent.objects.filter(
        case=referral.case, person=referral.person, recipient=referral.provider.organisation,
        purpose=referral.purpose,
    )
    if decided.filter(withdrawn_at__isnull=False).exists():
        raise ValidationError(
            _("The client withdrew consent to share with this organisation for this purpose. "
              "An emergency override cannot overrule the client's decision."),
            code="override_after_withdrawal",
        )
    agreed = set()
    for categories in decided.in_force(clock.today()).values_list("data_categories", flat=True):
        agreed |= set(categories)
    if decided.in_force(clock.today()).exists() and set(referral.data_categories) - agreed:
        raise ValidationError(
            _("The client agreed to share less with this organisation. An emergency override cannot release "
              "data the client chose to keep back: untick what the consent does not cover."),
            code="override_beyond_consent",
        )


@transaction.atomic
def referral_send(*, actor: User, referral: Referral, expected_version: int, override_reason: str = "") -> Referral:
    """Send a draft with the consented data, or without consent under a documented emergency override."""
    current = _lock(referral)
    if current.version != expected_version:
        raise StaleEditError(current)
    if current.state != ReferralState.DRAFT:
        raise ValidationError(_("This referral has already been sent. Nothing was changed."), code="sent")
    require(permissions.can_act_as_referrer(actor, current))
    case, person = current.case, current.person
    # The provider may have been unlisted, or the case moved, since the draft was written.
    _check_draft(case, {name: getattr(current, name) for name in DRAFT_FIELDS})
    consent = selectors.covering_consent(
        case=case, person=person, recipient=current.provider.organisation, purpose=current.purpose,
        categories=current.data_categories,
    )
    if consent is not None:
        # Hold the consent until this transaction ends, so a withdrawal cannot slip in between.
        consent = Consent.objects.select_for_update().filter(pk=consent.pk, withdrawn_at__isnull=True).first()
    override_reason = override_reason.strip()
    if consent is None and not override_reason:
        raise ValidationError(
            _("No active consent covers this referral: the client must have agreed to share each kind of data "
              "ticked with %(recipient)s for %(purpose)s. Record the consent first, or share less.")
            % {"recipient": isolate(current.provider.organisation.name), "purpose": Purpose(current.purpose).label},
            code="no_consent",
        )
    if consent is None and not permissions.can_send_without_consent(actor, case):
        raise ValidationError(
            _("You may not send a referral without consent. Ask a colleague who holds the emergency permission."),
            code="override_not_allowed",
        )
    if consent is None and current.priority not in OVERRIDE_PRIORITIES:
        raise ValidationError(
            _("Only an emergency or urgent referral can be sent without consent."), code="override_priority",
        )
    if consent is None:
        _check_override_respects_the_client(current)
    if consent is not None:
        override_reason = ""  # consent covers it: no override to review
    now = clock.now()
    summary = {}
    if current.purpose == Purpose.LEGAL:
        summary = snapshot.deidentified_summary(
            case=case, person=person, categories=current.data_categories, purpose=current.purpose,
            priority=current.priority, services=current.services_requested,
        )
    legal_basis = "consent" if consent else "vital_interest"
    sent = _step(
        actor=actor, referral=current, to_state=ReferralState.SENT, event=ReferralEventKind.SENT,
        note=override_reason,
        details={"categories": list(current.data_categories), "legal_basis": legal_basis,
                 "consent": consent.pk if consent else None, "two_stage": bool(summary)},
        consent=consent, override_reason=override_reason, override_by=actor if override_reason else None,
        sent_at=now,
        due_at=now + PRIORITY_DEADLINE[ReferralPriority(current.priority)],
        shared_data=snapshot.build_shared_data(case=case, person=person, categories=current.data_categories),
        summary=summary,
    )
    notifications.notify(sent, notifications.answering_staff(sent), NotificationReason.RECEIVED)
    if override_reason:
        notifications.notify(sent, permissions.override_reviewers(sent), NotificationReason.OVERRIDE)
    return sent


@transaction.atomic
def referral_accept(*, actor: User, referral: Referral, note: str = "") -> Referral:
    accepted = _step(actor=actor, referral=referral, to_state=ReferralState.ACCEPTED,
                     event=ReferralEventKind.ACCEPTED, note=note, answered_at=clock.now())
    if accepted.summary:
        # Stage two of a legal referral: the consented data is now visible to the provider.
        ReferralEvent.objects.create(
            referral=accepted, kind=ReferralEventKind.FULL_DATA_RELEASED, actor=actor, at=clock.now(),
            details={"categories": list(accepted.data_categories)},
        )
    notifications.notify(accepted, notifications.referrer_side(accepted), NotificationReason.ANSWERED)
    return accepted


@transaction.atomic
def referral_decline(*, actor: User, referral: Referral, reason: str, note: str = "") -> Referral:
    if reason not in DeclineReason.values:
        raise ValidationError(_("Choose why the referral is declined."), code="reason")
    if reason == DeclineReason.OTHER and not note.strip():
        raise ValidationError(_("Explain the reason for declining."), code="note")
    declined = _step(actor=actor, referral=referral, to_state=ReferralState.DECLINED,
                     event=ReferralEventKind.DECLINED, note=note, details={"reason": reason},
                     decline_reason=reason, answered_at=clock.now())
    notifications.notify(declined, notifications.referrer_side(declined), NotificationReason.ANSWERED)
    return declined


@transaction.atomic
def referral_record_progress(*, actor: User, referral: Referral, note: str) -> Referral:
    """A session held, an appointment made: the first one moves an accepted referral into progress."""
    if not note.strip():
        raise ValidationError(_("Write what happened."), code="note")
    current = _lock(referral)
    require(permissions.side_of(actor, current) is not None)
    if current.state == ReferralState.ACCEPTED:
        return _step(actor=actor, referral=current, to_state=ReferralState.IN_PROGRESS,
                     event=ReferralEventKind.PROGRESS, note=note)
    if current.state != ReferralState.IN_PROGRESS:
        raise ValidationError(_("Progress can be recorded only on an accepted referral in progress."),
                              code="not_in_progress")
    require(permissions.can_record_progress(actor, current))
    ReferralEvent.objects.create(referral=current, kind=ReferralEventKind.PROGRESS, actor=actor,
                                 at=clock.now(), note=note)
    return current


@transaction.atomic
def referral_complete(*, actor: User, referral: Referral, outcome: str, note: str = "") -> Referral:
    if outcome not in ReferralOutcome.values:
        raise ValidationError(_("Choose the outcome."), code="outcome")
    completed = _step(actor=actor, referral=referral, to_state=ReferralState.COMPLETED,
                      event=ReferralEventKind.COMPLETED, note=note, details={"outcome": outcome}, outcome=outcome)
    notifications.notify(completed, notifications.referrer_side(completed), NotificationReason.OUTCOME)
    return completed


def _end(*, actor, referral, to_state, event, note):
    was_live = referral.state in PROVIDER_ACCESS_STATES
    ended = _step(actor=actor, referral=referral, to_state=to_state, event=event, note=note)
    if was_live:
        notifications.notify(ended, notifications.answering_staff(ended), NotificationReason.ACCESS_ENDED)
    return ended


@transaction.atomic
def referral_withdraw(*, actor: User, referral: Referral, note: str) -> Referral:
    """The referrer takes the referral back; the provider's access ends at once."""
    if not note.strip():
        raise ValidationError(_("Say why the referral is withdrawn."), code="note")
    return _end(actor=actor, referral=_lock(referral), to_state=ReferralState.WITHDRAWN,
                event=ReferralEventKind.WITHDRAWN, note=note)


@transaction.atomic
def referral_close(*, actor: User, referral: Referral, note: str) -> Referral:
    """The referrer closes the referral, with the client's feedback on the outcome where there is one."""
    if not note.strip():
        raise ValidationError(_("Write a closing note: the outcome for the client, and their feedback."),
                              code="note")
    return _end(actor=actor, referral=_lock(referral), to_state=ReferralState.CLOSED,
                event=ReferralEventKind.CLOSED, note=note)


@transaction.atomic
def referral_follow_up(*, actor: User, referral: Referral, note: str) -> ReferralEvent:
    current = _lock(referral)
    require(permissions.can_follow_up(actor, current))
    if not note.strip():
        raise ValidationError(_("Write what the follow-up was."), code="note")
    return ReferralEvent.objects.create(referral=current, kind=ReferralEventKind.FOLLOW_UP, actor=actor,
                                        at=clock.now(), note=note)


@transaction.atomic
def referral_review_override(*, actor: User, referral: Referral, review: str, note: str) -> Referral:
    """A supervisor's review of a referral sent without consent (vital interest)."""
    current = _lock(referral)
    require(permissions.can_review_override(actor, current))
    if not current.is_override or current.state == ReferralState.DRAFT:
        raise ValidationError(_("This referral was not sent under an emergency override."), code="not_override")
    if current.override_review:
        raise ValidationError(_("This override has already been reviewed."), code="reviewed")
    if review not in OverrideReview.values:
        raise ValidationError(_("Choose the outcome of the review."), code="review")
    if review == OverrideReview.NOT_JUSTIFIED and not note.strip():
        raise ValidationError(_("Say what should happen next."), code="note")
    now = clock.now()
    ends = review == OverrideReview.NOT_JUSTIFIED and current.state in PROVIDER_ACCESS_STATES
    with acting_as(actor):
        current.override_review, current.override_reviewed_by, current.override_reviewed_at = review, actor, now
        if ends:
            # Data released without a sound basis does not stay with the provider.
            current.state, current.ended_at = ended_state(current), now
        current.version += 1
        current.save()
        ReferralEvent.objects.create(referral=current, kind=ReferralEventKind.OVERRIDE_REVIEWED, actor=actor,
                                     at=now, note=note, details={"review": review})
    if ends:
        notifications.notify(current, notifications.answering_staff(current), NotificationReason.ACCESS_ENDED)
        notifications.notify(current, notifications.referrer_side(current), NotificationReason.ANSWERED)
    return current


@transaction.atomic
def referrals_end_with_expired_consent() -> int:
    """End every live referral whose consent has passed its end date, and tell both sides.

    Access already stops on the day (see `permissions.consent_holds`); this makes the state say
    so, keeps dashboards and reminders honest, and asks the referrer to renew consent if needed.
    """
    now, today = clock.now(), clock.today()
    count = 0
    expired = Referral.objects.filter(
        state__in=PROVIDER_ACCESS_STATES, consent__withdrawn_at__isnull=True, consent__valid_until__lt=today,
    ).select_related("provider", "case").order_by("pk")
    for referral in expired:
        ended = ended_state(referral)
        if not Referral.objects.filter(pk=referral.pk, state=referral.state).update(
            state=ended, ended_at=now, version=F("version") + 1,
        ):
            continue  # moved on meanwhile
        audit.record_change(referral, {"state": (referral.state, ended)})
        ReferralEvent.objects.create(referral=referral, kind=ReferralEventKind.CONSENT_EXPIRED, at=now)
        notifications.notify(referral, notifications.answering_staff(referral), NotificationReason.ACCESS_ENDED)
        notifications.notify(referral, notifications.referrer_side(referral), NotificationReason.CONSENT_EXPIRED)
        count += 1
    return count


@transaction.atomic
def referrals_remind_overdue() -> int:
    """Remind both sides, once, of every referral past its priority deadline and not yet taken on."""
    now = clock.now()
    reminded = 0
    for referral in Referral.objects.overdue(now).filter(reminded_at__isnull=True).select_related(
        "provider", "case",
    ).order_by("due_at", "pk"):
        if not Referral.objects.filter(pk=referral.pk, reminded_at__isnull=True).update(reminded_at=now):
            continue  # reminded by a concurrent run
        ReferralEvent.objects.create(referral=referral, kind=ReferralEventKind.REMINDER, at=now)
        notifications.notify(
            referral, notifications.referrer_side(referral) + notifications.answering_staff(referral),
            NotificationReason.OVERDUE,
        )
        reminded += 1
    return reminded
