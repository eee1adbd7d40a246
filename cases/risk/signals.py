"""Case factors: which signals in one case's facts fire which rule of the rule book, with evidence.

Read by `cases.risk.engine`; pure, like it. Each function adds `Fired` factors naming the
records (incident, document, legal status, relative, case) and dates behind them.
"""

import datetime
from dataclasses import dataclass

from cases.choices import (
    CaseStatus,
    DocumentType,
    HouseholdRelationship,
    IncidentCategory,
    PermitType,
    RelativeStatus,
    RemedyRemaining,
    UnhcrStatus,
)
from cases.risk import rules
from cases.risk.facts import CaseFacts

Category = IncidentCategory
_DETAINED_RELATIVE = {RelativeStatus.DETAINED_CAMP, RelativeStatus.IMPRISONED, RelativeStatus.DISAPPEARED}
_PROTECTED_PERMITS = {PermitType.REFUGEE, PermitType.INTERNATIONAL_PROTECTION}


@dataclass(frozen=True)
class Evidence:
    record: str  # incident, document, legal_status, relative, case, country, country_return
    id: int | None
    date: datetime.date | None = None
    code: str = ""
    source: str = ""

    def as_json(self):
        """[record, id, date, code]: compact, because 100,000 assessments each store their evidence.
        Sources of country facts are not copied into every assessment: the profile (and its
        audit history) holds them, and `selectors.risk_explanation` looks them up."""
        return [self.record, self.id, self.date.isoformat() if self.date else None, self.code]


@dataclass
class Fired:
    factor: str
    evidence: list[Evidence]
    decayed: bool = False

    @property
    def points(self) -> float:
        base = rules.FACTORS[self.factor].points
        return base * rules.DECAY_FACTOR if self.decayed else base


def _incident(i):
    return Evidence("incident", i.id, i.occurred_on, i.category)


def _key(incident):
    return (incident.occurred_on, incident.id)


def case_factors(case: CaseFacts, today, country_score, missing, *, host_country_score: float) -> list[Fired]:
    fired = []
    by_category: dict[str, list] = {}
    for incident in case.incidents:  # loaded in (date, id) order
        by_category.setdefault(incident.category, []).append(incident)

    def events(category):
        return by_category.get(category, [])

    def add(factor, evidence, decayed=False):
        fired.append(Fired(factor, evidence, decayed))

    # Custody: the latest arrest counts unless a release was recorded after it. Signals of the
    # custody episode (transfer, deportation preparation, PRC officials, refused access) count
    # only if nothing says they were overtaken by a release.
    last_custody = events(Category.CUSTODY)[-1] if events(Category.CUSTODY) else None
    last_release = events(Category.RELEASED)[-1] if events(Category.RELEASED) else None
    in_custody = last_custody is not None and (last_release is None or _key(last_release) < _key(last_custody))
    if in_custody:
        add("P1", [_incident(last_custody)])

    def since_release(category):
        return [i for i in events(category) if last_release is None or _key(i) > _key(last_release)]

    orders = events(Category.REMOVAL_ORDER)
    suspensions = events(Category.REMOVAL_ORDER_SUSPENDED)
    if orders and not (suspensions and _key(suspensions[-1]) > _key(orders[-1])):
        add("P2", [_incident(orders[-1])])

    extradition = [i for i in case.incidents if i.category in (
        Category.EXTRADITION_REQUEST, Category.EXTRADITION_APPROVED, Category.EXTRADITION_REFUSED)]
    if extradition:
        latest = extradition[-1]
        if latest.category == Category.EXTRADITION_REFUSED:
            add("MF3", [_incident(latest)])
        else:
            approvals = [i for i in extradition if i.category == Category.EXTRADITION_APPROVED]
            refusals = [i for i in extradition if i.category == Category.EXTRADITION_REFUSED]

            def after(i):
                return not refusals or _key(i) > _key(refusals[-1])

            live_approvals = [i for i in approvals if after(i)]
            if live_approvals:
                approval = live_approvals[-1]
                if approval.domestic_remedy_remaining == RemedyRemaining.NO:
                    add("P3c", [_incident(approval)])
                else:
                    add("P3b", [_incident(approval)])
                    if approval.domestic_remedy_remaining != RemedyRemaining.YES:
                        missing.append("remedy_unknown")
            else:
                add("P3a", [_incident(i) for i in extradition if i.category == Category.EXTRADITION_REQUEST
                            and after(i)][-1:])

    if events(Category.RED_NOTICE):
        add("P4", [_incident(i) for i in events(Category.RED_NOTICE)])
    # Outside custody these signals have a horizon of hours to days (domain brief §1.7): an old
    # one is not counted, but flagged, because only a person can say whether it still applies.
    window_start = today - datetime.timedelta(days=rules.UNCONFIRMED_SIGNAL_DAYS)
    for factor, category in (("P5", Category.TRANSFER), ("P6", Category.DEPORTATION_PREPARATION),
                             ("P7", Category.PRC_OFFICIALS), ("P8", Category.ACCESS_DENIED)):
        current = since_release(category)
        if not in_custody:
            stale = [i for i in current if i.occurred_on < window_start]
            current = [i for i in current if i.occurred_on >= window_start]
            if stale and "stale_signal" not in missing:
                missing.append("stale_signal")
        if current:
            add(factor, [_incident(i) for i in current])

    _status_factors(case, today, add, missing, events, host_country_score)
    _document_factors(case, today, add, missing, events)

    if case.unhcr_status in (UnhcrStatus.NONE, UnhcrStatus.REJECTED):
        add("P12a", [Evidence("case", case.case_id, None, case.unhcr_status)])
    elif case.unhcr_status == UnhcrStatus.WITHDRAWN:
        add("P12b", [Evidence("case", case.case_id, None, case.unhcr_status)])

    def decaying(factor, evidence, dates):
        latest = max(dates) if dates and all(dates) else None
        decayed = latest is not None and (today - latest).days > rules.DECAY_AFTER_DAYS
        add(factor, evidence, decayed)

    if events(Category.PRC_CONTACT):
        decaying("P13", [_incident(i) for i in events(Category.PRC_CONTACT)],
                 [i.occurred_on for i in events(Category.PRC_CONTACT)])
    detained = [r for r in case.relatives if r.status in _DETAINED_RELATIVE]
    pressured = events(Category.RELATIVES_PRESSURED)
    if detained or pressured:
        if any(r.status_since is None for r in detained):
            missing.append("relative_status_date_unknown")
        decaying(
            "P14",
            [Evidence("relative", r.id, r.status_since, r.status) for r in detained]
            + [_incident(i) for i in pressured],
            [r.status_since for r in detained] + [i.occurred_on for i in pressured],
        )
    if not case.relatives:
        missing.append("no_relatives")
    if events(Category.PUBLIC_PROFILE):
        decaying("P15", [_incident(i) for i in events(Category.PUBLIC_PROFILE)],
                 [i.occurred_on for i in events(Category.PUBLIC_PROFILE)])
    for factor, category in (("P16", Category.TERRORISM_ACCUSATION), ("P18", Category.NATIONALITY_MISATTRIBUTION),
                             ("P19", Category.DEVICE_COMPROMISE)):
        if events(category):
            add(factor, [_incident(i) for i in events(category)])
    def risky_destination(code):
        # Conservative: an unnamed destination, or one without a profile, counts as risky.
        score = country_score(code) if code and code != "CN" else None
        return score is None or score >= rules.RISKY_COUNTRY_SCORE

    travel = [i for i in events(Category.PLANNED_TRAVEL) if i.occurred_on >= today and risky_destination(i.country)]
    if travel:
        add("P17", [_incident(i) for i in travel])
    if events(Category.RESETTLEMENT_ACCEPTED):
        add("MF2", [_incident(events(Category.RESETTLEMENT_ACCEPTED)[-1])])
    if case.status == CaseStatus.LOST_CONTACT:
        missing.append("custody_unknown")
    fired.sort(key=lambda f: list(rules.FACTORS).index(f.factor))
    return fired


def _current(status, today):
    return (status.valid_from is None or status.valid_from <= today) and (
        status.valid_until is None or status.valid_until >= today
    )


def _status_factors(case, today, add, missing, events, host_country_score):
    """P9, P10, MF1 and MF4 from each person's permits to stay (and cancellations) in the host country."""
    statuses_by_person: dict[int, list] = {}
    for status in case.legal_statuses:
        statuses_by_person.setdefault(status.person_id, []).append(status)
    principal = next((p for p in case.people if p.relationship == HouseholdRelationship.PRINCIPAL), None)
    if principal is not None and principal.id not in statuses_by_person:
        missing.append("no_legal_status")
    no_status, expiring_30, expiring_90 = [], [], []
    for person_id, statuses in statuses_by_person.items():
        current = [s for s in statuses if _current(s, today) and s.permit_type != PermitType.NONE]
        if not current:
            latest = max(statuses, key=lambda s: (s.valid_from or datetime.date.min, s.id))
            no_status.append(Evidence("legal_status", latest.id, latest.valid_until, latest.permit_type))
            continue
        # The longest-lasting current permit is what keeps the person lawfully in the country.
        lasting = max(current, key=lambda s: s.valid_until or datetime.date.max)
        if lasting.valid_until is not None:
            days_left = (lasting.valid_until - today).days
            evidence = Evidence("legal_status", lasting.id, lasting.valid_until, lasting.permit_type)
            if days_left <= 30:
                expiring_30.append(evidence)
            elif days_left <= 90:
                expiring_90.append(evidence)
        if principal is not None and person_id == principal.id:
            if case.unhcr_status == UnhcrStatus.RECOGNISED:
                protected = [s for s in current if s.permit_type in _PROTECTED_PERMITS]
                if protected:
                    add("MF1", [Evidence("legal_status", protected[0].id, protected[0].valid_from,
                                        protected[0].permit_type)])
            citizen = [s for s in current if s.permit_type == PermitType.CITIZEN]
            # Citizenship protects where the law holds; in a country that itself returns Uyghurs
            # (country score 3 or more) it is no mitigation (domain brief §1.7).
            if citizen and host_country_score < rules.RISKY_COUNTRY_SCORE:
                add("MF4", [Evidence("legal_status", citizen[0].id, citizen[0].valid_from, citizen[0].permit_type)])
    principal_since = max(
        (s.valid_from for s in statuses_by_person.get(principal.id if principal else None, []) if s.valid_from),
        default=None,
    )
    cancellations = [i for i in events(Category.RESIDENCE_CANCELLED)
                     if principal_since is None or i.occurred_on >= principal_since]
    if no_status or cancellations:
        add("P9", no_status + [_incident(i) for i in cancellations])
    if expiring_30:
        add("P10a", expiring_30)
    elif expiring_90:
        add("P10b", expiring_90)


def _document_factors(case, today, add, missing, events):
    """P11a/b/c from Chinese passports and return-only travel documents."""
    passports_by_person: dict[int, list] = {}
    return_documents = []
    for document in case.documents:
        if document.document_type == DocumentType.PRC_PASSPORT:
            passports_by_person.setdefault(document.person_id, []).append(document)
        elif document.document_type == DocumentType.RETURN_TRAVEL_DOCUMENT:
            return_documents.append(document)
    principal = next((p for p in case.people if p.relationship == HouseholdRelationship.PRINCIPAL), None)
    if principal is not None and principal.id not in passports_by_person and not return_documents:
        missing.append("no_passport")
    expired, expiring = [], []
    for passports in passports_by_person.values():
        if any(p.expires_on is None for p in passports) and "passport_expiry_unknown" not in missing:
            missing.append("passport_expiry_unknown")
        dated = [p for p in passports if p.expires_on is not None]
        if not dated:
            continue
        newest = max(dated, key=lambda p: p.expires_on)
        evidence = Evidence("document", newest.id, newest.expires_on, newest.document_type)
        if newest.expires_on < today:
            expired.append(evidence)
        elif (newest.expires_on - today).days <= 180:
            expiring.append(evidence)
    if expired:
        add("P11a", expired)
    elif expiring:
        add("P11b", expiring)
    offers = events(Category.RETURN_DOCUMENT_OFFERED)
    if return_documents or offers:
        add("P11c", [Evidence("document", d.id, d.expires_on, d.document_type) for d in return_documents]
            + [_incident(i) for i in offers])


def vulnerabilities(case, today):
    found = []
    for person in case.people:
        dob = person.date_of_birth
        if dob is not None:
            age = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
            if age < rules.CHILD_AGE and "child" not in found:
                found.append("child")
    return found
