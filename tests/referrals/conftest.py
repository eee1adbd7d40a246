"""Directory entries, consents and referrals for the referral tests (fictional people only)."""

import datetime

import pytest

from referrals.choices import Capacity, ContactChannel, DataCategory, UyghurExperience
from referrals.models import ProviderArea, ProviderLanguage, ProviderService, ServiceProvider
from referrals.services import consents, referrals


def make_provider(organisation, name, *, services, countries, languages, capacity=Capacity.ACCEPTING,
                  experience=UyghurExperience.EXTENSIVE):
    provider = ServiceProvider.objects.create(
        organisation=organisation, name=name, uyghur_experience=experience, capacity=capacity,
        contact_channel=ContactChannel.PLATFORM,
    )
    for service in services:
        ProviderService.objects.create(provider=provider, service_type=service)
    for country in countries:
        country, _sep, city = country.partition(":")
        ProviderArea.objects.create(provider=provider, country=country, city=city)
    for language in languages:
        ProviderLanguage.objects.create(provider=provider, language=language)
    return provider


@pytest.fixture
def counselling(cast):
    """A Uyghur-speaking psychosocial provider in Kazakhstan (the cast's service-provider organisation)."""
    return make_provider(cast.provider_org, "Calm Rooms counselling", services=["mhpss_focused", "mhpss_specialised"],
                         countries=["KZ:Almaty"], languages=["ug", "ru", "kk"])


@pytest.fixture
def legal_aid(cast):
    """The cast's legal clinic offering asylum representation in Kazakhstan and Turkey."""
    return make_provider(cast.clinic, "Harbour asylum desk", services=["legal_aid", "asylum_representation"],
                         countries=["KZ", "TR"], languages=["tr", "ru", "en"])


ALL_BUT_CONTACT = [c for c in DataCategory.values if c != DataCategory.CONTACT]


def give_consent(actor, case, provider, *, purpose="psychosocial", categories=(DataCategory.NAMES,
                 DataCategory.LANGUAGES), **extra):
    return consents.consent_record(
        actor=actor, case=case, person=case.people.get(relationship="principal"), recipient=provider.organisation,
        purpose=purpose, data_categories=list(categories), obtained_on=datetime.date(2026, 11, 20),
        method="written", language="ug", interpreter="", **extra,
    )


def refer(actor, case, provider, *, services=("mhpss_focused",), categories=(DataCategory.NAMES,
          DataCategory.LANGUAGES), priority="normal", send=True, override_reason="", purpose=None):
    from referrals.choices import SERVICE_PURPOSE

    return referrals.referral_create(
        actor=actor, case=case, person=case.people.get(relationship="principal"), provider=provider,
        purpose=purpose or SERVICE_PURPOSE[services[0]], priority=priority, services_requested=list(services),
        reasons="Fictional: sleep problems since the detention of a relative.", data_categories=list(categories),
        services_provided="Fictional: two listening sessions.", send=send, override_reason=override_reason,
    )
