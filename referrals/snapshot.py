"""What a referral releases: the consented categories of the case file, and nothing else.

`shared_data` is built once, when the referral is sent, from exactly the categories the
referral asks for (which the consent must cover). Each category is a closed list of fields
below; a field not named here never leaves the case file. Values are stored as codes and
ISO dates, and turned into words only when displayed, in the reader's language.

`deidentified_summary` is the first stage of a legal referral (domain.md §4.3): enough for a
lawyer to decide whether to take the case, nothing that names or locates the person.
"""

import datetime

from django.utils.translation import gettext_lazy as _

from cases.choices import (
    COUNTRIES,
    LANGUAGES_SPOKEN,
    ContactMethod,
    DatePrecision,
    DocumentType,
    HouseholdRelationship,
    IncidentCategory,
    PermitType,
    RelativeRelationship,
    RelativeStatus,
    RiskLevel,
    Sex,
    UnhcrStatus,
)
from cases.models.people import NAME_SCRIPTS
from cases.risk import rules
from referrals.choices import DataCategory, Purpose, ReferralPriority, ServiceType

# Incidents that describe the person's legal position in the host country (stage-1 material
# for lawyers); every other incident is history.
LEGAL_SITUATION_INCIDENTS = {
    IncidentCategory.CUSTODY, IncidentCategory.RELEASED, IncidentCategory.HEARING,
    IncidentCategory.REMOVAL_ORDER, IncidentCategory.REMOVAL_ORDER_SUSPENDED,
    IncidentCategory.EXTRADITION_REQUEST, IncidentCategory.EXTRADITION_APPROVED,
    IncidentCategory.EXTRADITION_REFUSED, IncidentCategory.RED_NOTICE, IncidentCategory.TRANSFER,
    IncidentCategory.DEPORTATION_PREPARATION, IncidentCategory.ACCESS_DENIED,
    IncidentCategory.RESIDENCE_CANCELLED,
}


def _iso(day):
    return day.isoformat() if day else ""


def build_shared_data(*, case, person, categories) -> dict:
    """The consented data of `person` in `case`, limited to `categories`."""
    categories = set(categories)
    data = {}
    if DataCategory.NAMES in categories:
        data[DataCategory.NAMES] = [
            {"script": script, "given": getattr(person, f"given_name_{script}"),
             "father": getattr(person, f"father_name_{script}"), "other": getattr(person, f"other_names_{script}")}
            for script, _label in NAME_SCRIPTS
            if any(getattr(person, f"{part}_{script}") for part in ("given_name", "father_name", "other_names"))
        ]
    if DataCategory.BIRTH in categories:
        data[DataCategory.BIRTH] = {
            "date": _iso(person.date_of_birth), "precision": person.date_of_birth_precision,
            "place": person.place_of_birth,
        }
    if DataCategory.SEX in categories:
        data[DataCategory.SEX] = person.sex
    if DataCategory.LANGUAGES in categories:
        data[DataCategory.LANGUAGES] = list(person.languages or [])
    if DataCategory.CONTACT in categories:
        data[DataCategory.CONTACT] = {
            "phones": [{"number": phone.number, "safe": phone.is_safe} for phone in person.phones.all()],
            "method": person.safe_contact_method, "precautions": person.contact_notes,
        }
    if DataCategory.LOCATION in categories:
        data[DataCategory.LOCATION] = {"city": case.host_city}
    if DataCategory.UNHCR in categories:
        data[DataCategory.UNHCR] = {
            "status": case.unhcr_status, "number": case.unhcr_number,
            "registered_on": _iso(case.unhcr_registration_date),
        }
    if DataCategory.DOCUMENTS in categories:
        data[DataCategory.DOCUMENTS] = [
            {"type": doc.document_type, "number": doc.number, "issuing_country": doc.issuing_country,
             "issued_on": _iso(doc.issued_on), "expires_on": _iso(doc.expires_on),
             "name_as_printed": doc.name_as_printed}
            for doc in person.documents.order_by("pk")
        ]
    if DataCategory.LEGAL_STATUS in categories:
        data[DataCategory.LEGAL_STATUS] = [
            {"permit": status.permit_type, "valid_from": _iso(status.valid_from),
             "valid_until": _iso(status.valid_until)}
            for status in person.legal_statuses.order_by("valid_from", "pk")
        ]
    incidents = list(case.incidents.order_by("occurred_on", "pk")) if categories & {
        DataCategory.LEGAL_SITUATION, DataCategory.HISTORY} else []
    if DataCategory.LEGAL_SITUATION in categories:
        data[DataCategory.LEGAL_SITUATION] = [
            {"category": incident.category, "on": _iso(incident.occurred_on), "description": incident.description}
            for incident in incidents if incident.category in LEGAL_SITUATION_INCIDENTS
        ]
    if DataCategory.HISTORY in categories:
        data[DataCategory.HISTORY] = [
            {"category": incident.category, "on": _iso(incident.occurred_on), "description": incident.description}
            for incident in incidents if incident.category not in LEGAL_SITUATION_INCIDENTS
        ]
    if DataCategory.HOUSEHOLD in categories:
        data[DataCategory.HOUSEHOLD] = [
            {"relationship": member.relationship, "sex": member.sex,
             "birth_year": member.date_of_birth.year if member.date_of_birth else None}
            for member in case.people.exclude(pk=person.pk).order_by("pk")
        ]
    if DataCategory.RELATIVES in categories:
        # Relationship and what happened to them; relatives' names never travel.
        data[DataCategory.RELATIVES] = [
            {"relationship": relative.relationship, "status": relative.status,
             "since": _iso(relative.status_since)}
            for relative in case.relatives.order_by("pk")
        ]
    if DataCategory.RISK in categories:
        explanation = case.risk_assessment.explanation if case.risk_assessment_id else None
        data[DataCategory.RISK] = {
            "level": case.risk_level or "",
            "factors": [fired["factor"] for fired in explanation["fired"]] if explanation else [],
        }
    return data


def deidentified_summary(*, case, person, categories, purpose, priority, services) -> dict:
    """Stage one of a legal referral: country, legal posture, issue, language, urgency. No identity."""
    categories = set(categories)
    summary = {"country": case.host_country, "purpose": purpose, "priority": priority, "services": list(services)}
    if DataCategory.LANGUAGES in categories:
        summary["languages"] = list(person.languages or [])
    if DataCategory.LEGAL_SITUATION in categories:
        summary["legal_posture"] = [
            {"category": category, "on": _iso(on)}
            for category, on in case.incidents.filter(category__in=LEGAL_SITUATION_INCIDENTS)
            .order_by("occurred_on", "pk").values_list("category", "occurred_on")
        ]
    if DataCategory.LEGAL_STATUS in categories:
        summary["status_deadlines"] = [
            {"permit": permit, "valid_until": _iso(until)}
            for permit, until in person.legal_statuses.exclude(valid_until=None)
            .order_by("valid_until").values_list("permit_type", "valid_until")
        ]
    if DataCategory.RISK in categories:
        summary["risk_level"] = case.risk_level or ""
    return summary


# --- Display: codes to words in the reader's language -------------------------------------------

def _label(choices, code):
    try:
        return choices(code).label
    except ValueError:
        return code or "—"


def _pairs_label(pairs, code):
    return dict(pairs).get(code, code)


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


def _rows_of_incidents(items):
    return [[_label(IncidentCategory, item["category"]), _date(item["on"]), item.get("description", "")]
            for item in items]


def display_sections(shared: dict) -> list[dict]:
    """The shared data as titled sections of rows; only categories present in `shared` appear."""
    sections = []

    def add(category, rows, columns=None):
        sections.append({"category": category, "title": DataCategory(category).label, "rows": rows,
                         "columns": columns})

    if DataCategory.NAMES in shared:
        script_labels = dict(NAME_SCRIPTS)
        add(DataCategory.NAMES, [[script_labels.get(n["script"], n["script"]), n["given"], n["father"], n["other"]]
                                 for n in shared[DataCategory.NAMES]],
            [_("Script"), _("Given name"), _("Father's name"), _("Other names")])
    if DataCategory.BIRTH in shared:
        birth = shared[DataCategory.BIRTH]
        add(DataCategory.BIRTH, [[_("Date of birth"), _date(birth["date"]), _label(DatePrecision, birth["precision"])],
                                 [_("Place of birth"), birth["place"], ""]])
    if DataCategory.SEX in shared:
        add(DataCategory.SEX, [[_("Sex"), _label(Sex, shared[DataCategory.SEX])]])
    if DataCategory.LANGUAGES in shared:
        add(DataCategory.LANGUAGES, [[_pairs_label(LANGUAGES_SPOKEN, code)] for code in shared[DataCategory.LANGUAGES]])
    if DataCategory.CONTACT in shared:
        contact = shared[DataCategory.CONTACT]
        rows = [[_("Phone number"), phone["number"], "" if phone["safe"] else _("not safe to call")]
                for phone in contact["phones"]]
        if contact["method"]:
            rows.append([_("Safe contact method"), _label(ContactMethod, contact["method"]), ""])
        if contact["precautions"]:
            rows.append([_("Contact precautions"), contact["precautions"], ""])
        add(DataCategory.CONTACT, rows)
    if DataCategory.LOCATION in shared:
        add(DataCategory.LOCATION, [[_("City"), shared[DataCategory.LOCATION]["city"]]])
    if DataCategory.UNHCR in shared:
        unhcr = shared[DataCategory.UNHCR]
        add(DataCategory.UNHCR, [[_("UNHCR status"), _label(UnhcrStatus, unhcr["status"])],
                                 [_("UNHCR number"), unhcr["number"]],
                                 [_("Registered on"), _date(unhcr["registered_on"])]])
    if DataCategory.DOCUMENTS in shared:
        add(DataCategory.DOCUMENTS, [
            [_label(DocumentType, d["type"]), d["number"], _pairs_label(COUNTRIES, d["issuing_country"]),
             _date(d["issued_on"]), _date(d["expires_on"]), d["name_as_printed"]]
            for d in shared[DataCategory.DOCUMENTS]
        ], [_("Document"), _("Number"), _("Issuing country"), _("Issued on"), _("Expires on"), _("Name as printed")])
    if DataCategory.LEGAL_STATUS in shared:
        add(DataCategory.LEGAL_STATUS, [
            [_label(PermitType, s["permit"]), _date(s["valid_from"]), _date(s["valid_until"])]
            for s in shared[DataCategory.LEGAL_STATUS]
        ], [_("Permit"), _("Valid from"), _("Valid until")])
    if DataCategory.LEGAL_SITUATION in shared:
        add(DataCategory.LEGAL_SITUATION, _rows_of_incidents(shared[DataCategory.LEGAL_SITUATION]),
            [_("Event"), _("Date"), _("What happened")])
    if DataCategory.HISTORY in shared:
        add(DataCategory.HISTORY, _rows_of_incidents(shared[DataCategory.HISTORY]),
            [_("Event"), _("Date"), _("What happened")])
    if DataCategory.HOUSEHOLD in shared:
        add(DataCategory.HOUSEHOLD, [
            [_label(HouseholdRelationship, m["relationship"]), _label(Sex, m["sex"]), m["birth_year"] or "—"]
            for m in shared[DataCategory.HOUSEHOLD]
        ], [_("Relationship"), _("Sex"), _("Year of birth")])
    if DataCategory.RELATIVES in shared:
        add(DataCategory.RELATIVES, [
            [_label(RelativeRelationship, r["relationship"]), _label(RelativeStatus, r["status"]), _date(r["since"])]
            for r in shared[DataCategory.RELATIVES]
        ], [_("Relationship"), _("Status"), _("Since")])
    if DataCategory.RISK in shared:
        risk = shared[DataCategory.RISK]
        rows = [[_("Refoulement risk level"), _label(RiskLevel, risk["level"]) if risk["level"] else "—"]]
        rows += [[_("Risk factor"), rules.FACTORS[code].label] for code in risk["factors"] if code in rules.FACTORS]
        add(DataCategory.RISK, rows)
    return sections


def display_summary(summary: dict) -> list[list]:
    """The de-identified summary as (label, value) rows."""
    rows = [
        [_("Host country"), _pairs_label(COUNTRIES, summary.get("country", ""))],
        [_("Type of referral"), _label(Purpose, summary.get("purpose", ""))],
        [_("Priority"), _label(ReferralPriority, summary.get("priority", ""))],
        [_("Services requested"), ", ".join(str(_label(ServiceType, code)) for code in summary.get("services", []))],
    ]
    if "languages" in summary:
        rows.append([_("Languages spoken"),
                     ", ".join(str(_pairs_label(LANGUAGES_SPOKEN, code)) for code in summary["languages"]) or "—"])
    for item in summary.get("legal_posture", []):
        rows.append([_label(IncidentCategory, item["category"]), _date(item["on"])])
    for item in summary.get("status_deadlines", []):
        rows.append([_("Status valid until"), _date(item["valid_until"])])
    if "risk_level" in summary:
        rows.append([_("Refoulement risk level"), _label(RiskLevel, summary["risk_level"]) if summary["risk_level"]
                     else "—"])
    return rows
