"""Writes that change who may see a case: organisations, memberships, assignments and shares
(and the one setting a person keeps for themselves, their language).

Each grant goes to django-guardian's direct-FK tables in the same transaction as the record that
explains it (the assignment, the share), so access and its reason never disagree.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from cases import permissions
from cases.audit import acting_as
from cases.models import Case, CaseAssignment, CaseShare, Organisation, User
from cases.roles import (
    ROLES_RECEIVING_SHARED_CASES,
    ROLES_SEEING_OWN_ORGANISATION_CASES,
    STAFF_ROLES,
    role_group_name,
)

EDITOR_PERMISSIONS = (permissions.VIEW_CASE, permissions.CHANGE_CASE)
READER_PERMISSIONS = (permissions.VIEW_CASE,)
ORGANISATION_WIDE_PERMISSIONS = (permissions.VIEW_ORGANISATION_CASES, permissions.CHANGE_ORGANISATION_CASES)


@transaction.atomic
def organisation_create(*, name: str, kind: str, countries: list[str]) -> Organisation:
    owners = Group.objects.create(name=f"org:{name}:owners")
    recipients = Group.objects.create(name=f"org:{name}:recipients")
    organisation = Organisation.objects.create(
        name=name, kind=kind, countries=countries, owners_group=owners, recipients_group=recipients,
    )
    for perm in ORGANISATION_WIDE_PERMISSIONS:
        assign_perm(perm, owners, organisation)
    return organisation


@transaction.atomic
def user_set_preferred_language(*, user: User, language: str) -> None:
    """Remember the language a person chose: it is applied at their next login and used in their emails."""
    if language not in dict(settings.LANGUAGES) or user.preferred_language == language:
        return
    with acting_as(user):
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


def user_set_membership(*, actor: User | None, user: User, organisation: Organisation | None, role: str) -> User:
    """Put `user` in `organisation` with `role` and make their groups follow.

    Leaving an organisation or a role that can be assigned also ends the user's assignments, so
    no per-case grant outlives the reason it was given.
    """
    if actor is not None:  # None: the system itself (seeding, commands)
        # Judge the user as stored, not as a bound admin form has already changed it.
        stored = User.objects.filter(pk=user.pk).first()
        permissions.require(stored is None or permissions.can_manage_user(actor, stored))
        permissions.require(permissions.can_place_in_organisation(actor, organisation))
    with acting_as(actor):
        user.organisation, user.role = organisation, role
        user.is_staff = role in STAFF_ROLES
        user.save()
        for assignment in CaseAssignment.objects.filter(user=user).select_related("case"):
            if not permissions.can_be_assigned_to_case(user, assignment.case):
                _revoke_assignment(assignment)
        role_groups = Group.objects.filter(name__startswith="role:")
        organisation_groups = Group.objects.filter(name__startswith="org:")
        user.groups.remove(*role_groups, *organisation_groups)
        if role:
            user.groups.add(Group.objects.get(name=role_group_name(role)))
        if organisation is not None:
            if role in ROLES_SEEING_OWN_ORGANISATION_CASES:
                user.groups.add(organisation.owners_group)
            if role in ROLES_RECEIVING_SHARED_CASES:
                user.groups.add(organisation.recipients_group)
    return user


@transaction.atomic
def case_assign(*, actor: User, case: Case, assignee: User) -> CaseAssignment:
    if not permissions.can_assign_case(actor, case):
        raise PermissionDenied
    if not permissions.can_be_assigned_to_case(assignee, case):
        raise PermissionDenied
    with acting_as(actor):
        assignment, created = CaseAssignment.objects.get_or_create(
            case=case, user=assignee, defaults={"assigned_by": actor},
        )
        for perm in EDITOR_PERMISSIONS:
            assign_perm(perm, assignee, case)
    return assignment


def assign_creator(*, case: Case, creator: User) -> None:
    """The caseworker who registers a case is its first assignee (called by case_open)."""
    CaseAssignment.objects.create(case=case, user=creator, assigned_by=creator)
    for perm in EDITOR_PERMISSIONS:
        assign_perm(perm, creator, case)


@transaction.atomic
def case_unassign(*, actor: User, case: Case, assignee: User) -> None:
    if not permissions.can_assign_case(actor, case):
        raise PermissionDenied
    with acting_as(actor):
        for assignment in CaseAssignment.objects.filter(case=case, user=assignee):
            _revoke_assignment(assignment)


def _revoke_assignment(assignment: CaseAssignment) -> None:
    for perm in EDITOR_PERMISSIONS:
        remove_perm(perm, assignment.user, assignment.case)
    assignment.delete()


@transaction.atomic
def case_share(*, actor: User, case: Case, organisation: Organisation, purpose: str) -> CaseShare:
    if not permissions.can_share_case(actor, case) or not permissions.can_receive_case(organisation, case):
        raise PermissionDenied
    with acting_as(actor):
        share, created = CaseShare.objects.get_or_create(
            case=case, organisation=organisation, defaults={"shared_by": actor, "purpose": purpose},
        )
        for perm in READER_PERMISSIONS:
            assign_perm(perm, organisation.recipients_group, case)
    return share


@transaction.atomic
def case_unshare(*, actor: User, case: Case, organisation: Organisation) -> None:
    if not permissions.can_share_case(actor, case):
        raise PermissionDenied
    with acting_as(actor):
        for share in CaseShare.objects.filter(case=case, organisation=organisation):
            for perm in READER_PERMISSIONS:
                remove_perm(perm, organisation.recipients_group, case)
            share.delete()
