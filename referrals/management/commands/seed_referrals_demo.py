"""Add the fictional provider directory and a few referrals to the demo world (idempotent).

Runs after `seed_demo`: the demo's organisations and cases must exist.
"""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction

from cases.choices import HouseholdRelationship
from cases.models import Case, Organisation, User
from referrals.choices import Capacity, ContactChannel, DataCategory, UyghurExperience
from referrals.models import ProviderArea, ProviderLanguage, ProviderService, Referral, ServiceProvider
from referrals.services import consents, referrals

# (organisation, service name, services, areas "CC" or "CC:City", languages, experience, capacity)
DIRECTORY = [
    ("Safe Harbour Counselling", "Safe Harbour: counselling in Uyghur (Almaty)",
     ["mhpss_community", "mhpss_focused", "mhpss_specialised"], ["KZ:Almaty", "KG"], ["ug", "ru", "kk"],
     UyghurExperience.EXTENSIVE, Capacity.ACCEPTING),
    ("Safe Harbour Counselling", "Safe Harbour: family tracing desk",
     ["family_tracing"], ["KZ", "KG", "TR"], ["ug", "ru", "tr"], UyghurExperience.SOME, Capacity.WAITLIST),
    ("Safe Harbour Counselling", "Safe Harbour: Istanbul shelter",
     ["shelter", "mhpss_basic"], ["TR:Istanbul"], ["tr", "ug"], UyghurExperience.SOME, Capacity.FULL),
    ("Golden Horn Legal Clinic", "Golden Horn: asylum and detention team",
     ["legal_aid", "asylum_representation", "detention_response"], ["TR", "KZ", "KG"], ["tr", "en", "ru", "ug"],
     UyghurExperience.EXTENSIVE, Capacity.ACCEPTING),
]


class Command(BaseCommand):
    help = "Create the fictional provider directory and demo referrals. Safe to run repeatedly."

    @transaction.atomic
    def handle(self, *args, **options):
        for org_name, name, services, areas, languages, experience, capacity in DIRECTORY:
            organisation = Organisation.objects.get(name=org_name)
            provider, created = ServiceProvider.objects.get_or_create(
                organisation=organisation, name=name,
                defaults={"uyghur_experience": experience, "capacity": capacity,
                          "contact_channel": ContactChannel.PLATFORM},
            )
            if created:
                ProviderService.objects.bulk_create(
                    [ProviderService(provider=provider, service_type=s) for s in services])
                ProviderArea.objects.bulk_create([
                    ProviderArea(provider=provider, country=a.partition(":")[0], city=a.partition(":")[2])
                    for a in areas])
                ProviderLanguage.objects.bulk_create(
                    [ProviderLanguage(provider=provider, language=code) for code in languages])
        if Referral.objects.exists():
            self.stdout.write("Demo referrals already present.")
            return
        caseworker = User.objects.get(username="caseworker")
        counselling = ServiceProvider.objects.get(name=DIRECTORY[0][1])
        legal = ServiceProvider.objects.get(name=DIRECTORY[3][1])
        demo_cases = list(
            Case.objects.filter(organisation=caseworker.organisation, host_country="KZ", assignments__user=caseworker)
            .order_by("pk")[:2]
        )
        for case, provider, purpose, services, categories, priority in [
            (demo_cases[0], counselling, "psychosocial", ["mhpss_focused"],
             [DataCategory.NAMES, DataCategory.LANGUAGES, DataCategory.CONTACT], "urgent"),
            (demo_cases[-1], legal, "legal", ["asylum_representation"],
             [DataCategory.NAMES, DataCategory.LEGAL_SITUATION, DataCategory.DOCUMENTS, DataCategory.LANGUAGES],
             "emergency"),
        ]:
            person = case.people.get(relationship=HouseholdRelationship.PRINCIPAL)
            consents.consent_record(
                actor=caseworker, case=case, person=person, recipient=provider.organisation, purpose=purpose,
                data_categories=categories, obtained_on=datetime.date.today(), method="written", language="ug",
                interpreter="Demo interpreter (fictional)",
            )
            referrals.referral_create(
                actor=caseworker, case=case, person=person, provider=provider, purpose=purpose, priority=priority,
                services_requested=services, data_categories=categories, send=True,
                reasons="Fictional demo referral: the client asked for support after a relative disappeared.",
            )
        self.stdout.write(self.style.SUCCESS(f"{ServiceProvider.objects.count()} providers, "
                                             f"{Referral.objects.count()} referrals in the demo world."))
