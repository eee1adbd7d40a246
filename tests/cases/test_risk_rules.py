"""The rule book, rule by rule and boundary by boundary. The engine is pure, so no database here."""

import datetime

import pytest

from cases.choices import RiskLevel
from cases.risk import rules
from cases.risk.engine import evaluate, evaluate_country
from cases.risk.facts import (
    CaseFacts,
    CountryFacts,
    DocumentFact,
    IncidentFact,
    LegalStatusFact,
    PersonFact,
    RelativeFact,
    ReturnFact,
)

TODAY = datetime.date(2026, 11, 28)
PRINCIPAL_ID = 10
QUIET_FACTS = {name: ("no", None, "") for name in (
    "sco_member", "asylum_exclusion", "prc_officials_at_arrests", "chain_refoulement", "cat_party")}
QUIET_FACTS.update({
    "extradition_treaty": ("none", None, ""), "refugee_convention": ("party", None, ""),
    "unhcr_access": ("access", None, ""),
})


def days(n):
    return TODAY + datetime.timedelta(days=n)


def country(returns=(), **facts):
    """A country profile: by default every fact known and harmless (country score 0)."""
    values = dict(QUIET_FACTS)
    values.update({name: (value, TODAY, f"https://example.org/{name}") for name, value in facts.items()})
    return CountryFacts("KZ", 1, values, [ReturnFact(i + 1, year, "https://example.org/r") for i, year in
                                          enumerate(returns)])


_ids = iter(range(1000, 100000))


def incident(category, on=None, *, place_country="", remedy=""):
    return IncidentFact(next(_ids), category, on or days(-3), place_country, remedy)


def facts(*incidents, unhcr="registered", status="active", documents=None, legal=None, relatives=None,
          people=None):
    """A case with a registered principal, a valid passport, a residence permit and a free relative."""
    return CaseFacts(
        case_id=1, host_country="KZ", status=status, unhcr_status=unhcr, risk_level="", current_digest="",
        incidents=sorted(incidents, key=lambda i: (i.occurred_on, i.id)),
        people=people if people is not None else [PersonFact(PRINCIPAL_ID, "principal", datetime.date(1990, 1, 1))],
        documents=documents if documents is not None else [DocumentFact(20, PRINCIPAL_ID, "prc_passport", days(2000))],
        legal_statuses=legal if legal is not None else [
            LegalStatusFact(30, PRINCIPAL_ID, "temporary_residence", days(-300), days(400))],
        relatives=relatives if relatives is not None else [RelativeFact(40, "free", None)],
    )


def assess(case_facts, country_facts=None, today=TODAY, scores=None):
    country_outcome = evaluate_country(country_facts if country_facts is not None else country(), today)
    scores = scores or {"KZ": country_outcome.score}
    return evaluate(case_facts, country_outcome, today, country_score=scores.get)


def fired(outcome):
    return {f.factor: f for f in outcome.fired}


def test_a_quiet_case_in_a_quiet_country_is_low_with_nothing_fired_or_missing():
    outcome = assess(facts())
    assert outcome.level == RiskLevel.LOW
    assert outcome.score == 0
    assert outcome.fired == [] and outcome.missing == []
    assert outcome.actions == list(rules.LEVEL_ACTIONS[RiskLevel.LOW])


@pytest.mark.parametrize(("category", "factor", "points"), [
    ("custody", "P1", 4),
    ("removal_order", "P2", 5),
    ("extradition_request", "P3a", 4),
    ("red_notice", "P4", 3),
    ("transfer", "P5", 3),
    ("deportation_preparation", "P6", 0),
    ("prc_officials", "P7", 4),
    ("access_denied", "P8", 3),
    ("residence_cancelled", "P9", 3),
    ("return_document_offered", "P11c", 2),
    ("prc_contact", "P13", 2),
    ("relatives_pressured", "P14", 2),
    ("public_profile", "P15", 2),
    ("terrorism_accusation", "P16", 2),
    ("nationality_misattribution", "P18", 3),
    ("device_compromise", "P19", 1),
    ("resettlement_accepted", "MF2", -2),
    ("extradition_refused", "MF3", -2),
])
def test_each_incident_signal_fires_its_factor_with_the_incident_as_evidence(category, factor, points):
    event = incident(category)
    outcome = assess(facts(event))
    assert factor in fired(outcome)
    assert fired(outcome)[factor].points == points
    assert [(e.record, e.id, e.date) for e in fired(outcome)[factor].evidence] == [
        ("incident", event.id, event.occurred_on)]


def test_score_boundaries_decide_low_medium_and_high():
    # P13 (2) + P15 (2) = 4: LOW; + P19 (1) = 5: MEDIUM.
    four = facts(incident("prc_contact"), incident("public_profile"))
    assert assess(four).level == RiskLevel.LOW and assess(four).score == 4
    five = facts(incident("prc_contact"), incident("public_profile"), incident("device_compromise"))
    assert assess(five).level == RiskLevel.MEDIUM and assess(five).level_rules == ["M1"]
    # 9 is still MEDIUM, 10 is HIGH (H4).
    nine = facts(incident("prc_contact"), incident("public_profile"), incident("device_compromise"),
                 incident("terrorism_accusation"), incident("relatives_pressured"))
    assert assess(nine).score == 9 and assess(nine).level == RiskLevel.MEDIUM
    ten = facts(incident("prc_contact"), incident("public_profile"), incident("device_compromise"),
                incident("terrorism_accusation"), incident("nationality_misattribution"))
    assert assess(ten).score == 10 and assess(ten).level == RiskLevel.HIGH
    assert assess(ten).level_rules == ["H4"]


def test_told_to_prepare_for_deportation_is_imminent_on_its_own():
    outcome = assess(facts(incident("deportation_preparation")))
    assert outcome.level == RiskLevel.IMMINENT
    assert outcome.overrides == ["I1"]


@pytest.mark.parametrize("second", ["removal_order", "transfer", "prc_officials"])
def test_custody_with_an_order_a_transfer_or_prc_officials_is_imminent(second):
    outcome = assess(facts(incident("custody", days(-5)), incident(second, days(-2))))
    assert outcome.level == RiskLevel.IMMINENT and "I2" in outcome.overrides


def test_a_removal_order_without_custody_is_not_an_override():
    outcome = assess(facts(incident("removal_order")))
    assert outcome.level == RiskLevel.MEDIUM  # 5 points
    assert outcome.overrides == []


def test_custody_floor_depends_on_the_country_score():
    in_custody = facts(incident("custody"))
    # Country score 3 (recent deportation): HIGH floor, whatever the points.
    risky = assess(in_custody, country(returns=[2020]))
    assert risky.level == RiskLevel.HIGH and "H1" in risky.level_rules
    # Country score 2 (SCO member only): 4 + 2 = 6, MEDIUM by points.
    calmer = assess(in_custody, country(sco_member="yes"))
    assert calmer.country_score == 2 and calmer.level == RiskLevel.MEDIUM


@pytest.mark.parametrize("category", ["transfer", "deportation_preparation", "prc_officials", "access_denied"])
def test_outside_custody_a_short_horizon_signal_lapses_after_14_days_and_is_flagged(category):
    fresh = assess(facts(incident(category, days(-14))))
    assert fresh.fired and "stale_signal" not in fresh.missing
    old = assess(facts(incident(category, days(-15))))
    assert not any(f.factor.startswith(("P5", "P6", "P7", "P8")) for f in old.fired)
    assert "stale_signal" in old.missing


def test_in_custody_the_custody_signals_count_however_old():
    outcome = assess(facts(incident("custody", days(-200)), incident("prc_officials", days(-150))))
    assert outcome.level == RiskLevel.IMMINENT and "stale_signal" not in outcome.missing


def test_a_release_ends_custody_and_the_custody_signals_before_it():
    outcome = assess(facts(incident("custody", days(-20)), incident("transfer", days(-15)),
                           incident("released", days(-10))))
    assert "P1" not in fired(outcome) and "P5" not in fired(outcome)
    assert outcome.level == RiskLevel.LOW


def test_a_new_arrest_after_a_release_counts_again():
    outcome = assess(facts(incident("custody", days(-20)), incident("released", days(-10)),
                           incident("custody", days(-2)), incident("prc_officials", days(-1))))
    assert outcome.level == RiskLevel.IMMINENT


def test_extradition_approved_with_no_remedy_is_imminent_and_unknown_remedy_is_flagged():
    final = assess(facts(incident("extradition_request", days(-30)),
                         incident("extradition_approved", days(-2), remedy="no")))
    assert final.level == RiskLevel.IMMINENT and final.overrides == ["I3"]
    assert "P3a" not in fired(final)
    unknown = assess(facts(incident("extradition_approved", days(-2), remedy="unknown")))
    assert unknown.level == RiskLevel.HIGH and "P3b" in fired(unknown)
    assert "remedy_unknown" in unknown.missing
    remaining = assess(facts(incident("extradition_approved", days(-2), remedy="yes")))
    assert remaining.level == RiskLevel.HIGH and "remedy_unknown" not in remaining.missing


def test_an_extradition_refusal_after_the_request_ends_it_and_mitigates():
    outcome = assess(facts(incident("extradition_request", days(-30)), incident("extradition_refused", days(-5))))
    assert "P3a" not in fired(outcome) and "MF3" in fired(outcome)
    again = assess(facts(incident("extradition_request", days(-30)), incident("extradition_refused", days(-5)),
                         incident("extradition_request", days(-1))))
    assert "P3a" in fired(again) and again.level == RiskLevel.HIGH


def test_a_red_notice_is_high_even_if_later_cancelled():
    outcome = assess(facts(incident("red_notice", days(-900))))
    assert outcome.level == RiskLevel.HIGH and outcome.level_rules == ["H3"]


def test_a_suspended_removal_order_no_longer_counts():
    outcome = assess(facts(incident("removal_order", days(-20)), incident("removal_order_suspended", days(-3))))
    assert "P2" not in fired(outcome)


def test_mitigation_never_lowers_a_high_floor():
    citizen = [LegalStatusFact(31, PRINCIPAL_ID, "citizen", days(-300), None)]
    outcome = assess(facts(incident("red_notice"), legal=citizen))
    assert "MF4" in fired(outcome) and outcome.level == RiskLevel.HIGH


def test_host_citizenship_is_no_mitigation_in_a_high_risk_country():
    citizen = [LegalStatusFact(31, PRINCIPAL_ID, "citizen", days(-300), None)]
    assert "MF4" not in fired(assess(facts(legal=citizen), country(returns=[2020])))  # country score 3
    assert "MF4" in fired(assess(facts(legal=citizen), country(sco_member="yes")))  # country score 2


def test_mitigation_lowers_the_score_but_never_cancels_an_override():
    citizen = [LegalStatusFact(31, PRINCIPAL_ID, "citizen", days(-300), None)]
    outcome = assess(facts(incident("deportation_preparation"), legal=citizen))
    assert outcome.level == RiskLevel.IMMINENT
    assert fired(outcome)["MF4"].points == -3
    assert outcome.score == 0  # never negative


def test_recognised_refugee_with_a_host_permit_is_mitigating():
    refugee = [LegalStatusFact(31, PRINCIPAL_ID, "refugee", days(-300), days(300))]
    outcome = assess(facts(incident("prc_contact"), unhcr="recognised", legal=refugee))
    assert "MF1" in fired(outcome) and outcome.score == 0


@pytest.mark.parametrize(("days_left", "factor"), [(-1, "P9"), (0, "P10a"), (30, "P10a"), (31, "P10b"),
                                                    (90, "P10b"), (91, None)])
def test_permit_expiry_windows(days_left, factor):
    legal = [LegalStatusFact(31, PRINCIPAL_ID, "work", days(-300), days(days_left))]
    outcome = assess(facts(legal=legal))
    found = {f for f in fired(outcome) if f.startswith(("P9", "P10"))}
    assert found == ({factor} if factor else set())


def test_no_legal_status_is_p9_and_medium():
    legal = [LegalStatusFact(31, PRINCIPAL_ID, "none", days(-30), None)]
    outcome = assess(facts(legal=legal))
    assert "P9" in fired(outcome) and outcome.level == RiskLevel.MEDIUM and "M2" in outcome.level_rules


def test_a_newer_permit_after_a_cancellation_clears_it():
    legal = [LegalStatusFact(31, PRINCIPAL_ID, "asylum_seeker", days(-2), days(300))]
    outcome = assess(facts(incident("residence_cancelled", days(-10)), legal=legal))
    assert "P9" not in fired(outcome)


@pytest.mark.parametrize(("days_left", "factor"), [(-1, "P11a"), (0, "P11b"), (180, "P11b"), (181, None)])
def test_passport_expiry_windows(days_left, factor):
    documents = [DocumentFact(21, PRINCIPAL_ID, "prc_passport", days(days_left))]
    outcome = assess(facts(documents=documents))
    found = {f for f in fired(outcome) if f.startswith("P11")}
    assert found == ({factor} if factor else set())


def test_an_expired_passport_is_medium_in_a_risky_country():
    documents = [DocumentFact(21, PRINCIPAL_ID, "prc_passport", days(-10))]
    outcome = assess(facts(documents=documents), country(returns=[2019]))
    assert outcome.level == RiskLevel.MEDIUM and "M3" in outcome.level_rules


def test_a_return_only_travel_document_is_p11c():
    documents = [DocumentFact(22, PRINCIPAL_ID, "return_travel_document", days(20))]
    outcome = assess(facts(documents=documents))
    assert fired(outcome)["P11c"].evidence[0].record == "document"


@pytest.mark.parametrize(("status", "factor"), [("none", "P12a"), ("rejected", "P12a"), ("withdrawn", "P12b"),
                                                ("registered", None), ("asylum_seeker", None)])
def test_unhcr_status(status, factor):
    outcome = assess(facts(unhcr=status))
    found = {f for f in fired(outcome) if f.startswith("P12")}
    assert found == ({factor} if factor else set())


def test_a_detained_relative_is_p14_and_decays_after_a_year():
    recent = assess(facts(relatives=[RelativeFact(41, "detained_camp", days(-365))]))
    assert fired(recent)["P14"].points == 2 and not fired(recent)["P14"].decayed
    old = assess(facts(relatives=[RelativeFact(41, "imprisoned", days(-366))]))
    assert fired(old)["P14"].points == 1 and fired(old)["P14"].decayed


def test_an_undated_detention_counts_at_full_weight_and_is_flagged():
    outcome = assess(facts(relatives=[RelativeFact(41, "disappeared", None)]))
    assert fired(outcome)["P14"].points == 2
    assert "relative_status_date_unknown" in outcome.missing


@pytest.mark.parametrize("category,factor", [("prc_contact", "P13"), ("public_profile", "P15")])
def test_contact_and_profile_decay_on_their_latest_event(category, factor):
    old_only = assess(facts(incident(category, days(-400))))
    assert fired(old_only)[factor].decayed and fired(old_only)[factor].points == 1
    refreshed = assess(facts(incident(category, days(-400)), incident(category, days(-10))))
    assert not fired(refreshed)[factor].decayed and fired(refreshed)[factor].points == 2


def test_planned_travel_counts_only_when_ahead_and_through_a_risky_country():
    scores = {"KZ": 0, "TH": 6, "DE": 0}
    ahead_risky = assess(facts(incident("planned_travel", days(30), place_country="TH")), scores=scores)
    assert "P17" in fired(ahead_risky)
    ahead_safe = assess(facts(incident("planned_travel", days(30), place_country="DE")), scores=scores)
    assert "P17" not in fired(ahead_safe)
    to_china = assess(facts(incident("planned_travel", days(30), place_country="CN")), scores=scores)
    assert "P17" in fired(to_china)
    unprofiled = assess(facts(incident("planned_travel", days(30), place_country="JP")), scores=scores)
    assert "P17" in fired(unprofiled)  # conservative: nothing known about the destination
    past = assess(facts(incident("planned_travel", days(-1), place_country="TH")), scores=scores)
    assert "P17" not in fired(past)


@pytest.mark.parametrize(("returns", "factor"), [([2016], "C1"), ([2015], "C1b"), ([2011, 2025], "C1")])
def test_recent_returns_make_c1_and_older_ones_c1b(returns, factor):
    outcome = evaluate_country(country(returns=returns), TODAY)
    assert [f.factor for f in outcome.fired] == [factor]
    assert outcome.score == rules.FACTORS[factor].points


@pytest.mark.parametrize(("fact", "value", "factor"), [
    ("extradition_treaty", "in_force", "C2"), ("extradition_treaty", "signed", "C2b"), ("sco_member", "yes", "C3"),
    ("refugee_convention", "not_party", "C4"), ("refugee_convention", "party_geographic_limitation", "C4"),
    ("asylum_exclusion", "yes", "C5"), ("prc_officials_at_arrests", "yes", "C6"),
    ("unhcr_access", "access_denied", "C7"), ("unhcr_access", "no_presence", "C7"), ("chain_refoulement", "yes", "C8"),
])
def test_each_country_fact_fires_its_factor_with_its_source(fact, value, factor):
    outcome = evaluate_country(country(**{fact: value}), TODAY)
    assert [f.factor for f in outcome.fired] == [factor]
    assert outcome.fired[0].evidence[0].source == f"https://example.org/{fact}"


def test_unknown_country_facts_and_a_missing_profile_are_flagged_not_zeroed_silently():
    assert "country_facts_unknown" in evaluate_country(country(sco_member="unknown"), TODAY).missing
    none = evaluate_country(None, TODAY)
    assert none.score == 0 and none.missing == ["no_country_profile"]


def test_missing_data_is_listed():
    outcome = assess(facts(status="lost_contact", documents=[], legal=[], relatives=[]))
    assert {"custody_unknown", "no_legal_status", "no_passport", "no_relatives"} <= set(outcome.missing)


def test_a_child_in_the_household_is_a_vulnerability():
    people = [PersonFact(PRINCIPAL_ID, "principal", datetime.date(1990, 1, 1)),
              PersonFact(11, "child", datetime.date(2008, 11, 29))]  # 17 today, turns 18 tomorrow
    assert assess(facts(people=people)).vulnerabilities == ["child"]
    people[1] = PersonFact(11, "child", datetime.date(2008, 11, 28))  # 18 today
    assert assess(facts(people=people)).vulnerabilities == []


def test_the_digest_ignores_the_day_but_not_the_outcome():
    same = facts(incident("prc_contact", days(-10)))
    assert assess(same).digest() == assess(same, today=days(1)).digest()
    assert assess(same).digest() != assess(facts(incident("prc_contact", days(-10)), unhcr="none")).digest()


def test_every_fired_factor_and_level_rule_is_in_the_rule_book():
    outcome = assess(facts(incident("custody"), incident("removal_order"), incident("red_notice")))
    assert all(f.factor in rules.FACTORS for f in outcome.fired)
    assert set(outcome.level_rules) <= {r.id for r in rules.LEVEL_RULES}
    assert set(outcome.actions) <= set(rules.ACTIONS)


def test_the_fingerprint_changes_when_a_weight_changes(monkeypatch):
    before = rules.rule_set_fingerprint()
    changed = dict(rules.FACTORS)
    changed["P13"] = rules.Factor("P13", rules.FACTORS["P13"].label, 3, "case", decays=True)
    monkeypatch.setattr(rules, "FACTORS", changed)
    assert rules.rule_set_fingerprint() != before
