"""Consent gating, the emergency override, withdrawal, the state machine and deadlines."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError

from cases.roles import role_group_name
from referrals import selectors
from referrals.choices import ENDED_STATES, REFERRAL_TRANSITIONS, DataCategory, ReferralEventKind, ReferralState
from referrals.models import Referral, ReferralEvent, ReferralNotification
from referrals.services import consents, referrals
from tests.referrals.conftest import give_consent, refer

pytestmark = pytest.mark.django_db


def test_a_referral_cannot_be_sent_without_consent_and_nothing_is_written(cast, own_case, counselling):
    with pytest.raises(ValidationError) as refused:
        refer(cast.caseworker, own_case, counselling)
    assert refused.value.code == "no_consent"
    assert not Referral.objects.exists()
    assert not ReferralNotification.objects.exists()


@pytest.mark.parametrize("mismatch", ["more_data", "other_purpose", "other_recipient", "withdrawn", "expired"])
def test_consent_must_cover_recipient_purpose_and_every_category(cast, own_case, counselling, legal_aid, clock,
                                                                 mismatch):
    if mismatch == "more_data":
        give_consent(cast.caseworker, own_case, counselling, categories=[DataCategory.NAMES])
    elif mismatch == "other_purpose":
        give_consent(cast.caseworker, own_case, counselling, purpose="medical")
    elif mismatch == "other_recipient":
        give_consent(cast.caseworker, own_case, legal_aid)
    elif mismatch == "withdrawn":
        consent = give_consent(cast.caseworker, own_case, counselling)
        consents.consent_withdraw(actor=cast.caseworker, consent=consent)
    else:
        give_consent(cast.caseworker, own_case, counselling, valid_until=datetime.date(2026, 11, 25))
    with pytest.raises(ValidationError) as refused:
        refer(cast.caseworker, own_case, counselling)
    assert refused.value.code == "no_consent"
    assert not Referral.objects.exists()


def test_a_covered_referral_carries_exactly_the_consented_data(cast, own_case, counselling, clock):
    consent = give_consent(cast.caseworker, own_case, counselling)
    referral = refer(cast.caseworker, own_case, counselling)
    assert referral.state == ReferralState.SENT and referral.consent == consent
    assert set(referral.shared_data) == {DataCategory.NAMES, DataCategory.LANGUAGES}
    assert referral.due_at - referral.sent_at == datetime.timedelta(days=14)
    assert referral.reference.startswith("RF-2026-")
    sent = referral.events.get(kind=ReferralEventKind.SENT)
    assert sent.details["legal_basis"] == "consent" and sent.details["categories"] == ["names", "languages"]
    assert set(ReferralNotification.objects.values_list("recipient__username", flat=True)) == {"provider"}


@pytest.mark.parametrize(("priority", "hours"), [("emergency", 24), ("urgent", 72), ("normal", 24 * 14)])
def test_the_deadline_follows_the_priority(cast, own_case, counselling, clock, priority, hours):
    give_consent(cast.caseworker, own_case, counselling)
    referral = refer(cast.caseworker, own_case, counselling, priority=priority)
    assert referral.due_at == clock.at + datetime.timedelta(hours=hours)


@pytest.fixture
def second_supervisor(cast):
    from tests.conftest import make_user

    return make_user("supervisor2", cast.ngo, "supervisor")


def test_the_emergency_override_needs_a_reason_is_flagged_and_reviewed_by_someone_else(
    cast, own_case, counselling, clock, second_supervisor,
):
    referral = refer(cast.supervisor, own_case, counselling, priority="emergency",
                     override_reason="Detained; removal flight tonight.")
    assert referral.state == ReferralState.SENT and referral.consent is None and referral.is_override
    assert referral.events.get(kind="sent").details["legal_basis"] == "vital_interest"
    assert ReferralNotification.objects.filter(recipient=second_supervisor, reason="override").exists()
    assert list(selectors.dashboard_referrals(second_supervisor)["to_review"]) == [referral]
    assert list(selectors.dashboard_referrals(cast.supervisor)["to_review"]) == []  # not their own
    assert list(selectors.dashboard_referrals(cast.caseworker)["to_review"]) == []

    for not_a_reviewer in (cast.caseworker, cast.supervisor):
        with pytest.raises(PermissionDenied):
            referrals.referral_review_override(actor=not_a_reviewer, referral=referral, review="justified", note="")
    reviewed = referrals.referral_review_override(actor=second_supervisor, referral=referral, review="justified",
                                                  note="")
    assert reviewed.override_review == "justified" and reviewed.override_reviewed_by == second_supervisor
    assert list(selectors.dashboard_referrals(second_supervisor)["to_review"]) == []
    with pytest.raises(ValidationError):
        referrals.referral_review_override(actor=second_supervisor, referral=referral, review="justified", note="")


def test_caseworkers_do_not_hold_the_override_by_default(cast, own_case, counselling):
    with pytest.raises(ValidationError) as refused:
        refer(cast.caseworker, own_case, counselling, priority="emergency", override_reason="Emergency.")
    assert refused.value.code == "override_not_allowed"


def test_the_override_is_for_what_cannot_wait(cast, own_case, counselling):
    with pytest.raises(ValidationError) as refused:
        refer(cast.supervisor, own_case, counselling, priority="normal", override_reason="Convenient.")
    assert refused.value.code == "override_priority"
    assert not Referral.objects.exists()


def test_the_override_cannot_overrule_a_withdrawal(cast, own_case, counselling):
    consent = give_consent(cast.caseworker, own_case, counselling)
    consents.consent_withdraw(actor=cast.caseworker, consent=consent, note="Client said no.")
    with pytest.raises(ValidationError) as refused:
        refer(cast.supervisor, own_case, counselling, priority="emergency", override_reason="We know better.")
    assert refused.value.code == "override_after_withdrawal"
    assert not Referral.objects.exists()


def test_an_expired_consent_ends_the_providers_access(cast, own_case, counselling, clock, logged_in):
    give_consent(cast.caseworker, own_case, counselling, valid_until=datetime.date(2026, 12, 31))
    referral = refer(cast.caseworker, own_case, counselling)
    provider = logged_in(cast.provider)
    assert provider.get(f"/referrals/{referral.public_id}/").status_code == 200
    clock.advance(days=34)
    assert provider.get(f"/referrals/{referral.public_id}/").status_code == 404
    assert list(selectors.provider_referrals(cast.provider)) == []
    with pytest.raises(PermissionDenied):
        referrals.referral_accept(actor=cast.provider, referral=referral)


def test_sending_a_draft_rechecks_the_provider(cast, own_case, counselling):
    give_consent(cast.caseworker, own_case, counselling)
    draft = refer(cast.caseworker, own_case, counselling, send=False)
    type(counselling).objects.filter(pk=counselling.pk).update(is_active=False)
    with pytest.raises(ValidationError) as refused:
        referrals.referral_send(actor=cast.caseworker, referral=draft, expected_version=draft.version)
    assert refused.value.code == "provider"


def test_a_person_with_referrals_cannot_be_removed_and_nothing_is_lost(cast, own_case, counselling):
    from cases.services import people

    member = people.person_add(actor=cast.caseworker, case=own_case, data={
        "relationship": "spouse", "given_name_ug_latn": "Zulpiye"})
    consents.consent_record(actor=cast.caseworker, case=own_case, person=member, recipient=cast.provider_org,
                            purpose="psychosocial", data_categories=["names"],
                            obtained_on=datetime.date(2026, 11, 20), method="oral", language="ug")
    with pytest.raises(ValidationError) as refused:
        people.person_remove(actor=cast.caseworker, person=member)
    assert refused.value.code == "protected"
    assert own_case.people.filter(pk=member.pk).exists() and member.consents.count() == 1


def test_the_override_is_a_permission_of_its_own(cast, own_case, counselling):
    Group.objects.get(name=role_group_name("supervisor")).permissions.remove(
        Permission.objects.get(codename="send_without_consent"),
    )
    supervisor = type(cast.supervisor).objects.get(pk=cast.supervisor.pk)  # no cached permissions
    with pytest.raises(ValidationError) as refused:
        refer(supervisor, own_case, counselling, priority="emergency", override_reason="Emergency.")
    assert refused.value.code == "override_not_allowed"
    assert not Referral.objects.exists()


def test_withdrawing_consent_ends_the_referral_and_the_providers_access_at_once(cast, own_case, counselling,
                                                                              logged_in):
    consent = give_consent(cast.caseworker, own_case, counselling)
    referral = refer(cast.caseworker, own_case, counselling)
    provider = logged_in(cast.provider)
    assert provider.get(f"/referrals/{referral.public_id}/").status_code == 200

    consents.consent_withdraw(actor=cast.supervisor, consent=consent, note="Client asked to stop.")
    referral.refresh_from_db()
    assert referral.state == ReferralState.WITHDRAWN and referral.ended_at is not None
    assert referral.events.filter(kind=ReferralEventKind.CONSENT_WITHDRAWN).exists()
    assert provider.get(f"/referrals/{referral.public_id}/").status_code == 404
    assert list(selectors.provider_referrals(cast.provider)) == []
    assert ReferralNotification.objects.filter(recipient=cast.provider, reason="access_ended").exists()
    with pytest.raises(ValidationError):
        consents.consent_withdraw(actor=cast.caseworker, consent=consent)


def test_the_full_lifecycle_with_who_when_and_a_note(cast, own_case, counselling, clock):
    give_consent(cast.caseworker, own_case, counselling)
    referral = refer(cast.caseworker, own_case, counselling)
    referral = referrals.referral_accept(actor=cast.provider, referral=referral, note="First session Monday.")
    referral = referrals.referral_record_progress(actor=cast.provider, referral=referral, note="Session held.")
    assert referral.state == ReferralState.IN_PROGRESS
    referrals.referral_follow_up(actor=cast.caseworker, referral=referral, note="Client says it helps.")
    referral = referrals.referral_complete(actor=cast.provider, referral=referral, outcome="services_provided",
                                           note="Eight sessions.")
    referral = referrals.referral_close(actor=cast.caseworker, referral=referral, note="Client satisfied.")
    assert referral.state == ReferralState.CLOSED
    steps = list(referral.events.values_list("kind", "actor__username"))
    assert steps == [("created", "caseworker"), ("sent", "caseworker"), ("accepted", "provider"),
                     ("progress", "provider"), ("follow_up", "caseworker"), ("completed", "provider"),
                     ("closed", "caseworker")]
    assert ReferralNotification.objects.filter(recipient=cast.caseworker, reason="outcome").exists()


def _force_state(referral, state):
    Referral.objects.filter(pk=referral.pk).update(state=state)
    referral.refresh_from_db()
    return referral


STEP_CALLS = {
    ReferralState.ACCEPTED: ("provider", lambda actor, r: referrals.referral_accept(actor=actor, referral=r)),
    ReferralState.DECLINED: ("provider", lambda actor, r: referrals.referral_decline(actor=actor, referral=r,
                                                                                     reason="no_capacity")),
    ReferralState.COMPLETED: ("provider", lambda actor, r: referrals.referral_complete(
        actor=actor, referral=r, outcome="services_provided")),
    ReferralState.CLOSED: ("caseworker", lambda actor, r: referrals.referral_close(actor=actor, referral=r,
                                                                                   note="Done.")),
    ReferralState.WITHDRAWN: ("caseworker", lambda actor, r: referrals.referral_withdraw(actor=actor, referral=r,
                                                                                         note="No longer needed.")),
}


@pytest.mark.parametrize("from_state", [s for s in ReferralState.values if s != ReferralState.DRAFT])
@pytest.mark.parametrize("to_state", list(STEP_CALLS))
def test_every_transition_outside_the_state_machine_is_refused(cast, own_case, counselling, from_state, to_state):
    give_consent(cast.caseworker, own_case, counselling)
    referral = _force_state(refer(cast.caseworker, own_case, counselling), from_state)
    side, call = STEP_CALLS[to_state]
    actor = getattr(cast, side)
    events_before = ReferralEvent.objects.count()
    if to_state in REFERRAL_TRANSITIONS[from_state]:
        assert call(actor, referral).state == to_state
        return
    # Refused as an invalid step, or, where the state has ended the actor's access (a provider
    # after declining or closing), as an outsider: either way nothing changes.
    with pytest.raises((ValidationError, PermissionDenied)) as refused:
        call(actor, referral)
    if isinstance(refused.value, ValidationError):
        assert refused.value.code == "invalid_transition"
    else:
        assert side == "provider" and from_state in ENDED_STATES
    referral.refresh_from_db()
    assert referral.state == from_state and ReferralEvent.objects.count() == events_before


@pytest.mark.parametrize(("step", "wrong_side"), [
    (ReferralState.ACCEPTED, "caseworker"), (ReferralState.DECLINED, "supervisor"),
    (ReferralState.WITHDRAWN, "provider"), (ReferralState.CLOSED, "provider"),
    (ReferralState.ACCEPTED, "other_caseworker"), (ReferralState.ACCEPTED, "lawyer"),
])
def test_each_step_belongs_to_one_side(cast, own_case, counselling, step, wrong_side):
    give_consent(cast.caseworker, own_case, counselling)
    referral = refer(cast.caseworker, own_case, counselling)
    if step == ReferralState.CLOSED:
        referral = referrals.referral_accept(actor=cast.provider, referral=referral)
    _side, call = STEP_CALLS[step]
    with pytest.raises(PermissionDenied):
        call(getattr(cast, wrong_side), referral)


def test_a_stale_draft_edit_is_refused(cast, own_case, counselling):
    from cases.services.versioning import StaleEditError

    draft = refer(cast.caseworker, own_case, counselling, send=False)
    referrals.referral_update(actor=cast.supervisor, referral=draft, expected_version=draft.version,
                              changes={"priority": "urgent"})
    with pytest.raises(StaleEditError):
        referrals.referral_update(actor=cast.caseworker, referral=draft, expected_version=draft.version,
                                  changes={"reasons": "Overwriting a colleague."})
    draft.refresh_from_db()
    assert draft.priority == "urgent" and draft.reasons.startswith("Fictional")


def test_overdue_referrals_remind_both_sides_once_and_reach_the_dashboard(cast, own_case, counselling, clock):
    give_consent(cast.caseworker, own_case, counselling)
    referral = refer(cast.caseworker, own_case, counselling, priority="emergency")
    assert referrals.referrals_remind_overdue() == 0
    clock.advance(hours=25)
    assert list(selectors.dashboard_referrals(cast.caseworker)["overdue"]) == [referral]
    assert list(selectors.dashboard_referrals(cast.other_caseworker)["overdue"]) == []
    assert referrals.referrals_remind_overdue() == 1
    assert referrals.referrals_remind_overdue() == 0
    reminded = set(ReferralNotification.objects.filter(reason="overdue").values_list("recipient__username",
                                                                                    flat=True))
    assert reminded == {"caseworker", "provider"}
    # Taken on: no longer overdue.
    referral = referrals.referral_accept(actor=cast.provider, referral=referral)
    referrals.referral_record_progress(actor=cast.provider, referral=referral, note="Seen today.")
    assert list(selectors.dashboard_referrals(cast.caseworker)["overdue"]) == []


def test_reminder_emails_carry_no_personal_data(cast, own_case, counselling, clock, settings, mailoutbox):
    from referrals.services.notifications import notification_deliver

    give_consent(cast.caseworker, own_case, counselling)
    refer(cast.caseworker, own_case, counselling, priority="urgent")
    clock.advance(hours=73)
    referrals.referrals_remind_overdue()
    for notification in ReferralNotification.objects.all():
        assert notification_deliver(notification_id=notification.pk) == "sent"
    assert mailoutbox
    person = own_case.people.get()
    for message in mailoutbox:
        text = message.subject + message.body
        assert person.given_name_ug_latn not in text and person.given_name_ug_arab not in text
        assert own_case.reference not in text and "RF-" not in text and "/referrals/" in message.body


def test_consent_needs_a_note_when_relatives_data_is_shared_despite_fear_of_reprisal(cast, own_case, counselling):
    with pytest.raises(ValidationError) as refused:
        give_consent(cast.caseworker, own_case, counselling, categories=[DataCategory.RELATIVES],
                     fears_reprisal=True)
    assert refused.value.code == "reprisal"
    consent = give_consent(cast.caseworker, own_case, counselling, categories=[DataCategory.RELATIVES],
                           fears_reprisal=True, notes="Discussed with the client; they insist.")
    assert consent.fears_reprisal


def test_referrals_whose_consent_expired_are_ended_and_both_sides_told(cast, own_case, counselling, clock):
    give_consent(cast.caseworker, own_case, counselling, valid_until=datetime.date(2026, 12, 31))
    referral = refer(cast.caseworker, own_case, counselling)
    referral = referrals.referral_accept(actor=cast.provider, referral=referral)
    assert referrals.referrals_end_with_expired_consent() == 0
    clock.advance(days=34)
    assert referrals.referrals_end_with_expired_consent() == 1
    assert referrals.referrals_end_with_expired_consent() == 0
    referral.refresh_from_db()
    assert referral.state == ReferralState.WITHDRAWN and referral.events.filter(kind="consent_expired").exists()
    told = set(ReferralNotification.objects.filter(reason__in=["access_ended", "consent_expired"]).values_list(
        "reason", "recipient__username"))
    assert told == {("access_ended", "provider"), ("consent_expired", "caseworker")}


def test_the_sender_of_an_override_cannot_review_it_even_if_someone_else_drafted_it(
    cast, own_case, counselling, second_supervisor,
):
    draft = refer(cast.caseworker, own_case, counselling, priority="emergency", send=False)
    sent = referrals.referral_send(actor=cast.supervisor, referral=draft, expected_version=draft.version,
                                   override_reason="Flight tonight.")
    assert sent.override_by == cast.supervisor
    assert list(selectors.dashboard_referrals(cast.supervisor)["to_review"]) == []
    with pytest.raises(PermissionDenied):
        referrals.referral_review_override(actor=cast.supervisor, referral=sent, review="justified", note="")
    emailed = set(ReferralNotification.objects.filter(reason="override").values_list("recipient__username",
                                                                                     flat=True))
    assert emailed == {"supervisor2"}


def test_a_withdrawal_also_ends_an_override_sent_to_the_same_recipient_for_the_same_purpose(
    cast, own_case, counselling, logged_in,
):
    override = refer(cast.supervisor, own_case, counselling, priority="urgent", override_reason="Cannot reach.")
    consent = give_consent(cast.caseworker, own_case, counselling)
    consents.consent_withdraw(actor=cast.caseworker, consent=consent, note="Client refuses any sharing.")
    override.refresh_from_db()
    assert override.state == ReferralState.WITHDRAWN
    assert logged_in(cast.provider).get(f"/referrals/{override.public_id}/").status_code == 404


def test_an_override_cannot_release_more_than_a_consent_in_force_allows(cast, own_case, counselling):
    give_consent(cast.caseworker, own_case, counselling, categories=[DataCategory.NAMES])
    with pytest.raises(ValidationError) as refused:
        refer(cast.supervisor, own_case, counselling, priority="emergency", override_reason="Urgent.",
              categories=[DataCategory.NAMES, DataCategory.CONTACT])
    assert refused.value.code == "override_beyond_consent"
    assert not Referral.objects.exists()


def test_an_override_found_not_justified_ends_the_referral_and_the_providers_access(
    cast, own_case, counselling, second_supervisor, logged_in,
):
    referral = refer(cast.supervisor, own_case, counselling, priority="emergency", override_reason="Hurry.")
    reviewed = referrals.referral_review_override(actor=second_supervisor, referral=referral,
                                                  review="not_justified", note="Consent could have been asked.")
    assert reviewed.state == ReferralState.WITHDRAWN
    assert logged_in(cast.provider).get(f"/referrals/{referral.public_id}/").status_code == 404
    assert ReferralNotification.objects.filter(recipient=cast.provider, reason="access_ended").exists()


def test_a_consent_holds_through_its_last_day(cast, own_case, counselling, clock, logged_in):
    give_consent(cast.caseworker, own_case, counselling, valid_until=datetime.date(2026, 11, 30))
    referral = refer(cast.caseworker, own_case, counselling, priority="emergency")
    provider = logged_in(cast.provider)
    clock.advance(days=2)  # 30 November, the last day
    assert provider.get(f"/referrals/{referral.public_id}/").status_code == 200
    assert list(selectors.dashboard_referrals(cast.caseworker)["overdue"]) == [referral]
    clock.advance(days=1)
    assert provider.get(f"/referrals/{referral.public_id}/").status_code == 404
    # Lapsed: no longer overdue, and no reminder about a referral nobody may open.
    assert list(selectors.dashboard_referrals(cast.caseworker)["overdue"]) == []
    assert referrals.referrals_remind_overdue() == 0


def test_completed_referrals_are_closed_not_withdrawn_when_consent_ends(cast, own_case, counselling):
    consent = give_consent(cast.caseworker, own_case, counselling)
    referral = refer(cast.caseworker, own_case, counselling)
    referral = referrals.referral_accept(actor=cast.provider, referral=referral)
    referral = referrals.referral_complete(actor=cast.provider, referral=referral, outcome="did_not_attend")
    consents.consent_withdraw(actor=cast.caseworker, consent=consent)
    referral.refresh_from_db()
    assert referral.state == ReferralState.CLOSED
