"""Field-level encryption (cases.encryption): what the database and the media folder hold is
ciphertext; the keys are the application's own; a wrong key fails loudly and never shows
ciphertext as data; keys rotate by a command; document and phone numbers are still found
exactly (blind index); audit diffs hold neither plaintext nor ciphertext. Fictional data only."""

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.core.exceptions import FieldError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases import selectors
from cases.audit import REDACTED
from cases.checks import check_field_keys, key_problems
from cases.encryption import (
    FILE_MAGIC,
    EncryptionKeyError,
    blind_index,
    encrypt_text,
    encrypted_fields,
    generate_key,
)
from cases.models import (
    Alert,
    AlertEvent,
    Attachment,
    IdentityDocument,
    Incident,
    Intervention,
    LegalStatus,
    Note,
    Person,
    PersonPhone,
    Relative,
    User,
)
from cases.models.people import NAME_FIELDS
from cases.services import alerts as alert_services
from cases.services import people, records
from referrals.choices import DataCategory
from referrals.models import Consent, Referral
from referrals.services import consents
from tests.conftest import add_incident, open_case, second_factor_secret
from tests.referrals.conftest import make_provider, refer

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n% Fictional witness statement of Memet Tursun, Almaty\n"

# (model, column, a fragment of the plaintext stored there by `stored_case`)
SECRETS = [
    (Person, "contact_notes", "Never call before six"),
    (Person, "address", "Abay Avenue 17"),
    (PersonPhone, "number", "7011234567"),
    (IdentityDocument, "number", "1234-5678"),
    (LegalStatus, "notes", "Permit appeal pending"),
    (Relative, "name", "Ayshem Tursun"),
    (Relative, "source", "Cousin in Ghulja"),
    (Relative, "notes", "Taken from home at night"),
    (Incident, "place", "Zharkent checkpoint"),
    (Incident, "description", "Two men followed him home"),
    (Note, "text", "Client fears a visit from the consulate"),
    (Attachment, "original_name", "statement-memet"),
    (Attachment, "description", "Signed statement"),
    (Intervention, "note", "Lawyer Dana called the court"),
    (AlertEvent, "note", "Lawyer Dana called the court"),
    (Consent, "interpreter", "Interpreter Rahila"),
    (Consent, "notes", "Consent read aloud in Uyghur"),
    (Referral, "reasons", "sleep problems since the detention"),
    (Referral, "services_provided", "two listening sessions"),
    (Referral, "shared_data", "7011234567"),
]


@pytest.fixture
def stored_case(cast, settings, tmp_path, clock):
    """A case with every encrypted field filled in through the services."""
    settings.MEDIA_ROOT = tmp_path
    actor = cast.caseworker
    case = open_case(actor, phone="+77011234567", passport_number="E 1234-5678")
    person = case.people.get()
    people.person_update(actor=actor, person=person, expected_version=person.version, data={
        **{name: getattr(person, name) for name in NAME_FIELDS},
        "safe_contact_method": "in_person", "contact_notes": "Never call before six",
        "address": "Abay Avenue 17, flat 4, Almaty",
    })
    people.legal_status_add(actor=actor, person=person, data={
        "permit_type": "asylum_seeker", "notes": "Permit appeal pending"})
    records.relative_add(actor=actor, case=case, data={
        "relationship": "mother", "name": "Ayshem Tursun", "status": "disappeared",
        "source": "Cousin in Ghulja", "notes": "Taken from home at night"})
    add_incident(actor, case, "custody", clock.today(), place="Zharkent checkpoint",
                 description="Two men followed him home, then police held him overnight.")
    records.note_add(actor=actor, case=case, text="Client fears a visit from the consulate.")
    records.attachment_add(actor=actor, case=case, upload=SimpleUploadedFile("statement-memet.pdf", PDF),
                           description="Signed statement")
    alert = Alert.objects.get(case=case)
    alert_services.alert_record_intervention(
        actor=cast.liaison, alert=alert, kind="lawyer_instructed", done_at=clock.at,
        note="Lawyer Dana called the court.")
    provider = make_provider(cast.provider_org, "Calm Rooms counselling", services=["mhpss_focused"],
                             countries=["KZ:Almaty"], languages=["ug"])
    categories = (DataCategory.NAMES, DataCategory.CONTACT)
    consents.consent_record(
        actor=actor, case=case, person=person, recipient=provider.organisation, purpose="psychosocial",
        data_categories=list(categories), obtained_on=clock.today(), method="written", language="ug",
        interpreter="Interpreter Rahila", notes="Consent read aloud in Uyghur.",
    )
    refer(actor, case, provider, categories=categories, services=("mhpss_focused",))
    return case


def raw_values(model, column):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{model._meta.db_table}"')  # noqa: S608 - names from the model
        return [row[0] for row in cursor.fetchall()]


def raw_rows(model):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{model._meta.db_table}"')  # noqa: S608
        return [" ".join(str(value) for value in row) for row in cursor.fetchall()]


def test_the_database_holds_no_plaintext_of_an_encrypted_field(stored_case):
    for model, column, plaintext in SECRETS:
        where = f"{model.__name__}.{column}"
        values = [value for value in raw_values(model, column) if value]
        assert values, f"the fixture stored nothing in {where}"
        assert all(value.startswith("gAAAAA") for value in values), where  # Fernet tokens
        assert not any(plaintext in row for row in raw_rows(model)), where  # in no column of the row either
        # ... while the application reads the plaintext back.
        read = [str(value) for value in model.objects.values_list(column, flat=True)]
        assert any(plaintext in value for value in read), where
    # Nor a normalised copy of the document number, nor the phone's digits.
    assert not any("12345678" in row for row in raw_rows(IdentityDocument))
    assert not any("7011234567" in row for row in raw_rows(PersonPhone))


def test_the_services_round_trip_and_the_case_page_shows_the_plaintext(cast, stored_case, logged_in):
    person = stored_case.people.get()
    assert person.address == "Abay Avenue 17, flat 4, Almaty"
    assert person.documents.get().number == "E 1234-5678"
    assert person.phones.get().number == "+77011234567"
    page = logged_in(cast.caseworker).get(reverse("cases:detail", kwargs={"public_id": stored_case.public_id}))
    html = page.content.decode()
    assert page.status_code == 200
    for shown in ("Abay Avenue 17, flat 4, Almaty", "Ayshem Tursun", "Client fears a visit from the consulate.",
                  "Address in the host country"):
        assert shown in html
    assert "gAAAAA" not in html


def test_the_keys_are_not_derived_from_the_secret_key(settings, stored_case):
    settings.SECRET_KEY = "a-completely-different-secret-key-0123456789-abcdefghijklmnopqrstuv"
    assert Person.objects.get().address == "Abay Avenue 17, flat 4, Almaty"


def test_a_wrong_key_raises_never_returns_ciphertext_and_the_check_and_health_say_so(stored_case, settings):
    settings.PANAH_FIELD_KEYS = [generate_key()]
    with pytest.raises(EncryptionKeyError) as failure:
        Note.objects.get().text  # noqa: B018
    assert failure.value.where == "cases.Note.text" and "consulate" not in str(failure.value)
    with pytest.raises(EncryptionKeyError):
        Attachment.objects.get().file.open("rb")
    errors = check_field_keys()
    assert errors and all(error.id == "panah.E001" for error in errors)
    named = " ".join(error.msg for error in errors)
    assert "cases.FieldKeyCanary.value" in named and "cases.Note" in named and "consulate" not in named
    response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json() == {"database": True, "field_keys": False, "reason": "canary_unreadable"}


def test_the_check_and_health_pass_with_the_right_keys(stored_case):
    assert key_problems() == []
    assert check_field_keys() == []
    response = Client().get("/health/")
    assert response.status_code == 200 and response.json()["field_keys"] is True


def test_a_changed_blind_index_key_is_caught_by_the_check(stored_case, settings):
    settings.PANAH_BLIND_INDEX_KEY = "another-blind-index-key-0123456789abcdef"
    assert [problem.code for problem in key_problems()] == ["blind_index_mismatch", "blind_index_mismatch"]


def test_with_a_wrong_key_the_case_page_is_a_translated_503_without_ciphertext(cast, stored_case, settings, caplog):
    tokens = raw_values(Note, "text") + raw_values(Person, "address")
    settings.PANAH_FIELD_KEYS = [generate_key()]
    client = Client(raise_request_exception=False)
    client.force_login(cast.caseworker)
    response = client.get(reverse("cases:detail", kwargs={"public_id": stored_case.public_id}),
                          HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "Stored data cannot be read: encryption key problem" in html and "Nothing was changed" in html
    assert "gAAAAA" not in html and "Abay" not in html and "Traceback" not in html
    logged = caplog.text
    assert "cannot be decrypted" in logged
    assert not any(token in logged for token in tokens) and "Abay" not in logged and "consulate" not in logged


def test_rotation_reencrypts_everything_under_the_new_key(stored_case, settings, tmp_path):
    old_key = settings.PANAH_FIELD_KEYS[0]
    new_key = generate_key()
    before = {(m, c): raw_values(m, c) for m, c, _p in SECRETS}
    file_before = Path(Attachment.objects.get().file.path).read_bytes()

    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    recovery_codes = RecoveryCodes.activate(User.objects.get(username="caseworker")).generate_codes()
    settings.PANAH_FIELD_KEYS = [new_key, old_key]
    assert Person.objects.get().address.startswith("Abay")  # the old key still decrypts
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    report = out.getvalue()
    assert "cases.Note: 1 rows, 1 values re-encrypted, 0 already current" in report
    assert "cases.Attachment.file: 1 rotated" in report
    app_keys = Authenticator.objects.filter(type=Authenticator.Type.TOTP)
    assert f"mfa.Authenticator: {Authenticator.objects.count()} second factors re-encrypted" in report
    assert "Abay" not in report and "gAAAAA" not in report
    for (model, column), tokens in before.items():
        after = raw_values(model, column)
        assert not set(filter(None, tokens)) & set(after), f"{model.__name__}.{column} kept an old token"
    assert Path(Attachment.objects.get().file.path).read_bytes() != file_before

    settings.PANAH_FIELD_KEYS = [new_key]  # the old key removed: everything still reads
    assert Person.objects.get().address == "Abay Avenue 17, flat 4, Almaty"
    assert Referral.objects.get().shared_data[DataCategory.CONTACT]["phones"][0]["number"] == "+77011234567"
    with Attachment.objects.get().file.open("rb") as handle:
        assert handle.read() == PDF
    assert key_problems() == []
    # The second factor's app keys moved too: still the caseworker's, readable with the new key alone.
    from allauth.mfa.utils import decrypt

    caseworker_key = app_keys.get(user__username="caseworker").data["secret"]
    assert decrypt(caseworker_key) == second_factor_secret("caseworker")
    recovery = Authenticator.objects.get(user__username="caseworker", type=Authenticator.Type.RECOVERY_CODES)
    assert recovery_codes[0] in RecoveryCodes(recovery).get_unused_codes()

    again = io.StringIO()
    call_command("rotate_field_keys", stdout=again)  # idempotent: nothing left to do
    assert "cases.Note: 1 rows, 0 values re-encrypted, 1 already current" in again.getvalue()
    assert "cases.Attachment.file: 1 current" in again.getvalue()

    settings.PANAH_FIELD_KEYS = [old_key]  # proof the data really moved off the old key
    with pytest.raises(EncryptionKeyError):
        Person.objects.get().address  # noqa: B018


def test_rotation_refreshes_blind_indexes_after_a_new_index_key(stored_case, settings):
    settings.PANAH_BLIND_INDEX_KEY = "another-blind-index-key-0123456789abcdef"
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "cases.IdentityDocument: 1 rows, 0 values re-encrypted, 1 already current, 1 blind indexes" in out.getvalue()
    assert IdentityDocument.objects.filter(number_index=blind_index("document", "E12345678")).exists()
    assert key_problems() == []


def test_a_document_number_is_found_exactly_however_it_is_typed(cast, stored_case):
    for typed in ("e12345678", "E 1234 5678", "e-1234-5678"):
        assert IdentityDocument.objects.filter(number_index=blind_index("document", typed)).count() == 1
        assert list(selectors.case_list(cast.caseworker, search=typed)) == [stored_case]
    assert not selectors.case_list(cast.caseworker, search="E12345679").exists()
    assert list(selectors.case_list(cast.caseworker, search="+7 701 123 45 67")) == [stored_case]
    assert list(selectors.case_list(cast.caseworker, search="87011234567")) == [stored_case]  # local form


def test_the_case_list_search_page_finds_a_document_number(cast, stored_case, logged_in):
    response = logged_in(cast.caseworker).get(reverse("cases:list"), {"search": "e 1234 5678"})
    assert response.status_code == 200 and stored_case.reference in response.content.decode()


def test_a_phone_and_a_document_with_the_same_digits_do_not_share_an_index():
    assert blind_index("phone", "+77011234567") != blind_index("document", "+77011234567")
    assert blind_index("document", "") == "" and len(blind_index("document", "E12345678")) == 64


def test_an_encrypted_field_refuses_a_lookup_that_could_never_match(db):
    with pytest.raises(FieldError):
        list(Note.objects.filter(text="Client fears a visit"))
    with pytest.raises(FieldError):
        list(Note.objects.filter(text__icontains="consulate"))
    assert list(Referral.objects.exclude(override_reason="")) == []  # '' is stored as '', and compares


def test_ciphertext_is_never_encrypted_a_second_time(db):
    token = encrypt_text("Client fears a visit from the consulate.")
    with pytest.raises(ValueError):
        encrypt_text(token)


def test_audit_diffs_hold_neither_plaintext_nor_ciphertext(cast, stored_case):
    person = stored_case.people.get()
    people.person_update(actor=cast.caseworker, person=person, expected_version=person.version,
                         data={**{name: getattr(person, name) for name in NAME_FIELDS},
                               "address": "Tole Bi Street 5, Almaty"})
    entries = LogEntry.objects.all()
    stored = " ".join(str(entry.changes) + str(entry.changes_text) + str(entry.additional_data) for entry in entries)
    for _model, _column, plaintext in SECRETS:
        assert plaintext not in stored
    assert "Tole Bi" not in stored and "gAAAAA" not in stored
    update = LogEntry.objects.filter(action=LogEntry.Action.UPDATE, content_type__model="person").latest("pk")
    assert update.changes_dict["address"] == [REDACTED, REDACTED]


def test_every_encrypted_field_of_an_audited_model_is_redacted_or_left_out():
    for model, options in auditlog._registry.items():
        for field in encrypted_fields(model):
            assert field.name in options["mask_fields"] or field.name in options["exclude_fields"], field


def test_an_attachment_is_encrypted_on_disk_and_downloads_as_uploaded(cast, stored_case, logged_in):
    attachment = stored_case.attachments.get()
    on_disk = Path(attachment.file.path).read_bytes()
    assert on_disk.startswith(FILE_MAGIC) and b"Memet" not in on_disk and on_disk != PDF
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest() and attachment.size == len(PDF)
    response = logged_in(cast.caseworker).get(reverse("cases:attachment_download", kwargs={
        "public_id": stored_case.public_id, "attachment_id": attachment.pk}))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert int(response["Content-Length"]) == len(PDF)


def test_the_upload_verification_reads_the_plaintext_and_flags_a_wrong_key(stored_case, settings):
    from cases.tasks import attachment_verify

    attachment = stored_case.attachments.get()
    assert attachment_verify(attachment.pk) is True
    settings.PANAH_FIELD_KEYS = [generate_key()]
    assert attachment_verify(attachment.pk) is False


def test_production_refuses_to_start_without_field_keys(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if key not in {"PANAH_FIELD_KEYS", "PANAH_BLIND_INDEX_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(PANAH_ENV="production", DJANGO_SECRET_KEY="x" * 60, PANAH_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "PANAH_FIELD_KEYS" in result.stderr
    assert not (tmp_path / "demo-field-keys").exists()  # never a generated key in production


def test_demo_keys_are_made_once_and_kept(tmp_path):
    from config.settings import _demo_keys

    names = ["PANAH_FIELD_KEYS", "PANAH_BLIND_INDEX_KEY"]
    first = _demo_keys(tmp_path / "keys", names)
    assert set(first) == set(names) and first["PANAH_FIELD_KEYS"] != first["PANAH_BLIND_INDEX_KEY"]
    assert _demo_keys(tmp_path / "keys", names) == first
    assert oct((tmp_path / "keys").stat().st_mode & 0o777) == "0o600"


def test_a_serialised_copy_holds_the_released_data_as_an_object_and_loads_back(stored_case):
    from django.core import serializers

    text = serializers.serialize("json", Referral.objects.all())
    assert "gAAAAA" not in text  # serialisation (dumpdata, backups) goes through the field: plaintext
    copy = next(serializers.deserialize("json", text)).object
    assert copy.shared_data == Referral.objects.get().shared_data
    assert copy.shared_data[DataCategory.CONTACT]["phones"][0]["number"] == "+77011234567"
