"""Viewer-aware reads of generated documents: the case's access policy decides, as for the case."""

from django.http import Http404

from cases import audit
from referrals.choices import PROVIDER_ACCESS_STATES
from reports import permissions
from reports.models import DocumentStatus, GeneratedDocument


def case_documents(case, *, limit: int = 50):
    return GeneratedDocument.objects.filter(case=case).select_related("requested_by", "referral")[:limit]


def alert_documents(alert, *, limit: int = 20):
    """Sheets of this alert the user may open (a liaison without the case sees only the sheets)."""
    return GeneratedDocument.objects.filter(alert=alert).select_related("requested_by")[:limit]


def visible_document(user, public_id, *, audit_read: bool = False) -> GeneratedDocument:
    document = GeneratedDocument.objects.select_related("case", "referral", "requested_by").filter(
        public_id=public_id,
    ).first()
    if document is None or not permissions.can_view_document(user, document):
        raise Http404
    if audit_read:
        audit.record_read(document)
    return document


def document_by_code(user, code: str):
    """The finished document carrying verification `code`, if `user` may see its case; else None.

    A code that does not exist and one the user may not see answer the same, so the page
    cannot be used to learn that a document exists.
    """
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(normalised) != 12:
        return None
    formatted = "-".join(normalised[i:i + 4] for i in range(0, 12, 4))
    document = GeneratedDocument.objects.select_related("case", "requested_by", "referral").filter(
        verification_code=formatted, status=DocumentStatus.DONE,
    ).first()
    if document is None or not permissions.can_view_document(user, document):
        return None
    audit.record_read(document)
    return document


def referrals_for_forms(case):
    """Referrals a referral form can be produced for: the live ones (the permission checks consent)."""
    return case.referrals.filter(state__in=PROVIDER_ACCESS_STATES).select_related("provider").order_by("-sent_at")
