"""Viewer-aware reads of referrals, consents and the provider directory.

Referring side: everything starts from `cases.selectors.visible_cases`. Provider side:
`provider_referrals` is the one definition of what a provider may open. Anything outside
either is reported as not found (404).
"""

from django.db.models import Case as CaseWhen
from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404

from cases import audit, clock
from cases.choices import HouseholdRelationship
from cases.models import Person
from cases.selectors import visible_cases
from referrals import permissions
from referrals.choices import PROVIDER_ACCESS_STATES, Capacity, ReferralState
from referrals.models import (
    Consent,
    ProviderArea,
    ProviderLanguage,
    ProviderService,
    Referral,
    ServiceProvider,
)

_LIST_COLUMNS = (
    "public_id", "reference", "purpose", "priority", "state", "sent_at", "due_at", "created_at", "ended_at",
    "override_review", "consent_id", "provider__name", "provider__organisation_id",
    "case__reference", "case__public_id", "case__organisation_id",
)


# The provider side's rows: nothing of the case file, not even its reference.
_PROVIDER_LIST_COLUMNS = (
    "public_id", "reference", "purpose", "priority", "state", "sent_at", "due_at", "provider__name",
)


# --- Directory -----------------------------------------------------------------------------------

def provider_directory(user, *, service="", country="", city="", language="", accepting_only=False):
    """Listed providers matching the search, with what each row shows in a fixed number of queries."""
    if not permissions.can_view_directory(user):
        return ServiceProvider.objects.none()
    providers = ServiceProvider.objects.filter(is_active=True).select_related("organisation")
    if service:
        providers = providers.filter(Exists(ProviderService.objects.filter(
            provider=OuterRef("pk"), service_type=service)))
    if country:
        areas = ProviderArea.objects.filter(provider=OuterRef("pk"), country=country)
        if city:
            # A provider serving the whole country serves every city in it.
            areas = areas.filter(Q(city="") | Q(city__iexact=city))
        providers = providers.filter(Exists(areas))
    if language:
        providers = providers.filter(Exists(ProviderLanguage.objects.filter(
            provider=OuterRef("pk"), language=language)))
    if accepting_only:
        providers = providers.filter(capacity="accepting")
    # Accepting first, then waiting lists, then full.
    capacity_rank = CaseWhen(*[When(capacity=code, then=Value(rank)) for rank, code in enumerate(Capacity.values)],
                             default=Value(len(Capacity.values)), output_field=IntegerField())
    return providers.annotate(capacity_rank=capacity_rank).order_by("capacity_rank", "name", "pk").prefetch_related(
        "services", "areas", "languages",
    )


def directory_entry(user, provider_id) -> ServiceProvider:
    provider = provider_directory(user).filter(pk=provider_id).first()
    if provider is None:
        raise Http404
    return provider


def providers_for_case(case) -> QuerySet[ServiceProvider]:
    """Listed providers serving the case's host country: the choices of a referral form."""
    return ServiceProvider.objects.filter(
        is_active=True, areas__country=case.host_country,
    ).select_related("organisation").distinct().order_by("name", "pk")


# --- Referring side ------------------------------------------------------------------------------

def case_consents(case) -> QuerySet[Consent]:
    return Consent.objects.filter(case=case).select_related(
        "recipient", "person", "obtained_by", "withdrawn_recorded_by", "signed_form",
    ).defer("notes", "withdrawal_note").order_by("withdrawn_at", "-obtained_on", "-pk")


def case_referrals(case) -> QuerySet[Referral]:
    # The section lists references and states: the encrypted narrative and released data stay undecrypted.
    return Referral.objects.filter(case=case).select_related("provider", "consent").defer(
        "reasons", "services_provided", "shared_data", "summary",
    ).order_by("-created_at", "-pk")


def case_attachments(case):
    """The case's attachments a signed consent form can be chosen from."""
    return case.attachments.order_by("-pk")


def case_people(case) -> QuerySet[Person]:
    return case.people.order_by("pk")


def covering_consent(*, case, person, recipient, purpose, categories, on=None):
    """The active consent that covers releasing `categories` of `person` to `recipient` for `purpose`."""
    on = on or clock.today()
    wanted = set(categories)
    candidates = Consent.objects.in_force(on).filter(
        case=case, person=person, recipient=recipient, purpose=purpose,
    ).order_by("-obtained_on", "-pk")
    for consent in candidates:
        if wanted <= set(consent.data_categories):
            return consent
    return None


def referrals_seen_by(user) -> QuerySet[Referral]:
    """Referrals of the cases `user` may see (the referring side's list)."""
    return Referral.objects.filter(case__in=visible_cases(user))


def visible_referral(user, public_id, *, audit_read=False) -> Referral:
    """One referral the user may open, from either side, or 404. Reads of released data are audited."""
    referral = (
        Referral.objects.select_related("case", "case__organisation", "provider", "provider__organisation",
                                        "consent", "person", "referred_by")
        .filter(public_id=public_id).first()
    )
    if referral is None or not (
        permissions.is_referrer_side(user, referral) or permissions.provider_may_open(user, referral)
    ):
        raise Http404
    if audit_read:
        audit.record_read(referral)
    return referral


def referral_events(referral):
    return referral.events.select_related("actor").order_by("at", "pk")


def case_consent(user, consent_id) -> Consent:
    consent = Consent.objects.select_related("case", "recipient", "person").filter(pk=consent_id).first()
    if consent is None or not permissions.can_view_case_referrals(user, consent.case):
        raise Http404
    return consent


def dashboard_referrals(user) -> dict:
    """What a caseworker or supervisor should act on: overdue, answered, and overrides to review."""
    now = clock.now()
    mine = Q(referred_by=user) | Q(case__assignments__user=user)
    seen = referrals_seen_by(user).only(*_LIST_COLUMNS).select_related("provider", "case")
    overdue = seen.overdue(now).filter(mine).distinct().order_by("due_at", "pk")
    answered = seen.filter(mine, state__in=[ReferralState.DECLINED, ReferralState.COMPLETED]).distinct().order_by(
        "-answered_at", "-pk",
    )
    to_review = Referral.objects.none()
    reviewed_organisation = permissions.reviews_overrides_of(user)
    if reviewed_organisation:
        to_review = seen.filter(
            case__organisation_id=reviewed_organisation, override_review="",
        ).exclude(override_reason="").exclude(override_by=user).exclude(state=ReferralState.DRAFT).order_by(
            "sent_at", "pk",
        )
    return {"overdue": overdue[:50], "answered": answered[:50], "to_review": to_review[:50], "now": now}


# --- Provider side -------------------------------------------------------------------------------

def provider_referrals(user) -> QuerySet[Referral]:
    """Referrals the provider side may open: sent to the user's organisation, live, consent holding.

    The same rule as `permissions.provider_may_open`, as one query.
    """
    organisation = permissions.answers_for(user)
    if organisation is None:
        return Referral.objects.none()
    return Referral.objects.filter(
        provider__organisation=organisation, state__in=PROVIDER_ACCESS_STATES,
    ).with_legal_basis(clock.today())


def provider_inbox(user) -> dict:
    """The provider's inbox: new, active, and a bare list of ended referrals (no client data)."""
    organisation = permissions.answers_for(user)
    if organisation is None:
        return {"new": [], "active": [], "ended": []}
    live = provider_referrals(user).only(*_PROVIDER_LIST_COLUMNS).select_related("provider")
    ended = (
        Referral.objects.filter(provider__organisation=organisation)
        .exclude(pk__in=provider_referrals(user).values("pk"))
        .filter(sent_at__isnull=False)  # a draft withdrawn before sending never reached them
        .only("public_id", "reference", "purpose", "state", "sent_at", "ended_at", "provider__name")
        .select_related("provider").order_by("-sent_at", "-pk")
    )
    return {
        "new": live.filter(state=ReferralState.SENT).order_by("due_at", "pk"),
        "active": live.exclude(state=ReferralState.SENT).order_by("due_at", "pk"),
        "ended": ended[:100],
        "now": clock.now(),
    }


def principal_of(case):
    return case.people.filter(relationship=HouseholdRelationship.PRINCIPAL).first()

