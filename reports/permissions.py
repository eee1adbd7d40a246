"""The only place that answers "may this user ...?" for generated documents."""

from cases import permissions as case_permissions
from cases.choices import Role
from referrals import permissions as referral_permissions
from referrals.choices import PROVIDER_ACCESS_STATES
from reports.models import FILING_KINDS, RECIPIENTS_BY_KIND, DocumentKind

# What each role may do at all with filings (added to the role groups by ReportsConfig.ready).
# A lawyer reads a shared case but may not edit it: preparing the filing is a right of its own.
ROLE_PERMISSIONS = {
    Role.CASEWORKER: ["reports.change_filing"],
    Role.SUPERVISOR: ["reports.change_filing"],
    Role.LAWYER: ["reports.change_filing"],
}


def can_prepare_filing(user, case):
    """Write the declaration, choose exhibits, record needs: whoever may read the case and prepares filings.

    Each organisation prepares its own materials (see `Filing`); the selectors and services
    work on the user's organisation's.
    """
    return (
        case_permissions.can_view_case(user, case) and user.organisation_id is not None
        and user.has_perm("reports.change_filing")
    )


def can_generate_document(user, case, kind, referral=None, alert=None, recipient_kind=None):
    """Whoever may see the case file may produce documents from it; a referral form needs a sent referral.

    The alert sheet is the exception: it carries the alert's minimum data, so whoever may see the
    alert (a covering UNHCR liaison, without the case file) may produce it.
    """
    if recipient_kind is not None and recipient_kind not in RECIPIENTS_BY_KIND[kind]:
        return False
    if kind == DocumentKind.ALERT_SHEET:
        return alert is not None and alert.case_id == case.pk and referral is None and \
            case_permissions.can_view_alert(user, alert)
    if alert is not None or not case_permissions.can_view_case(user, case):
        return False
    if kind == DocumentKind.REFERRAL_FORM:
        # Only while the referral is live and its legal basis holds: the form restates the consent.
        return (
            referral is not None and referral.case_id == case.pk and referral.state in PROVIDER_ACCESS_STATES
            and referral_permissions.consent_holds(referral)
            and referral_permissions.can_view_case_referrals(user, case)
        )
    if kind in FILING_KINDS:  # they carry the declaration and the confidential needs
        return referral is None and can_prepare_filing(user, case)
    return referral is None


def can_view_document(user, document):
    """A document holds case data: the case's own access policy decides, now, not at generation.
    An alert sheet may also be opened by whoever may see its alert."""
    if document.alert_id is not None and case_permissions.can_view_alert(user, document.alert):
        return True
    if document.filing_id is not None and document.filing.organisation_id != user.organisation_id:
        return False  # another organisation's filing: its declaration and needs are that organisation's
    return case_permissions.can_view_case(user, document.case)
