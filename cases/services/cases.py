"""Writes on the case itself: registration, edits and the status lifecycle."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases.audit import acting_as
from cases.choices import CASE_STATUS_TRANSITIONS, CaseStatus, HouseholdRelationship
from cases.models import Case, CaseReferenceSequence, CaseStatusChange, Person, PersonPhone, User
from cases.models.people import NAME_FIELDS
from cases.services import access, alerts, identities, retention
from cases.services.people import person_fields_for_save
from cases.services.risk import risk_recompute
from cases.services.versioning import apply_changes, lock_current

EDITABLE_CASE_FIELDS = {
    "host_country", "host_city", "unhcr_status", "unhcr_number", "unhcr_registration_date", "sensitivity",
}


def next_case_reference(host_country: str, year: int) -> str:
    """Hand out the next KZ-2026-000123 style reference; the row lock makes it gap-tolerant but unique."""
    sequence, _created = CaseReferenceSequence.objects.select_for_update().get_or_create(
        host_country=host_country, year=year,
    )
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{host_country}-{year}-{sequence.last_number:06d}"


@transaction.atomic
def case_open(
    *,
    actor: User,
    host_country: str,
    opened_on: datetime.date,
    principal: dict,
    principal_phone: str = "",
    host_city: str = "",
    unhcr_status: str = "none",
    unhcr_number: str = "",
    unhcr_registration_date: datetime.date | None = None,
    sensitivity: str = "normal",
) -> Case:
    """Register a case with its principal applicant; the registering user is assigned to it."""
    if not permissions.can_create_case(actor):
        raise PermissionDenied
    if not any(principal.get(field) for field in NAME_FIELDS):
        raise ValidationError(_("Enter at least one name part in one script."), code="no_name")
    with acting_as(actor):
        case = Case.objects.create(
            reference=next_case_reference(host_country, opened_on.year),
            organisation=actor.organisation,
            host_country=host_country,
            host_city=host_city,
            opened_on=opened_on,
            status=CaseStatus.OPEN,
            status_changed_on=opened_on,
            unhcr_status=unhcr_status,
            unhcr_number=unhcr_number,
            unhcr_registration_date=unhcr_registration_date,
            sensitivity=sensitivity,
            created_by=actor,
        )
        person = Person.objects.create(
            case=case,
            **person_fields_for_save({**principal, "relationship": HouseholdRelationship.PRINCIPAL}),
        )
        if principal_phone:
            PersonPhone.objects.create(person=person, number=principal_phone)
        identities.person_names_written(person)
        if permissions.can_be_assigned_to_case(actor, case):
            access.assign_creator(case=case, creator=actor)
    risk_recompute(case=case)
    return case


@transaction.atomic
def case_update(*, actor: User, case: Case, expected_version: int, changes: dict) -> Case:
    unknown = set(changes) - EDITABLE_CASE_FIELDS
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    with acting_as(actor):
        # Decide on the stored case: a bound form has already copied the new values onto `case`.
        current = lock_current(case, expected_version)
        if not permissions.can_edit_case(actor, current):
            raise PermissionDenied
        moved = "host_country" in changes and changes["host_country"] != current.host_country
        case = apply_changes(current, changes)
    risk_recompute(case=case)
    if moved:
        alerts.alerts_follow_case_move(case=case)
    return case


@transaction.atomic
def case_change_status(
    *, actor: User, case: Case, expected_version: int, to_status: str, reason: str,
    effective_on: datetime.date | None = None,
) -> Case:
    """Move the case along its lifecycle, keeping the step in the status history."""
    if not permissions.can_edit_case(actor, case):
        raise PermissionDenied
    with acting_as(actor):
        current = lock_current(case, expected_version)
        if to_status not in CASE_STATUS_TRANSITIONS[current.status]:
            raise ValidationError(
                _("A case that is %(from)s cannot become %(to)s.")
                % {"from": current.get_status_display(), "to": CaseStatus(to_status).label},
                code="invalid_transition",
            )
        effective_on = effective_on or timezone.localdate()
        if effective_on < current.opened_on:
            raise ValidationError(
                _("A status change cannot take effect before the case was opened."), code="before_opening",
            )
        CaseStatusChange.objects.create(
            case=current, from_status=current.status, to_status=to_status, reason=reason,
            effective_on=effective_on, changed_by=actor,
        )
        from_status = current.status
        case = apply_changes(
            current, {"status": to_status, "status_reason": reason, "status_changed_on": effective_on},
        )
        if to_status == CaseStatus.CLOSED:
            retention.review_schedule_at_closure(case=case, closed_on=effective_on)
        elif from_status == CaseStatus.CLOSED:
            retention.reviews_cancel_on_reopening(case=case)
    risk_recompute(case=case)
    return case
