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
    # Signals the refoulement-risk rules read (cases/risk/rules.py). Recording them as dated
    # events keeps the evidence behind every fired rule on the case timeline.
    RELEASED = "released", _("Released from custody")
    REMOVAL_ORDER = "removal_order", _("Deportation or removal order issued")
    REMOVAL_ORDER_SUSPENDED = "removal_order_suspended", _("Removal order suspended or annulled")
    EXTRADITION_REQUEST = "extradition_request", _("Extradition requested by China")
    EXTRADITION_APPROVED = "extradition_approved", _("Extradition approved by a court")
    EXTRADITION_REFUSED = "extradition_refused", _("Extradition refused by a court")
    RED_NOTICE = "red_notice", _("Interpol red notice or diffusion reported")
    TRANSFER = "transfer", _("Transferred to another facility, the capital or an airport")
    DEPORTATION_PREPARATION = "deportation_preparation", _("Told to prepare for deportation, or flight known")
    PRC_OFFICIALS = "prc_officials", _("Chinese officials visited, questioned or escorted the person")
    ACCESS_DENIED = "access_denied", _("Denied access to a lawyer, UNHCR or family")
    RESIDENCE_CANCELLED = "residence_cancelled", _("Residence permit cancelled")
    RETURN_DOCUMENT_OFFERED = "return_document_offered", _("Offered a travel document for return to China only")
    RELATIVES_PRESSURED = "relatives_pressured", _("Relatives in China pressed to urge return")
    PUBLIC_PROFILE = "public_profile", _("Public activity: advocacy, media, testimony")
    TERRORISM_ACCUSATION = "terrorism_accusation", _("Accused by China of terrorism or separatism")
    PLANNED_TRAVEL = "planned_travel", _("Planned travel to or through another country")
    NATIONALITY_MISATTRIBUTION = "nationality_misattribution", _("Treated as a national of another country")
    DEVICE_COMPROMISE = "device_compromise", _("Phone or computer compromise suspected")
    RESETTLEMENT_ACCEPTED = "resettlement_accepted", _("Accepted for resettlement")


class RemedyRemaining(models.TextChoices):
    """After a court approves extradition: can anything in the host country still stop it?"""

    YES = "yes", _("Yes, an appeal or other remedy remains")
    NO = "no", _("No domestic remedy remains")
    UNKNOWN = "unknown", _("Not known")


class IncidentSource(models.TextChoices):
    CLIENT = "client", _("The client")
    RELATIVE = "relative", _("A relative")
    LAWYER = "lawyer", _("A lawyer")
    DOCUMENT = "document", _("A document")
    MEDIA = "media", _("Media report")
    OTHER = "other", _("Other source")


class RiskLevel(models.TextChoices):
    LOW = "low", pgettext_lazy("risk level", "Low")
    MEDIUM = "medium", pgettext_lazy("risk level", "Medium")
    HIGH = "high", pgettext_lazy("risk level", "High")
    IMMINENT = "imminent", pgettext_lazy("risk level", "Imminent")


# Order for comparisons ("did the level rise?") and for sorting the alert queue.
RISK_LEVEL_RANK = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2, RiskLevel.IMMINENT: 3}


class AssessmentReason(models.TextChoices):
    CASE_CHANGED = "case_changed", _("The case file changed")
    DAILY = "daily", _("Daily re-assessment (dates and decay)")
    COUNTRY_PROFILE = "country_profile", _("The country profile changed")
    RULES_CHANGED = "rules_changed", _("The rules changed")
    MANUAL = "manual", _("Re-assessed on request")


class AlertState(models.TextChoices):
    NEW = "new", pgettext_lazy("alert state", "New")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert state", "Acknowledged")
    INTERVENTION = "intervention", pgettext_lazy("alert state", "Intervention in progress")
    RESOLVED = "resolved", pgettext_lazy("alert state", "Resolved")
    FALSE_ALARM = "false_alarm", pgettext_lazy("alert state", "False alarm")
    SUPERSEDED = "superseded", pgettext_lazy("alert state", "Superseded by a more urgent alert")


OPEN_ALERT_STATES = [AlertState.NEW, AlertState.ACKNOWLEDGED, AlertState.INTERVENTION]


class AlertEventKind(models.TextChoices):
    OPENED = "opened", _("Alert opened")
    NEW_SIGNAL = "new_signal", _("New signal on the case")
    LEVEL_CHANGED = "level_changed", _("Risk level changed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INTERVENTION = "intervention", _("Intervention recorded")
    ESCALATED = "escalated", _("Escalated: not acknowledged in time")
    RESOLVED = "resolved", _("Resolved")
    FALSE_ALARM = "false_alarm", _("Closed as a false alarm")
    SUPERSEDED = "superseded", _("Superseded by a more urgent alert")
    CASE_CLOSED = "case_closed", _("Closed with the case (closed, resettled or departed)")
    MOVED = "moved", _("Moved to another host country")


class InterventionKind(models.TextChoices):
    UNHCR_ACCESS_REQUESTED = "unhcr_access_requested", _("UNHCR access to the person requested")
    VERIFICATION_LETTER = "verification_letter", _("UNHCR verification letter issued")
    LAWYER_INSTRUCTED = "lawyer_instructed", _("Lawyer instructed")
    URGENT_APPEAL = "urgent_appeal", _("Urgent appeal sent to UN special procedures")
    INTERIM_MEASURES = "interim_measures", _("Interim measures requested from a UN treaty body")
    EMBASSY_CONTACTED = "embassy_contacted", _("Third-country embassy contacted")
    EMERGENCY_RESETTLEMENT = "emergency_resettlement", _("Emergency resettlement requested")
    AUTHORITIES_CONTACTED = "authorities_contacted", _("Host authorities contacted")
    FAMILY_INFORMED = "family_informed", _("Family or trusted contact informed")
    OTHER = "other", _("Other intervention")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent: no longer needed")


# --- Country profiles: sourced facts about a host country ----------------------------------------

class ExtraditionTreaty(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    SIGNED = "signed", _("Signed, not in force")
    NONE = "none", _("None")
    UNKNOWN = "unknown", _("Not known")


class YesNoUnknown(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Not known")


class RefugeeConvention(models.TextChoices):
    PARTY = "party", _("Party")
    GEOGRAPHIC_LIMITATION = "party_geographic_limitation", _("Party, with the geographic limitation")
    NOT_PARTY = "not_party", _("Not a party")
    UNKNOWN = "unknown", _("Not known")


class UnhcrAccess(models.TextChoices):
    ACCESS = "access", _("UNHCR present, with access to detainees")
    ACCESS_DENIED = "access_denied", _("UNHCR present, denied access to detained Uyghurs")
    NO_PRESENCE = "no_presence", _("No UNHCR presence")
    UNKNOWN = "unknown", _("Not known")


class ReturnKind(models.TextChoices):
    DEPORTATION = "deportation", _("Deportation")
    EXTRADITION = "extradition", _("Extradition")
    RENDITION = "rendition", _("Rendition")
    COERCED_RETURN = "coerced_return", _("Coerced return")


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



# --- Duplicate review: one person recorded twice (issue 8) -----------------------------------------
class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("To review")
    PROPOSED = "proposed", _("Merge proposed, waiting for a second reviewer")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Different people")
    UNDONE = "undone", _("Merge undone")
