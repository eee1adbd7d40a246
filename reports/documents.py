"""What goes into each document: one context builder per kind, reading the case as it is now."""

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import clock
from cases.choices import (
    LANGUAGES_SPOKEN,
    DocumentType,
    HouseholdRelationship,
    IncidentCategory,
    RelativeStatus,
    RiskLevel,
)
from cases.selectors import alert_brief, risk_explanation
from cases.templatetags.case_display import date_with_precision
from referrals import snapshot
from referrals.choices import DataCategory, Purpose, ServiceType
from referrals.models import Consent
from referrals.permissions import provider_sees_full_data
from reports.models import DocumentKind, EligibilityCriterion, ExhibitSection, ResettlementCategory
from reports.redaction import removed_for, removed_text
from reports.selectors import case_filing


def case_summary_context(document) -> dict:
    case = document.case
    return {
        "case": case,
        "removed": removed_for(document.recipient_kind),
        "removed_text": removed_text(document.recipient_kind),
        "people": list(case.people.prefetch_related("documents", "legal_statuses", "phones").order_by("pk")),
        "relatives": list(case.relatives.order_by("pk")),
        "incidents": list(case.incidents.order_by("occurred_on", "pk")),
        "risk": risk_explanation(case.risk_assessment.explanation, show_anchors=False)
        if case.risk_assessment_id else None,
        "referrals": list(case.referrals.exclude(state="draft").select_related("provider").order_by("sent_at")),
    }


def referral_form_context(document) -> dict:
    """The IASC-style referral form: the referral, and of the client only what was released."""
    referral = document.referral
    # A legal referral not yet accepted is known to the provider only by its de-identified summary.
    full = provider_sees_full_data(referral)
    return {
        "referral": referral,
        "full": full,
        "summary": [] if full else snapshot.display_summary(referral.summary),
        "services": [ServiceType(code).label for code in referral.services_requested if code in ServiceType.values],
        "sections": snapshot.display_sections(referral.shared_data) if full else [],
        "categories": [DataCategory(code).label for code in referral.data_categories if code in DataCategory.values],
    }


def alert_sheet_context(document) -> dict:
    """The urgent protection alert sheet: the alert's minimum data, as the liaison sees it (domain.md §2.4)."""
    alert = document.alert
    brief = alert_brief(alert)
    assessment = brief["current_assessment"]
    return {
        "alert": alert, "brief": brief, "case": document.case,
        "risk": risk_explanation(assessment.explanation, show_anchors=False) if assessment else None,
    }


# --- Filings: asylum packet, protected-status dossier, UNHCR dossier ---

@dataclass
class ExhibitEntry:
    """An exhibit as the index lists it: its label (A, B... or 1, 2...), and the marker where it is appended."""

    label: str
    exhibit: object
    marker: str


def exhibit_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: client exhibits are lettered."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def exhibit_entries(filing) -> list[ExhibitEntry]:
    if filing is None:
        return []
    entries, counters = [], {ExhibitSection.CLIENT: 0, ExhibitSection.COUNTRY: 0}
    for exhibit in sorted(filing.exhibits.all(), key=lambda e: (e.section != ExhibitSection.CLIENT, e.position, e.pk)):
        number = counters[exhibit.section]
        counters[exhibit.section] += 1
        label = exhibit_letter(number) if exhibit.section == ExhibitSection.CLIENT else str(number + 1)
        entries.append(ExhibitEntry(label=label, exhibit=exhibit, marker=str(exhibit.pk)))
    return entries


LANGUAGE_LABELS = dict(LANGUAGES_SPOKEN)
# Incidents that show harm or its threat, by what the forms ask about.
PAST_HARM = {IncidentCategory.PERSECUTION_CHINA, IncidentCategory.THREAT, IncidentCategory.PRC_CONTACT,
             IncidentCategory.PRC_OFFICIALS, IncidentCategory.RELATIVES_PRESSURED, IncidentCategory.DEVICE_COMPROMISE}
DETENTIONS = {IncidentCategory.CUSTODY, IncidentCategory.RELEASED, IncidentCategory.TRANSFER}
TRANSNATIONAL_REPRESSION = {
    IncidentCategory.PRC_CONTACT, IncidentCategory.PRC_OFFICIALS, IncidentCategory.RELATIVES_PRESSURED,
    IncidentCategory.DEVICE_COMPROMISE, IncidentCategory.THREAT, IncidentCategory.EXTRADITION_REQUEST,
    IncidentCategory.RED_NOTICE, IncidentCategory.TERRORISM_ACCUSATION,
}
DOCUMENT_DENIAL = {IncidentCategory.RETURN_DOCUMENT_OFFERED, IncidentCategory.NATIONALITY_MISATTRIBUTION,
                   IncidentCategory.RESIDENCE_CANCELLED}
# What the authorities will see and the applicant must explain (Chinese accusations, with their context).
DISCLOSURES = {IncidentCategory.TERRORISM_ACCUSATION, IncidentCategory.RED_NOTICE,
               IncidentCategory.EXTRADITION_REQUEST, IncidentCategory.EXTRADITION_APPROVED,
               IncidentCategory.EXTRADITION_REFUSED, IncidentCategory.REMOVAL_ORDER}
DERIVATIVE_RELATIONSHIPS = {HouseholdRelationship.SPOUSE, HouseholdRelationship.CHILD}
NOT_RECORDED = _("Not recorded in Panah: complete on the form")


def other_names(person) -> list[str]:
    """Every spelling the person is known by: each script's name and every name as printed on a document."""
    names = []
    for _label, given, father, other in person.names_by_script():
        for value in (" ".join(part for part in (given, father) if part), other):
            if value and value not in names:
                names.append(value)
    for document in person.documents.all():
        if document.name_as_printed and document.name_as_printed not in names:
            names.append(document.name_as_printed)
    return names


def passport_first_names(person) -> list[str]:
    """The name as in the Chinese passport first (what the authorities' systems hold), then the rest."""
    printed = [d.name_as_printed for d in person.documents.all()
               if d.document_type == DocumentType.PRC_PASSPORT and d.name_as_printed]
    return printed + [name for name in other_names(person) if name not in printed]


def _ethnic_group(person):
    """"Uyghur" when the person speaks Uyghur (the file holds no ethnicity field); else for the lawyer to fill in."""
    return pgettext_lazy("ethnic group", "Uyghur") if person and "ug" in (person.languages or []) else None


def _filing_base(document) -> dict:
    case = document.case
    filing = case_filing(case, document.filing.organisation_id) if document.filing_id else None
    people = list(case.people.prefetch_related("documents", "legal_statuses").order_by("pk"))
    applicant = (filing.applicant if filing and filing.applicant_id else None) or next(
        (person for person in people if person.is_principal), people[0] if people else None,
    )
    applicant = next((person for person in people if applicant and person.pk == applicant.pk), applicant)
    incidents = list(case.incidents.order_by("occurred_on", "pk"))
    exhibits = exhibit_entries(filing)
    return {
        "case": case, "filing": filing, "applicant": applicant, "people": people,
        "household": [person for person in people if applicant is None or person.pk != applicant.pk],
        "us_filing": document.kind == DocumentKind.ASYLUM_PACKET,
        # Relationships are recorded relative to the principal: they name the applicant's spouse and
        # children only when the applicant is the principal. Otherwise the lawyer completes Part A.II.
        "derivatives": [p for p in people if p.relationship in DERIVATIVE_RELATIONSHIPS]
        if applicant is not None and applicant.is_principal else None,
        "relatives": list(case.relatives.order_by("pk")),
        "incidents": incidents,
        "exhibits": exhibits,
        "client_exhibits": [e for e in exhibits if e.exhibit.section == ExhibitSection.CLIENT],
        "country_exhibits": [e for e in exhibits if e.exhibit.section == ExhibitSection.COUNTRY],
        "removed": removed_for(document.recipient_kind),
        "removed_text": removed_text(document.recipient_kind),
        "risk": risk_explanation(case.risk_assessment.explanation, show_anchors=False)
        if case.risk_assessment_id else None,
        "declaration_language": LANGUAGE_LABELS.get(filing.declaration_language, "") if filing else "",
        "translation_language": LANGUAGE_LABELS.get(filing.translation_language, "") if filing else "",
        "not_recorded": NOT_RECORDED,
    }


def _worksheet(base) -> list[tuple]:
    """The I-589 worksheet: (part, question, answer or None when Panah does not hold it)."""
    person, case = base["applicant"], base["case"]
    if person is None:
        return []
    removed = base["removed"]
    passports = [d for d in person.documents.all() if d.document_type == DocumentType.PRC_PASSPORT]
    languages = [str(LANGUAGE_LABELS.get(code, code)) for code in person.languages]
    part_a1 = _("Part A.I: Information about you")
    rows = [
        (part_a1, _("Alien Registration Number (A-Number)"), None),
        # As printed, or not at all: the display name's order (given, father's) is not "last, first".
        (part_a1, _("Complete last name, first name (as in the passport)"),
         passports[0].name_as_printed if passports and passports[0].name_as_printed else None),
        (part_a1, _("Other names used (aliases, other spellings)"), " · ".join(other_names(person)) or None),
        (part_a1, _("Sex"), person.get_sex_display()),
        (part_a1, _("Marital status"), None),
        # Only as precisely as it is known: a year-only birth date printed as 1 January is a credibility trap.
        (part_a1, _("Date of birth"), None if removed.get("birth") else
         date_with_precision(person.date_of_birth, person.date_of_birth_precision) or None),
        (part_a1, _("City and country of birth"), None if removed.get("birth") else person.place_of_birth or None),
        # Stated only where the file shows it; the lawyer confirms every answer with the applicant.
        (part_a1, _("Present nationality"), _("China (PRC), as shown on the passport") if passports else None),
        (part_a1, _("Race, ethnic or tribal group"), _ethnic_group(person)),
        (part_a1, _("Religion"), None),
        (part_a1, _("Native language"), languages[0] if languages else None),
        (part_a1, _("Other languages"), ", ".join(languages[1:]) or None),
        (part_a1, _("Passport or travel document number"),
         None if removed.get("document_numbers") or not passports else passports[0].number or None),
        (part_a1, _("Passport expiration date"), passports[0].expires_on if passports else None),
        (part_a1, _("Date and place of last arrival, status, I-94 number"), None),
        (part_a1, _("Current address and a safe mailing address"), None),
    ]
    part_a2 = _("Part A.II: Spouse and children")
    for member in base["derivatives"] or []:
        names = " · ".join(other_names(member)) or member.display_name
        rows.append((part_a2, member.get_relationship_display(), names))
    if base["derivatives"] == []:
        rows.append((part_a2, _("Spouse and children"), _("None in the case household")))
    elif base["derivatives"] is None:
        rows.append((part_a2, _("Spouse and children"), None))
    part_a3 = _("Part A.III: Background")
    rows += [
        (part_a3, _("Residences in the last five years"), None),
        (part_a3, _("Education and employment"), None),
    ]
    if not removed.get("relatives"):
        for relative in base["relatives"]:
            rows.append((part_a3, relative.get_relationship_display(), relative.get_status_display()))
    part_b = _("Part B: Your application")
    harm = [i for i in base["incidents"] if i.category in PAST_HARM]
    detentions = [i for i in base["incidents"] if i.category in DETENTIONS]
    rows += [
        (part_b, _("Grounds"), _("Race, religion, nationality, political opinion, particular social group: "
                                 "to be settled with the applicant")),
        (part_b, _("Past harm or threats (see the declaration)"),
         ", ".join(str(i.get_category_display()) for i in harm) or None),
        (part_b, _("Arrests, detentions or custody in any country"),
         ", ".join(str(i.get_category_display()) for i in detentions) or None),
        # The applicant's fear of harm in China is theirs to state; Panah's score is of deportation risk.
        (part_b, _("Fear of return"), None),
    ]
    part_c = _("Part C: Additional information")
    rows += [
        (part_c, _("Status or applications in other countries"),
         case.get_unhcr_status_display() + " · " + ", ".join(
             str(s.get_permit_type_display()) for s in person.legal_statuses.all()
         ) if person.legal_statuses.all() else case.get_unhcr_status_display()),
        (part_c, _("One-year filing deadline"), None),
    ]
    part_d = _("Part D: Signature")
    rows.append((part_d, _("Name in native alphabet"), " · ".join(
        " ".join(p for p in (given, father) if p) for label, given, father, _o in person.names_by_script()
    ) or None))
    return rows


def asylum_packet_context(document) -> dict:
    """US affirmative asylum packet (domain.md §3.1): cover letter, I-589 worksheet, declaration, index, exhibits."""
    base = _filing_base(document)
    return {**base, "worksheet": _worksheet(base), "today": clock.today(),
            "applicant_names": passport_first_names(base["applicant"]) if base["applicant"] else []}


def _criterion_evidence(base) -> list[dict]:
    """The eligibility matrix: per criterion, what the case shows and which exhibits support it."""
    applicant, incidents = base["applicant"], base["incidents"]

    def categories(chosen):
        return [f"{i.get_category_display()} ({i.occurred_on.year})" for i in incidents if i.category in chosen]

    documents = [str(d.get_document_type_display()) for d in applicant.documents.all()] if applicant else []
    evidence = {
        EligibilityCriterion.IDENTITY: documents,
        EligibilityCriterion.GROUP_MEMBERSHIP: [str(group) for group in [_ethnic_group(applicant)] if group]
        + ([applicant.place_of_birth] if applicant and applicant.place_of_birth and not base["removed"].get("birth")
           else [])
        + [str(LANGUAGE_LABELS.get(code, code)) for code in (applicant.languages if applicant else [])],
        EligibilityCriterion.PERSECUTION: categories({IncidentCategory.PERSECUTION_CHINA} | DETENTIONS)
        + [f"{r.get_relationship_display()}: {r.get_status_display()}" for r in base["relatives"]
           if r.status in (RelativeStatus.DETAINED_CAMP, RelativeStatus.IMPRISONED, RelativeStatus.DISAPPEARED)
           and not base["removed"].get("relatives")],
        EligibilityCriterion.TRANSNATIONAL_REPRESSION: categories(TRANSNATIONAL_REPRESSION),
        EligibilityCriterion.DOCUMENT_DENIAL: categories(DOCUMENT_DENIAL) + [
            _("%(document)s: expired on %(date)s") % {
                "document": d.get_document_type_display(), "date": date_format(d.expires_on, "DATE_FORMAT"),
            } for d in
            (applicant.documents.all() if applicant else [])
            if d.document_type == DocumentType.PRC_PASSPORT and d.expires_on and d.expires_on < clock.today()
        ],
        EligibilityCriterion.FAMILY_RELATIONSHIP: [str(p.get_relationship_display()) for p in base["household"]],
        EligibilityCriterion.PRESENCE: [str(base["case"].get_host_country_display())] + [
            str(s.get_permit_type_display()) for s in (applicant.legal_statuses.all() if applicant else [])
        ],
    }
    return [
        {"criterion": criterion.label, "evidence": evidence[criterion],
         "exhibits": [e.label for e in base["exhibits"] if criterion.value in e.exhibit.supports]}
        for criterion in EligibilityCriterion
    ]


def protected_status_context(document) -> dict:
    """Protected-status dossier (TPS / Priority-2 / safe-harbour type, domain.md §3.3)."""
    base = _filing_base(document)
    incidents = base["incidents"]
    return {
        **base, "matrix": _criterion_evidence(base),
        "repression": [i for i in incidents if i.category in TRANSNATIONAL_REPRESSION | PAST_HARM | DETENTIONS
                       | {IncidentCategory.PERSECUTION_CHINA}],
        "document_denial": [i for i in incidents if i.category in DOCUMENT_DENIAL],
        "disclosures": [i for i in incidents if i.category in DISCLOSURES],
        "parents": [p for p in base["people"] if p.relationship == HouseholdRelationship.PARENT],
    }


# UNHCR's submission priorities, suggested from the refoulement-risk level (the liaison decides).
SUGGESTED_PRIORITY = {
    RiskLevel.IMMINENT: _("Emergency"), RiskLevel.HIGH: _("Urgent"),
    RiskLevel.MEDIUM: _("Normal"), RiskLevel.LOW: _("Normal"),
}


def unhcr_dossier_context(document) -> dict:
    """UNHCR protection / resettlement referral dossier supporting UNHCR's own form (domain.md §3.2)."""
    base = _filing_base(document)
    risk = base["risk"]
    level = base["case"].risk_level
    filing = base["filing"]
    needs_by_person = {}
    for need in (filing.needs.all() if filing else []):
        needs_by_person.setdefault(need.person_id, []).append(need)
    return {
        **base,
        "suggested_priority": SUGGESTED_PRIORITY.get(level, _("Normal")),
        "primary_category": ResettlementCategory.PROTECTION_NEEDS.label
        if level in (RiskLevel.HIGH, RiskLevel.IMMINENT) else ResettlementCategory.NO_ALTERNATIVE.label,
        "secondary_category": filing.get_secondary_category_display() if filing and filing.secondary_category else "",
        "risk": risk,
        "member_needs": [
            (person, needs_by_person[person.pk]) for person in base["people"] if person.pk in needs_by_person
        ],
        "consents": list(Consent.objects.filter(case=base["case"], purpose=Purpose.RESETTLEMENT).in_force(
            clock.today()).select_related("recipient", "person")),
    }


BUILDERS = {
    DocumentKind.CASE_SUMMARY: ("reports/documents/case_summary.html", case_summary_context),
    DocumentKind.REFERRAL_FORM: ("reports/documents/referral_form.html", referral_form_context),
    DocumentKind.ALERT_SHEET: ("reports/documents/alert_sheet.html", alert_sheet_context),
    DocumentKind.ASYLUM_PACKET: ("reports/documents/asylum_packet.html", asylum_packet_context),
    DocumentKind.PROTECTED_STATUS: ("reports/documents/protected_status.html", protected_status_context),
    DocumentKind.UNHCR_DOSSIER: ("reports/documents/unhcr_dossier.html", unhcr_dossier_context),
}
