"""Retention writes: the review at closure, its decision, legal holds, and erasure of a case file.

Nothing is ever erased without a supervisor's decision: the daily task only marks reviews due.
Erasure happens in one transaction (every app's rows, the case, the redaction of its audit
entries, the erasure record); stored files are deleted only after the commit, so an erasure
that fails anywhere leaves the file exactly as it was.
"""

import datetime
import json
import logging

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cases import clock, erasure, permissions
from cases.audit import REDACTED, acting_as
from cases.choices import CaseStatus
from cases.models import Alert, Attachment, Case, User
from cases.models.retention import (
    OPEN_REVIEW_STATES,
    ErasureReason,
    ErasureRecord,
    LegalHold,
    RetentionReview,
    ReviewState,
)
from cases.retention import KEEP_OPTIONS, review_due_on

logger = logging.getLogger(__name__)

# Audit entries are redacted in batches of this many rows.
REDACTION_BATCH = 500


# --- Reviews ---------------------------------------------------------------------------------------

def review_schedule_at_closure(*, case: Case, closed_on: datetime.date) -> RetentionReview | None:
    """Put a just-closed case up for review on the schedule's date.

    Called inside the status change's transaction and audit context.
    """
    if RetentionReview.objects.filter(case=case, state__in=OPEN_REVIEW_STATES).exists():
        return None
    return RetentionReview.objects.create(
        organisation_id=case.organisation_id, case=case, case_reference=case.reference, closed_on=closed_on,
        due_on=review_due_on(closed_on),
    )


def reviews_cancel_on_reopening(*, case: Case) -> int:
    """A reopened case is live again: its pending review no longer applies (closing again makes a new one).

    Called inside the status change's transaction and audit context.
    """
    reviews = list(RetentionReview.objects.select_for_update().filter(case=case, state__in=OPEN_REVIEW_STATES))
    for review in reviews:
        review.state = ReviewState.CANCELLED
        review.save(update_fields=["state"])
    return len(reviews)


@transaction.atomic
def retention_reviews_mark_due(*, today: datetime.date | None = None) -> dict:
    """The daily run: mark the reviews whose date has come, and give closed cases without one a review.

    The second part catches cases closed before retention reviews existed (an upgrade) or by a
    path that did not schedule one. Erases nothing.
    """
    today = today or clock.today()
    now = clock.now()
    marked = RetentionReview.objects.filter(state=ReviewState.SCHEDULED, due_on__lte=today).update(
        state=ReviewState.DUE, marked_due_at=now,
    )
    unreviewed = (
        Case.objects.filter(status=CaseStatus.CLOSED)
        .exclude(retention_reviews__state__in=[*OPEN_REVIEW_STATES, ReviewState.KEPT])
        .only("pk", "organisation_id", "reference", "status_changed_on")
    )
    created = 0
    for case in unreviewed.iterator(chunk_size=500):
        due_on = review_due_on(case.status_changed_on)
        RetentionReview.objects.create(
            organisation_id=case.organisation_id, case=case, case_reference=case.reference,
            closed_on=case.status_changed_on, due_on=due_on,
            state=ReviewState.DUE if due_on <= today else ReviewState.SCHEDULED,
            marked_due_at=now if due_on <= today else None,
        )
        created += 1
    return {"marked_due": marked, "created": created}


def _lock_open_review(review: RetentionReview) -> RetentionReview:
    current = RetentionReview.objects.select_for_update().get(pk=review.pk)
    if not current.is_open:
        raise ValidationError(_("This review has already been decided."), code="review_decided")
    return current


@transaction.atomic
def retention_review_keep(*, actor: User, review: RetentionReview, keep_for_days: int, reason: str) -> RetentionReview:
    """Keep the case for a stated further period: the review is closed and the next one scheduled."""
    if not permissions.can_decide_retention_review(actor, review):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(_("Say why the file is kept longer."), code="reason_required")
    if keep_for_days not in dict(KEEP_OPTIONS):
        raise ValidationError(_("Choose one of the offered periods."), code="invalid_period")
    # The case first, as every writer of a case locks it: one lock order.
    Case.objects.select_for_update().filter(pk=review.case_id).exists()
    with acting_as(actor):
        current = _lock_open_review(review)
        today = clock.today()
        keep_until = today + datetime.timedelta(days=keep_for_days)
        current.state = ReviewState.KEPT
        current.decided_by = actor
        current.decided_at = clock.now()
        current.keep_until = keep_until
        current.reason = reason.strip()
        current.save()
        RetentionReview.objects.create(
            organisation_id=current.organisation_id, case_id=current.case_id, case_reference=current.case_reference,
            closed_on=current.closed_on, due_on=keep_until,
        )
    return current


# --- Legal holds -----------------------------------------------------------------------------------

@transaction.atomic
def legal_hold_place(*, actor: User, case: Case, reason: str) -> LegalHold:
    if not permissions.can_manage_case_retention(actor, case):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(_("Say why the file must be preserved."), code="reason_required")
    Case.objects.select_for_update().filter(pk=case.pk).exists()
    if LegalHold.objects.filter(case=case, lifted_at__isnull=True).exists():
        raise ValidationError(_("This case is already under a legal hold."), code="already_held")
    with acting_as(actor):
        return LegalHold.objects.create(case=case, reason=reason.strip(), placed_by=actor, placed_at=clock.now())


@transaction.atomic
def legal_hold_lift(*, actor: User, case: Case, reason: str) -> LegalHold:
    if not permissions.can_manage_case_retention(actor, case):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(_("Say why the hold ends."), code="reason_required")
    Case.objects.select_for_update().filter(pk=case.pk).exists()
    hold = LegalHold.objects.select_for_update().filter(case=case, lifted_at__isnull=True).first()
    if hold is None:
        raise ValidationError(_("This case is not under a legal hold."), code="not_held")
    with acting_as(actor):
        hold.lifted_by = actor
        hold.lifted_at = clock.now()
        hold.lift_reason = reason.strip()
        hold.save()
    return hold


def refuse_removal_under_legal_hold(case_id) -> None:
    """A hold preserves the file: records may be added and corrected, but none removed, until it is lifted.

    Call inside the removing service's transaction: the case row is locked first, as placing a hold
    locks it, so a hold placed at the same moment is either seen here or waits for the removal."""
    Case.objects.select_for_update().filter(pk=case_id).exists()
    if LegalHold.objects.filter(case_id=case_id, lifted_at__isnull=True).exists():
        raise ValidationError(
            _("This case is under a legal hold: nothing may be removed from it until a supervisor lifts the hold."),
            code="legal_hold",
        )


def legal_hold_message():
    return _("This case is under a legal hold: it cannot be erased until a supervisor lifts the hold.")


# --- Erasure ---------------------------------------------------------------------------------------

@transaction.atomic
def case_erase(
    *, actor: User, case: Case, reason: str, request_received_on: datetime.date | None = None,
    review: RetentionReview | None = None,
) -> ErasureRecord:
    """Remove the case and every personal record hanging from it, for good, and record that it was done.

    Refused under a legal hold. Other apps' rows go through their registered erasers
    (`cases.erasure`); the audit entries of every removed record keep who did what and when, with
    each value replaced by [redacted]; stored files are deleted after the commit.
    """
    locked = Case.objects.select_for_update().filter(pk=case.pk).select_related("organisation").first()
    if locked is None:
        raise ValidationError(_("This case has already been erased."), code="gone")
    case = locked
    if not permissions.can_manage_case_retention(actor, case):
        raise PermissionDenied
    if reason not in ErasureReason.values:
        raise ValidationError(_("Choose why the case is erased."), code="invalid_reason")
    if (reason == ErasureReason.RETENTION_REVIEW) != (review is not None):
        raise ValueError("an erasure by review names its review, and only that one")
    if review is not None:
        if review.case_id != case.pk or not permissions.can_decide_retention_review(actor, review):
            raise PermissionDenied
        review = _lock_open_review(review)
    if LegalHold.objects.filter(case=case, lifted_at__isnull=True).exists():
        raise ValidationError(legal_hold_message(), code="legal_hold")
    now = clock.now()
    public_id, reference, organisation_id = case.public_id, case.reference, case.organisation_id

    # The reviews outlive the case: close the open ones and drop the free-text reasons (they may quote the file).
    review_ids = list(RetentionReview.objects.filter(case=case).values_list("pk", flat=True))
    RetentionReview.objects.filter(pk__in=review_ids, state__in=OPEN_REVIEW_STATES).update(
        state=ReviewState.ERASED, decided_by=actor, decided_at=now,
    )
    RetentionReview.objects.filter(pk__in=review_ids).update(reason="")

    work = erasure.Erasure()
    with disable_auditlog():  # each deletion would copy the record's values into a new entry
        for erase in erasure.erasers():
            erase(case, work)
        for attachment in Attachment.objects.filter(case=case).only("pk", "file"):
            work.delete_file(attachment.file)
        # Alerts first: they PROTECT the risk assessments that the case's own cascade removes.
        work.delete(Alert.objects.filter(case=case))
        work.delete(Case.objects.filter(pk=case.pk))
    work.check_files()
    redacted = _redact_audit_entries(public_id, work.deleted)

    with acting_as(actor):
        record = ErasureRecord.objects.create(
            organisation_id=organisation_id, case_reference=reference, case_public_id=public_id, reason=reason,
            request_received_on=request_received_on if reason == ErasureReason.CLIENT_REQUEST else None,
            review=review, erased_by=actor, erased_at=now, counts=dict(sorted(work.counts.items())),
            audit_entries_redacted=redacted, files_erased=len(set(work.files)),
        )
    files = list(dict.fromkeys(work.files))
    transaction.on_commit(lambda: _delete_files(record.pk, files))
    return record


def _redact_audit_entries(public_id, deleted: dict) -> int:
    """Keep every audit entry of the erased records (who, what kind, when) with each value redacted.

    Found two ways: by the case stamped on the entry (also catches records removed long ago), and
    by the exact records just deleted (some, such as referral events, carry no case stamp).
    """
    match = Q(additional_data__case=str(public_id))
    for model, pks in deleted.items():
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        keys = [str(pk) for pk in pks]
        for start in range(0, len(keys), REDACTION_BATCH):
            match |= Q(content_type=content_type, object_pk__in=keys[start:start + REDACTION_BATCH])
    case_type = ContentType.objects.get_for_model(Case)
    # Entries of one kind of record redact to the same values: one UPDATE per distinct result,
    # not one per entry (bulk_update's CASE per row grows quadratically on SQLite).
    groups: dict[str, list[int]] = {}
    values: dict[str, dict] = {}
    entries = LogEntry.objects.filter(match).only("pk", "content_type_id", "object_repr", "changes", "additional_data")
    for entry in entries.iterator(chunk_size=REDACTION_BATCH):
        stamp = entry.additional_data if isinstance(entry.additional_data, dict) else {}
        redacted = {
            "changes": _redacted_changes(entry.changes),
            # A case is named by its public reference, which the erasure record keeps too; anything else by nothing.
            "object_repr": entry.object_repr if entry.content_type_id == case_type.pk else REDACTED,
            "additional_data": {key: stamp[key] for key in ("organisation", "case") if key in stamp} | {"erased": True},
        }
        key = json.dumps(redacted, sort_keys=True, default=str)
        values.setdefault(key, redacted)
        groups.setdefault(key, []).append(entry.pk)
    count = 0
    for key, pks in groups.items():
        for start in range(0, len(pks), REDACTION_BATCH):
            count += LogEntry.objects.filter(pk__in=pks[start:start + REDACTION_BATCH]).update(
                changes_text="", serialized_data=None, **values[key],
            )
    return count


def _redacted_value(value):
    return value if value in (None, "None", "") else REDACTED


def _redacted_changes(changes):
    """The same fields, every value replaced: the trail still says which fields were written."""
    if not isinstance(changes, dict):
        return {}
    redacted = {}
    for field, value in changes.items():
        if isinstance(value, list):
            redacted[field] = [_redacted_value(item) for item in value]
        elif isinstance(value, dict):  # many-to-many entries: {"type": ..., "objects": [...]}
            redacted[field] = {key: (REDACTED if key == "objects" else item) for key, item in value.items()}
        else:
            redacted[field] = _redacted_value(value)
    return redacted


def _delete_files(record_id: int, files: list) -> None:
    """Delete the erased case's files (after the commit). A refusal is counted on the record and logged
    by storage name only (generated names, never a client's file name)."""
    failed = 0
    for storage, name in files:
        try:
            storage.delete(name)
        except Exception as error:  # noqa: BLE001 - one stubborn file must not stop the others
            failed += 1
            logger.error("erasure %s: stored file %s could not be deleted (%s)", record_id, name,
                         type(error).__name__)
    if failed:
        ErasureRecord.objects.filter(pk=record_id).update(files_not_erased=failed)
