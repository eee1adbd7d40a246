"""Recompute refoulement risk: one case after an edit, or many in the daily run.

Every service that writes a fact the rules read calls `risk_recompute` in its own transaction,
so the level on the case page is never older than the data under it. A new RiskAssessment row is
written only when the outcome changes; alerts follow from the change (`cases.services.alerts`).
"""

import datetime
import logging

from django.db import transaction
from django.db.models import OuterRef, Subquery

from cases import clock, permissions, revisions, tasks
from cases.audit import acting_as
from cases.choices import AssessmentReason
from cases.models import Case, CountryProfile, RiskAssessment, RiskRuleSet
from cases.risk import rules
from cases.risk.engine import ASSESSED_STATUSES, CountryOutcome, Outcome, evaluate, evaluate_country
from cases.risk.facts import CaseFacts, load_case_facts, load_country_facts
from cases.services import alerts

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000


Reason = AssessmentReason


_rule_set_cache: dict[str, RiskRuleSet] = {}


def current_rule_set() -> RiskRuleSet:
    """The RiskRuleSet row for the rules in this code, recorded (and audited) the first time they run."""
    fingerprint = rules.rule_set_fingerprint()
    cached = _rule_set_cache.get(fingerprint)
    # Checked, not trusted: a test rolls the row back; the check is one indexed lookup.
    if cached is not None and RiskRuleSet.objects.filter(pk=cached.pk).exists():
        return cached
    rule_set, _created = RiskRuleSet.objects.get_or_create(
        fingerprint=fingerprint, defaults={"specification": rules.specification()},
    )
    _rule_set_cache.clear()
    _rule_set_cache[fingerprint] = rule_set
    return rule_set


class _Evaluator:
    """Country outcomes for one run, each computed once and only when a case needs it."""

    def __init__(self, today: datetime.date):
        self.today = today
        self.facts = load_country_facts()
        self.countries: dict[str, CountryOutcome] = {}

    def country(self, code: str) -> CountryOutcome:
        if code not in self.countries:
            self.countries[code] = evaluate_country(self.facts.get(code), self.today)
        return self.countries[code]

    def country_score(self, code: str) -> float | None:
        return self.country(code).score if code in self.facts else None

    def __call__(self, facts: CaseFacts) -> Outcome:
        return evaluate(facts, self.country(facts.host_country), self.today, country_score=self.country_score)


def risk_recompute(*, case: Case, reason: str = Reason.CASE_CHANGED) -> RiskAssessment | None:
    """Re-assess one case now. Call it inside the transaction that changed one of its facts."""
    with transaction.atomic():
        today = clock.today()
        written = _assess_chunk([case.pk], _Evaluator(today), reason=reason, today=today)
    return written[0] if written else None


def risk_recompute_many(*, case_ids=None, reason: str = Reason.DAILY) -> dict:
    """Re-assess many cases (all when `case_ids` is None) in chunks; return what was done."""
    today = clock.today()
    evaluate_case = _Evaluator(today)
    if case_ids is None:
        case_ids = Case.objects.order_by("pk").values_list("pk", flat=True)
    ids = list(case_ids)
    written = 0
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start:start + CHUNK_SIZE]
        with transaction.atomic():
            written += len(_assess_chunk(chunk, evaluate_case, reason=reason, today=today))
    return {"cases": len(ids), "changed": written}


def _assess_chunk(case_ids, evaluate_case, *, reason: str, today: datetime.date) -> list[RiskAssessment]:
    # Locks the case rows first: this serialises with the daily run and with other edits of the
    # same cases, so an assessment never overwrites one computed from newer facts.
    facts_by_case = load_case_facts(case_ids, lock=True)
    rule_set = current_rule_set()
    new_assessments, previous, cleared = [], {}, []
    for facts in facts_by_case.values():
        if facts.status not in ASSESSED_STATUSES:
            if facts.risk_level:
                cleared.append(facts.case_id)
            continue
        outcome = evaluate_case(facts)
        digest = outcome.digest()
        if digest == facts.current_digest:
            continue
        previous[facts.case_id] = facts
        new_assessments.append(RiskAssessment(
            case_id=facts.case_id,
            level=outcome.level,
            previous_level=facts.risk_level,
            score=round(outcome.score, 1),
            country_score=round(outcome.country_score, 1),
            explanation=outcome.explanation(),
            digest=digest,
            rule_set=rule_set,
            reason=reason,
            assessed_on=today,
        ))
    if cleared:
        # A resettled, departed or closed case is no longer assessed; its history stays, and
        # its open alerts close with it rather than escalate for a case nobody works.
        Case.objects.filter(pk__in=cleared).update(risk_level="", risk_assessment=None)
        revisions.bump_many(cleared)
        alerts.alerts_close_with_case(case_ids=cleared)
    if not new_assessments:
        return []
    RiskAssessment.objects.bulk_create(new_assessments)
    # One statement per chunk: point each case at the assessment just written for it (the case
    # rows are locked, so the newest assessment of each is this run's).
    # By id, not time: clocks of several hosts need not agree, ids only grow.
    newest = RiskAssessment.objects.filter(case=OuterRef("pk")).order_by("-pk")
    Case.objects.filter(pk__in=[a.case_id for a in new_assessments]).update(
        risk_assessment=Subquery(newest.values("pk")[:1]), risk_level=Subquery(newest.values("level")[:1]),
    )
    revisions.bump_many(a.case_id for a in new_assessments)  # the risk documents print has changed
    with_open_alerts = alerts.cases_with_open_alerts([a.case_id for a in new_assessments])
    routing = alerts.Routing()
    to_open, level_only = [], []
    for assessment in new_assessments:
        facts = previous[assessment.case_id]
        news = alerts.may_open_alert(
            assessment=assessment, previous_level=facts.risk_level, previous_level_rules=facts.current_level_rules,
        )
        if assessment.case_id in with_open_alerts and news:
            alerts.alert_follow_assessment(
                assessment=assessment, previous_level=facts.risk_level,
                previous_level_rules=facts.current_level_rules, routing=routing,
            )
        elif assessment.case_id in with_open_alerts:
            level_only.append(assessment)  # the common case after a rules or date change
        elif news:
            to_open.append(assessment)
    alerts.alerts_follow_levels(assessments=level_only)
    alerts.alerts_open(assessments=to_open, routing=routing)
    return new_assessments


@transaction.atomic
def country_profile_save(*, actor, profile: CountryProfile, reassess: bool = True) -> CountryProfile:
    """Save an administrator's edit of a country profile (audited); the re-assessment follows."""
    permissions.require(permissions.can_edit_country_profiles(actor))
    with acting_as(actor):
        if profile.pk:
            profile.version += 1
        profile.full_clean(exclude=["version"])
        profile.save()
    if reassess:
        country_profile_changed(country=profile.country)
    return profile


def country_profile_changed(*, country: str) -> None:
    """Re-assess the country's cases in the background once the change is committed."""
    transaction.on_commit(lambda: tasks.enqueue_risk_recompute_country(country), robust=True)
