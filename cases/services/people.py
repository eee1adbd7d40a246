"""Writes on the people of a case: household members, their phones, documents and legal status."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from cases import permissions
from cases.audit import acting_as
from cases.models import Case, IdentityDocument, LegalStatus, Person, PersonPhone, User
from cases.models.people import NAME_FIELDS, NAME_PARTS, NAME_SCRIPTS
from cases.services import identities
from cases.services.retention import refuse_removal_under_legal_hold
from cases.services.risk import risk_recompute
from cases.services.versioning import apply_changes, lock_current
from cases.text import fold_for_search


def person_fields_for_save(data: dict) -> dict:
    """Add the derived search column to a person's fields (every person write goes through here).

    One segment per script ("given father other"), so "memet tursun" matches as typed; and the
    cross-script match keys, whose index `identities.person_names_written` writes after the save.
    """
    segments = []
    for script, _label in NAME_SCRIPTS:
        parts = [data.get(f"{part}_{script}", "") for part, _plabel in NAME_PARTS]
        if any(parts):
            segments.append(" ".join(p for p in parts if p))
    return {
        **data,
        "search_names": fold_for_search(" | ".join(segments)),
        "name_keys": identities.person_name_keys(data),
    }


def _require_a_name(data: dict) -> None:
    if not any(data.get(field) for field in NAME_FIELDS):
        raise ValidationError(_("Enter at least one name part in one script."), code="no_name")


@transaction.atomic
def person_add(*, actor: User, case: Case, data: dict, phone: str = "") -> Person:
    """Add a household member (never a second principal: a database constraint refuses that)."""
    permissions.require(permissions.can_edit_case(actor, case))
    _require_a_name(data)
    with acting_as(actor):
        person = Person.objects.create(case=case, **person_fields_for_save(data))
        if phone:
            PersonPhone.objects.create(person=person, number=phone)
    identities.person_names_written(person)
    risk_recompute(case=case)  # a child in the household is a vulnerability
    return person


@transaction.atomic
def person_update(*, actor: User, person: Person, expected_version: int, data: dict) -> Person:
    permissions.require(permissions.can_edit_case(actor, person.case))
    _require_a_name(data)
    with acting_as(actor):
        current = lock_current(person, expected_version)
        merged = {field: getattr(current, field) for field in NAME_FIELDS} | data
        derived = person_fields_for_save(merged)
        # The birth year decides whether a namesake enters the duplicate queue: it counts too.
        names_changed = derived["name_keys"] != current.name_keys or (
            "date_of_birth" in data and data["date_of_birth"] != current.date_of_birth
        )
        person = apply_changes(current, {
            **data, "search_names": derived["search_names"], "name_keys": derived["name_keys"],
        })
    if names_changed:
        identities.person_names_written(person)
    risk_recompute(case=person.case)
    return person


@transaction.atomic
def person_remove(*, actor: User, person: Person) -> None:
    permissions.require(permissions.can_edit_case(actor, person.case))
    refuse_removal_under_legal_hold(person.case_id)
    if person.is_principal:
        raise ValidationError(_("The principal applicant cannot be removed from the case."), code="principal")
    try:
        with transaction.atomic(), acting_as(actor):
            person.delete()
    except ProtectedError:
        # Records of other apps (a referral, a consent) point at the person and must not vanish with them.
        raise ValidationError(
            _("This person has referrals or consents on record, so they cannot be removed from the case."),
            code="protected",
        ) from None
    risk_recompute(case=person.case)


@transaction.atomic
def phone_add(*, actor: User, person: Person, number: str, label: str = "", is_safe: bool = True) -> PersonPhone:
    """Add a phone number; `number` must already be E.164 (see `cases.phones.PhoneNumberFormField`)."""
    permissions.require(permissions.can_edit_case(actor, person.case))
    with acting_as(actor):
        return PersonPhone.objects.create(person=person, number=number, label=label, is_safe=is_safe)


@transaction.atomic
def phone_remove(*, actor: User, phone: PersonPhone) -> None:
    permissions.require(permissions.can_edit_case(actor, phone.person.case))
    refuse_removal_under_legal_hold(phone.person.case_id)
    with acting_as(actor):
        phone.delete()


@transaction.atomic
def document_add(*, actor: User, person: Person, data: dict) -> IdentityDocument:
    permissions.require(permissions.can_edit_case(actor, person.case))
    with acting_as(actor):
        document = IdentityDocument(person=person, **data)
        document.full_clean()
        document.save()
    risk_recompute(case=person.case)
    return document


@transaction.atomic
def document_update(*, actor: User, document: IdentityDocument, expected_version: int, data: dict) -> IdentityDocument:
    permissions.require(permissions.can_edit_case(actor, document.person.case))
    with acting_as(actor):
        document = apply_changes(lock_current(document, expected_version), data)
    risk_recompute(case=document.person.case)
    return document


@transaction.atomic
def document_remove(*, actor: User, document: IdentityDocument) -> None:
    permissions.require(permissions.can_edit_case(actor, document.person.case))
    refuse_removal_under_legal_hold(document.person.case_id)
    with acting_as(actor):
        document.delete()
    risk_recompute(case=document.person.case)


@transaction.atomic
def legal_status_add(*, actor: User, person: Person, data: dict) -> LegalStatus:
    permissions.require(permissions.can_edit_case(actor, person.case))
    with acting_as(actor):
        status = LegalStatus(person=person, **data)
        status.full_clean()
        status.save()
    risk_recompute(case=person.case)
    return status


@transaction.atomic
def legal_status_remove(*, actor: User, legal_status: LegalStatus) -> None:
    permissions.require(permissions.can_edit_case(actor, legal_status.person.case))
    refuse_removal_under_legal_hold(legal_status.person.case_id)
    with acting_as(actor):
        legal_status.delete()
    risk_recompute(case=legal_status.person.case)
