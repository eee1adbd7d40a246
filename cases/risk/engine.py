"""Evaluate the rule book (`cases.risk.rules`) against one case's facts. Pure: no database, no clock.

`evaluate` returns an Outcome that says the level, the score and exactly why: each fired factor
with the records behind it, the level rules that decided, what is missing, and what to do.
"""

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from cases.choices import CaseStatus, RiskLevel
from cases.risk import rules
from cases.risk.facts import CaseFacts, CountryFacts
from cases.risk.signals import Evidence, Fired, case_factors, vulnerabilities

# Facts about a country that add points when they hold, and the value that makes them hold.
_COUNTRY_FACT_FACTORS = [
    ("sco_member", {"yes": "C3"}),
    ("refugee_convention", {"not_party": "C4", "party_geographic_limitation": "C4"}),
    ("asylum_exclusion", {"yes": "C5"}),
    ("prc_officials_at_arrests", {"yes": "C6"}),
    ("unhcr_access", {"access_denied": "C7", "no_presence": "C7"}),
    ("chain_refoulement", {"yes": "C8"}),
    ("extradition_treaty", {"in_force": "C2", "signed": "C2b"}),
]
# Case statuses the engine assesses; a resettled, departed or closed case is no longer at risk here.
ASSESSED_STATUSES = {CaseStatus.OPEN, CaseStatus.ACTIVE, CaseStatus.DORMANT, CaseStatus.LOST_CONTACT}


@dataclass
class CountryOutcome:
    score: float
    fired: list[Fired]
    missing: list[str]


@dataclass
class Outcome:
    level: str
    score: float
    country_score: float
    fired: list[Fired]
    level_rules: list[str]
    missing: list[str]
    actions: list[str]
    vulnerabilities: list[str]
    as_of: datetime.date
    country: str = ""
    _explanation: dict = field(default=None, repr=False)

    @property
    def overrides(self) -> list[str]:
        return self.level_rules if self.level == RiskLevel.IMMINENT else []

    def explanation(self) -> dict:
        if self._explanation is None:
            case_points = sum(f.points for f in self.fired if rules.FACTORS[f.factor].scope == "case")
            mitigation = sum(f.points for f in self.fired if rules.FACTORS[f.factor].scope == "mitigation")
            self._explanation = {
                "level": str(self.level),
                "score": self.score,
                "breakdown": {"country": self.country_score, "case": case_points, "mitigation": mitigation},
                "level_rules": self.level_rules,
                "overrides": self.overrides,
                "fired": [
                    {"factor": f.factor, "points": f.points, "decayed": f.decayed,
                     "evidence": [e.as_json() for e in f.evidence]}
                    for f in self.fired
                ],
                "missing": self.missing,
                "actions": self.actions,
                "vulnerabilities": self.vulnerabilities,
                "country": self.country,
            }
        return self._explanation

    def digest(self) -> str:
        """Identifies the outcome, not the day it was computed: an unchanged outcome writes no history."""
        return hashlib.sha256(json.dumps(self.explanation(), sort_keys=True).encode()).hexdigest()


def evaluate_country(country: CountryFacts | None, today: datetime.date) -> CountryOutcome:
    if country is None:
        return CountryOutcome(0, [], ["no_country_profile"])
    fired, missing = [], []
    recent = [r for r in country.returns if r.year >= today.year - rules.RECENT_RETURN_YEARS]
    if recent or country.returns:
        fired.append(Fired("C1" if recent else "C1b", [
            Evidence("country_return", r.id, datetime.date(r.year, 1, 1), source=r.source)
            for r in (recent or country.returns)
        ]))
    for name, factor_by_value in _COUNTRY_FACT_FACTORS:
        value, as_of, source = country.facts[name]
        if value == "unknown" and "country_facts_unknown" not in missing:
            missing.append("country_facts_unknown")
        if value in factor_by_value:
            fired.append(Fired(factor_by_value[value], [Evidence("country", country.profile_id, as_of, name, source)]))
    fired.sort(key=lambda f: list(rules.FACTORS).index(f.factor))
    return CountryOutcome(sum(f.points for f in fired), fired, missing)


def evaluate(
    case: CaseFacts,
    country: CountryOutcome,
    today: datetime.date,
    *,
    country_score: Callable[[str], float | None],
) -> Outcome:
    """Assess one case. `country_score(code)` (None: no profile) judges planned travel."""
    fired: list[Fired] = list(country.fired)
    missing: list[str] = list(country.missing)
    case_fired = case_factors(case, today, country_score, missing, host_country_score=country.score)
    fired += case_fired
    fired_ids = {f.factor for f in fired}
    score = max(0.0, float(sum(f.points for f in fired)))
    level, level_rules = _level(fired_ids, score, country.score)
    actions = list(rules.LEVEL_ACTIONS[level])
    for f in case_fired:
        actions += [code for code in rules.FACTORS[f.factor].actions if code not in actions]
    return Outcome(
        level=level, score=score, country_score=float(country.score), fired=fired, level_rules=level_rules,
        missing=missing, actions=actions, vulnerabilities=vulnerabilities(case, today), as_of=today,
        country=case.host_country,
    )


def _level(fired_ids, score, country_score):
    for level in rules.LEVEL_ORDER:
        matched = [rule.id for rule in rules.LEVEL_RULES if rule.level == level and _matches(rule, fired_ids, score,
                                                                                              country_score)]
        if matched:
            return level, matched
    return RiskLevel.LOW, []


def _matches(rule, fired_ids, score, country_score):
    if rule.all_of and not all(factor in fired_ids for factor in rule.all_of):
        return False
    if rule.any_of and not any(factor in fired_ids for factor in rule.any_of):
        return False
    if rule.country_score_at_least is not None and country_score < rule.country_score_at_least:
        return False
    return rule.score_at_least is None or score >= rule.score_at_least
