"""Writes on what is recorded about a case: relatives in China, incidents, notes and attachments."""

from django.db import transaction

from cases import permissions, tasks, uploads
from cases.audit import acting_as
from cases.models import Attachment, Case, Incident, Note, Relative, User
from cases.services.retention import refuse_removal_under_legal_hold
from cases.services.risk import risk_recompute
from cases.services.versioning import apply_changes, lock_current

# Records the risk rules read: writing one re-assesses the case in the same transaction.
RISK_RELEVANT = (Relative, Incident)


def _create(model, *, actor: User, case: Case, data: dict):
    permissions.require(permissions.can_edit_case(actor, case))
    with acting_as(actor):
        record = model(case=case, **data)
        record.full_clean()
        record.save()
    if model in RISK_RELEVANT:
        risk_recompute(case=case)
    return record


def _update(record, *, actor: User, expected_version: int, data: dict):
    permissions.require(permissions.can_edit_case(actor, record.case))
    with acting_as(actor):
        record = apply_changes(lock_current(record, expected_version), data)
    if type(record) in RISK_RELEVANT:
        risk_recompute(case=record.case)
    return record


def _remove(record, *, actor: User) -> None:
    permissions.require(permissions.can_edit_case(actor, record.case))
    refuse_removal_under_legal_hold(record.case_id)
    with acting_as(actor):
        record.delete()
    if type(record) in RISK_RELEVANT:
        risk_recompute(case=record.case)


@transaction.atomic
def relative_add(*, actor: User, case: Case, data: dict) -> Relative:
    return _create(Relative, actor=actor, case=case, data=data)


@transaction.atomic
def relative_update(*, actor: User, relative: Relative, expected_version: int, data: dict) -> Relative:
    return _update(relative, actor=actor, expected_version=expected_version, data=data)


@transaction.atomic
def relative_remove(*, actor: User, relative: Relative) -> None:
    _remove(relative, actor=actor)


@transaction.atomic
def incident_add(*, actor: User, case: Case, data: dict) -> Incident:
    return _create(Incident, actor=actor, case=case, data=data)


@transaction.atomic
def incident_update(*, actor: User, incident: Incident, expected_version: int, data: dict) -> Incident:
    return _update(incident, actor=actor, expected_version=expected_version, data=data)


@transaction.atomic
def incident_remove(*, actor: User, incident: Incident) -> None:
    _remove(incident, actor=actor)


@transaction.atomic
def note_add(*, actor: User, case: Case, text: str) -> Note:
    return _create(Note, actor=actor, case=case, data={"text": text, "author": actor})


@transaction.atomic
def attachment_add(*, actor: User, case: Case, upload, description: str = "") -> Attachment:
    """Store a checked upload (see `cases.uploads.inspect_upload`) with its hash, size and type."""
    permissions.require(permissions.can_edit_case(actor, case))
    checked = uploads.inspect_upload(upload)
    with acting_as(actor):
        attachment = Attachment(
            case=case,
            original_name=checked.original_name,
            description=description,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        attachment.file.save(checked.storage_name, checked.content, save=False)
        # If the row cannot be written, do not leave an orphan file behind.
        try:
            attachment.save()
        except Exception:
            attachment.file.delete(save=False)
            raise
    # Check what storage actually holds once the row is committed (see cases.tasks).
    transaction.on_commit(lambda: tasks.enqueue_attachment_verify(attachment.pk))
    return attachment
