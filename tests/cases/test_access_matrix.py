"""Every case URL x every role x own / other organisation / shared case x GET and POST.

The rule under test: nobody gets a 2xx (or a successful redirect) for a case they may not act
on, and nothing is written. Allowed requests must not be refused either.
"""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import permissions
from cases.services import access, people, records
from tests.conftest import open_case

READ = "read"
EDIT = "edit"
ASSIGN = "assign"
SHARE = "share"
RETAIN = "retain"  # legal holds and erasure: the owning organisation's supervisors (tests/cases/test_retention.py)

# (url name, extra kwargs from the case's records, what it needs, POST only?)
CASE_URLS = [
    ("cases:detail", [], READ, False),
    ("cases:case_risk", [], READ, False),
    ("cases:attachment_download", ["attachment_id"], READ, False),
    ("cases:edit", [], EDIT, False),
    ("cases:status", [], EDIT, False),
    ("cases:person_add", [], EDIT, False),
    ("cases:person_edit", ["person_id"], EDIT, False),
    ("cases:person_remove", ["member_id"], EDIT, True),
    ("cases:phone_add", ["person_id"], EDIT, False),
    ("cases:phone_remove", ["phone_id"], EDIT, True),
    ("cases:document_add", [], EDIT, False),
    ("cases:document_edit", ["document_id"], EDIT, False),
    ("cases:document_remove", ["document_id"], EDIT, True),
    ("cases:legal_status_add", [], EDIT, False),
    ("cases:legal_status_remove", ["legal_status_id"], EDIT, True),
    ("cases:relative_add", [], EDIT, False),
    ("cases:relative_edit", ["relative_id"], EDIT, False),
    ("cases:relative_remove", ["relative_id"], EDIT, True),
    ("cases:incident_add", [], EDIT, False),
    ("cases:incident_edit", ["incident_id"], EDIT, False),
    ("cases:incident_remove", ["incident_id"], EDIT, True),
    ("cases:note_add", [], EDIT, False),
    ("cases:attachment_add", [], EDIT, False),
    ("cases:assign", [], ASSIGN, False),
    ("cases:unassign", ["assignee_id"], ASSIGN, True),
    ("cases:share", [], SHARE, False),
    ("cases:unshare", ["share_organisation_id"], SHARE, True),
    ("cases:legal_hold_place", [], RETAIN, False),
    ("cases:legal_hold_lift", [], RETAIN, False),
    ("cases:erase", [], RETAIN, False),
]
URL_KWARG_NAMES = {"member_id": "person_id", "assignee_id": "user_id", "share_organisation_id": "organisation_id"}
ROLES = ["caseworker", "caseworker2", "supervisor", "other_caseworker", "other_supervisor", "liaison", "lawyer",
         "provider", "org_admin", "auditor"]


def furnish(case, actor):
    """Give `case` one record of every kind, so every URL has something to point at."""
    principal = case.people.get(relationship="principal")
    member = people.person_add(actor=actor, case=case, data={"given_name_ug_latn": "Nurgul", "relationship": "child"})
    phone = people.phone_add(actor=actor, person=principal, number="+77017654321")
    status = people.legal_status_add(actor=actor, person=principal, data={"permit_type": "temporary_residence"})
    relative = records.relative_add(actor=actor, case=case, data={"relationship": "father", "status": "imprisoned"})
    incident = records.incident_add(actor=actor, case=case, data={
        "category": "police_visit", "occurred_on": datetime.date(2026, 2, 1), "description": "Visit",
        "source": "client"})
    attachment = records.attachment_add(actor=actor, case=case,
                                        upload=SimpleUploadedFile("s.pdf", b"%PDF-1.4 fictional"))
    return {
        "person_id": principal.pk, "member_id": member.pk, "phone_id": phone.pk,
        "document_id": principal.documents.get().pk, "legal_status_id": status.pk, "relative_id": relative.pk,
        "incident_id": incident.pk, "attachment_id": attachment.pk, "assignee_id": actor.pk,
    }


@pytest.fixture
def world(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    own = open_case(cast.caseworker)
    other = open_case(cast.other_caseworker, country="TR")
    shared = open_case(cast.other_caseworker, country="TR", passport_number="E55554444")
    access.case_share(actor=cast.other_caseworker, case=shared, organisation=cast.clinic, purpose="Asylum")
    access.case_share(actor=cast.other_caseworker, case=shared, organisation=cast.unhcr, purpose="Alert")
    access.case_share(actor=cast.caseworker, case=own, organisation=cast.clinic, purpose="Asylum")
    cases = {}
    for label, case, actor in (("own", own, cast.caseworker), ("other", other, cast.other_caseworker),
                               ("shared", shared, cast.other_caseworker)):
        ids = furnish(case, actor)
        ids["share_organisation_id"] = cast.clinic.pk if label != "other" else cast.unhcr.pk
        cases[label] = (case, ids)
    return cases


def allowed(user, case, need):
    return {
        READ: permissions.can_view_case, EDIT: permissions.can_edit_case,
        ASSIGN: permissions.can_assign_case, SHARE: permissions.can_share_case,
        RETAIN: permissions.can_manage_case_retention,
    }[need](user, case)


def writes():
    return LogEntry.objects.exclude(action=LogEntry.Action.ACCESS).count()


@pytest.mark.parametrize("role", ROLES)
def test_no_unauthorised_success_on_any_case_url(cast, world, logged_in, role):
    user = cast.by_role()[role]
    client = logged_in(user)
    checked = refused = 0
    for label, (case, ids) in world.items():
        for name, record_kwargs, need, post_only in CASE_URLS:
            kwargs = {"public_id": case.public_id}
            kwargs.update({URL_KWARG_NAMES.get(k, k): ids[k] for k in record_kwargs})
            url = reverse(name, kwargs=kwargs)
            may = allowed(user, case, need)
            if may:
                response = client.get(url)
                expected = {405} if post_only else {200}
                assert response.status_code in expected, (role, label, name, response.status_code)
                checked += 1
                continue
            before = writes()
            for method in ("get", "post"):
                response = getattr(client, method)(url, {})
                assert response.status_code in {403, 404, 405}, (role, label, name, method, response.status_code)
                refused += 1
            assert writes() == before, (role, label, name)
    assert checked + refused > 0


def test_the_matrix_covers_every_case_url():
    from cases.urls import urlpatterns

    # Alert URLs carry the alert's id, not the case's: tests/cases/test_alerts.py covers them.
    case_routes = {
        f"cases:{p.name}" for p in urlpatterns if "public_id" in str(p.pattern) and not p.name.startswith("alert_")
    }
    assert case_routes == {name for name, *_rest in CASE_URLS}


def test_the_expected_roles_really_are_allowed(cast, world):
    """Guard the matrix against passing because nobody is allowed anything."""
    own, _ = world["own"]
    shared, _ = world["shared"]
    assert allowed(cast.caseworker, own, EDIT) and allowed(cast.supervisor, own, ASSIGN)
    assert allowed(cast.lawyer, own, READ) and not allowed(cast.lawyer, own, EDIT)
    assert allowed(cast.liaison, shared, READ) and not allowed(cast.liaison, own, READ)
    assert not allowed(cast.provider, own, READ) and not allowed(cast.auditor, own, READ)
