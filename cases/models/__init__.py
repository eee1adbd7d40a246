from cases.models.alerts import Alert, AlertEvent, AlertNotification, Intervention
from cases.models.cases import (
    Case,
    CaseAssignment,
    CaseGroupObjectPermission,
    CaseReferenceSequence,
    CaseRevision,
    CaseShare,
    CaseStatusChange,
    CaseUserObjectPermission,
)
from cases.models.identity import DuplicateCandidate, PersonNameKey
from cases.models.keys import FieldKeyCanary
from cases.models.organisations import (
    Organisation,
    OrganisationGroupObjectPermission,
    OrganisationUserObjectPermission,
    User,
)
from cases.models.people import IdentityDocument, LegalStatus, Person, PersonPhone
from cases.models.records import Attachment, Incident, Note, Relative
from cases.models.retention import ErasureRecord, LegalHold, RetentionReview
from cases.models.risk import CountryProfile, CountryReturn, RiskAssessment, RiskRuleSet

__all__ = [
    "Alert",
    "AlertEvent",
    "AlertNotification",
    "CountryProfile",
    "CountryReturn",
    "DuplicateCandidate",
    "FieldKeyCanary",
    "Intervention",
    "RiskAssessment",
    "RiskRuleSet",
    "Attachment",
    "Case",
    "CaseAssignment",
    "CaseGroupObjectPermission",
    "CaseReferenceSequence",
    "CaseRevision",
    "CaseShare",
    "CaseStatusChange",
    "CaseUserObjectPermission",
    "IdentityDocument",
    "Incident",
    "LegalStatus",
    "Note",
    "Organisation",
    "OrganisationGroupObjectPermission",
    "OrganisationUserObjectPermission",
    "Person",
    "PersonNameKey",
    "PersonPhone",
    "Relative",
    "ErasureRecord", "LegalHold", "RetentionReview",
    "User",
]
