"""Recording and withdrawing a client's consent to share data with a recipient."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cases import clock
from cases.audit import acting_as
from cases.choices import LANGUAGES_SPOKEN
from cases.models import Attachment, Case, Organisation, Person, User
from cases.permissions import require
from referrals import permissions
from referrals.choices import (
    PROVIDER_ACCESS_STATES,
    DataCategory,
    NotificationReason,
    Purpose,
    ReferralEventKind,
    ReferralState,
)
from referrals.models import Consent, Referral, ReferralEvent
from referrals.services import notifications


@transaction.atomic
def consent_record(
    *,
    actor: User,
    case: Case,
    person: Person,
    recipient: Organisation,
    purpose: str,
    data_categories: list[str],
    obtained_on: datetime.date,
    method: str,
    language: str,
    interpreter: str = "",
    fears_reprisal: bool = False,
    notes: str = "",
    valid_until: datetime.date | None = None,
    signed_form: Attachment | None = None,
) -> Consent:
    """Record consent to release `data_categories` of `person` to `recipient` for `purpose`."""
    require(permissions.can_record_consent(actor, case))
    categories = list(dict.fromkeys(data_categories))
    if person.case_id != case.pk:
        raise ValidationError(_("Choose a person of this case."), code="person")
    if recipient.pk == case.organisation_id:
        raise ValidationError(_("Consent is for sharing outside your organisation: choose another recipient."),
                              code="recipient")
    if purpose not in Purpose.values:
        raise ValidationError(_("Choose the purpose of the sharing."), code="purpose")
    if not categories or set(categories) - set(DataCategory.values):
        raise ValidationError(_("Tick at least one kind of data the client agreed to share."), code="categories")
    if language not in dict(LANGUAGES_SPOKEN):
        raise ValidationError(_("Choose the language of the consent conversation."), code="language")
    if obtained_on > clock.today():
        raise ValidationError(_("Consent cannot be dated in the future."), code="future")
    if valid_until is not None and valid_until < obtained_on:
        raise ValidationError(_("The consent cannot end before it was given."), code="valid_until")
    if signed_form is not None and signed_form.case_id != case.pk:
        raise ValidationError(_("Choose the signed form from this case's attachments."), code="signed_form")
    if fears_reprisal and DataCategory.RELATIVES in categories and not notes.strip():
        raise ValidationError(
            _("The client fears reprisals against relatives, yet agreed to share data about them. "
              "Write in the notes how this was discussed."),
            code="reprisal",
        )
    with acting_as(actor):
        return Consent.objects.create(
            case=case, person=person, recipient=recipient, purpose=purpose, data_categories=categories,
            obtained_by=actor, obtained_on=obtained_on, method=method, language=language,
            interpreter=interpreter, fears_reprisal=fears_reprisal, notes=notes, valid_until=valid_until,
            signed_form=signed_form,
        )


def ended_state(referral) -> str:
    """Where a referral goes when its legal basis ends: a completed one is closed, the rest withdrawn."""
    return ReferralState.CLOSED if referral.state == ReferralState.COMPLETED else ReferralState.WITHDRAWN


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent, note: str = "") -> Consent:
    """Withdraw consent at once: every live referral resting on it ends and the provider loses access."""
    require(permissions.can_withdraw_consent(actor, consent))
    now = clock.now()
    with acting_as(actor):
        current = Consent.objects.select_for_update().get(pk=consent.pk)
        if current.withdrawn_at is not None:
            raise ValidationError(_("This consent was already withdrawn."), code="withdrawn")
        current.withdrawn_at, current.withdrawn_recorded_by, current.withdrawal_note = now, actor, note
        current.save(update_fields=["withdrawn_at", "withdrawn_recorded_by", "withdrawal_note"])
        # Those resting on this consent, and those sent to the same recipient for the same purpose
        # under an emergency override: the client's decision now stands for them too.
        same_sharing = Q(consent__isnull=True, case=current.case, person=current.person, purpose=current.purpose,
                         provider__organisation=current.recipient) & ~Q(override_reason="")
        resting = list(
            Referral.objects.select_for_update(of=("self",)).filter(Q(consent=current) | same_sharing)
            .filter(state__in=PROVIDER_ACCESS_STATES)
        )
        for referral in resting:
            referral.state, referral.ended_at, referral.version = ended_state(referral), now, referral.version + 1
            referral.save(update_fields=["state", "ended_at", "version"])
            ReferralEvent.objects.create(referral=referral, kind=ReferralEventKind.CONSENT_WITHDRAWN, actor=actor,
                                         at=now, note=note)
            notifications.notify(referral, notifications.answering_staff(referral), NotificationReason.ACCESS_ENDED)
    return current
