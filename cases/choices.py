"""Fixed vocabularies of the case file. Labels are translatable; stored values never change."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrganisationKind(models.TextChoices):
    NGO = "ngo", _("NGO or community organisation")
    UNHCR = "unhcr", _("UNHCR office")
    LEGAL_CLINIC = "legal_clinic", _("Legal clinic")
    SERVICE_PROVIDER = "service_provider", _("Service provider")


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    UNHCR_LIAISON = "unhcr_liaison", _("UNHCR liaison")
    LAWYER = "lawyer", _("Legal clinic lawyer")
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    AUDITOR = "auditor", _("Auditor")


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("case status", "Open")
    ACTIVE = "active", pgettext_lazy("case status", "Active")
    DORMANT = "dormant", pgettext_lazy("case status", "Dormant")
    LOST_CONTACT = "lost_contact", pgettext_lazy("case status", "Lost contact")
    RESETTLED = "resettled", pgettext_lazy("case status", "Resettled")
    DEPARTED = "departed", pgettext_lazy("case status", "Departed the host country")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")


# Which status may follow which. A closed case is reopened deliberately, never edited back.
CASE_STATUS_TRANSITIONS = {
    CaseStatus.OPEN: {CaseStatus.ACTIVE, CaseStatus.DORMANT, CaseStatus.LOST_CONTACT, CaseStatus.CLOSED},
    CaseStatus.ACTIVE: {
        CaseStatus.DORMANT, CaseStatus.LOST_CONTACT, CaseStatus.RESETTLED, CaseStatus.DEPARTED, CaseStatus.CLOSED,
    },
    CaseStatus.DORMANT: {CaseStatus.ACTIVE, CaseStatus.LOST_CONTACT, CaseStatus.CLOSED},
    CaseStatus.LOST_CONTACT: {CaseStatus.ACTIVE, CaseStatus.CLOSED},
    CaseStatus.RESETTLED: {CaseStatus.CLOSED, CaseStatus.ACTIVE},
    CaseStatus.DEPARTED: {CaseStatus.CLOSED, CaseStatus.ACTIVE},
    CaseStatus.CLOSED: {CaseStatus.OPEN},
}


class UnhcrStatus(models.TextChoices):
    NONE = "none", _("Not in contact with UNHCR")
    ASYLUM_SEEKER = "asylum_seeker", _("Asylum seeker")
    REGISTERED = "registered", _("Registered with UNHCR")
    RECOGNISED = "recognised", _("Recognised refugee")
    REJECTED = "rejected", _("Claim rejected")
    WITHDRAWN = "withdrawn", _("Status withdrawn")


class Sensitivity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    # A label for now: need-to-know enforcement (with break-glass review) belongs to the
    # security work, so that no restricted case can end up visible to nobody.
    RESTRICTED = "restricted", _("Restricted")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not stated")


class DatePrecision(models.TextChoices):
    EXACT = "exact", _("Exact date")
    MONTH = "month", _("Month and year")
    YEAR = "year", _("Year only")
    APPROXIMATE = "approximate", _("Approximate")


class HouseholdRelationship(models.TextChoices):
    PRINCIPAL = "principal", _("Principal applicant")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER = "other", _("Other relative or dependant")


class ContactMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person only")
    PHONE_CALL = "phone_call", _("Phone call")
    SIGNAL = "signal", _("Signal")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    EMAIL = "email", _("Email")
    THROUGH_TRUSTED_PERSON = "trusted_person", _("Through a trusted person")


class DocumentType(models.TextChoices):
    PRC_PASSPORT = "prc_passport", _("PRC passport")
    PRC_ID_CARD = "prc_id_card", _("PRC identity card")
    RESIDENCE_PERMIT = "residence_permit", _("Host-country residence permit")
    VISA = "visa", _("Visa")
    UNHCR_CERTIFICATE = "unhcr_certificate", _("UNHCR certificate")
    RETURN_TRAVEL_DOCUMENT = "return_travel_document", _("Travel document for return to China only")
    OTHER = "other", _("Other document")


class PermitType(models.TextChoices):
    NONE = "none", _("No legal status")
    VISA_FREE = "visa_free", _("Visa-free stay")
    TOURIST_VISA = "tourist_visa", _("Tourist or short-stay visa")
    STUDENT = "student", _("Student permit")
    WORK = "work", _("Work permit")
    TEMPORARY_RESIDENCE = "temporary_residence", _("Temporary residence")
    PERMANENT_RESIDENCE = "permanent_residence", _("Permanent residence")
    ASYLUM_SEEKER = "asylum_seeker", _("Asylum-seeker permit")
    INTERNATIONAL_PROTECTION = "international_protection", _("International or temporary protection")
    REFUGEE = "refugee", _("Refugee status")
    CITIZEN = "citizen", _("Citizenship")
    OTHER = "other", _("Other")


class RelativeRelationship(models.TextChoices):
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    BROTHER = "brother", _("Brother")
    SISTER = "sister", _("Sister")
    GRANDPARENT = "grandparent", _("Grandparent")
    OTHER = "other", _("Other relative")


class RelativeStatus(models.TextChoices):
    DETAINED_CAMP = "detained_camp", _("Detained in a camp")
    IMPRISONED = "imprisoned", _("Imprisoned")
    DISAPPEARED = "disappeared", _("Disappeared")
    SURVEILLED = "surveilled", _("Under surveillance")
    FREE = "free", _("Free")
    DECEASED = "deceased", _("Deceased")
    UNKNOWN = "unknown", _("Unknown")


class IncidentCategory(models.TextChoices):
    PERSECUTION_CHINA = "persecution_china", _("Persecution in China")
    FLIGHT = "flight", _("Flight route")
    THREAT = "threat", _("Threat in the host country")
    POLICE_VISIT = "police_visit", _("Visit by host-country police")
    PRC_CONTACT = "prc_contact", _("Contact by PRC police or embassy")
    CUSTODY = "custody", _("Custody by host authorities")
    HEARING = "hearing", _("Hearing")
    OTHER = "other", _("Other event")


class IncidentSource(models.TextChoices):
    CLIENT = "client", _("The client")
    RELATIVE = "relative", _("A relative")
    LAWYER = "lawyer", _("A lawyer")
    DOCUMENT = "document", _("A document")
    MEDIA = "media", _("Media report")
    OTHER = "other", _("Other source")


# Host countries where Panah's partners work, plus China as an issuing country.
# ISO 3166-1 alpha-2 codes; names are translated by gettext.
COUNTRIES = [
    ("AE", _("United Arab Emirates")),
    ("AF", _("Afghanistan")),
    ("AU", _("Australia")),
    ("CA", _("Canada")),
    ("CN", _("China")),
    ("DE", _("Germany")),
    ("EG", _("Egypt")),
    ("FR", _("France")),
    ("GB", _("United Kingdom")),
    ("ID", _("Indonesia")),
    ("JP", _("Japan")),
    ("KG", _("Kyrgyzstan")),
    ("KZ", _("Kazakhstan")),
    ("MY", _("Malaysia")),
    ("NL", _("Netherlands")),
    ("NO", _("Norway")),
    ("PK", _("Pakistan")),
    ("QA", _("Qatar")),
    ("RU", _("Russia")),
    ("SA", _("Saudi Arabia")),
    ("SE", _("Sweden")),
    ("TH", _("Thailand")),
    ("TJ", _("Tajikistan")),
    ("TR", _("Türkiye")),
    ("US", _("United States")),
    ("UZ", _("Uzbekistan")),
]
HOST_COUNTRIES = [(code, name) for code, name in COUNTRIES if code != "CN"]

LANGUAGES_SPOKEN = [
    ("ug", _("Uyghur")),
    ("zh", _("Chinese")),
    ("kk", _("Kazakh")),
    ("ky", _("Kyrgyz")),
    ("uz", _("Uzbek")),
    ("ru", _("Russian")),
    ("tr", _("Turkish")),
    ("ar", _("Arabic")),
    ("en", _("English")),
    ("de", _("German")),
    ("other", _("Other language")),
]
