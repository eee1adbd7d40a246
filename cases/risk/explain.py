"""Turn a stored explanation (codes and record ids) into what a reader sees, in their language."""

import datetime

from django.utils.translation import gettext as _

from cases.choices import (
    DocumentType,
    IncidentCategory,
    PermitType,
    RelativeStatus,
    RiskLevel,
    UnhcrStatus,
)
from cases.models.risk import COUNTRY_FACTS
from cases.risk import rules

_FACT_LABELS = {name: label for name, label, _choices in COUNTRY_FACTS}
_LEVEL_RULE_LABELS = {rule.id: rule.label for rule in rules.LEVEL_RULES}
VULNERABILITIES = rules.VULNERABILITY_LABELS


def _choice_label(choices, code):
    try:
        return choices(code).label
    except ValueError:
        return code


def _evidence_row(evidence, *, show_anchors, sources):
    record, record_id, day, code = evidence
    date = datetime.date.fromisoformat(day) if day else None
    anchor = ""
    if record == "incident":
        text, anchor = _choice_label(IncidentCategory, code), f"incident-{record_id}"
    elif record == "document":
        text, anchor = _choice_label(DocumentType, code), "documents"
    elif record == "legal_status":
        text, anchor = _choice_label(PermitType, code), "documents"
    elif record == "relative":
        text, anchor = _choice_label(RelativeStatus, code), "relatives"
    elif record == "case":
        text, anchor = _choice_label(UnhcrStatus, code), "summary"
    elif record == "country":
        text = _FACT_LABELS.get(code, code)
    else:  # country_return
        text = _("Documented return to China")
    return {
        "text": text, "date": date, "year_only": record == "country_return",
        "anchor": anchor if show_anchors else "", "source": sources.get((record, record_id, code), ""),
    }


def evidence_keys(explanation: dict, record: str) -> set[int]:
    """Ids of the records of one kind (country, country_return) the explanation cites."""
    return {e[1] for fired in explanation["fired"] for e in fired["evidence"] if e[0] == record}


def explain(explanation: dict, *, show_anchors: bool = True, sources: dict | None = None) -> dict:
    """Display data for an assessment: level, reasons, factors with evidence, missing data, actions.

    `sources` maps (record, id, code) of country evidence to its source URL (see
    `selectors.risk_explanation`, which reads them).
    """
    sources = sources or {}
    level = explanation["level"]
    factors = []
    for fired in explanation["fired"]:
        factor = rules.FACTORS.get(fired["factor"])
        factors.append({
            "id": fired["factor"],
            "label": factor.label if factor else fired["factor"],
            "scope": factor.scope if factor else "case",
            "points": fired["points"],
            "decayed": fired["decayed"],
            "evidence": [_evidence_row(e, show_anchors=show_anchors, sources=sources) for e in fired["evidence"]],
        })
    reasons = [_LEVEL_RULE_LABELS.get(rule_id, rule_id) for rule_id in explanation["level_rules"]]
    return {
        "level": level,
        "level_label": RiskLevel(level).label,
        "score": explanation["score"],
        "breakdown": explanation["breakdown"],
        "reasons": reasons or [rules.DEFAULT_LEVEL_LABEL],
        "overrides": [_LEVEL_RULE_LABELS.get(rule_id, rule_id) for rule_id in explanation.get("overrides", [])],
        "case_factors": [f for f in factors if f["scope"] == "case"],
        "country_factors": [f for f in factors if f["scope"] == "country"],
        "mitigating_factors": [f for f in factors if f["scope"] == "mitigation"],
        "missing": [rules.MISSING_DATA.get(code, code) for code in explanation["missing"]],
        "actions": [rules.ACTIONS.get(code, code) for code in explanation["actions"]],
        "vulnerabilities": [VULNERABILITIES.get(code, code) for code in explanation["vulnerabilities"]],
        "review_within_days": rules.REVIEW_WITHIN_DAYS.get(level),
    }
