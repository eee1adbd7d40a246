"""Retention: the review at closure, the daily marking, keep decisions, legal holds, and erasure.

Erasure is checked against the database itself (every text column of every table searched for
the fictional values planted in the case), the storage folder, and the raw audit entries.
"""

import datetime
import hashlib
import io

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, models
from django.db.models.functions import Cast
from django.urls import reverse
from django_q.models import Schedule

from cases import retention, tasks
from cases.models import Alert, Attachment, Case, ErasureRecord, LegalHold, Note, Person, RetentionReview
from cases.models.retention import ErasureReason, ReviewState
from cases.services import cases as case_services
from cases.services import people, records
from cases.services import retention as retention_services
from reports.models import DocumentStatus, Exhibit, Filing, GeneratedDocument
from reports.services import documents as document_services
from tests.conftest import PASSWORD, add_incident, open_case
from tests.referrals.conftest import give_consent, make_provider, refer

# Fictional values planted in the case to be erased; none may survive anywhere.
NAME = "Zulpiqarjan"
FATHER = "Nurmemetova"
MEMBER = "Aynurgulzat"
DOCUMENT_NUMBER = "E98765432"
PHONE = "+77019998877"
RELATIVE = "Abdukerim Qasimjanov"
NOTE_TEXT = "Fictional note: the cousin in Qulja was questioned twice"
INCIDENT_TEXT = "Fictional: held overnight at the Qorghas crossing"
DECLARATION = "Fictional declaration told in the client's words at Qaraqash"
PLANTED = [NAME, FATHER, MEMBER, DOCUMENT_NUMBER, PHONE, RELATIVE, NOTE_TEXT, INCIDENT_TEXT, DECLARATION]
# Values auditlog keeps in clear (not masked) on the case's records: personal data all the same.
INCIDENT_DAY = datetime.date(2025, 12, 24)
RELATIVE_SINCE = datetime.date(2018, 4, 5)


def pdf(name="scan.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 fictional scan", content_type="application/pdf")


def close(case, actor, on=datetime.date(2026, 11, 20)):
    case.refresh_from_db()
    return case_services.case_change_status(
        actor=actor, case=case, expected_version=case.version, to_status="closed", reason="Moved on", effective_on=on,
    )


def furnished_case(cast, clock):
    """A case with a record of every kind, a generated PDF, filing materials and a referral, all fictional."""
    case = open_case(cast.caseworker, principal={
        "given_name_ug_latn": NAME, "father_name_ug_latn": FATHER, "given_name_ug_arab": "زۇلپىقارجان",
    }, passport_number=DOCUMENT_NUMBER, phone=PHONE)
    actor = cast.caseworker
    principal = case.people.get(relationship="principal")
    people.person_add(actor=actor, case=case, data={"given_name_ug_latn": MEMBER, "relationship": "child"})
    people.legal_status_add(actor=actor, person=principal, data={"permit_type": "temporary_residence"})
    records.relative_add(actor=actor, case=case, data={
        "relationship": "father", "name": RELATIVE, "status": "imprisoned", "status_since": RELATIVE_SINCE})
    records.incident_add(actor=actor, case=case, data={
        "category": "police_visit", "occurred_on": INCIDENT_DAY, "description": INCIDENT_TEXT, "source": "client"})
    add_incident(actor, case, "custody", clock.today())  # HIGH: an alert opens on the case
    records.note_add(actor=actor, case=case, text=NOTE_TEXT)
    attachment = records.attachment_add(actor=actor, case=case, upload=pdf())
    signed = records.attachment_add(actor=actor, case=case, upload=pdf("consent.pdf"))
    provider = make_provider(cast.provider_org, "Calm Rooms counselling", services=["mhpss_focused"],
                             countries=["KZ:Almaty"], languages=["ug", "ru"])
    give_consent(actor, case, provider, signed_form=signed)
    refer(actor, case, provider)
    document = document_services.document_request(
        actor=actor, case=case, kind="case_summary", language="en", recipient_kind="file")
    name = default_storage.save(f"documents/{document.public_id}.pdf", ContentFile(b"%PDF-1.4 fictional"))
    GeneratedDocument.objects.filter(pk=document.pk).update(
        status=DocumentStatus.DONE, file=name, sha256=hashlib.sha256(b"x").hexdigest())
    filing = Filing.objects.create(case=case, organisation=cast.ngo, applicant=principal, declaration_text=DECLARATION)
    Exhibit.objects.create(filing=filing, section="client", title="Passport", attachment=attachment,
                           content_type="application/pdf", sha256=attachment.sha256, size=attachment.size,
                           added_by=actor)
    uploaded = Exhibit(filing=filing, section="country", title="Report", content_type="application/pdf",
                       sha256="0" * 64, size=3, added_by=actor)
    uploaded.file.save("report.pdf", ContentFile(b"pdf"), save=True)
    # An entry written before the names were masked (an older version, an import): erasure must reach it too.
    LogEntry.objects.log_create(principal, action=LogEntry.Action.UPDATE,
                                changes={"given_name_ug_latn": ["", NAME], "number": ["", DOCUMENT_NUMBER]})
    assert Alert.objects.filter(case=case).exists()
    return case


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def stored_files(root):
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def rows_containing(value):
    """(table, column) of every text or JSON column, in every table, that holds `value`."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                continue
            text = Cast(field.name, models.TextField())
            if model._default_manager.annotate(_text=text).filter(_text__contains=value).exists():
                found.append((model._meta.db_table, field.name))
    return found


def audit_text():
    return " ".join(f"{e.object_repr} {e.changes} {e.changes_text} {e.serialized_data} {e.additional_data}"
                    for e in LogEntry.objects.all())


def erase(case, actor, **kwargs):
    kwargs.setdefault("reason", ErasureReason.CLIENT_REQUEST)
    kwargs.setdefault("request_received_on", datetime.date(2026, 11, 25))
    return retention_services.case_erase(actor=actor, case=case, **kwargs)


def table_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def data_counts():
    """Row counts of the tables holding data, leaving out logins and sessions (a wrong password is counted)."""
    return {label: count for label, count in table_counts().items()
            if not label.startswith(("axes.", "sessions.", "usersessions."))}


# --- Review at closure and the daily run ----------------------------------------------------------

def test_closing_a_case_puts_it_up_for_review_on_the_schedule_date(cast, own_case):
    close(own_case, cast.caseworker, on=datetime.date(2026, 11, 20))
    review = RetentionReview.objects.get(case=own_case)
    assert review.state == ReviewState.SCHEDULED
    assert review.due_on == datetime.date(2026, 11, 20) + datetime.timedelta(days=3 * 365)
    assert review.organisation == cast.ngo and review.case_reference == own_case.reference


def test_the_schedule_can_be_shortened_in_the_settings_and_refuses_unknown_record_types(settings):
    settings.PANAH_RETENTION_DAYS = {"notes": 400}
    assert retention.review_due_on(datetime.date(2026, 1, 1)) == datetime.date(2027, 2, 5)
    settings.PANAH_RETENTION_DAYS = {"nots": 400}
    with pytest.raises(Exception, match="unknown record types"):
        retention.schedule()


def test_reopening_cancels_the_review_and_closing_again_schedules_a_new_one(cast, own_case):
    close(own_case, cast.caseworker)
    own_case.refresh_from_db()
    case_services.case_change_status(actor=cast.caseworker, case=own_case, expected_version=own_case.version,
                                     to_status="open", reason="Back", effective_on=datetime.date(2026, 11, 21))
    assert RetentionReview.objects.get(case=own_case).state == ReviewState.CANCELLED
    close(own_case, cast.caseworker, on=datetime.date(2026, 11, 22))
    assert RetentionReview.objects.get(case=own_case, state=ReviewState.SCHEDULED).closed_on == datetime.date(
        2026, 11, 22)


def test_the_daily_task_marks_reviews_due_and_erases_nothing(cast, own_case, clock):
    close(own_case, cast.caseworker, on=datetime.date(2026, 11, 20))
    review = RetentionReview.objects.get(case=own_case)
    assert tasks.retention_reviews_mark_due() == {"marked_due": 0, "created": 0}
    clock.at = datetime.datetime.combine(review.due_on, datetime.time(2), tzinfo=datetime.UTC)
    assert tasks.retention_reviews_mark_due() == {"marked_due": 1, "created": 0}
    review.refresh_from_db()
    assert review.state == ReviewState.DUE and review.marked_due_at == clock.at
    assert Case.objects.filter(pk=own_case.pk).exists() and Person.objects.filter(case=own_case).exists()


def test_the_daily_task_reviews_cases_closed_before_reviews_existed(cast, own_case, clock):
    close(own_case, cast.caseworker, on=datetime.date(2026, 11, 20))
    RetentionReview.objects.all().delete()  # as after an upgrade
    assert tasks.retention_reviews_mark_due()["created"] == 1
    review = RetentionReview.objects.get(case=own_case)
    assert review.state == ReviewState.SCHEDULED and review.closed_on == datetime.date(2026, 11, 20)
    assert tasks.retention_reviews_mark_due()["created"] == 0  # once


def test_setup_schedules_creates_the_daily_retention_run_once(db):
    call_command("setup_schedules", stdout=io.StringIO())
    call_command("setup_schedules", stdout=io.StringIO())
    schedule = Schedule.objects.get(name="panah-retention-reviews-daily")
    assert schedule.func == "cases.tasks.retention_reviews_mark_due" and schedule.schedule_type == "D"


def due_review(cast, case, clock):
    close(case, cast.caseworker, on=datetime.date(2026, 11, 20))
    review = RetentionReview.objects.get(case=case)
    clock.at = datetime.datetime.combine(review.due_on, datetime.time(2), tzinfo=datetime.UTC)
    retention_services.retention_reviews_mark_due()
    review.refresh_from_db()
    return review


def test_keeping_a_case_postpones_the_review_with_its_reason(cast, own_case, clock):
    review = due_review(cast, own_case, clock)
    with pytest.raises(ValidationError):
        retention_services.retention_review_keep(actor=cast.supervisor, review=review, keep_for_days=365, reason=" ")
    retention_services.retention_review_keep(
        actor=cast.supervisor, review=review, keep_for_days=365, reason="Appeal pending before the court")
    review.refresh_from_db()
    assert review.state == ReviewState.KEPT and review.decided_by == cast.supervisor
    assert review.reason == "Appeal pending before the court"
    assert review.keep_until == clock.today() + datetime.timedelta(days=365)
    following = RetentionReview.objects.get(case=own_case, state=ReviewState.SCHEDULED)
    assert following.due_on == review.keep_until
    with pytest.raises(ValidationError):  # decided once
        retention_services.retention_review_keep(actor=cast.supervisor, review=review, keep_for_days=365, reason="x")


def test_only_the_organisations_supervisor_decides_a_review(cast, own_case, clock):
    review = due_review(cast, own_case, clock)
    for user in (cast.caseworker, cast.other_supervisor, cast.auditor, cast.org_admin):
        with pytest.raises(PermissionDenied):
            retention_services.retention_review_keep(actor=user, review=review, keep_for_days=365, reason="x")
        with pytest.raises(PermissionDenied):
            erase(own_case, user, reason=ErasureReason.RETENTION_REVIEW, review=review)
    review.refresh_from_db()
    assert review.state == ReviewState.DUE


# --- Erasure ----------------------------------------------------------------------------------------

def test_erasure_removes_every_personal_row_file_and_audit_value(cast, clock, media,
                                                                 django_capture_on_commit_callbacks):
    case = furnished_case(cast, clock)
    other = open_case(cast.caseworker, passport_number="E11112222")  # must stay untouched
    records.note_add(actor=cast.caseworker, case=other, text="Fictional note of another case")
    other_attachment = records.attachment_add(actor=cast.caseworker, case=other, upload=pdf())
    public_id = str(case.public_id)
    files_before = stored_files(media)
    assert len(files_before) == 5  # two attachments, the PDF, the uploaded exhibit, the other case's attachment
    # Planted where the test can see them: in the trail (some in clear), and in the records themselves
    # (read through the models: encrypted columns hold no plain text to search for).
    assert INCIDENT_DAY.isoformat() in audit_text() and NAME in audit_text()
    assert case.people.filter(relationship="principal").get().given_name_ug_latn == NAME
    before = table_counts()
    personal = [model for model in apps.get_models() if _points_at_case(model)]
    assert all(_rows_of_case(model, case.pk) for model in (Person, Note, Attachment, Alert, Filing))

    with django_capture_on_commit_callbacks(execute=True):
        record = erase(case, cast.supervisor)
    connection.check_constraints()  # no row left pointing at an erased one (the test never commits)

    for value in PLANTED:
        assert rows_containing(value) == [], value
    for model in personal:
        assert _rows_of_case(model, case.pk) == 0, model
    after = table_counts()
    for label, count in record.counts.items():
        assert before[_label(label)] - after[_label(label)] == count, label
    text = audit_text()
    for value in [*PLANTED, INCIDENT_DAY.isoformat(), RELATIVE_SINCE.isoformat()]:
        assert value not in text, value
    assert not Case.objects.filter(public_id=public_id).exists()
    assert stored_files(media) == [other_attachment.file.name]
    # The trail keeps that things happened: entries stay, stamped with the case, values redacted.
    kept = LogEntry.objects.filter(additional_data__erased=True)
    assert kept.count() == record.audit_entries_redacted > 10
    stamped = LogEntry.objects.filter(additional_data__case=public_id)
    assert 0 < stamped.count() < kept.count()  # referral events carry no case stamp: found by their records
    assert all(entry.additional_data.get("erased") for entry in stamped)
    notes = kept.filter(content_type=ContentType.objects.get_for_model(Note))
    assert notes.exists() and all(entry.changes["text"][-1] == "[redacted]" for entry in notes)
    # The other case lost nothing.
    assert Note.objects.filter(case=other).count() == 1 and Attachment.objects.filter(case=other).count() == 1
    assert other.people.get().documents.get().number == "E11112222"


def _points_at_case(model):
    return any(field.is_relation and field.many_to_one and field.related_model is Case
               for field in model._meta.concrete_fields)


def _rows_of_case(model, case_pk):
    field = next(field for field in model._meta.concrete_fields
                 if field.is_relation and field.many_to_one and field.related_model is Case)
    return model._default_manager.filter(**{field.attname: case_pk}).count()


def _label(label_lower):
    return apps.get_model(label_lower)._meta.label


def test_the_erasure_record_holds_counts_and_actor_and_none_of_the_data(cast, clock, media):
    case = furnished_case(cast, clock)
    reference, public_id = case.reference, case.public_id
    record = erase(case, cast.supervisor)
    record.refresh_from_db()
    assert record.case_reference == reference and record.case_public_id == public_id
    assert record.erased_by == cast.supervisor and record.organisation == cast.ngo
    assert record.reason == ErasureReason.CLIENT_REQUEST and record.request_received_on == datetime.date(2026, 11, 25)
    counts = record.counts
    assert counts["cases.person"] == 2 and counts["cases.identitydocument"] == 1 and counts["cases.personphone"] == 1
    assert counts["cases.relative"] == 1 and counts["cases.incident"] == 2 and counts["cases.note"] == 1
    assert counts["cases.attachment"] == 2 and counts["cases.alert"] == 1 and counts["cases.case"] == 1
    assert counts["referrals.referral"] == 1 and counts["referrals.consent"] == 1
    assert counts["reports.generateddocument"] == 1 and counts["reports.filing"] == 1 and counts["reports.exhibit"] == 2
    assert record.files_erased == 4
    stored = " ".join(str(getattr(record, field.attname)) for field in ErasureRecord._meta.concrete_fields)
    for value in PLANTED:
        assert value not in stored


def test_erasure_by_review_closes_the_review_and_keeps_it_without_its_reason(cast, own_case, clock, media):
    review = due_review(cast, own_case, clock)
    retention_services.retention_review_keep(actor=cast.supervisor, review=review, keep_for_days=182,
                                             reason=f"Client {NAME} may return")
    following = RetentionReview.objects.get(case=own_case, state=ReviewState.SCHEDULED)
    record = erase(own_case, cast.supervisor, reason=ErasureReason.RETENTION_REVIEW, review=following,
                   request_received_on=None)
    following.refresh_from_db()
    review.refresh_from_db()
    assert record.review == following and following.state == ReviewState.ERASED
    assert following.decided_by == cast.supervisor and following.case is None
    assert review.reason == "" and review.state == ReviewState.KEPT and review.case_reference == own_case.reference
    assert rows_containing(NAME) == []


def test_a_legal_hold_blocks_erasure_until_it_is_lifted(cast, own_case, media):
    hold = retention_services.legal_hold_place(actor=cast.supervisor, case=own_case, reason="Court inquiry 12/2026")
    assert hold.placed_by == cast.supervisor and hold.is_active
    with pytest.raises(ValidationError) as refused:
        erase(own_case, cast.supervisor)
    assert refused.value.code == "legal_hold" and "legal hold" in refused.value.messages[0]
    assert Case.objects.filter(pk=own_case.pk).exists()
    with pytest.raises(ValidationError):
        retention_services.legal_hold_place(actor=cast.supervisor, case=own_case, reason="Again")
    retention_services.legal_hold_lift(actor=cast.supervisor, case=own_case, reason="Inquiry closed")
    hold.refresh_from_db()
    assert hold.lifted_by == cast.supervisor and hold.lifted_at is not None and hold.lift_reason == "Inquiry closed"
    erase(own_case, cast.supervisor)
    assert not Case.objects.filter(pk=own_case.pk).exists()
    assert not LegalHold.objects.exists()  # erased with the case, counted on the record
    assert ErasureRecord.objects.get().counts["cases.legalhold"] == 1


def test_nothing_is_removed_from_a_case_under_legal_hold(cast, own_case, logged_in):
    relative = records.relative_add(actor=cast.caseworker, case=own_case, data={
        "relationship": "father", "status": "imprisoned"})
    document = own_case.people.get().documents.get()
    retention_services.legal_hold_place(actor=cast.supervisor, case=own_case, reason="Court inquiry")
    with pytest.raises(ValidationError) as refused:
        records.relative_remove(actor=cast.caseworker, relative=relative)
    assert refused.value.code == "legal_hold"
    with pytest.raises(ValidationError):
        people.document_remove(actor=cast.caseworker, document=document)
    response = logged_in(cast.caseworker).post(
        reverse("cases:relative_remove", kwargs={"public_id": own_case.public_id, "relative_id": relative.pk}),
        follow=True)
    assert "under a legal hold" in response.content.decode()
    assert own_case.relatives.filter(pk=relative.pk).exists() and own_case.people.get().documents.exists()
    records.note_add(actor=cast.caseworker, case=own_case, text="Work goes on under the hold")
    retention_services.legal_hold_lift(actor=cast.supervisor, case=own_case, reason="Inquiry closed")
    records.relative_remove(actor=cast.caseworker, relative=relative)
    assert not own_case.relatives.exists()


def test_only_the_organisations_supervisor_holds_or_erases(cast, own_case):
    for user in (cast.caseworker, cast.other_supervisor, cast.auditor, cast.org_admin, cast.lawyer):
        with pytest.raises(PermissionDenied):
            retention_services.legal_hold_place(actor=user, case=own_case, reason="x")
        with pytest.raises(PermissionDenied):
            erase(own_case, user)
    assert Case.objects.filter(pk=own_case.pk).exists() and not LegalHold.objects.exists()


def test_a_failure_midway_leaves_everything_in_place(cast, clock, media, monkeypatch,
                                                     django_capture_on_commit_callbacks):
    case = furnished_case(cast, clock)
    before, files, audit = table_counts(), stored_files(media), audit_text()

    def broken(*args, **kwargs):
        raise RuntimeError("injected after every row was deleted")

    monkeypatch.setattr(retention_services, "_redact_audit_entries", broken)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        erase(case, cast.supervisor)
    assert callbacks == []
    assert table_counts() == before and stored_files(media) == files and audit_text() == audit
    assert Note.objects.get(case=case).text == NOTE_TEXT


def test_a_file_storage_cannot_remove_stops_the_erasure_before_anything_goes(cast, clock, media,
                                                                              django_capture_on_commit_callbacks):
    case = furnished_case(cast, clock)
    # A stored name that points outside the media folder: storage refuses to touch it.
    Attachment.objects.filter(case=case).update(file="../outside.pdf")
    before, files = table_counts(), stored_files(media)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as refused:
        erase(case, cast.supervisor)
    assert refused.value.code == "file_unremovable"
    assert table_counts() == before and stored_files(media) == files


def test_erasure_waits_while_a_document_is_being_generated(cast, own_case, clock):
    document = document_services.document_request(
        actor=cast.caseworker, case=own_case, kind="case_summary", language="en", recipient_kind="file")
    GeneratedDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.RENDERING, started_at=clock.at)
    with pytest.raises(ValidationError) as refused:
        erase(own_case, cast.supervisor)
    assert refused.value.code == "render_in_progress" and Case.objects.filter(pk=own_case.pk).exists()


# --- Pages ------------------------------------------------------------------------------------------

def erase_form(case, **extra):
    return {"reason": "client_request", "request_received_on": "2026-11-25", "confirm_reference": case.reference,
            "current_password": PASSWORD, **extra}


def test_a_supervisor_erases_a_case_from_its_page(cast, own_case, logged_in, media):
    client = logged_in(cast.supervisor)
    page = client.get(reverse("cases:detail", kwargs={"public_id": own_case.public_id}))
    assert b'id="retention"' in page.content
    assert reverse("cases:erase", kwargs={"public_id": own_case.public_id}).encode() in page.content
    url = reverse("cases:erase", kwargs={"public_id": own_case.public_id})
    assert client.get(url).status_code == 200
    response = client.post(url, erase_form(own_case))
    assert response.status_code == 302 and response["Location"] == reverse("cases:erasure_records")
    listing = client.get(reverse("cases:erasure_records"))
    assert own_case.reference in listing.content.decode()
    assert client.get(reverse("cases:detail", kwargs={"public_id": own_case.public_id})).status_code == 404
    auditor = logged_in(cast.auditor).get(reverse("cases:erasure_records"))
    assert auditor.status_code == 200 and own_case.reference in auditor.content.decode()


def test_a_wrong_password_or_reference_erases_nothing(cast, own_case, logged_in):
    client = logged_in(cast.supervisor)
    url = reverse("cases:erase", kwargs={"public_id": own_case.public_id})
    before = data_counts()
    wrong_password = client.post(url, erase_form(own_case, current_password="not it"))
    assert wrong_password.status_code == 400 and "That is not your password" in wrong_password.content.decode()
    wrong_reference = client.post(url, erase_form(own_case, confirm_reference="KZ-2026-999999"))
    assert wrong_reference.status_code == 400 and "reference" in wrong_reference.content.decode()
    no_date = client.post(url, erase_form(own_case, request_received_on=""))
    assert no_date.status_code == 400
    assert data_counts() == before


def test_the_page_refuses_erasure_under_a_legal_hold_with_a_clear_message(cast, own_case, logged_in):
    client = logged_in(cast.supervisor)
    place = reverse("cases:legal_hold_place", kwargs={"public_id": own_case.public_id})
    assert client.post(place, {"reason": "Complaint to the ombudsman"}).status_code == 302
    page = client.get(reverse("cases:detail", kwargs={"public_id": own_case.public_id})).content.decode()
    assert "Under legal hold" in page and "Complaint to the ombudsman" in page
    response = client.post(reverse("cases:erase", kwargs={"public_id": own_case.public_id}), erase_form(own_case))
    assert response.status_code == 400 and "under a legal hold" in response.content.decode()
    assert Case.objects.filter(pk=own_case.pk).exists()
    lift = reverse("cases:legal_hold_lift", kwargs={"public_id": own_case.public_id})
    assert client.post(lift, {"reason": "Closed"}).status_code == 302
    assert not LegalHold.objects.filter(lifted_at__isnull=True).exists()


def test_the_queue_lists_the_organisations_due_reviews_and_a_review_is_decided_there(cast, own_case, logged_in, clock):
    other = open_case(cast.other_caseworker, country="TR")
    review = due_review(cast, own_case, clock)
    close(other, cast.other_caseworker)
    retention_services.retention_reviews_mark_due()
    client = logged_in(cast.supervisor)
    queue = client.get(reverse("cases:retention_queue")).content.decode()
    assert own_case.reference in queue and other.reference not in queue
    url = reverse("cases:retention_review", kwargs={"review_id": review.pk})
    assert client.get(url).status_code == 200
    assert client.post(url, {"keep_for": "730", "reason": ""}).status_code == 400
    assert client.post(url, {"keep_for": "730", "reason": "Resettlement interview pending"}).status_code == 302
    review.refresh_from_db()
    assert review.state == ReviewState.KEPT
    assert client.get(url).status_code == 404  # decided: no longer open
    schedule = client.get(reverse("cases:retention_schedule")).content.decode()
    assert "Relatives in China" in schedule and "1095" in schedule


def test_erasing_from_a_review(cast, own_case, logged_in, clock, media):
    review = due_review(cast, own_case, clock)
    client = logged_in(cast.supervisor)
    url = reverse("cases:retention_review_erase", kwargs={"review_id": review.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"confirm_reference": own_case.reference, "current_password": PASSWORD})
    assert response.status_code == 302
    record = ErasureRecord.objects.get()
    assert record.reason == ErasureReason.RETENTION_REVIEW and record.review_id == review.pk


def test_everyone_but_the_organisations_supervisors_gets_404(cast, own_case, logged_in, clock):
    review = due_review(cast, own_case, clock)
    case_kwargs = {"public_id": own_case.public_id}
    urls = [
        reverse("cases:retention_queue"), reverse("cases:retention_schedule"),
        reverse("cases:retention_review", kwargs={"review_id": review.pk}),
        reverse("cases:retention_review_erase", kwargs={"review_id": review.pk}),
        reverse("cases:legal_hold_place", kwargs=case_kwargs), reverse("cases:legal_hold_lift", kwargs=case_kwargs),
        reverse("cases:erase", kwargs=case_kwargs),
    ]
    others = [user for role, user in cast.by_role().items() if role != "supervisor"]
    written_by_others = LogEntry.objects.exclude(action=LogEntry.Action.ACCESS).filter(actor__in=others).count()
    writes = LogEntry.objects.exclude(action=LogEntry.Action.ACCESS).count()
    for role, user in cast.by_role().items():
        client = logged_in(user)
        for url in urls:
            for method in ("get", "post"):
                status = getattr(client, method)(url, {"reason": "x"}).status_code
                if role == "supervisor":
                    assert status in {200, 302, 400}, (role, url, method, status)
                elif role == "other_supervisor" and url in urls[:2]:
                    assert status == 200, (role, url, method, status)  # their own (empty) queue and schedule
                else:
                    assert status == 404, (role, url, method, status)
        page = client.get(reverse("cases:detail", kwargs=case_kwargs))
        assert (b'id="retention"' in page.content) == (role == "supervisor"), role
    # Only the supervisor's requests wrote (a hold placed and lifted); nobody else's.
    assert LogEntry.objects.exclude(action=LogEntry.Action.ACCESS).filter(actor__in=others).count() == written_by_others
    assert LogEntry.objects.exclude(action=LogEntry.Action.ACCESS).count() > writes
    erasures = reverse("cases:erasure_records")
    for role, user in cast.by_role().items():
        status = logged_in(user).get(erasures).status_code
        assert status == (200 if role in {"supervisor", "other_supervisor", "auditor"} else 404), (role, status)


def test_a_legal_hold_also_keeps_the_legal_clinics_needs_on_a_shared_case(cast, own_case, logged_in):
    from cases.services import access
    from reports.services import filings

    access.case_share(actor=cast.caseworker, case=own_case, organisation=cast.clinic, purpose="Asylum claim")
    need = filings.need_add(actor=cast.lawyer, case=own_case, person=own_case.people.get(),
                            category="medical", description="Fictional: needs a quiet interview room")
    retention_services.legal_hold_place(actor=cast.supervisor, case=own_case, reason="Court inquiry")
    with pytest.raises(ValidationError) as refused:
        filings.need_remove(actor=cast.lawyer, need=need)
    assert refused.value.code == "legal_hold"
    response = logged_in(cast.lawyer).post(
        reverse("reports:need_remove", kwargs={"public_id": own_case.public_id, "need_id": need.pk}), follow=True)
    assert response.status_code == 200 and "under a legal hold" in response.content.decode()
    assert type(need).objects.filter(pk=need.pk).exists()
