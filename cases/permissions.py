"""The only place that answers "may this user ...?" for case files.

Object grants (which case) come from django-guardian's direct-FK tables, written by
`cases.services.access`: per case (assignment, sharing) or per owning organisation (its
supervisors); role permissions (what at all) come from the role groups in
`cases.roles`. Views, admin, templates and services ask these predicates; nothing else calls
`has_perm` with a string.
"""

import datetime

from django.core.exceptions import PermissionDenied
from guardian.core import ObjectPermissionChecker

from cases import clock
from cases.choices import OPEN_ALERT_STATES, OrganisationKind, Role
from cases.roles import ASSIGNABLE_ROLES

VIEW_CASE = "view_case"
CHANGE_CASE = "change_case"
# Held by an organisation's owners group on the organisation: covers every case it owns.
VIEW_ORGANISATION_CASES = "view_organisation_cases"
CHANGE_ORGANISATION_CASES = "change_organisation_cases"
# Organisations a case may be shared with. Service providers never receive a case file: they
# receive referrals carrying only the consented fields.
SHAREABLE_ORGANISATION_KINDS = {OrganisationKind.NGO, OrganisationKind.UNHCR, OrganisationKind.LEGAL_CLINIC}


def require(allowed: bool) -> None:
    """Refuse (403) what a predicate below said no to; views and services both use it."""
    if not allowed:
        raise PermissionDenied


def _is_active(user):
    return bool(user and user.is_authenticated and user.is_active)


def _checker(user):
    # A fresh checker per question: guardian caches inside a checker, and a cache that outlives
    # one question would keep a revoked grant alive for the rest of a request or a task.
    return ObjectPermissionChecker(user)


def _has_case_grant(user, case, case_perm, organisation_perm):
    """A grant on the case itself (assignment, share) or on its owning organisation (supervisors).

    Organisation-wide grants count only when held by a group (the owners group), exactly as
    `selectors.visible_cases` reads them, so a per-user grant on an organisation opens nothing.
    """
    if not _is_active(user):
        return False
    checker = _checker(user)
    if checker.has_perm(case_perm, case):  # also True for superusers, as in visible_cases
        return True
    return organisation_perm in checker.get_group_perms(case.organisation)


def can_view_case(user, case):
    return _has_case_grant(user, case, VIEW_CASE, VIEW_ORGANISATION_CASES)


def can_edit_case(user, case):
    """Edit the case and everything recorded on it (people, documents, notes, attachments...)."""
    return _has_case_grant(user, case, CHANGE_CASE, CHANGE_ORGANISATION_CASES)


def can_create_case(user):
    return _is_active(user) and user.organisation_id is not None and user.has_perm("cases.add_case")


def can_assign_case(user, case):
    return (
        _is_active(user)
        and user.has_perm("cases.assign_case")
        and case.organisation_id == user.organisation_id
        and can_view_case(user, case)
    )


def can_be_assigned_to_case(candidate, case):
    return (
        candidate.is_active
        and candidate.organisation_id == case.organisation_id
        and candidate.role in ASSIGNABLE_ROLES
    )


def can_share_case(user, case):
    return (
        _is_active(user)
        and user.has_perm("cases.share_case")
        and case.organisation_id == user.organisation_id
        and can_edit_case(user, case)
    )


def can_export_caseload(user):
    """Download the overview of the cases one may see (no names or contact details)."""
    return _is_active(user) and user.organisation_id is not None and user.has_perm("cases.export_cases")


def can_receive_case(organisation, case):
    return organisation.pk != case.organisation_id and organisation.kind in SHAREABLE_ORGANISATION_KINDS


def can_view_audit_log(user):
    return _is_active(user) and user.has_perm("auditlog.view_logentry")


def can_administer_organisation(user):
    """Enter the Django admin, limited there to the user's own organisation."""
    return _is_active(user) and (user.is_superuser or user.has_perm("cases.change_user"))


def can_manage_user(actor, target):
    """Change `target`'s membership, role or password. `target` as stored, not as a form left it.

    An organisation administrator manages their own organisation's staff, but never a
    superuser or a fellow administrator (either could then be taken over).
    """
    if not can_administer_organisation(actor):
        return False
    if actor.is_superuser or target.pk == actor.pk:
        return True
    return (
        target.organisation_id in (None, actor.organisation_id)
        and not target.is_superuser
        and target.role != Role.ORG_ADMIN
    )


def can_place_in_organisation(actor, organisation):
    return actor.is_superuser or (
        can_administer_organisation(actor) and organisation is not None and organisation.pk == actor.organisation_id
    )


# --- Refoulement risk and alerts -----------------------------------------------------------------

def covered_countries(user) -> list[str]:
    """The host countries whose alerts `user` works: a UNHCR liaison's office's countries of operation."""
    organisation = getattr(user, "organisation", None)
    if not (
        _is_active(user)
        and user.role == Role.UNHCR_LIAISON
        and organisation is not None
        and organisation.kind == OrganisationKind.UNHCR
        and user.has_perm("cases.work_alert")
    ):
        return []
    return list(organisation.countries or [])


# A liaison sees a closed alert of a covered country (and the minimum data on it) for this long;
# after that only if the case itself is shared with their office.
LIAISON_SEES_CLOSED_ALERT_FOR = datetime.timedelta(days=30)


def liaison_can_still_see(alert, now):
    return alert.state in OPEN_ALERT_STATES or (
        alert.closed_at is not None and alert.closed_at >= now - LIAISON_SEES_CLOSED_ALERT_FOR
    )


def can_work_alert(user, alert):
    """Acknowledge, resolve or close an alert: the liaisons covering its country."""
    return alert.country in covered_countries(user)


def can_view_alert(user, alert):
    """The alert and its minimum data: covering liaisons (while open, then for 30 days), and
    whoever may see the case. `selectors.visible_alerts` is the same rule as one query."""
    return (can_work_alert(user, alert) and liaison_can_still_see(alert, clock.now())) or can_view_case(
        user, alert.case,
    )


def can_record_intervention(user, alert):
    return can_work_alert(user, alert) or can_edit_case(user, alert.case)


def can_view_alert_queue(user):
    return _is_active(user) and user.organisation_id is not None


def can_view_risk_rules(user):
    return _is_active(user)


def can_edit_country_profiles(user):
    return _is_active(user) and user.has_perm("cases.change_countryprofile")


# --- Retention and erasure -----------------------------------------------------------------------

def can_manage_retention(user):
    """The retention queue and schedule: an organisation's supervisors, for its own cases only."""
    return _is_active(user) and user.organisation_id is not None and user.has_perm("cases.manage_retention")


def can_decide_retention_review(user, review):
    return can_manage_retention(user) and review.organisation_id == user.organisation_id


def can_manage_case_retention(user, case):
    """Place or lift a legal hold on the case, or erase it: a supervisor of the owning organisation."""
    return (
        can_manage_retention(user)
        and case.organisation_id == user.organisation_id
        and can_view_case(user, case)
    )


def can_view_erasure_records(user):
    """Supervisors and auditors, of their own organisation's erasures."""
    return _is_active(user) and user.organisation_id is not None and (
        user.has_perm("cases.manage_retention") or user.has_perm("cases.view_erasurerecord")
    )


# --- Duplicate review and merge (issue 8) --------------------------------------------------------

def can_review_duplicates(user):
    """The duplicate queue: supervisors (who may propose merges) and anyone asked to confirm one."""
    return _is_active(user) and user.organisation_id is not None and user.has_perm("cases.review_duplicates")


def can_open_duplicate_queue(user):
    """The queue in the menu: supervisors, and the caseworkers who may be asked to confirm a merge."""
    return can_review_duplicates(user) or can_create_case(user)


def can_view_both_records(user, candidate):
    return can_view_case(user, candidate.first.case) and can_view_case(user, candidate.second.case)


def can_propose_merge(user, candidate):
    """Propose, dismiss or undo a merge: a supervisor who may edit both records."""
    return (
        can_review_duplicates(user)
        and can_edit_case(user, candidate.first.case)
        and can_edit_case(user, candidate.second.case)
    )


def can_confirm_merge(user, candidate):
    """The second reviewer: anyone who may edit both records, other than the one who proposed it."""
    return (
        _is_active(user)
        and candidate.proposed_by_id not in (None, user.pk)
        and can_edit_case(user, candidate.first.case)
        and can_edit_case(user, candidate.second.case)
    )
