"""What goes into each document: one context builder per kind, reading the case as it is now."""

from cases.selectors import alert_brief, risk_explanation
from referrals import snapshot
from referrals.choices import DataCategory, ServiceType
from referrals.permissions import provider_sees_full_data
from reports.models import DocumentKind
from reports.redaction import removed_for, removed_text


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


BUILDERS = {
    DocumentKind.CASE_SUMMARY: ("reports/documents/case_summary.html", case_summary_context),
    DocumentKind.REFERRAL_FORM: ("reports/documents/referral_form.html", referral_form_context),
    DocumentKind.ALERT_SHEET: ("reports/documents/alert_sheet.html", alert_sheet_context),
}
