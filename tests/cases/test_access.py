"""Who sees which case: assignment, organisation ownership, sharing, and their revocation."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied

from cases import permissions, selectors
from cases.services import access
from tests.conftest import open_case


def visible_ids(user):
    return set(selectors.visible_cases(user).values_list("pk", flat=True))


def test_caseworker_sees_only_cases_assigned_to_them(cast, own_case):
    colleague_case = open_case(cast.caseworker2, passport_number="")
    assert visible_ids(cast.caseworker) == {own_case.pk}
    assert visible_ids(cast.caseworker2) == {colleague_case.pk}


def test_supervisor_sees_every_case_of_the_organisation_through_the_group_grant(cast, own_case):
    colleague_case = open_case(cast.caseworker2, passport_number="")
    assert visible_ids(cast.supervisor) == {own_case.pk, colleague_case.pk}
    assert not cast.supervisor.user_permissions.exists()
    assert cast.ngo.owners_group in cast.supervisor.groups.all()


@pytest.mark.parametrize("role", ["other_caseworker", "other_supervisor", "liaison", "lawyer", "provider",
                                  "org_admin", "auditor"])
def test_no_one_outside_the_case_team_sees_it(cast, own_case, role):
    user = cast.by_role()[role]
    assert visible_ids(user) == set()
    assert not permissions.can_view_case(user, own_case)


def test_sharing_with_a_clinic_shows_the_case_to_its_lawyers_until_unshared(cast, own_case):
    access.case_share(actor=cast.caseworker, case=own_case, organisation=cast.clinic, purpose="Asylum claim")
    assert visible_ids(cast.lawyer) == {own_case.pk}
    assert permissions.can_view_case(cast.lawyer, own_case)
    assert not permissions.can_edit_case(cast.lawyer, own_case)
    assert visible_ids(cast.liaison) == set()

    access.case_unshare(actor=cast.caseworker, case=own_case, organisation=cast.clinic)
    assert visible_ids(cast.lawyer) == set()
    assert not permissions.can_view_case(cast.lawyer, own_case)


def test_unassigning_revokes_access_at_once(cast, own_case):
    access.case_assign(actor=cast.supervisor, case=own_case, assignee=cast.caseworker2)
    assert permissions.can_edit_case(cast.caseworker2, own_case)
    access.case_unassign(actor=cast.supervisor, case=own_case, assignee=cast.caseworker2)
    assert not permissions.can_view_case(cast.caseworker2, own_case)
    assert visible_ids(cast.caseworker2) == set()


def test_only_a_supervisor_of_the_owning_organisation_assigns(cast, own_case):
    with pytest.raises(PermissionDenied):
        access.case_assign(actor=cast.caseworker, case=own_case, assignee=cast.caseworker2)
    with pytest.raises(PermissionDenied):
        access.case_assign(actor=cast.other_supervisor, case=own_case, assignee=cast.other_caseworker)


def test_a_case_cannot_be_assigned_to_staff_of_another_organisation(cast, own_case):
    with pytest.raises(PermissionDenied):
        access.case_assign(actor=cast.supervisor, case=own_case, assignee=cast.other_caseworker)


def test_service_providers_never_receive_a_case_file(cast, own_case):
    with pytest.raises(PermissionDenied):
        access.case_share(actor=cast.caseworker, case=own_case, organisation=cast.provider_org, purpose="x")
    assert visible_ids(cast.provider) == set()


def test_a_global_view_permission_on_a_role_group_does_not_leak_cases(cast, own_case):
    """guardian's default accept_global_perms=True would return every case here."""
    view_case = Permission.objects.get(codename="view_case", content_type__app_label="cases")
    Group.objects.get(name="role:lawyer").permissions.add(view_case)
    lawyer = type(cast.lawyer).objects.get(pk=cast.lawyer.pk)  # fresh permission cache
    assert visible_ids(lawyer) == set()


def test_leaving_the_caseworker_role_ends_assignments(cast, own_case):
    access.user_set_membership(actor=None, user=cast.caseworker, organisation=cast.ngo, role="auditor")
    assert visible_ids(cast.caseworker) == set()
    assert not own_case.assignments.exists()


def test_inactive_user_sees_nothing(cast, own_case):
    cast.caseworker.is_active = False
    cast.caseworker.save()
    assert visible_ids(cast.caseworker) == set()
    assert not permissions.can_view_case(cast.caseworker, own_case)


def test_an_org_admin_cannot_take_over_another_organisations_staff(cast):
    with pytest.raises(PermissionDenied):
        access.user_set_membership(actor=cast.org_admin, user=cast.other_caseworker, organisation=cast.ngo,
                                   role="caseworker")
    cast.other_caseworker.refresh_from_db()
    assert cast.other_caseworker.organisation == cast.other_ngo


def test_a_role_change_made_on_the_instance_first_still_ends_assignments(cast, own_case):
    """The admin's form sets `role` on the instance before the service runs."""
    cast.caseworker.role = "auditor"
    access.user_set_membership(actor=cast.org_admin, user=cast.caseworker, organisation=cast.ngo, role="auditor")
    assert not own_case.assignments.exists()
    assert visible_ids(cast.caseworker) == set()


def test_an_auditor_keeps_seeing_only_entries_stamped_for_their_organisation(cast, own_case, logged_in):
    from auditlog.models import LogEntry

    logged_in(cast.caseworker2).get(f"/cases/{own_case.public_id}/")  # no access: 404, nothing logged
    foreign = open_case(cast.other_caseworker, country="TR", passport_number="")
    # The foreign caseworker moves to our organisation: their past entries stay with theirs.
    access.user_set_membership(actor=None, user=cast.other_caseworker, organisation=cast.ngo, role="caseworker")
    entries = selectors.audit_entries(cast.auditor)
    assert entries.exists()
    assert not entries.filter(additional_data__case=str(foreign.public_id)).exists()
    assert set(entries.values_list("additional_data__organisation", flat=True)) == {cast.ngo.pk}
    assert LogEntry.objects.filter(additional_data__case=str(foreign.public_id)).exists()


def test_a_per_user_grant_on_an_organisation_opens_no_case(cast, own_case):
    """Only the owners group's organisation-wide grant counts, in the predicate and the list alike."""
    from guardian.shortcuts import assign_perm

    assign_perm(permissions.VIEW_ORGANISATION_CASES, cast.lawyer, cast.ngo)
    assert not permissions.can_view_case(cast.lawyer, own_case)
    assert visible_ids(cast.lawyer) == set()
