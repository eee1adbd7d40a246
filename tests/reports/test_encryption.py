"""Reports data is encrypted at rest like the case file (cases.encryption): the filing texts and
specific needs are Fernet tokens in the database, generated PDFs and uploaded exhibits are
ciphertext on disk, every reader gets the plaintext, and a wrong key fails loudly. Fictional data only."""

import hashlib
import io
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.test import Client

from cases.audit import REDACTED
from cases.checks import key_problems
from cases.encryption import FILE_MAGIC, EncryptionKeyError, generate_key
from reports.models import Exhibit, Filing, GeneratedDocument, SpecificNeed
from reports.services import filings
from tests.reports import test_filings
from tests.reports.conftest import plain_pdf
from tests.reports.test_filings import DECLARATION_UG, TRANSLATION_EN, generate, ngo_filing, plain_text

filing_case = test_filings.filing_case  # the fixture, shared

pytestmark = pytest.mark.django_db

NEED = "Fictional: nightmares since the summons."
# (model, column, the plaintext the fixture stores there)
SECRETS = [
    (Filing, "declaration_text", DECLARATION_UG),
    (Filing, "translation_text", TRANSLATION_EN),
    (Filing, "special_issues", "Filed within one year of arrival."),
    (SpecificNeed, "description", NEED),
]


@pytest.fixture
def needs_case(cast, filing_case):
    child = filing_case.people.get(relationship="child")
    filings.need_add(actor=cast.caseworker, case=filing_case, person=child, category="psychological",
                     description=NEED)
    return filing_case


def raw_rows(model):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{model._meta.db_table}"')  # noqa: S608 - the name is the model's
        return [[value for value in row] for row in cursor.fetchall()]


def raw_values(model, column):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{model._meta.db_table}"')  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_the_database_holds_no_plaintext_of_the_filing_texts(needs_case):
    for model, column, plaintext in SECRETS:
        where = f"{model.__name__}.{column}"
        values = [value for value in raw_values(model, column) if value]
        assert values, f"the fixture stored nothing in {where}"
        assert all(value.startswith("gAAAAA") for value in values), where  # Fernet tokens
        fragment = plaintext[:12]
        assert not any(fragment in " ".join(str(value) for value in row) for row in raw_rows(model)), where
        # ... while the application reads the plaintext back.
        assert plaintext in model.objects.values_list(column, flat=True), where


def test_generated_pdfs_and_uploaded_exhibits_are_ciphertext_on_disk_and_download_as_generated(
    cast, needs_case, logged_in, tmp_path,
):
    document = generate(cast.caseworker, needs_case, "unhcr_dossier", recipient_kind="unhcr")
    on_disk = Path(document.file.path).read_bytes()
    assert on_disk.startswith(FILE_MAGIC) and not on_disk.startswith(b"%PDF") and b"%PDF" not in on_disk[:64]
    response = logged_in(cast.caseworker).get(f"/documents/{document.public_id}/download/")
    assert response.status_code == 200
    downloaded = b"".join(response.streaming_content)
    assert downloaded.startswith(b"%PDF") and int(response["Content-Length"]) == len(downloaded) == document.size
    # The recorded SHA-256 (shown by the verification page) is the PDF's, not the stored ciphertext's.
    assert hashlib.sha256(downloaded).hexdigest() == document.sha256
    assert hashlib.sha256(on_disk).hexdigest() != document.sha256
    assert NEED.rstrip(".") in plain_text(plain_pdf(document, tmp_path))
    for exhibit in Exhibit.objects.filter(filing__case=needs_case):
        stored = Path(exhibit.file.path).read_bytes()
        assert stored.startswith(FILE_MAGIC) and not stored.startswith(b"%PDF") and b"\x89PNG" not in stored[:64]
        with exhibit.file.open("rb") as handle:
            plain = handle.read()
        assert plain.startswith((b"%PDF", b"\x89PNG")) and hashlib.sha256(plain).hexdigest() == exhibit.sha256


def test_the_packet_appends_the_decrypted_exhibits(cast, filing_case, tmp_path):
    """Assembly reads exhibits through the storage: the packet holds their pages, not a 'damaged' notice."""
    document = generate(cast.caseworker, filing_case, "asylum_packet")
    text = plain_text(plain_pdf(document, tmp_path))
    assert "This exhibit could not be appended" not in text
    for exhibit in ngo_filing(filing_case).exhibits.all():
        assert exhibit.sha256 in text.replace(" ", "")  # each separator lists the plaintext's hash


def test_with_a_wrong_key_texts_and_files_raise_and_the_download_is_a_503(cast, needs_case, settings, caplog):
    document = generate(cast.caseworker, needs_case, "asylum_packet")
    tokens = raw_values(Filing, "declaration_text")
    settings.PANAH_FIELD_KEYS = [generate_key()]
    with pytest.raises(EncryptionKeyError) as failure:
        Filing.objects.get().declaration_text  # noqa: B018
    assert failure.value.where == "reports.Filing.declaration_text"
    with pytest.raises(EncryptionKeyError):
        SpecificNeed.objects.get().description  # noqa: B018
    with pytest.raises(EncryptionKeyError):
        GeneratedDocument.objects.get(pk=document.pk).file.open("rb")
    with pytest.raises(EncryptionKeyError):
        Exhibit.objects.filter(filing__case=needs_case).first().file.open("rb")
    codes = {(problem.code, problem.where) for problem in key_problems()}
    assert ("field_key_mismatch", "reports.Filing.declaration_text") in codes
    assert ("file_key_mismatch", "reports.GeneratedDocument.file") in codes
    assert ("file_key_mismatch", "reports.Exhibit.file") in codes
    client = Client(raise_request_exception=False)
    client.force_login(cast.caseworker)
    response = client.get(f"/documents/{document.public_id}/download/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content
    assert response.status_code == 503
    assert FILE_MAGIC not in body and b"%PDF" not in body and b"gAAAAA" not in body
    assert not any(token in caplog.text for token in tokens) and DECLARATION_UG not in caplog.text


def test_rotation_and_the_check_cover_the_reports_fields_and_files(cast, needs_case, settings):
    document = generate(cast.caseworker, needs_case, "asylum_packet")
    before = {column: raw_values(model, column) for model, column, _plain in SECRETS}
    file_before = Path(document.file.path).read_bytes()
    old_key, new_key = settings.PANAH_FIELD_KEYS[0], generate_key()
    settings.PANAH_FIELD_KEYS = [new_key, old_key]
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    report = out.getvalue()
    assert "reports.Filing: 1 rows, 3 values re-encrypted" in report
    assert "reports.SpecificNeed: 1 rows, 1 values re-encrypted" in report
    assert "reports.GeneratedDocument.file: 1 rotated" in report
    assert "reports.Exhibit.file: 3 rotated" in report
    for (model, column, _plain) in SECRETS:
        assert not set(filter(None, before[column])) & set(raw_values(model, column)), column
    assert Path(document.file.path).read_bytes() != file_before
    settings.PANAH_FIELD_KEYS = [new_key]
    assert Filing.objects.get().declaration_text == DECLARATION_UG
    with document.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == document.sha256
    assert key_problems() == []


def test_audit_diffs_of_filing_materials_hold_neither_plaintext_nor_ciphertext(cast, needs_case):
    filing = ngo_filing(needs_case)
    filings.filing_save(actor=cast.caseworker, case=needs_case, expected_version=filing.version, data={
        "applicant": filing.applicant, "declaration_language": "ug", "declaration_text": "Fictional new words.",
        "translation_language": "en", "translation_text": TRANSLATION_EN, "translator_name": "Fictional Translator",
    })
    stored = " ".join(str(entry.changes) + str(entry.changes_text) for entry in LogEntry.objects.all())
    assert "Fictional new words" not in stored and "gAAAAA" not in stored and NEED not in stored
    update = LogEntry.objects.filter(action=LogEntry.Action.UPDATE, content_type__model="filing").latest("pk")
    assert update.changes_dict["declaration_text"] == [REDACTED, REDACTED]
