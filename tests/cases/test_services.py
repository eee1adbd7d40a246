"""Writes: registration, edits, the status lifecycle, people, documents, phones and uploads."""

import datetime
import hashlib
import io

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.audit import REDACTED
from cases.choices import CaseStatus, DocumentType, HouseholdRelationship
from cases.encryption import blind_index
from cases.models import Case, CaseReferenceSequence, IdentityDocument, Person
from cases.services import cases, people, records
from cases.services.versioning import StaleEditError
from tests.conftest import GULNAR, MEMET, open_case


def test_case_open_gives_a_country_year_reference_and_assigns_the_caseworker(cast):
    first = open_case(cast.caseworker, passport_number="")
    second = open_case(cast.caseworker, passport_number="")
    turkish = open_case(cast.caseworker, country="TR", passport_number="")
    assert (first.reference, second.reference, turkish.reference) == (
        "KZ-2026-000001", "KZ-2026-000002", "TR-2026-000001",
    )
    assert list(first.assignments.values_list("user__username", flat=True)) == ["caseworker"]
    assert first.people.get().relationship == HouseholdRelationship.PRINCIPAL
    assert CaseReferenceSequence.objects.get(host_country="KZ", year=2026).last_number == 2


def test_case_open_is_refused_for_roles_that_do_not_register_cases(cast):
    for user in (cast.lawyer, cast.liaison, cast.provider, cast.auditor):
        with pytest.raises(PermissionDenied):
            open_case(user)
    assert Case.objects.count() == 0


def test_a_failed_registration_leaves_nothing_behind(cast):
    with pytest.raises(ValidationError):
        cases.case_open(actor=cast.caseworker, host_country="KZ", opened_on=datetime.date(2026, 1, 1), principal={})
    assert Case.objects.count() == 0
    assert Person.objects.count() == 0


def test_case_update_refuses_a_stale_version_and_keeps_the_first_save(cast, own_case):
    stale_version = own_case.version
    cases.case_update(actor=cast.caseworker, case=own_case, expected_version=stale_version,
                      changes={"host_city": "Shymkent"})
    with pytest.raises(StaleEditError):
        cases.case_update(actor=cast.supervisor, case=own_case, expected_version=stale_version,
                          changes={"host_city": "Taraz"})
    own_case.refresh_from_db()
    assert own_case.host_city == "Shymkent"
    assert own_case.version == stale_version + 1


def test_status_follows_the_lifecycle_and_keeps_history(cast, own_case):
    case = cases.case_change_status(actor=cast.caseworker, case=own_case, expected_version=own_case.version,
                                    to_status=CaseStatus.ACTIVE, reason="First interview held")
    case = cases.case_change_status(actor=cast.caseworker, case=case, expected_version=case.version,
                                    to_status=CaseStatus.RESETTLED, reason="Accepted by a third country")
    assert case.status == CaseStatus.RESETTLED
    assert [c.to_status for c in case.status_changes.order_by("changed_at", "pk")] == ["active", "resettled"]
    with pytest.raises(ValidationError) as refused:
        cases.case_change_status(actor=cast.caseworker, case=case, expected_version=case.version,
                                 to_status=CaseStatus.LOST_CONTACT, reason="x")
    assert refused.value.code == "invalid_transition"


def test_household_member_is_added_and_found_by_any_script(cast, own_case):
    member = people.person_add(actor=cast.caseworker, case=own_case,
                               data={**GULNAR, "relationship": HouseholdRelationship.SPOUSE}, phone="+77019876543")
    assert member.phones.get().number == "+77019876543"
    assert "گۈلنار" in member.search_names and "gulnar" in member.search_names


def test_the_principal_cannot_be_removed_and_a_second_principal_is_refused(cast, own_case):
    principal = own_case.people.get()
    with pytest.raises(ValidationError):
        people.person_remove(actor=cast.caseworker, person=principal)
    with pytest.raises(Exception):  # noqa: B017 - the database constraint, whatever the backend calls it
        people.person_add(actor=cast.caseworker, case=own_case,
                          data={**GULNAR, "relationship": HouseholdRelationship.PRINCIPAL})
    assert own_case.people.count() == 1


def test_person_update_rebuilds_the_search_names(cast, own_case):
    principal = own_case.people.get()
    people.person_update(actor=cast.caseworker, person=principal, expected_version=principal.version,
                         data={"given_name_ug_latn": "Mamat"})
    principal.refresh_from_db()
    assert "mamat" in principal.search_names
    assert "مەمەت" in principal.search_names  # untouched scripts stay searchable


def test_document_numbers_are_normalised_and_expiry_must_follow_issue(cast, own_case):
    document = own_case.people.get().documents.get()
    assert document.number_index == blind_index("document", "e 1234-5678")  # the normalised number's HMAC
    assert len(document.number_index) == 64 and "12345678" not in document.number_index
    with pytest.raises(ValidationError):
        people.document_add(actor=cast.caseworker, person=own_case.people.get(), data={
            "document_type": DocumentType.VISA, "number": "V-1", "issuing_country": "KZ",
            "issued_on": datetime.date(2026, 1, 1), "expires_on": datetime.date(2025, 1, 1),
        })
    assert IdentityDocument.objects.count() == 1


def test_writes_are_refused_to_those_who_may_only_read(cast, own_case):
    from cases.services import access

    access.case_share(actor=cast.caseworker, case=own_case, organisation=cast.clinic, purpose="Asylum")
    with pytest.raises(PermissionDenied):
        records.note_add(actor=cast.lawyer, case=own_case, text="should not be written")
    with pytest.raises(PermissionDenied):
        cases.case_update(actor=cast.lawyer, case=own_case, expected_version=own_case.version,
                          changes={"host_city": "x"})


def _jpeg_with_gps_exif():
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (43.0, 15.0, 0.0)}  # GPSInfo: latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_image_upload_is_stored_without_metadata_with_its_hash(cast, own_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    raw = _jpeg_with_gps_exif()
    assert Image.open(io.BytesIO(raw)).getexif()  # the fixture really carries EXIF
    attachment = records.attachment_add(
        actor=cast.caseworker, case=own_case, upload=SimpleUploadedFile("passport scan.jpg", raw, "image/jpeg"),
    )
    stored = attachment.file.read()
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    assert attachment.size == len(stored)
    assert attachment.content_type == "image/jpeg"
    assert "passport" not in attachment.file.name  # stored under a random name


@pytest.mark.parametrize("name, content, code", [
    ("evil.pdf", b"MZ\x90\x00 this is an executable", "unsupported_type"),
    ("empty.pdf", b"", "empty"),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage", "bad_image"),
])
def test_uploads_are_checked_by_content_not_name(cast, own_case, settings, tmp_path, name, content, code):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as refused:
        records.attachment_add(actor=cast.caseworker, case=own_case, upload=SimpleUploadedFile(name, content))
    assert refused.value.code == code
    assert not own_case.attachments.exists()


def test_an_image_with_too_many_pixels_is_refused_before_decoding(cast, own_case, settings, tmp_path, monkeypatch):
    from cases import uploads

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(ValidationError) as refused:
        records.attachment_add(actor=cast.caseworker, case=own_case,
                               upload=SimpleUploadedFile("scan.jpg", _jpeg_with_gps_exif()))
    assert refused.value.code == "too_many_pixels"


def test_oversized_upload_is_refused(cast, own_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PANAH_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        records.attachment_add(actor=cast.caseworker, case=own_case,
                               upload=SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 200))
    assert refused.value.code == "too_large"


def test_status_reasons_stay_out_of_the_audit_diffs(cast, own_case):
    reason = "Detained at the airport by host police"
    cases.case_change_status(actor=cast.caseworker, case=own_case, expected_version=own_case.version,
                             to_status=CaseStatus.ACTIVE, reason=reason)
    assert LogEntry.objects.filter(content_type__model__in=["case", "casestatuschange"]).exists()
    for entry in LogEntry.objects.all():
        assert reason not in str(entry.changes)


def test_a_refused_write_leaves_the_audit_context_as_it_was(cast, own_case):
    from django.db.models.signals import pre_save

    before = len(pre_save.receivers)
    for _ in range(3):
        with pytest.raises(StaleEditError):
            cases.case_update(actor=cast.caseworker, case=own_case, expected_version=own_case.version - 1,
                              changes={"host_city": "x"})
    assert len(pre_save.receivers) == before


def test_audit_records_who_changed_what_without_sensitive_values(cast, own_case):
    document = own_case.people.get().documents.get()
    people.document_update(actor=cast.caseworker, document=document, expected_version=document.version,
                           data={"number": "E99999999"})
    entry = LogEntry.objects.filter(content_type__model="identitydocument", action=LogEntry.Action.UPDATE).get()
    assert entry.actor == cast.caseworker
    assert entry.changes_dict["number"] == [REDACTED, REDACTED]
    assert "E99999999" not in str(entry.changes) and "E12345678" not in str(entry.changes)
    assert entry.additional_data["organisation"] == cast.ngo.pk
    person_entry = LogEntry.objects.filter(content_type__model="person").first()
    for value in MEMET.values():
        assert value not in str(person_entry.changes)
        assert value not in person_entry.object_repr


def test_a_status_change_cannot_predate_the_case(cast, own_case):
    with pytest.raises(ValidationError) as refused:
        cases.case_change_status(actor=cast.caseworker, case=own_case, expected_version=own_case.version,
                                 to_status=CaseStatus.ACTIVE, reason="x", effective_on=datetime.date(1900, 1, 1))
    assert refused.value.code == "before_opening"
    own_case.refresh_from_db()
    assert own_case.status == CaseStatus.OPEN and not own_case.status_changes.exists()
