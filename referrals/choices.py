"""Fixed vocabularies of referrals. Labels are translatable; stored values never change."""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ServiceType(models.TextChoices):
    # MHPSS by layer of the IASC intervention pyramid (domain.md §4.1).
    MHPSS_BASIC = "mhpss_basic", _("Psychosocial support, layer 1: basic services and security")
    MHPSS_COMMUNITY = "mhpss_community", _("Psychosocial support, layer 2: community and family support")
    MHPSS_FOCUSED = "mhpss_focused", _("Psychosocial support, layer 3: focused, non-specialised support")
    MHPSS_SPECIALISED = "mhpss_specialised", _("Psychosocial support, layer 4: specialised mental health care")
    LEGAL_AID = "legal_aid", _("Legal aid")
    ASYLUM_REPRESENTATION = "asylum_representation", _("Asylum representation")
    DETENTION_RESPONSE = "detention_response", _("Detention response")
    MEDICAL = "medical", _("Medical care")
    SHELTER = "shelter", _("Shelter")
    FAMILY_TRACING = "family_tracing", _("Family tracing")
    RESETTLEMENT_SUPPORT = "resettlement_support", _("Resettlement support")


MHPSS_SERVICES = {
    ServiceType.MHPSS_BASIC, ServiceType.MHPSS_COMMUNITY, ServiceType.MHPSS_FOCUSED, ServiceType.MHPSS_SPECIALISED,
}
LEGAL_SERVICES = {ServiceType.LEGAL_AID, ServiceType.ASYLUM_REPRESENTATION, ServiceType.DETENTION_RESPONSE}


class UyghurExperience(models.TextChoices):
    NONE = "none", _("No experience with Uyghur clients yet")
    SOME = "some", _("Some experience with Uyghur clients")
    EXTENSIVE = "extensive", _("Extensive experience with Uyghur clients")


class Capacity(models.TextChoices):
    ACCEPTING = "accepting", _("Accepting referrals")
    WAITLIST = "waitlist", _("Waiting list")
    FULL = "full", _("Full: not accepting referrals")


class ContactChannel(models.TextChoices):
    PLATFORM = "platform", _("Through Panah only")
    SECURE_EMAIL = "secure_email", _("Encrypted email")
    SIGNAL = "signal", _("Signal")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")


class Purpose(models.TextChoices):
    """What shared data may be used for. Data shared for one purpose is not reused for another."""

    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")
    LEGAL = "legal", _("Legal assistance")
    MEDICAL = "medical", _("Medical care")
    SHELTER = "shelter", _("Shelter")
    FAMILY_TRACING = "family_tracing", _("Family tracing")
    RESETTLEMENT = "resettlement", _("Resettlement support")


# Which purpose a requested service serves: a referral needs consent for each purpose it asks for.
SERVICE_PURPOSE = {
    **{service: Purpose.PSYCHOSOCIAL for service in MHPSS_SERVICES},
    **{service: Purpose.LEGAL for service in LEGAL_SERVICES},
    ServiceType.MEDICAL: Purpose.MEDICAL,
    ServiceType.SHELTER: Purpose.SHELTER,
    ServiceType.FAMILY_TRACING: Purpose.FAMILY_TRACING,
    ServiceType.RESETTLEMENT_SUPPORT: Purpose.RESETTLEMENT,
}


class DataCategory(models.TextChoices):
    """What a consent may release. Each is a closed list of fields (see `referrals.snapshot`)."""

    NAMES = "names", _("Names, in every script recorded")
    BIRTH = "birth", _("Date and place of birth")
    SEX = "sex", _("Sex")
    LANGUAGES = "languages", _("Languages spoken")
    CONTACT = "contact", _("Phone numbers and safe contact method")
    LOCATION = "location", _("City of residence")
    UNHCR = "unhcr", _("UNHCR registration")
    DOCUMENTS = "documents", _("Identity documents")
    LEGAL_STATUS = "legal_status", _("Residence and legal status in the host country")
    LEGAL_SITUATION = "legal_situation", _("Custody, removal orders, extradition and red notices")
    HOUSEHOLD = "household", _("Household members")
    RELATIVES = "relatives", _("Relatives in China")
    HISTORY = "history", _("History of persecution and flight")
    RISK = "risk", _("Refoulement risk level and its reasons")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("Signed form")
    ORAL = "oral", _("Oral, read aloud and recorded by the caseworker")


class ReferralPriority(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency: within 24 hours")
    URGENT = "urgent", _("Urgent: within 72 hours")
    NORMAL = "normal", _("Normal: within two weeks")


# How long the receiving provider has to take the client on (IASC referral form priorities).
PRIORITY_DEADLINE = {
    ReferralPriority.EMERGENCY: datetime.timedelta(hours=24),
    ReferralPriority.URGENT: datetime.timedelta(hours=72),
    ReferralPriority.NORMAL: datetime.timedelta(days=14),
}


class ReferralState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("referral state", "Draft")
    SENT = "sent", pgettext_lazy("referral state", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("referral state", "Accepted")
    DECLINED = "declined", pgettext_lazy("referral state", "Declined")
    IN_PROGRESS = "in_progress", pgettext_lazy("referral state", "In progress")
    COMPLETED = "completed", pgettext_lazy("referral state", "Completed")
    CLOSED = "closed", pgettext_lazy("referral state", "Closed")
    WITHDRAWN = "withdrawn", pgettext_lazy("referral state", "Withdrawn")


class Side(models.TextChoices):
    REFERRER = "referrer", _("Referring organisation")
    PROVIDER = "provider", _("Receiving provider")


# The state machine: from state -> {to state: the side that may take the step}.
REFERRAL_TRANSITIONS = {
    ReferralState.DRAFT: {ReferralState.SENT: Side.REFERRER, ReferralState.WITHDRAWN: Side.REFERRER},
    ReferralState.SENT: {
        ReferralState.ACCEPTED: Side.PROVIDER, ReferralState.DECLINED: Side.PROVIDER,
        ReferralState.WITHDRAWN: Side.REFERRER,
    },
    ReferralState.ACCEPTED: {
        # Straight to an outcome too: "did not attend" or "unreachable" needs no progress first.
        ReferralState.IN_PROGRESS: Side.PROVIDER, ReferralState.COMPLETED: Side.PROVIDER,
        ReferralState.CLOSED: Side.REFERRER,
        ReferralState.WITHDRAWN: Side.REFERRER,
    },
    ReferralState.IN_PROGRESS: {
        ReferralState.COMPLETED: Side.PROVIDER, ReferralState.CLOSED: Side.REFERRER,
        ReferralState.WITHDRAWN: Side.REFERRER,
    },
    ReferralState.COMPLETED: {ReferralState.CLOSED: Side.REFERRER},
    ReferralState.DECLINED: {ReferralState.CLOSED: Side.REFERRER},
    ReferralState.CLOSED: {},
    ReferralState.WITHDRAWN: {},
}
# While in these states the provider may read the shared data (and consent must still hold).
PROVIDER_ACCESS_STATES = {
    ReferralState.SENT, ReferralState.ACCEPTED, ReferralState.IN_PROGRESS, ReferralState.COMPLETED,
}
# Waiting for the provider to take the client on: the priority deadline runs.
AWAITING_PROVIDER_STATES = {ReferralState.SENT, ReferralState.ACCEPTED}
# Sending without consent is for what cannot wait for it.
OVERRIDE_PRIORITIES = {ReferralPriority.EMERGENCY, ReferralPriority.URGENT}
ENDED_STATES = {ReferralState.DECLINED, ReferralState.CLOSED, ReferralState.WITHDRAWN}


class ReferralOutcome(models.TextChoices):
    SERVICES_PROVIDED = "services_provided", _("Services provided as requested")
    PARTLY_PROVIDED = "partly_provided", _("Services partly provided")
    REFERRED_ON = "referred_on", _("Referred on to another service")
    CLIENT_DID_NOT_ATTEND = "did_not_attend", _("Client did not attend")
    CLIENT_STOPPED = "client_stopped", _("Client chose to stop")
    CLIENT_UNREACHABLE = "unreachable", _("Client could not be reached")


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("No capacity")
    OUT_OF_SCOPE = "out_of_scope", _("Outside our services")
    OUT_OF_AREA = "out_of_area", _("Outside our area")
    LANGUAGE = "language", _("No staff speaking the client's language")
    CONFLICT = "conflict", _("Conflict of interest")
    OTHER = "other", _("Other reason")


class ReferralEventKind(models.TextChoices):
    CREATED = "created", _("Draft created")
    EDITED = "edited", _("Draft edited")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    FULL_DATA_RELEASED = "full_data_released", _("Consented data released to the provider")
    DECLINED = "declined", _("Declined")
    PROGRESS = "progress", _("Progress recorded")
    COMPLETED = "completed", _("Outcome recorded")
    FOLLOW_UP = "follow_up", _("Follow-up by the referrer")
    CLOSED = "closed", pgettext_lazy("referral event", "Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn by the referrer")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn: access ended")
    CONSENT_EXPIRED = "consent_expired", _("Consent expired: access ended")
    REMINDER = "reminder", _("Overdue: reminder sent")
    OVERRIDE_REVIEWED = "override_reviewed", _("Emergency override reviewed")


class OverrideReview(models.TextChoices):
    JUSTIFIED = "justified", _("Justified: vital interest")
    NOT_JUSTIFIED = "not_justified", _("Not justified: end the referral and the provider's access")


class NotificationReason(models.TextChoices):
    RECEIVED = "received", _("New referral")
    ANSWERED = "answered", _("Referral answered")
    OUTCOME = "outcome", _("Outcome recorded")
    OVERDUE = "overdue", _("Referral overdue")
    ACCESS_ENDED = "access_ended", _("Access ended")
    OVERRIDE = "override", _("Emergency override to review")
    CONSENT_EXPIRED = "consent_expired", _("Consent expired")
