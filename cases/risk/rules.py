"""The refoulement-risk rule book: every factor, weight, override and threshold, in one place.

This module is data, read by `cases.risk.engine` and shown to administrators on the rules page.
It follows the research brief (`domain.md` §1.7, §1.8 and Appendix A):

* country factors C* come from the sourced CountryProfile of the host country;
* case factors P* come from the case file (incidents, documents, legal status, relatives, UNHCR status);
* mitigating factors M* lower the score but never cancel an override or a floor;
* the level is decided by the first level rule that matches, IMMINENT first: overrides before points.

Changing anything here changes the fingerprint (`rule_set_fingerprint`). The first run of a new
fingerprint is recorded as a RiskRuleSet (audited) and every open case is recomputed with it.
"""

import hashlib
import json
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases.choices import RiskLevel

# P13, P14 and P15 count at half weight once their latest event is older than this.
DECAY_AFTER_DAYS = 365
DECAY_FACTOR = 0.5
# A deportation within this many years makes C1 (+3) rather than C1b (+2).
RECENT_RETURN_YEARS = 10
# Outside custody, a transfer, deportation warning, visit by Chinese officials or refused access
# counts for this many days; older ones are flagged for a person to confirm.
UNCONFIRMED_SIGNAL_DAYS = 14
# A country scoring this much or more is "high-risk": custody there is HIGH at least, planned
# travel there counts, and host citizenship there is no mitigation.
RISKY_COUNTRY_SCORE = 3
# A household member younger than this is a child (a vulnerability, not points).
CHILD_AGE = 18


@dataclass(frozen=True)
class Factor:
    id: str
    label: str
    points: float
    scope: str  # "country", "case" or "mitigation"
    horizon: str = ""
    decays: bool = False
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class LevelRule:
    """A level and the conditions that reach it; every condition given must hold."""

    id: str
    level: str
    label: str
    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    country_score_at_least: float | None = None
    score_at_least: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def is_override(self):
        return self.level == RiskLevel.IMMINENT


HOURS = _("hours")
HOURS_TO_DAYS = _("hours to days")
HOURS_TO_WEEKS = _("hours to weeks")
DAYS = _("days")
DAYS_TO_WEEKS = _("days to weeks")
WEEKS = _("weeks")
WEEKS_TO_MONTHS = _("weeks to months")
MONTHS = _("months")

COUNTRY_FACTORS = [
    Factor("C1", _("Uyghurs deported or extradited to China from this country in the last 10 years"), 3, "country"),
    Factor("C1b", _("Uyghurs deported or extradited to China from this country, more than 10 years ago"), 2, "country"),
    Factor("C2", _("Extradition treaty with China in force"), 2, "country"),
    Factor("C2b", _("Extradition treaty with China signed, not yet in force"), 1, "country"),
    Factor("C3", _("Member of the Shanghai Cooperation Organisation"), 2, "country"),
    Factor("C4", _("Not party to the 1951 Refugee Convention, or only with the geographic limitation"), 1, "country"),
    Factor("C5", _("Uyghurs excluded from the national asylum or screening process"), 2, "country"),
    Factor("C6", _("Chinese officials documented at arrests or transfers"), 1, "country"),
    Factor("C7", _("UNHCR denied access to detained Uyghurs, or absent"), 1, "country"),
    Factor("C8", _("Documented onward transfer to China through a third state"), 1, "country"),
]

CASE_FACTORS = [
    Factor("P1", _("In custody of host authorities"), 4, "case", HOURS_TO_WEEKS,
           actions=("establish_custody_facts", "request_unhcr_access", "instruct_lawyer")),
    Factor("P2", _("Deportation or removal order issued"), 5, "case", HOURS_TO_DAYS,
           actions=("instruct_lawyer", "urgent_appeal", "interim_measures")),
    Factor("P3a", _("Extradition requested by China"), 4, "case", DAYS_TO_WEEKS,
           actions=("instruct_lawyer", "interim_measures")),
    Factor("P3b", _("Extradition approved by a court; a domestic remedy may remain"), 5, "case", HOURS_TO_DAYS,
           actions=("instruct_lawyer", "interim_measures", "urgent_appeal")),
    Factor("P3c", _("Extradition approved by a court; no domestic remedy remains"), 5, "case", HOURS_TO_DAYS,
           actions=("interim_measures", "urgent_appeal", "emergency_resettlement")),
    Factor("P4", _("Interpol red notice or diffusion reported (even if later cancelled)"), 3, "case", DAYS_TO_WEEKS,
           actions=("challenge_red_notice", "instruct_lawyer")),
    Factor("P5", _("Transferred between facilities, to the capital or to an airport"), 3, "case", HOURS,
           actions=("request_unhcr_access", "urgent_appeal")),
    Factor("P6", _("Told to prepare for deportation, or flight details known"), 0, "case", HOURS,
           actions=("urgent_appeal", "interim_measures", "contact_embassies")),
    Factor("P7", _("Chinese officials visited, questioned or escorted the person"), 4, "case", HOURS_TO_DAYS,
           actions=("request_unhcr_access", "urgent_appeal")),
    Factor("P8", _("Denied access to a lawyer, UNHCR or family"), 3, "case", DAYS,
           actions=("document_access_refusals", "request_unhcr_access")),
    Factor("P9", _("No legal status in the host country, or residence cancelled"), 3, "case", WEEKS,
           actions=("regularise_status",)),
    Factor("P10a", _("Visa or residence permit expires within 30 days"), 2, "case", WEEKS,
           actions=("regularise_status",)),
    Factor("P10b", _("Visa or residence permit expires within 90 days"), 1, "case", WEEKS_TO_MONTHS,
           actions=("regularise_status",)),
    Factor("P11a", _("Chinese passport expired"), 3, "case", WEEKS_TO_MONTHS,
           actions=("avoid_embassy", "host_travel_document")),
    Factor("P11b", _("Chinese passport expires within 180 days"), 1, "case", WEEKS_TO_MONTHS,
           actions=("avoid_embassy", "host_travel_document")),
    Factor("P11c", _("Holds or was offered a travel document for return to China only"), 2, "case", WEEKS_TO_MONTHS,
           actions=("avoid_embassy", "host_travel_document")),
    Factor("P12a", _("Not registered with UNHCR, or claim rejected"), 1, "case", WEEKS,
           actions=("register_with_unhcr",)),
    Factor("P12b", _("UNHCR status withdrawn"), 2, "case", WEEKS,
           actions=("register_with_unhcr", "instruct_lawyer")),
    Factor("P13", _("Contacted by Chinese police, state security or embassy"), 2, "case", WEEKS_TO_MONTHS,
           decays=True, actions=("record_contacts", "digital_security")),
    Factor("P14", _("Relatives in China detained or disappeared, or pressed to urge return"), 2, "case", MONTHS,
           decays=True, actions=("record_contacts",)),
    Factor("P15", _("Public profile: activist, journalist, witness or media source"), 2, "case", MONTHS,
           decays=True, actions=("digital_security",)),
    Factor("P16", _("Accused by China of terrorism or separatism"), 2, "case", WEEKS,
           actions=("instruct_lawyer", "challenge_red_notice")),
    Factor("P17", _("Planned travel to or through a high-risk country"), 2, "case", _("until the travel date"),
           actions=("advise_against_travel",)),
    Factor("P18", _("Treated as a national of another country (nationality misattribution)"), 3, "case", DAYS,
           actions=("evidence_of_nationality", "instruct_lawyer")),
    Factor("P19", _("Phone or computer compromise suspected"), 1, "case", _("ongoing"),
           actions=("digital_security",)),
]

MITIGATING_FACTORS = [
    Factor("MF1", _("Recognised refugee holding a host-country permit"), -2, "mitigation"),
    Factor("MF2", _("Accepted for resettlement"), -2, "mitigation"),
    Factor("MF3", _("A host-country court refused extradition"), -2, "mitigation"),
    # Only where the host country scores below RISKY_COUNTRY_SCORE (see cases.risk.signals).
    Factor("MF4", _("Citizen of the host country"), -3, "mitigation"),
]

FACTORS = {factor.id: factor for factor in [*COUNTRY_FACTORS, *CASE_FACTORS, *MITIGATING_FACTORS]}

# Checked in this order; the first level with a matching rule wins. All matching rules of that
# level are reported, so the explanation says every reason, not just the first.
LEVEL_RULES = [
    LevelRule("I1", RiskLevel.IMMINENT, _("Told to prepare for deportation, or flight details known"), all_of=("P6",)),
    LevelRule("I2", RiskLevel.IMMINENT, _("In custody, with a removal order, a transfer or Chinese officials involved"),
              all_of=("P1",), any_of=("P2", "P5", "P7")),
    LevelRule("I3", RiskLevel.IMMINENT, _("Extradition approved and no domestic remedy remains"), all_of=("P3c",)),
    LevelRule("H1", RiskLevel.HIGH, _("In custody in a country with a country score of 3 or more"),
              all_of=("P1",), country_score_at_least=RISKY_COUNTRY_SCORE),
    LevelRule("H2", RiskLevel.HIGH, _("Extradition requested or approved"), any_of=("P3a", "P3b", "P3c")),
    LevelRule("H3", RiskLevel.HIGH, _("Interpol red notice or diffusion reported"), all_of=("P4",)),
    LevelRule("H4", RiskLevel.HIGH, _("Score of 10 or more"), score_at_least=10),
    LevelRule("M1", RiskLevel.MEDIUM, _("Score of 5 to 9"), score_at_least=5),
    LevelRule("M2", RiskLevel.MEDIUM, _("No legal status in the host country"), all_of=("P9",)),
    LevelRule("M3", RiskLevel.MEDIUM, _("Chinese passport expired in a country with a country score of 3 or more"),
              all_of=("P11a",), country_score_at_least=RISKY_COUNTRY_SCORE),
]
LEVEL_ORDER = [RiskLevel.IMMINENT, RiskLevel.HIGH, RiskLevel.MEDIUM]
DEFAULT_LEVEL_LABEL = _("Score below 5 and no other rule")

# How soon a human must acknowledge an alert, in hours, and how often a case at each level is reviewed.
ACKNOWLEDGE_WITHIN_HOURS = {RiskLevel.IMMINENT: 1, RiskLevel.HIGH: 24}
REVIEW_WITHIN_DAYS = {RiskLevel.IMMINENT: 0, RiskLevel.HIGH: 1, RiskLevel.MEDIUM: 7, RiskLevel.LOW: 90}
ALERT_LEVELS = (RiskLevel.HIGH, RiskLevel.IMMINENT)

# Data whose absence could change the level: flagged, never counted as zero.
MISSING_DATA = {
    "no_country_profile": _("The host country has no country profile: country factors are not counted."),
    "country_facts_unknown": _("Some facts about the host country are not known: the country score may be too low."),
    "custody_unknown": _("Custody status unknown: contact with the client is lost."),
    "no_legal_status": _("No legal status in the host country is recorded for the principal applicant."),
    "no_passport": _("No Chinese passport is recorded for the principal applicant: its expiry could raise the level."),
    "passport_expiry_unknown": _("A Chinese passport is recorded without an expiry date."),
    "no_relatives": _("No relatives in China are recorded: detained relatives would raise the level."),
    "remedy_unknown": _("After the approved extradition, it is not known whether a domestic remedy remains."),
    "relative_status_date_unknown": _("A relative's detention has no date: it is counted at full weight."),
    "stale_signal": _(
        "A transfer, deportation warning, visit by Chinese officials or refused access is more than 14 days "
        "old and no custody is recorded: it is not counted. Confirm whether it still applies."
    ),
}

VULNERABILITY_LABELS = {
    "child": _("A child in the household"),
}

# Recommended actions, drawn from what UNHCR and others do in emergencies (domain.md §2.3, §2.4).
ACTIONS = {
    "acknowledge_now": _("A UNHCR liaison acknowledges the alert within the hour and starts the intervention."),
    "establish_custody_facts": _(
        "Find out the detaining authority, the facility, the legal basis and any order number."
    ),
    "request_unhcr_access": _("Ask UNHCR to request access to the person and to issue a verification letter."),
    "instruct_lawyer": _("Instruct a lawyer to challenge detention, removal or extradition."),
    "urgent_appeal": _("Send an urgent appeal to the UN Special Rapporteur on Torture (urgent-action@ohchr.org)."),
    "interim_measures": _(
        "Ask the lawyer to request interim measures from the UN Committee against Torture or the "
        "Human Rights Committee."
    ),
    "contact_embassies": _("Alert embassies of resettlement countries and ask them to intervene."),
    "emergency_resettlement": _("Ask UNHCR to consider emergency resettlement."),
    "challenge_red_notice": _(
        "Ask a lawyer to challenge the notice before the Commission for the Control of INTERPOL's Files."
    ),
    "document_access_refusals": _("Record each refused visit: date, authority and who was refused."),
    "regularise_status": _("Help renew or regularise the stay before it lapses."),
    "avoid_embassy": _("Advise the client not to go to the Chinese embassy to renew the passport."),
    "host_travel_document": _("Explore a host-country or UNHCR travel document instead of a Chinese passport."),
    "register_with_unhcr": _("Help the client register with UNHCR, or appeal the decision."),
    "record_contacts": _("Record every contact or threat with its date; keep the family's safety in mind."),
    "digital_security": _("Arrange a check of the client's phone and accounts."),
    "advise_against_travel": _("Advise against travel to or through high-risk countries, including for pilgrimage."),
    "evidence_of_nationality": _("Gather evidence of Chinese nationality and Uyghur identity."),
    "verify_custody": _("Confirm within 24 hours whether the client is free and safe."),
    "review_weekly": _("Review the case within 7 days."),
    "review_routinely": _("Review the case within 90 days."),
}
LEVEL_ACTIONS = {
    RiskLevel.IMMINENT: ("acknowledge_now", "request_unhcr_access", "urgent_appeal", "interim_measures"),
    RiskLevel.HIGH: ("verify_custody", "request_unhcr_access", "instruct_lawyer"),
    RiskLevel.MEDIUM: ("review_weekly",),
    RiskLevel.LOW: ("review_routinely",),
}


def alert_reasons(level_rules) -> list[str]:
    """The level rules among `level_rules` that justify an alert: HIGH and IMMINENT ones, except
    "score of 10 or more", which can flicker as points decay and would re-alert for no news."""
    reasons = {rule.id for rule in LEVEL_RULES
               if rule.level in ALERT_LEVELS and (rule.all_of or rule.any_of)}
    return [rule_id for rule_id in level_rules if rule_id in reasons]


def specification() -> dict:
    """The whole rule book as plain data (English labels): what the fingerprint covers and the audit keeps."""
    with translation.override("en"):
        return {
            "decay": {"after_days": DECAY_AFTER_DAYS, "factor": DECAY_FACTOR},
            "recent_return_years": RECENT_RETURN_YEARS,
            "unconfirmed_signal_days": UNCONFIRMED_SIGNAL_DAYS,
            "risky_country_score": RISKY_COUNTRY_SCORE,
            "child_age": CHILD_AGE,
            "factors": [
                {"id": f.id, "label": str(f.label), "points": f.points, "scope": f.scope, "decays": f.decays,
                 "actions": list(f.actions)}
                for f in FACTORS.values()
            ],
            "levels": [
                {"id": r.id, "level": str(r.level), "label": str(r.label), "all_of": list(r.all_of),
                 "any_of": list(r.any_of), "country_score_at_least": r.country_score_at_least,
                 "score_at_least": r.score_at_least}
                for r in LEVEL_RULES
            ],
            "acknowledge_within_hours": {str(k): v for k, v in ACKNOWLEDGE_WITHIN_HOURS.items()},
            "review_within_days": {str(k): v for k, v in REVIEW_WITHIN_DAYS.items()},
            "level_actions": {str(k): list(v) for k, v in LEVEL_ACTIONS.items()},
        }


def rule_set_fingerprint() -> str:
    return hashlib.sha256(json.dumps(specification(), sort_keys=True).encode()).hexdigest()
