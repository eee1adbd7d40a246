"""The only place that answers "may this user ...?" for referrals, consents and the directory.

Two sides meet on a referral. The referring side is whoever may see the case file (the case's
access policy in `cases.permissions` decides). The provider side is the staff of the
organisation the referral was sent to, who never see the case file: only the referral, and
in it only the consented data, while the consent holds and the referral is live.
"""

from cases import clock
from cases import permissions as case_permissions
from cases.choices import OrganisationKind, Role
from referrals.choices import PROVIDER_ACCESS_STATES, REFERRAL_TRANSITIONS, ReferralState, Side

# Staff of a receiving organisation who answer its referrals.
ANSWERING_ROLES = {Role.SERVICE_PROVIDER, Role.LAWYER}
# Organisations that can be listed in the directory and receive referrals.
PROVIDER_ORGANISATION_KINDS = {OrganisationKind.SERVICE_PROVIDER, OrganisationKind.LEGAL_CLINIC}


def _is_active(user):
    return bool(user and user.is_authenticated and user.is_active)


# --- Referring side ------------------------------------------------------------------------------

def can_view_case_referrals(user, case):
    """See a case's consents and referrals, with everything they released: whoever sees the case."""
    return case_permissions.can_view_case(user, case)


def can_record_consent(user, case):
    return case_permissions.can_edit_case(user, case) and user.has_perm("referrals.add_consent")


def can_withdraw_consents(user, case):
    """Anyone who may work on the case: withdrawing must never wait for a particular person."""
    return case_permissions.can_edit_case(user, case)


def can_withdraw_consent(user, consent):
    return can_withdraw_consents(user, consent.case)


def can_refer_case(user, case):
    return case_permissions.can_edit_case(user, case) and user.has_perm("referrals.add_referral")


def can_send_without_consent(user, case):
    """The emergency override (vital interest) is a permission of its own, on top of referring."""
    return can_refer_case(user, case) and user.has_perm("referrals.send_without_consent")


def can_review_override(user, referral):
    """A supervisor of the owning organisation reviews every referral sent without consent."""
    return (
        _is_active(user)
        and user.has_perm("referrals.review_override")
        and referral.override_by_id != user.pk  # nobody reviews their own override
        and user.organisation_id == referral.case.organisation_id
        and case_permissions.can_view_case(user, referral.case)
    )


def override_reviewers(referral):
    """Who reviews `referral`'s emergency override: the owning organisation's holders of the
    review permission, never the person who sent it."""
    from cases.models import User

    return User.objects.filter(
        organisation_id=referral.case.organisation_id, is_active=True,
        groups__permissions__codename="review_override", groups__permissions__content_type__app_label="referrals",
    ).exclude(pk=referral.override_by_id).distinct()


def reviews_overrides_of(user):
    """The organisation whose emergency overrides `user` reviews, or None."""
    if _is_active(user) and user.has_perm("referrals.review_override") and user.organisation_id:
        return user.organisation_id
    return None


def is_referrer_side(user, referral):
    return case_permissions.can_view_case(user, referral.case)


def can_act_as_referrer(user, referral):
    return can_refer_case(user, referral.case)


# --- Provider side -------------------------------------------------------------------------------

def answers_for(user):
    """The organisation whose referrals `user` answers, or None."""
    if (
        _is_active(user)
        and user.role in ANSWERING_ROLES
        and user.organisation is not None
        and user.organisation.kind in PROVIDER_ORGANISATION_KINDS
        and user.has_perm("referrals.answer_referral")
    ):
        return user.organisation
    return None


def consent_holds(referral):
    """The legal basis still stands: the consent is not withdrawn, or it was an emergency override."""
    if referral.consent_id is None:
        return referral.is_override
    return referral.consent.in_force(clock.today())


def provider_may_open(user, referral):
    """The provider side's view of one referral: sent to the user's organisation, live, consent holding.

    `selectors.provider_referrals` is the same rule as one query.
    """
    organisation = answers_for(user)
    return (
        organisation is not None
        and referral.provider.organisation_id == organisation.pk
        and referral.state in PROVIDER_ACCESS_STATES
        and consent_holds(referral)
    )


def provider_sees_full_data(referral):
    """A legal referral shows a de-identified summary until the provider accepts (domain.md §4.3)."""
    if not referral.summary:
        return True
    return referral.state != ReferralState.SENT


def can_update_provider(user, provider):
    """Capacity and contact details of a directory entry: its own organisation's answering staff."""
    organisation = answers_for(user)
    return organisation is not None and provider.organisation_id == organisation.pk


def can_view_directory(user):
    return _is_active(user) and user.organisation_id is not None


def can_view_referral_inbox(user):
    return answers_for(user) is not None


# --- Steps ---------------------------------------------------------------------------------------

def side_of(user, referral):
    """Which side `user` may act for on `referral`, or None (referrer first: one can be both)."""
    if can_act_as_referrer(user, referral):
        return Side.REFERRER
    if provider_may_open(user, referral):
        return Side.PROVIDER
    return None


def can_move_referral(user, referral, to_state):
    allowed_side = REFERRAL_TRANSITIONS[referral.state].get(to_state)
    if allowed_side is None:
        return False
    if allowed_side == Side.REFERRER:
        return can_act_as_referrer(user, referral)
    return provider_may_open(user, referral)


def can_record_progress(user, referral):
    return provider_may_open(user, referral) and referral.state in (ReferralState.ACCEPTED, ReferralState.IN_PROGRESS)


def can_follow_up(user, referral):
    return can_act_as_referrer(user, referral) and referral.state not in (
        ReferralState.DRAFT, ReferralState.CLOSED, ReferralState.WITHDRAWN,
    )


def works_only_on_referrals(user):
    """Service-provider staff never see case files: their landing page and menu are the referral inbox."""
    return answers_for(user) is not None and user.role == Role.SERVICE_PROVIDER


# What each role may do at all with referrals (added to the role groups by ReferralsConfig.ready).
ROLE_PERMISSIONS = {
    # The emergency override is a supervisor's call by default; another supervisor reviews it.
    Role.CASEWORKER: ["referrals.add_referral", "referrals.add_consent"],
    Role.SUPERVISOR: [
        "referrals.add_referral", "referrals.add_consent", "referrals.send_without_consent",
        "referrals.review_override",
    ],
    Role.SERVICE_PROVIDER: ["referrals.answer_referral"],
    Role.LAWYER: ["referrals.answer_referral"],
}
