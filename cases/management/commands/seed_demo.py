"""Build the fictional demo world (idempotent), or a large one for benchmarks with --cases N."""

import datetime
import random

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from cases import names
from cases.accounts import has_second_factor
from cases.choices import (
    DatePrecision,
    DocumentType,
    HouseholdRelationship,
    IncidentCategory,
    IncidentSource,
    PermitType,
    RelativeRelationship,
    RelativeStatus,
    Sex,
    UnhcrStatus,
)
from cases.management.demo_world import (
    CITIES,
    DEMO_PASSWORD,
    FEMALE_NAMES,
    MALE_NAMES,
    ORGANISATIONS,
    RISK_SCENARIOS,
    USERS,
    name_fields,
)
from cases.models import (
    Case,
    CaseAssignment,
    CaseReferenceSequence,
    CaseUserObjectPermission,
    IdentityDocument,
    Incident,
    LegalStatus,
    Organisation,
    Person,
    Relative,
    User,
)
from cases.models.people import NAME_FIELDS
from cases.services import access, cases, identities, people, records
from cases.services.people import person_fields_for_save

SMALL_WORLD_CASES = 24
# This case of the small world is the first case's principal again, as their passport spells them.
DUPLICATE_OF_FIRST_CASE = 9
# This one (registered in Istanbul) is the second case's principal (in Kazakhstan), moved on and
# written in Latin letters only: a possible duplicate in another caseload for Tengri's supervisor.
DUPLICATE_IN_ANOTHER_CASELOAD = 11
# none, asylum seeker, registered, recognised, rejected, withdrawn: a plausible caseload mix.
UNHCR_STATUS_WEIGHTS = [20, 30, 40, 5, 4, 1]
TODAY = datetime.date(2026, 11, 1)  # fixed, so the demo world is the same on every machine


class Command(BaseCommand):
    help = "Create the fictional demo organisations, users and cases. Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument(
            "--cases", type=int, default=SMALL_WORLD_CASES,
            help="Total number of cases wanted (large numbers use bulk inserts, for benchmarks).",
        )
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options):
        rng = random.Random(options["seed"])
        users = self.ensure_organisations_and_users()
        existing = Case.objects.count()
        wanted = options["cases"]
        if existing >= wanted:
            self.stdout.write(f"{existing} cases already present; nothing to add.")
            return
        if existing < SMALL_WORLD_CASES:
            self.create_cases_through_services(rng, users, min(wanted, SMALL_WORLD_CASES) - existing)
        remaining = wanted - Case.objects.count()
        if remaining > 0:
            self.bulk_create_cases(rng, remaining)
        self.stdout.write(self.style.SUCCESS(f"{Case.objects.count()} cases in the demo world."))

    @transaction.atomic
    def ensure_organisations_and_users(self):
        organisations = {}
        for name, kind, countries in ORGANISATIONS:
            organisation = Organisation.objects.filter(name=name).first()
            organisations[name] = organisation or access.organisation_create(
                name=name, kind=kind, countries=countries,
            )
        users = {}
        for username, first, last, organisation_name, role in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username, password=DEMO_PASSWORD, first_name=first, last_name=last,
                    email=f"{username}@demo.invalid",
                )
                access.user_set_membership(
                    actor=None, user=user, organisation=organisations[organisation_name], role=role,
                )
            if not has_second_factor(user):
                # Every account needs a second factor; `manage.py demo_code <username>` shows
                # the code an authenticator app with this key would show now.
                TOTP.activate(user, generate_totp_secret())
            users[username] = user
        return users

    def create_cases_through_services(self, rng, users, count):
        """The small world goes through the real services, so it is audited like real work."""
        caseworkers = [users["caseworker"], users["caseworker2"], users["istanbul"]]
        first_principal = second_principal = None
        for index in range(count):
            actor = caseworkers[index % len(caseworkers)]
            country = "TR" if actor.username == "istanbul" else rng.choice(["KZ", "KZ", "KG"])
            opened_on = TODAY - datetime.timedelta(days=rng.randint(10, 900))
            principal = self.random_person(rng, adult=True)
            if index == 0:
                first_principal = principal
            elif index == 1:
                second_principal = principal
            elif index == DUPLICATE_OF_FIRST_CASE and first_principal:
                principal = self.as_on_a_prc_passport(first_principal)
            elif index == DUPLICATE_IN_ANOTHER_CASELOAD and second_principal:
                principal = {**second_principal, **{f: "" for f in NAME_FIELDS if not f.endswith("_ug_latn")}}
            with transaction.atomic():
                case = cases.case_open(
                    actor=actor, host_country=country, host_city=rng.choice(CITIES[country]),
                    opened_on=opened_on, principal=principal,
                    principal_phone=self.random_phone(rng, country),
                    unhcr_status=rng.choice([UnhcrStatus.NONE, UnhcrStatus.ASYLUM_SEEKER, UnhcrStatus.REGISTERED]),
                )
                if case.unhcr_status == UnhcrStatus.REGISTERED:
                    case = cases.case_update(
                        actor=actor, case=case, expected_version=case.version,
                        changes={"unhcr_number": f"{country}{rng.randint(10**7, 10**8 - 1)}"},
                    )
                principal = case.people.get()
                people.document_add(actor=actor, person=principal, data=self.random_passport(rng))
                for _member in range(rng.randint(0, 3)):
                    people.person_add(
                        actor=actor, case=case,
                        data={**self.random_person(rng, adult=False), "relationship": HouseholdRelationship.CHILD},
                    )
                records.relative_add(actor=actor, case=case, data={
                    "relationship": rng.choice(RelativeRelationship.values),
                    "status": rng.choice(RelativeStatus.values),
                    "status_since": TODAY - datetime.timedelta(days=rng.randint(200, 3000)),
                    "source": "client interview",
                })
                records.incident_add(actor=actor, case=case, data={
                    "category": rng.choice([IncidentCategory.POLICE_VISIT, IncidentCategory.PRC_CONTACT,
                                            IncidentCategory.THREAT, IncidentCategory.FLIGHT]),
                    "occurred_on": opened_on + datetime.timedelta(days=rng.randint(0, 9)),
                    "occurred_on_precision": DatePrecision.EXACT,
                    "place": case.host_city,
                    "description": "Fictional demo event recorded for training.",
                    "source": IncidentSource.CLIENT,
                })
                for category, offset, extra in RISK_SCENARIOS.get(index, []):
                    records.incident_add(actor=actor, case=case, data={
                        "category": category, "occurred_on": TODAY + datetime.timedelta(days=offset),
                        "place": case.host_city, "description": "Fictional demo event recorded for training.",
                        "source": IncidentSource.CLIENT, **extra,
                    })
            if index % 6 == 0 and actor.organisation.name == "Tengri Refugee Aid":
                clinic = Organisation.objects.get(name="Golden Horn Legal Clinic")
                access.case_share(actor=actor, case=case, organisation=clinic, purpose="Asylum representation")

    def random_person(self, rng, *, adult):
        female = rng.random() < 0.5
        given = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        father = rng.choice(MALE_NAMES)
        age = rng.randint(22, 65) if adult else rng.randint(1, 17)
        return {
            **name_fields(given, father),
            "date_of_birth": datetime.date(TODAY.year - age, rng.randint(1, 12), rng.randint(1, 28)),
            "date_of_birth_precision": rng.choice([DatePrecision.EXACT, DatePrecision.EXACT, DatePrecision.YEAR]),
            "sex": Sex.FEMALE if female else Sex.MALE,
            "languages": ["ug", "ru"] if adult else ["ug"],
        }

    def bulk_random_person(self, rng):
        """A principal for the big world, written the way real records are (see BULK_RECORD_STYLES).

        Drawn from a larger pool than the small world (BULK_MALE_NAMES, BULK_FEMALE_NAMES), with a
        grandfather's name for some people, and only the scripts one kind of record would hold.
        """
        female = rng.random() < 0.5
        parts = {
            "given_name": rng.choice(BULK_FEMALE_NAMES if female else BULK_MALE_NAMES),
            "father_name": rng.choice(BULK_MALE_NAMES),
        }
        if rng.random() < 0.25:
            parts["other_names"] = rng.choice(BULK_MALE_NAMES)
        style = rng.choices([s[0] for s in BULK_RECORD_STYLES], weights=[s[1] for s in BULK_RECORD_STYLES])[0]
        scripts = {
            "uyghur": ["ug_arab", "ug_latn"],
            "prc_document": ["hans", "pinyin"] + (["ug_arab"] if rng.random() < 0.5 else []),
            "central_asia": ["cyrl", "ug_latn"],
            "turkey": ["ug_latn"] + (["ug_arab"] if rng.random() < 0.5 else []),
            "complete": ["ug_arab", "ug_latn", "cyrl", "hans", "pinyin"],
        }[style]
        fields = {}
        for part, (latin, hans, pinyin_text) in parts.items():
            written = {
                "ug_arab": names.latin_to_arabic(latin),
                "ug_latn": turkish_spelling(latin) if style == "turkey" else latin,
                "cyrl": names.latin_to_cyrillic(latin).capitalize(),
                "hans": hans,
                "pinyin": pinyin_text,
            }
            for script in scripts:
                fields[f"{part}_{script}"] = written[script]
        age = rng.randint(22, 65)
        return {
            **fields,
            "date_of_birth": datetime.date(TODAY.year - age, rng.randint(1, 12), rng.randint(1, 28)),
            "date_of_birth_precision": rng.choice([DatePrecision.EXACT, DatePrecision.EXACT, DatePrecision.YEAR]),
            "sex": Sex.FEMALE if female else Sex.MALE,
            "languages": ["ug", "ru"],
        }

    def as_on_a_prc_passport(self, principal):
        """The same person as written in a PRC passport: Chinese characters and glued upper-case pinyin.

        The demo's duplicate review has a real pair to show: one person registered twice in the
        same caseload, once from the client's own spelling and once from the passport.
        """
        return {
            "given_name_hans": f"{principal['given_name_hans']}·{principal['father_name_hans']}",
            "given_name_pinyin": f"{principal['given_name_pinyin']}{principal['father_name_pinyin']}".upper(),
            "date_of_birth": principal["date_of_birth"],
            "date_of_birth_precision": principal["date_of_birth_precision"],
            "sex": principal["sex"], "languages": principal["languages"],
        }

    def random_phone(self, rng, country):
        # Numbers in ranges that parse as valid mobile numbers but are fictional.
        if country == "TR":
            return f"+90532{rng.randint(1000000, 9999999)}"
        if country == "KG":
            return f"+996555{rng.randint(100000, 999999)}"
        return f"+7701{rng.randint(1000000, 9999999)}"

    def random_passport(self, rng):
        issued = TODAY - datetime.timedelta(days=rng.randint(400, 3500))
        return {
            "document_type": DocumentType.PRC_PASSPORT,
            "number": f"E{rng.randint(10**7, 10**8 - 1)}",
            "issuing_country": "CN",
            "issued_on": issued,
            "expires_on": issued + datetime.timedelta(days=3652),
        }

    @transaction.atomic
    def bulk_create_cases(self, rng, count):
        """Insert `count` cases with principals, passports, owner grants and assignments in bulk.

        Bypasses the services on purpose (100,000 audited service calls would take hours); the
        rows written are exactly those the services would write, minus the audit entries.
        """
        ngos = list(Organisation.objects.filter(kind="ngo").order_by("pk"))
        staff = {org.pk: list(User.objects.filter(organisation=org, role="caseworker").order_by("pk")) for org in ngos}
        for org in ngos:
            # A realistic team: the big world needs many caseworkers so each sees a fair share.
            for number in range(len(staff[org.pk]), 20):
                user = User.objects.create_user(
                    username=f"bulk-{org.pk}-{number}", password=None, first_name="Bulk", last_name=str(number),
                )
                access.user_set_membership(actor=None, user=user, organisation=org, role="caseworker")
                staff[org.pk].append(user)
        view = Permission.objects.get(codename="view_case", content_type__app_label="cases")
        change = Permission.objects.get(codename="change_case", content_type__app_label="cases")
        creator = User.objects.get(username="supervisor")
        batch = 5000
        for start in range(0, count, batch):
            size = min(batch, count - start)
            new_cases = []
            for _ in range(size):
                organisation = rng.choice(ngos)
                country = rng.choice(organisation.countries)
                opened_on = TODAY - datetime.timedelta(days=rng.randint(1, 2000))
                new_cases.append(Case(
                    reference=self.next_reference(country, opened_on.year),
                    organisation=organisation, host_country=country,
                    host_city=rng.choice(CITIES[country]), opened_on=opened_on, status_changed_on=opened_on,
                    unhcr_status=rng.choices(UnhcrStatus.values, weights=UNHCR_STATUS_WEIGHTS)[0], created_by=creator,
                ))
            Case.objects.bulk_create(new_cases)
            persons, user_grants, assignments = [], [], []
            for case in new_cases:
                persons.append(Person(case=case, relationship=HouseholdRelationship.PRINCIPAL,
                                      **person_fields_for_save(self.bulk_random_person(rng))))
                worker = rng.choice(staff[case.organisation_id])
                assignments.append(CaseAssignment(case=case, user=worker, assigned_by=creator))
                user_grants += [
                    CaseUserObjectPermission(content_object=case, user=worker, permission=perm)
                    for perm in (view, change)
                ]
            Person.objects.bulk_create(persons)
            # Bulk seeding indexes names but does not fill the duplicate queue: with a few
            # thousand name combinations for 300,000 people it would mostly hold namesakes.
            identities.name_index_refresh(persons)
            documents = []
            for person in persons:
                passport = self.random_passport(rng)
                documents.append(IdentityDocument(person=person, **passport))  # blind index: filled on insert
            IdentityDocument.objects.bulk_create(documents)
            self.bulk_risk_facts(rng, new_cases, persons)
            CaseUserObjectPermission.objects.bulk_create(user_grants)
            CaseAssignment.objects.bulk_create(assignments)
            self.stdout.write(f"  {start + size} / {count} bulk cases")
        self.save_references()
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner guesses 40 rows where there are 50,000.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    # Signals the rules read, with rough frequencies, so that the benchmark's engine does real work.
    BULK_SIGNALS = [
        (IncidentCategory.PRC_CONTACT, 0.10), (IncidentCategory.POLICE_VISIT, 0.08),
        (IncidentCategory.RELATIVES_PRESSURED, 0.05), (IncidentCategory.PUBLIC_PROFILE, 0.03),
        (IncidentCategory.CUSTODY, 0.01), (IncidentCategory.RELEASED, 0.005),
        (IncidentCategory.RED_NOTICE, 0.003), (IncidentCategory.REMOVAL_ORDER, 0.003),
        (IncidentCategory.RESIDENCE_CANCELLED, 0.01), (IncidentCategory.PLANNED_TRAVEL, 0.01),
    ]

    def bulk_risk_facts(self, rng, new_cases, persons):
        statuses, relatives, incidents = [], [], []
        permits = [PermitType.TEMPORARY_RESIDENCE, PermitType.WORK, PermitType.STUDENT, PermitType.ASYLUM_SEEKER,
                   PermitType.TOURIST_VISA, PermitType.NONE]
        permit_weights = [30, 20, 10, 26, 10, 4]
        for case, person in zip(new_cases, persons, strict=True):
            start = TODAY - datetime.timedelta(days=rng.randint(30, 900))
            statuses.append(LegalStatus(person=person, permit_type=rng.choices(permits, permit_weights)[0],
                                        valid_from=start,
                                        valid_until=start + datetime.timedelta(days=rng.randint(60, 1500))))
            if rng.random() < 0.6:
                relatives.append(Relative(
                    case=case, relationship=rng.choice(RelativeRelationship.values),
                    status=rng.choice(RelativeStatus.values),
                    status_since=TODAY - datetime.timedelta(days=rng.randint(30, 3000)),
                ))
            for category, share in self.BULK_SIGNALS:
                if rng.random() < share:
                    offset = rng.randint(5, 60) if category == IncidentCategory.PLANNED_TRAVEL else -rng.randint(1, 900)
                    incidents.append(Incident(
                        case=case, category=category, occurred_on=TODAY + datetime.timedelta(days=offset),
                        description="Fictional benchmark event.", source=IncidentSource.CLIENT,
                    ))
        LegalStatus.objects.bulk_create(statuses)
        Relative.objects.bulk_create(relatives)
        Incident.objects.bulk_create(incidents)

    _sequences = None

    def next_reference(self, country, year):
        if self._sequences is None:
            self._sequences = {
                (s.host_country, s.year): s.last_number for s in CaseReferenceSequence.objects.all()
            }
        number = self._sequences.get((country, year), 0) + 1
        self._sequences[(country, year)] = number
        return f"{country}-{year}-{number:06d}"

    def save_references(self):
        for (country, year), number in (self._sequences or {}).items():
            CaseReferenceSequence.objects.update_or_create(
                host_country=country, year=year, defaults={"last_number": number},
            )


def turkish_spelling(latin):
    """A ULY name as a Turkish registry would spell it (Tursun -> Tursun, Exmet -> Ehmet, Qasim -> Kasim)."""
    for uly, turkish in (("sh", "ş"), ("ch", "ç"), ("gh", "ğ"), ("x", "h"), ("q", "k"), ("ö", "ö"), ("ü", "ü")):
        latin = latin.replace(uly, turkish).replace(uly.capitalize(), turkish.upper())
    return latin


# Kinds of record and how often each occurs in the big world: Uyghur script with its Latin form
# (community registration), a PRC document (Chinese characters and pinyin, sometimes Uyghur
# script), a Kazakh or Kyrgyz document (Cyrillic and Latin), a Turkish record, or every script.
BULK_RECORD_STYLES = [("uyghur", 35), ("prc_document", 25), ("central_asia", 20), ("turkey", 10), ("complete", 10)]

# Fictional combinations of common Uyghur names: (ULY Latin, Chinese characters, pinyin). Uyghur
# script and Cyrillic are derived from the Latin form (cases.names, umsc).
BULK_MALE_NAMES = [
    ("Memet", "买买提", "Maimaiti"), ("Tursun", "吐尔逊", "Tuerxun"), ("Abdulla", "阿卜杜拉", "Abudula"),
    ("Exmet", "艾合买提", "Aihemaiti"), ("Nurmemet", "努尔买买提", "Nuermaimaiti"), ("Qasim", "卡斯木", "Kasimu"),
    ("Yusup", "玉苏甫", "Yusufu"), ("Osman", "吾斯曼", "Wusiman"), ("Erkin", "艾尔肯", "Aierken"),
    ("Imin", "依明", "Yiming"), ("Alim", "阿里木", "Alimu"), ("Ablimit", "阿不力米提", "Abulimiti"),
    ("Adil", "阿迪力", "Adili"), ("Ekber", "艾克拜尔", "Aikebaier"), ("Eziz", "艾则孜", "Aizezi"),
    ("Hesen", "艾山", "Aishan"), ("Hoshur", "吾守尔", "Wushouer"), ("Ibrahim", "依不拉音", "Yibulayin"),
    ("Ilham", "伊力哈木", "Yilihamu"), ("Kerim", "克热木", "Keremu"), ("Mahmut", "马合木提", "Mahemuti"),
    ("Muhemmet", "木合买提", "Muhemaiti"), ("Nijat", "尼加提", "Nijiati"), ("Obul", "吾布力", "Wubuli"),
    ("Perhat", "帕尔哈提", "Paerhati"), ("Qurban", "库尔班", "Kuerban"), ("Rozi", "肉孜", "Rouzi"),
    ("Sadir", "沙迪尔", "Shadier"), ("Tahir", "塔依尔", "Tayier"), ("Toxti", "托合提", "Tuoheti"),
    ("Turdi", "吐尔地", "Tuerdi"), ("Yasin", "亚森", "Yasen"), ("Yaqup", "亚库甫", "Yakufu"),
    ("Zakir", "扎克尔", "Zhakeer"), ("Abliz", "阿不力孜", "Abulizi"), ("Xalmurat", "哈力木拉提", "Halimulati"),
    ("Dilshat", "迪力夏提", "Dilixiati"), ("Ghopur", "吾甫尔", "Wufuer"), ("Hashim", "哈希木", "Haximu"),
    ("Jappar", "加帕尔", "Jiapaer"), ("Memtimin", "买买提明", "Maimaitiming"), ("Mutellip", "木太力普", "Mutailipu"),
    ("Polat", "波拉提", "Bolati"), ("Sawut", "萨吾提", "Sawuti"), ("Abduqadir", "阿不都卡迪尔", "Abudukadier"),
    ("Abdukerim", "阿不都克力木", "Abudukelimu"), ("Abdurehim", "阿不都热依木", "Abudureyimu"),
    ("Eysa", "艾萨", "Aisa"), ("Enwer", "安外尔", "Anwaier"), ("Kamil", "卡米力", "Kamili"),
    ("Mijit", "米吉提", "Mijiti"), ("Omer", "吾买尔", "Wumaier"), ("Rustem", "如斯塔木", "Rusitamu"),
    ("Salam", "沙拉木", "Shalamu"), ("Tursunjan", "吐尔逊江", "Tuerxunjiang"),
    ("Memetjan", "买买提江", "Maimaitijiang"),
    ("Ismayil", "司马义", "Simayi"), ("Ablet", "阿不来提", "Abulaiti"), ("Bekri", "拜克力", "Baikeli"),
    ("Exmetjan", "艾合买提江", "Aihemaitijiang"), ("Ghulam", "吾拉木", "Wulamu"),
]
BULK_FEMALE_NAMES = [
    ("Ayshem", "阿依仙木", "Ayixianmu"), ("Gulnar", "古丽娜尔", "Gulinaer"), ("Patigul", "帕提古丽", "Patiguli"),
    ("Zulpiye", "祖丽菲亚", "Zulifeiya"), ("Reyhan", "热依汗", "Reyihan"), ("Meryem", "麦尔耶姆", "Maieryemu"),
    ("Amine", "阿米娜", "Amina"), ("Nurgul", "努尔古丽", "Nuerguli"), ("Aygul", "阿依古丽", "Ayiguli"),
    ("Dilnur", "迪丽努尔", "Dilinuer"), ("Mahire", "玛依热", "Mayire"), ("Gulbahar", "古丽巴哈尔", "Gulibahaer"),
    ("Mihrigul", "米热古丽", "Mireguli"), ("Dilber", "迪力拜尔", "Dilibaier"), ("Nurnisa", "努尔尼沙", "Nuernisha"),
    ("Paride", "帕日达", "Parida"), ("Rahile", "热依拉", "Reyila"), ("Tajigul", "塔吉古丽", "Tajiguli"),
    ("Zohre", "祖合热", "Zuhere"), ("Zeynep", "再努甫", "Zainufu"), ("Gulzar", "古丽扎尔", "Gulizhaer"),
    ("Adile", "阿迪拉", "Adila"), ("Shemshinur", "夏木西努尔", "Xiamuxinuer"), ("Hebibe", "哈比巴", "Habiba"),
    ("Renagul", "热娜古丽", "Renaguli"), ("Arzugul", "阿尔祖古丽", "Aerzuguli"), ("Mukerrem", "木开热木", "Mukairemu"),
    ("Parizat", "帕丽扎提", "Palizhati"), ("Gulmire", "古丽米热", "Gulimire"), ("Munire", "木尼热", "Munire"),
    ("Xalide", "哈丽达", "Halida"), ("Nezire", "乃则热", "Naizere"), ("Ayjamal", "阿依加马力", "Ayijiamali"),
]
