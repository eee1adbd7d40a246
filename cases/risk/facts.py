"""What the rules read, loaded for many cases at once in a fixed number of queries.

The engine never touches the ORM: it gets these plain tuples, so one case costs the same
whether it is recomputed alone after an edit or as one of 100,000 in the daily run.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from cases.choices import DocumentType
from cases.models import (
    Case,
    CountryProfile,
    CountryReturn,
    IdentityDocument,
    Incident,
    LegalStatus,
    Person,
    Relative,
)
from cases.models.risk import COUNTRY_FACT_NAMES


class IncidentFact(NamedTuple):
    id: int
    category: str
    occurred_on: datetime.date
    country: str
    domestic_remedy_remaining: str


class PersonFact(NamedTuple):
    id: int
    relationship: str
    date_of_birth: datetime.date | None


class DocumentFact(NamedTuple):
    id: int
    person_id: int
    document_type: str
    expires_on: datetime.date | None


class LegalStatusFact(NamedTuple):
    id: int
    person_id: int
    permit_type: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None


class RelativeFact(NamedTuple):
    id: int
    status: str
    status_since: datetime.date | None


@dataclass
class CaseFacts:
    case_id: int
    host_country: str
    status: str
    unhcr_status: str
    risk_level: str
    current_digest: str
    current_level_rules: tuple[str, ...] = ()
    incidents: list[IncidentFact] = field(default_factory=list)
    people: list[PersonFact] = field(default_factory=list)
    documents: list[DocumentFact] = field(default_factory=list)
    legal_statuses: list[LegalStatusFact] = field(default_factory=list)
    relatives: list[RelativeFact] = field(default_factory=list)


class ReturnFact(NamedTuple):
    id: int
    year: int
    source: str


@dataclass
class CountryFacts:
    country: str
    profile_id: int
    facts: dict  # fact name -> (value, as_of, source)
    returns: list[ReturnFact]


# Only these documents matter to the rules; loading every document would be wasted work.
RISK_DOCUMENT_TYPES = [DocumentType.PRC_PASSPORT, DocumentType.RETURN_TRAVEL_DOCUMENT]


def load_case_facts(case_ids, *, lock: bool = False) -> dict[int, CaseFacts]:
    """Facts of the given cases in six queries, whatever their number (callers chunk the ids).

    With `lock`, the case rows are locked (in id order) by the first query, inside the caller's
    transaction: an assessment is then never written from facts older than another one's.
    """
    facts = {}
    cases = Case.objects.filter(pk__in=case_ids).order_by("pk")
    if lock:
        cases = cases.select_for_update(of=("self",))
    rows = cases.values_list(
        "pk", "host_country", "status", "unhcr_status", "risk_level",
        "risk_assessment__digest", "risk_assessment__explanation__level_rules",
    )
    for pk, country, status, unhcr_status, level, digest, level_rules in rows:
        facts[pk] = CaseFacts(
            case_id=pk, host_country=country, status=status, unhcr_status=unhcr_status,
            risk_level=level or "", current_digest=digest or "", current_level_rules=tuple(level_rules or ()),
        )
    ids = list(facts)
    for row in Incident.objects.filter(case_id__in=ids).values_list(
        "case_id", "pk", "category", "occurred_on", "country", "domestic_remedy_remaining",
    ).order_by("occurred_on", "pk"):
        facts[row[0]].incidents.append(IncidentFact(*row[1:]))
    people_case = {}
    # order_by(): the models' default orderings would add joins and sorts nobody needs here.
    for case_id, pk, relationship, dob in Person.objects.filter(case_id__in=ids).order_by().values_list(
        "case_id", "pk", "relationship", "date_of_birth",
    ):
        people_case[pk] = case_id
        facts[case_id].people.append(PersonFact(pk, relationship, dob))
    for case_id, *row in IdentityDocument.objects.filter(
        person__case_id__in=ids, document_type__in=RISK_DOCUMENT_TYPES,
    ).order_by().values_list("person__case_id", "pk", "person_id", "document_type", "expires_on"):
        facts[case_id].documents.append(DocumentFact(*row))
    for case_id, *row in LegalStatus.objects.filter(person__case_id__in=ids).order_by().values_list(
        "person__case_id", "pk", "person_id", "permit_type", "valid_from", "valid_until",
    ):
        facts[case_id].legal_statuses.append(LegalStatusFact(*row))
    for case_id, *row in Relative.objects.filter(case_id__in=ids).order_by().values_list(
        "case_id", "pk", "status", "status_since",
    ):
        facts[case_id].relatives.append(RelativeFact(*row))
    return facts


def load_country_facts() -> dict[str, CountryFacts]:
    """Every country profile with its documented returns: two queries, a few dozen rows."""
    fields = ["pk", "country"]
    for name in COUNTRY_FACT_NAMES:
        fields += [name, f"{name}_as_of", f"{name}_source"]
    countries = {}
    for row in CountryProfile.objects.order_by().values(*fields):
        countries[row["country"]] = CountryFacts(
            country=row["country"],
            profile_id=row["pk"],
            facts={name: (row[name], row[f"{name}_as_of"], row[f"{name}_source"]) for name in COUNTRY_FACT_NAMES},
            returns=[],
        )
    by_profile = defaultdict(list)
    for pk, profile_id, year, source in CountryReturn.objects.order_by().values_list(
        "pk", "profile_id", "year", "source",
    ):
        by_profile[profile_id].append(ReturnFact(pk, year, source))
    for country in countries.values():
        country.returns = sorted(by_profile[country.profile_id], key=lambda r: -r.year)
    return countries


__all__ = ["CaseFacts", "CountryFacts", "load_case_facts", "load_country_facts"]
