"""The duplicate review queue and merges (issue 8): found by the matcher, decided by two people,
never automatic, undoable, and silent about records in caseloads the reviewer may not see.

All people are fictional.
"""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases.choices import DuplicateStatus
from cases.models import DuplicateCandidate, IdentityDocument, Person
from cases.models.people import NAME_FIELDS
from cases.services import identities
from cases.services.versioning import StaleEditError
from tests.conftest import PASSWORD, open_case

# One fictional man, written down by two offices in two scripts.
IN_ARABIC_SCRIPT = {"given_name_ug_arab": "ئابدۇرېھىم", "father_name_ug_arab": "ئىمىنجان"}
IN_CYRILLIC = {"given_name_cyrl": "Абдурехим", "father_name_cyrl": "Иминжан"}
IN_LATIN = {"given_name_ug_latn": "Abdurehim", "father_name_ug_latn": "Iminjan"}


def principal(case):
    return case.people.get(relationship="principal")


def pair_of(case_a, case_b):
    first, second = sorted((principal(case_a).pk, principal(case_b).pk))
    return DuplicateCandidate.objects.get(first_id=first, second_id=second)


def snapshot(person):
    """Every name field and every document of a person, as stored."""
    person = Person.objects.get(pk=person.pk)
    documents = sorted(
        (d.pk, d.document_type, d.number, d.issuing_country, d.number_index)
        for d in IdentityDocument.objects.filter(person=person)
    )
    return {field: getattr(person, field) for field in NAME_FIELDS}, documents


@pytest.fixture
def pair(cast):
    """Two cases of the caseworker's NGO (both registered by `caseworker`), one man in two scripts."""
    arabic = open_case(cast.caseworker, principal=IN_ARABIC_SCRIPT)
    cyrillic = open_case(cast.caseworker, principal=IN_CYRILLIC, passport_number="E12345678")
    return arabic, cyrillic, pair_of(arabic, cyrillic)


def detail(candidate):
    return reverse("cases:duplicate_detail", args=[candidate.pk])


def propose_data(candidate, survivor, *, version=None, password=PASSWORD):
    return {"action": "propose", "propose-version": candidate.version if version is None else version,
            "propose-survivor": survivor.pk, "propose-current_password": password}


def confirm_data(candidate, *, password=PASSWORD):
    return {"action": "confirm", "confirm-version": candidate.version, "confirm-current_password": password}


def undo_data(candidate, *, password=PASSWORD):
    return {"action": "undo", "undo-version": candidate.version, "undo-current_password": password}


def merged(cast, logged_in, pair):
    arabic, cyrillic, candidate = pair
    response = logged_in(cast.supervisor).post(detail(candidate), propose_data(candidate, principal(arabic)))
    assert response.status_code == 302, response.content.decode()[:2000]
    candidate.refresh_from_db()
    response = logged_in(cast.caseworker).post(detail(candidate), confirm_data(candidate))
    assert response.status_code == 302, response.content.decode()[:2000]
    candidate.refresh_from_db()
    return candidate


# --- Finding pairs -------------------------------------------------------------------------------

def test_registering_the_same_person_in_two_scripts_queues_one_pair_and_merges_nothing(cast, pair):
    arabic, cyrillic, candidate = pair
    assert DuplicateCandidate.objects.filter(
        first__in=[principal(arabic), principal(cyrillic)], second__in=[principal(arabic), principal(cyrillic)],
    ).count() == 1
    assert candidate.score >= 0.9
    assert candidate.evidence["order"] in ("same", "swapped") and candidate.evidence["parts"]
    assert candidate.status == DuplicateStatus.OPEN
    # Never automatic: registration alone links nobody.
    assert not Person.objects.filter(same_as__isnull=False).exists()
    # Registering a third time adds the new pairs, never a second row for the same two records.
    open_case(cast.caseworker, principal=IN_LATIN, passport_number="")
    assert DuplicateCandidate.objects.filter(first=candidate.first, second=candidate.second).count() == 1


def test_the_queue_lists_the_pair_for_who_may_see_both_records(cast, pair, logged_in):
    arabic, cyrillic, candidate = pair
    for user in (cast.supervisor, cast.caseworker):
        page = logged_in(user).get(reverse("cases:duplicate_queue")).content.decode()
        assert arabic.reference in page and cyrillic.reference in page
        assert detail(candidate) in page
    nobody = logged_in(cast.caseworker2).get(reverse("cases:duplicate_queue"))
    assert nobody.status_code == 200
    assert arabic.reference not in nobody.content.decode() and detail(candidate) not in nobody.content.decode()
    # The navigation offers the queue to supervisors and to caseworkers (who may be asked to
    # confirm a merge), not to roles that never register or review people.
    home = reverse("cases:duplicate_queue")
    for user in (cast.supervisor, cast.caseworker2):
        assert home in logged_in(user).get(reverse("cases:list")).content.decode()
    for user in (cast.liaison, cast.lawyer):
        assert home not in logged_in(user).get(reverse("home")).content.decode()


def test_the_pair_page_compares_the_records_and_counts_as_reading_both_files(cast, pair, logged_in):
    arabic, cyrillic, candidate = pair
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    before = {case.pk: reads.filter(object_pk=str(case.pk)).count() for case in (arabic, cyrillic)}
    response = logged_in(cast.supervisor).get(detail(candidate))
    page = response.content.decode()
    assert response.status_code == 200
    for text in (*IN_ARABIC_SCRIPT.values(), *IN_CYRILLIC.values(), "E12345678", "same number"):
        assert text in page
    for case in (arabic, cyrillic):
        assert reads.filter(object_pk=str(case.pk)).count() == before[case.pk] + 1


# --- Deciding ------------------------------------------------------------------------------------

def test_a_merge_needs_a_second_reviewer_and_keeps_every_name_and_document(cast, pair, logged_in):
    arabic, cyrillic, candidate = pair
    before = [snapshot(principal(case)) for case in (arabic, cyrillic)]
    supervisor = logged_in(cast.supervisor)
    # Proposing asks for the password again.
    refused = supervisor.post(detail(candidate), propose_data(candidate, principal(arabic), password="not it"))
    assert refused.status_code == 400
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.OPEN
    assert supervisor.post(detail(candidate), propose_data(candidate, principal(arabic))).status_code == 302
    candidate.refresh_from_db()
    assert (candidate.status, candidate.proposed_by, candidate.survivor) == (
        DuplicateStatus.PROPOSED, cast.supervisor, principal(arabic))
    # The proposer cannot be the second reviewer, through the page or the service.
    assert supervisor.post(detail(candidate), confirm_data(candidate)).status_code == 403
    with pytest.raises((PermissionDenied, ValidationError)):
        identities.duplicate_merge_confirm(actor=cast.supervisor, candidate=candidate,
                                           expected_version=candidate.version)
    assert not Person.objects.filter(same_as__isnull=False).exists()
    # The caseworker of both cases confirms.
    page = logged_in(cast.caseworker).get(detail(candidate)).content.decode()
    assert "Confirm merge" in page and "Propose merge" not in page
    assert logged_in(cast.caseworker).post(detail(candidate), confirm_data(candidate)).status_code == 302
    candidate.refresh_from_db()
    assert (candidate.status, candidate.decided_by) == (DuplicateStatus.MERGED, cast.caseworker)
    assert Person.objects.get(pk=principal(cyrillic).pk).same_as_id == principal(arabic).pk
    assert Person.objects.get(pk=principal(arabic).pk).same_as_id is None
    assert [snapshot(principal(case)) for case in (arabic, cyrillic)] == before


def test_undoing_a_merge_separates_the_records_as_they_were(cast, pair, logged_in):
    arabic, cyrillic, _candidate = pair
    before = [snapshot(principal(case)) for case in (arabic, cyrillic)]
    candidate = merged(cast, logged_in, pair)
    assert logged_in(cast.supervisor).post(detail(candidate), undo_data(candidate)).status_code == 302
    candidate.refresh_from_db()
    assert (candidate.status, candidate.undone_by) == (DuplicateStatus.UNDONE, cast.supervisor)
    assert not Person.objects.filter(same_as__isnull=False).exists()
    assert [snapshot(principal(case)) for case in (arabic, cyrillic)] == before
    page = logged_in(cast.supervisor).get(detail(candidate)).content.decode()
    assert "Merge undone by" in page


def test_the_case_page_shows_the_other_record_of_a_merged_person(cast, pair, logged_in):
    arabic, cyrillic, _candidate = pair
    marker = "Same person as recorded in case"
    before = logged_in(cast.caseworker).get(reverse("cases:detail", args=[arabic.public_id])).content.decode()
    assert marker not in before
    merged(cast, logged_in, pair)
    page = logged_in(cast.caseworker).get(reverse("cases:detail", args=[arabic.public_id])).content.decode()
    assert marker in page and cyrillic.reference in page and IN_CYRILLIC["given_name_cyrl"] in page
    page = logged_in(cast.caseworker).get(reverse("cases:detail", args=[cyrillic.public_id])).content.decode()
    assert marker in page and arabic.reference in page and IN_ARABIC_SCRIPT["given_name_ug_arab"] in page


def test_different_people_is_recorded_and_links_nothing(cast, pair, logged_in):
    _arabic, _cyrillic, candidate = pair
    response = logged_in(cast.supervisor).post(detail(candidate), {"action": "dismiss",
                                                                   "dismiss-version": candidate.version})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.status, candidate.decided_by) == (DuplicateStatus.DISMISSED, cast.supervisor)
    assert not Person.objects.filter(same_as__isnull=False).exists()
    queue = logged_in(cast.supervisor).get(reverse("cases:duplicate_queue"), {"status": "dismissed"})
    assert detail(candidate) in queue.content.decode()
    assert detail(candidate) not in logged_in(cast.supervisor).get(reverse("cases:duplicate_queue")).content.decode()


def test_a_stale_decision_is_refused_with_a_message_and_changes_nothing(cast, pair, logged_in):
    arabic, _cyrillic, candidate = pair
    stale_version = candidate.version
    identities.duplicate_dismiss(actor=cast.supervisor, candidate=candidate, expected_version=candidate.version)
    candidate.refresh_from_db()
    stored = (candidate.status, candidate.version, candidate.survivor_id)
    response = logged_in(cast.supervisor).post(
        detail(candidate), propose_data(candidate, principal(arabic), version=stale_version))
    assert response.status_code == 400
    assert "Someone else decided on this pair" in response.content.decode()
    candidate.refresh_from_db()
    assert (candidate.status, candidate.version, candidate.survivor_id) == stored
    with pytest.raises(StaleEditError):
        identities.duplicate_merge_undo(actor=cast.supervisor, candidate=candidate, expected_version=stale_version)
    # A decision the pair's state no longer allows: a message, not a 500.
    refused = logged_in(cast.supervisor).post(detail(candidate), undo_data(candidate))
    assert refused.status_code == 400 and "These records are not merged." in refused.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.DISMISSED


def test_propose_confirm_and_undo_are_in_the_audit_trail(cast, pair, logged_in):
    candidate = merged(cast, logged_in, pair)
    logged_in(cast.supervisor).post(detail(candidate), undo_data(candidate))
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(DuplicateCandidate), object_pk=str(candidate.pk),
        action=LogEntry.Action.UPDATE,
    ).order_by("pk")
    statuses = [(entry.actor, entry.changes_dict.get("status", [None, None])[1]) for entry in entries]
    assert (cast.supervisor, DuplicateStatus.PROPOSED) in statuses
    assert (cast.caseworker, DuplicateStatus.MERGED) in statuses
    assert (cast.supervisor, DuplicateStatus.UNDONE) in statuses
    assert all("evidence" not in entry.changes_dict for entry in entries)
    assert all(entry.additional_data["organisation"] == cast.ngo.pk for entry in entries)
    # The link itself is on the person's own trail.
    assert LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Person), actor=cast.caseworker,
        object_pk=str(candidate.second_id if candidate.survivor_id == candidate.first_id else candidate.first_id),
        changes__icontains="same_as",
    ).exists()


# --- Who may see and decide ----------------------------------------------------------------------

def test_a_pair_across_organisations_is_only_a_signal_to_each_supervisor(cast, logged_in):
    ours = open_case(cast.caseworker, principal=IN_LATIN, passport_number="")
    theirs = open_case(cast.other_caseworker, principal=IN_ARABIC_SCRIPT, country="TR", passport_number="E55512345")
    candidate = pair_of(ours, theirs)
    assert candidate.score >= 0.9
    for user, own, other, other_names, other_org in (
        (cast.supervisor, ours, theirs, IN_ARABIC_SCRIPT, cast.other_ngo),
        (cast.other_supervisor, theirs, ours, IN_LATIN, cast.ngo),
    ):
        client = logged_in(user)
        page = client.get(reverse("cases:duplicate_queue")).content.decode()
        assert "Possible duplicate in another caseload" in page and own.reference in page
        assert other.reference not in page and other_org.name not in page
        assert all(name not in page for name in other_names.values())
        assert detail(candidate) not in page and f"{candidate.score:.2f}" not in page
        assert client.get(detail(candidate)).status_code == 404
        assert client.post(detail(candidate), propose_data(candidate, principal(own))).status_code == 404
    # Caseworkers get no signal at all.
    page = logged_in(cast.caseworker).get(reverse("cases:duplicate_queue")).content.decode()
    assert "Possible duplicate in another caseload" not in page
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.OPEN
    # Finding the pair wrote no audit entry: one stamped with either organisation would tell its
    # auditors that the other registered this person.
    assert not LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(DuplicateCandidate)).exists()


def test_a_case_shared_in_brings_no_signal_about_its_owners_other_records(cast, logged_in):
    """The other NGO shares one case with ours; its client resembles another of its own cases."""
    from cases.services import access

    shared = open_case(cast.other_caseworker, principal=IN_ARABIC_SCRIPT, country="TR", passport_number="")
    not_shared = open_case(cast.other_caseworker, principal=IN_LATIN, country="TR", passport_number="")
    access.case_share(actor=cast.other_caseworker, case=shared, organisation=cast.ngo, purpose="Fictional handover")
    assert pair_of(shared, not_shared).score >= 0.9
    page = logged_in(cast.supervisor).get(reverse("cases:duplicate_queue")).content.decode()
    # Theirs to review: our supervisor learns nothing about the other NGO's caseload.
    assert "Possible duplicate in another caseload" not in page
    assert shared.reference not in page and not_shared.reference not in page


def test_a_caseworker_without_both_cases_neither_sees_nor_confirms_the_pair(cast, pair, logged_in):
    arabic, _cyrillic, candidate = pair
    identities.duplicate_merge_propose(actor=cast.supervisor, candidate=candidate,
                                       expected_version=candidate.version, survivor=principal(arabic))
    candidate.refresh_from_db()
    client = logged_in(cast.caseworker2)
    assert client.get(detail(candidate)).status_code == 404
    assert client.post(detail(candidate), confirm_data(candidate)).status_code in (403, 404)
    with pytest.raises(PermissionDenied):
        identities.duplicate_merge_confirm(actor=cast.caseworker2, candidate=candidate,
                                           expected_version=candidate.version)
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.PROPOSED
    assert not Person.objects.filter(same_as__isnull=False).exists()


def test_a_record_merged_into_one_cannot_become_the_main_record_of_another(cast, pair, logged_in):
    arabic, cyrillic, candidate = pair
    candidate = merged(cast, logged_in, pair)
    third = open_case(cast.caseworker, principal=IN_LATIN, passport_number="")
    merged_away = principal(cyrillic) if candidate.survivor_id == principal(arabic).pk else principal(arabic)
    later = pair_of(third, cyrillic if merged_away == principal(cyrillic) else arabic)
    identities.duplicate_merge_propose(actor=cast.supervisor, candidate=later, expected_version=later.version,
                                       survivor=principal(third))
    later.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        identities.duplicate_merge_confirm(actor=cast.caseworker, candidate=later, expected_version=later.version)
    assert refused.value.code == "already_merged"
    later.refresh_from_db()
    assert later.status == DuplicateStatus.PROPOSED
    assert Person.objects.get(pk=merged_away.pk).same_as_id == candidate.survivor_id


def test_renaming_a_record_takes_its_undecided_pairs_out_of_the_queue(cast, pair):
    from cases.services import people

    arabic, _cyrillic, candidate = pair
    person = principal(arabic)
    people.person_update(actor=cast.caseworker, person=person, expected_version=person.version, data={
        "given_name_ug_arab": "قەيسەر", "father_name_ug_arab": "نىياز",
    })
    assert not DuplicateCandidate.objects.filter(pk=candidate.pk).exists()
    assert not LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(DuplicateCandidate)).exists()


def test_erasing_the_main_record_of_a_merge_leaves_the_other_whole_and_separate(cast, pair, logged_in):
    from cases.services import retention

    arabic, cyrillic, candidate = pair
    candidate = merged(cast, logged_in, pair)
    survivor_case = arabic if candidate.survivor_id == principal(arabic).pk else cyrillic
    other_case = cyrillic if survivor_case is arabic else arabic
    kept = snapshot(principal(other_case))
    retention.case_erase(actor=cast.supervisor, case=survivor_case, reason="client_request")
    other = principal(other_case)
    assert other.same_as_id is None  # the link went with the erased record
    assert snapshot(other) == kept
    assert not DuplicateCandidate.objects.filter(pk=candidate.pk).exists()
