"""Viewer-aware reads of generated documents: the case's access policy decides, as for the case."""

from django.db.models import Q
from django.http import Http404

from cases import audit
from referrals.choices import PROVIDER_ACCESS_STATES
from reports import permissions
from reports.models import EXHIBIT_CONTENT_TYPES, DocumentStatus, Exhibit, Filing, GeneratedDocument, SpecificNeed


def case_documents(case, user, *, limit: int = 50):
    """The case's documents, without other organisations' filing documents (not even their existence)."""
    return GeneratedDocument.objects.filter(case=case).filter(
        Q(filing__isnull=True) | Q(filing__organisation_id=user.organisation_id),
    ).select_related("requested_by", "referral")[:limit]


def alert_documents(alert, *, limit: int = 20):
    """Sheets of this alert the user may open (a liaison without the case sees only the sheets)."""
    return GeneratedDocument.objects.filter(alert=alert).select_related("requested_by")[:limit]


def visible_document(user, public_id, *, audit_read: bool = False) -> GeneratedDocument:
    document = GeneratedDocument.objects.select_related("case", "referral", "requested_by", "filing").filter(
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
    document = GeneratedDocument.objects.select_related("case", "requested_by", "referral", "filing").filter(
        verification_code=formatted, status=DocumentStatus.DONE,
    ).first()
    if document is None or not permissions.can_view_document(user, document):
        return None
    audit.record_read(document)
    return document


def referrals_for_forms(case):
    """Referrals a referral form can be produced for: the live ones (the permission checks consent)."""
    return case.referrals.filter(state__in=PROVIDER_ACCESS_STATES).select_related("provider").order_by("-sent_at")


def case_filing(case, organisation_id) -> Filing | None:
    """An organisation's filing materials for the case, with exhibits and needs; None before the first save."""
    return Filing.objects.filter(case=case, organisation_id=organisation_id).select_related(
        "applicant", "updated_by",
    ).prefetch_related("exhibits__attachment", "needs__person").first()


def filing_exhibit(user, case, exhibit_id) -> Exhibit:
    """An exhibit of the user's organisation's filing for this case; anything else is a 404."""
    exhibit = Exhibit.objects.select_related("filing__case").filter(
        pk=exhibit_id, filing__case=case, filing__organisation_id=user.organisation_id,
    ).first()
    if exhibit is None or not permissions.can_prepare_filing(user, case):
        raise Http404
    return exhibit


def filing_need(user, case, need_id) -> SpecificNeed:
    need = SpecificNeed.objects.select_related("filing__case").filter(
        pk=need_id, filing__case=case, filing__organisation_id=user.organisation_id,
    ).first()
    if need is None or not permissions.can_prepare_filing(user, case):
        raise Http404
    return need


def filing_people(case) -> list:
    """The people of the case a filing can name (applicant, needs), in the order they were recorded."""
    return list(case.people.order_by("pk"))


def exhibit_candidates(case):
    """The case's attachments that can be appended as exhibits."""
    return case.attachments.filter(content_type__in=EXHIBIT_CONTENT_TYPES).order_by("pk")
