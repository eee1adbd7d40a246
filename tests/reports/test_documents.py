"""Generated PDFs: every script embedded and shaped, right-to-left laid out, only what may travel."""

import datetime
import hashlib
import re
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from pypdf import PdfReader

from cases import revisions
from cases.encryption import decrypt_bytes
from cases.services import records
from referrals.choices import DataCategory
from referrals.models import Referral
from reports import pdf
from reports.models import DocumentStatus, GeneratedDocument
from reports.services.documents import STATIC_DIRS, document_render, document_request
from tests.conftest import MEMET
from tests.referrals.conftest import give_consent, refer
from tests.reports.conftest import heading_runs_the_right_way, pdf_fonts, pdf_info, pdf_text, plain_pdf

pytestmark = pytest.mark.django_db


def generate(actor, case, kind="case_summary", language="en", referral=None, recipient_kind="file"):
    document = document_request(actor=actor, case=case, kind=kind, language=language,
                                recipient_kind=recipient_kind, referral=referral)
    assert document_render(document_id=document.pk) == DocumentStatus.DONE
    document.refresh_from_db()
    return document


@pytest.fixture
def summary_case(cast, own_case):
    records.incident_add(actor=cast.caseworker, case=own_case, data={
        "category": "custody", "occurred_on": datetime.date(2026, 11, 20), "source": "client",
        "description": "Fictional: held at the airport. <img src=\"file:///etc/passwd\"> http://evil.invalid/x.png",
    })
    return own_case


@pytest.mark.parametrize("language", ["en", "ug", "ru"])
def test_the_case_summary_renders_every_script_with_embedded_fonts(cast, summary_case, language, tmp_path):
    document = generate(cast.caseworker, summary_case, language=language)
    path = plain_pdf(document, tmp_path)
    fonts = pdf_fonts(path)
    assert fonts and all(font["emb"] == "yes" for font in fonts), fonts
    families = " ".join(font["name"] for font in fonts)
    assert "Noto-Sans-Arabic" in families and "Noto-Sans-CJK-SC" in families  # Uyghur and Chinese names
    info = pdf_info(path)
    assert info["Title"].strip() == str(document.public_id)  # no name in the metadata
    assert "Author" not in info and int(info["Pages"]) == document.pages >= 1
    text = pdf_text(path)
    # Latin, Cyrillic and Chinese extract reliably (Arabic-script extraction is a WeasyPrint bug, #2841).
    for name in ["Memet", "Мәмәт", "买买提", "Maimaiti", summary_case.reference]:
        assert name in text, name
    # The verification code is read from the content stream (pypdf): pdftotext rebuilds the logical
    # order of a right-to-left page and can split a code with digits (HFPJ-QXS7-…) around the
    # numbers beside it, although the page shows it whole (as in the filing test).
    assert any(document.verification_code in page.extract_text() for page in PdfReader(path).pages)
    assert "evil.invalid" in text  # user text stays text
    assert document.sha256 and len(document.sha256) == 64
    assert document.case_version == revisions.current(summary_case) > 0
    assert heading_runs_the_right_way(path, language, tmp_path / "cover")


def test_the_referral_form_carries_only_the_consented_data(cast, own_case, counselling, rendered_html, tmp_path):
    give_consent(cast.caseworker, own_case, counselling, categories=[DataCategory.NAMES])
    referral = refer(cast.caseworker, own_case, counselling, categories=[DataCategory.NAMES])
    document = generate(cast.caseworker, own_case, kind="referral_form", referral=referral, recipient_kind="provider")
    text, html = pdf_text(plain_pdf(document, tmp_path)), rendered_html[-1]
    assert "Memet" in text and referral.reference in text
    for outside in ["E12345678", own_case.reference, "Almaty", "+7701"]:
        assert outside not in text and outside not in html, outside


def test_a_referral_form_only_while_the_referral_is_live_and_its_consent_holds(cast, own_case, counselling):
    from referrals.services import consents

    consent = give_consent(cast.caseworker, own_case, counselling)
    referral = refer(cast.caseworker, own_case, counselling)
    consents.consent_withdraw(actor=cast.caseworker, consent=consent, note="Client changed their mind.")
    referral.refresh_from_db()
    with pytest.raises(PermissionDenied):
        document_request(actor=cast.caseworker, case=own_case, kind="referral_form", referral=referral,
                         language="en", recipient_kind="provider")


def test_a_legal_referral_form_before_acceptance_holds_the_deidentified_summary_only(
    cast, own_case, rendered_html,
):
    from tests.referrals.conftest import make_provider

    lawyers = make_provider(cast.clinic, "Harbour asylum desk", services=["asylum_representation"],
                            countries=["KZ"], languages=["ru"])
    categories = [DataCategory.NAMES, DataCategory.DOCUMENTS, DataCategory.LEGAL_SITUATION]
    give_consent(cast.caseworker, own_case, lawyers, purpose="legal", categories=categories)
    referral = refer(cast.caseworker, own_case, lawyers, services=("asylum_representation",), categories=categories)
    generate(cast.caseworker, own_case, kind="referral_form", referral=referral, recipient_kind="provider")
    html = rendered_html[-1]
    assert "De-identified summary" in html
    for identifying in ["Memet", "E12345678", "sleep problems"]:
        assert identifying not in html, identifying


@pytest.mark.parametrize(("kind", "recipient_kind"), [("case_summary", "provider"), ("referral_form", "court")])
def test_documents_go_only_to_the_recipients_they_are_made_for(cast, own_case, counselling, kind, recipient_kind):
    give_consent(cast.caseworker, own_case, counselling)
    referral = refer(cast.caseworker, own_case, counselling) if kind == "referral_form" else None
    with pytest.raises(PermissionDenied):
        document_request(actor=cast.caseworker, case=own_case, kind=kind, referral=referral, language="en",
                         recipient_kind=recipient_kind)


def test_the_renderer_gets_no_secrets_and_no_remote_files(monkeypatch):
    captured = {}
    original = subprocess.Popen

    def spy(*args, **kwargs):
        captured.update(kwargs["env"])
        return original(*args, **kwargs)

    monkeypatch.setenv("DJANGO_SECRET_KEY", "not-for-the-renderer")
    monkeypatch.setattr(pdf.subprocess, "Popen", spy)
    static = STATIC_DIRS[0] / "document.css"
    html = f'<html><head><link rel="stylesheet" href="file://example.invalid{static}"></head><body>x</body></html>'
    rendered = pdf.render_pdf(html, allowed_dirs=STATIC_DIRS, base_dir=STATIC_DIRS[0])
    assert rendered.refused == ["file"]  # an allowed path behind a host name is still refused
    assert "DJANGO_SECRET_KEY" not in captured and "DATABASE_URL" not in captured


def test_the_fetcher_reads_only_the_projects_static_files():
    html = ('<html><head><link rel="stylesheet" href="document.css"></head><body><p>x</p>'
            '<img src="file:///etc/passwd"><img src="http://example.invalid/a.png">'
            '<img src="data:image/png;base64,iVBORw0KGgo="></body></html>')
    rendered = pdf.render_pdf(html, allowed_dirs=STATIC_DIRS, base_dir=STATIC_DIRS[0])
    assert rendered.pdf.startswith(b"%PDF") and sorted(rendered.refused) == ["data", "file", "http"]


def test_a_render_that_runs_too_long_fails_cleanly(cast, own_case, monkeypatch):
    monkeypatch.setattr(pdf, "RENDER_SECONDS", 0.01)
    document = document_request(actor=cast.caseworker, case=own_case, kind="case_summary", language="en",
                                recipient_kind="file")
    assert document_render(document_id=document.pk) == DocumentStatus.FAILED
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and not document.sha256 and document.error == "timeout"


def test_a_retried_render_replaces_its_own_output(cast, own_case, clock, settings, tmp_path):
    from django.core.files.storage import default_storage

    from reports.services.documents import RenderInProgress

    settings.MEDIA_ROOT = tmp_path
    document = document_request(actor=cast.caseworker, case=own_case, kind="case_summary", language="en",
                                recipient_kind="file")
    # A worker claimed it, wrote a partial file and died before recording the result.
    GeneratedDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.RENDERING, started_at=clock.at)
    default_storage.save(f"documents/{document.public_id}.pdf", ContentFile(b"%PDF-1.7 half written"))
    with pytest.raises(RenderInProgress):  # still someone else's: django-q will deliver it again
        document_render(document_id=document.pk)
    clock.advance(minutes=5)
    assert document_render(document_id=document.pk) == DocumentStatus.DONE
    assert document_render(document_id=document.pk) == DocumentStatus.DONE  # a duplicate delivery: nothing new
    assert GeneratedDocument.objects.count() == 1
    files = list((tmp_path / "documents").iterdir())
    assert [f.name for f in files] == [f"{document.public_id}.pdf"]
    document.refresh_from_db()
    stored = files[0].read_bytes()
    assert not stored.startswith(b"%PDF")  # encrypted at rest
    assert hashlib.sha256(decrypt_bytes(stored, where="test")).hexdigest() == document.sha256


def test_the_sweeper_requeues_forgotten_renders_and_gives_up_in_the_end(cast, own_case, clock, monkeypatch):
    from reports import tasks
    from reports.services import documents as services

    queued = []
    monkeypatch.setattr(tasks, "enqueue_document_render", queued.append)
    document = document_request(actor=cast.caseworker, case=own_case, kind="case_summary", language="en",
                                recipient_kind="file")
    assert services.documents_sweep() == {"requeued": 0, "failed": 0}  # just requested: not forgotten
    clock.advance(minutes=5)
    assert services.documents_sweep() == {"requeued": 1, "failed": 0} and queued == [document.pk]
    GeneratedDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.RENDERING, started_at=clock.at,
                                                            attempts=services.MAX_RENDER_ATTEMPTS)
    clock.advance(minutes=5)
    assert services.documents_sweep() == {"requeued": 0, "failed": 1}
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and document.error == "abandoned"


def test_access_is_decided_again_when_the_worker_renders(cast, own_case):
    from cases.services import access

    document = document_request(actor=cast.supervisor, case=own_case, kind="case_summary", language="en",
                                recipient_kind="file")
    access.user_set_membership(actor=None, user=cast.supervisor, organisation=cast.other_ngo, role="supervisor")
    assert document_render(document_id=document.pk) == DocumentStatus.FAILED
    document.refresh_from_db()
    assert document.error == "not_allowed" and not document.file


def test_only_those_who_see_the_case_may_generate_from_it(cast, own_case):
    for outsider in (cast.other_caseworker, cast.provider, cast.liaison):
        with pytest.raises(PermissionDenied):
            document_request(actor=outsider, case=own_case, kind="case_summary", language="en",
                             recipient_kind="file")


@pytest.fixture
def full_case(cast, summary_case):
    from cases.services import people

    person = summary_case.people.get()
    people.person_update(actor=cast.caseworker, person=person, expected_version=person.version, data={
        **MEMET, "date_of_birth": datetime.date(1987, 4, 13), "place_of_birth": "Ghulja"})
    records.relative_add(actor=cast.caseworker, case=summary_case, data={
        "relationship": "father", "status": "disappeared", "source": "client"})
    summary_case.refresh_from_db()
    return summary_case


REDACTABLE = ["E12345678", "1987", "Ghulja", "Almaty", "Disappeared", "held at the airport",
              "Relatives in China detained or disappeared", "Calm Rooms counselling"]


@pytest.mark.parametrize(("recipient_kind", "absent", "present"), [
    ("file", [], REDACTABLE),
    ("public", REDACTABLE, ["Memet", "Custody by host authorities"]),
])
def test_redaction_profiles_never_write_removed_data(cast, full_case, counselling, recipient_kind, absent, present,
                                                     rendered_html, tmp_path):
    give_consent(cast.caseworker, full_case, counselling)
    refer(cast.caseworker, full_case, counselling)
    assert Referral.objects.filter(case=full_case).exists()
    document = generate(cast.caseworker, full_case, recipient_kind=recipient_kind)
    text, html = pdf_text(plain_pdf(document, tmp_path)), rendered_html[-1]
    for fragment in absent:
        assert fragment not in text and fragment not in html, fragment
    for fragment in present:
        assert fragment in text, fragment
    assert ("Left out for this recipient" in text) == bool(absent)


def test_the_archival_option_writes_pdf_a_3b(cast, own_case, tmp_path):
    document = document_request(actor=cast.caseworker, case=own_case, kind="case_summary", language="en",
                                recipient_kind="file", archival=True)
    document_render(document_id=document.pk)
    document.refresh_from_db()
    xmp = subprocess.run(["pdfinfo", "-meta", plain_pdf(document, tmp_path)], capture_output=True, text=True,
                         check=True).stdout
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)B', xmp), xmp[-600:]
    assert str(document.public_id) in xmp and "Memet" not in xmp  # metadata: the document id, no name
    assert all(font["emb"] == "yes" for font in pdf_fonts(plain_pdf(document, tmp_path)))


@pytest.fixture
def imminent_alert(cast, clock):
    from cases.models import Alert
    from cases.services import people
    from tests.conftest import add_incident, open_case

    case = open_case(cast.caseworker)
    passport = case.people.get().documents.get()
    people.document_update(actor=cast.caseworker, document=passport, expected_version=passport.version,
                                    data={"name_as_printed": "MAIMAITI TUERXUN"})
    add_incident(cast.caseworker, case, "custody", clock.today())
    add_incident(cast.caseworker, case, "removal_order", clock.today())
    return Alert.objects.open().get(case=case)


def test_a_liaison_produces_the_alert_sheet_without_the_case_file(cast, imminent_alert, logged_in, tmp_path):
    document = document_request(actor=cast.liaison, case=imminent_alert.case, kind="alert_sheet",
                                alert=imminent_alert, language="en", recipient_kind="unhcr")
    assert document_render(document_id=document.pk) == DocumentStatus.DONE
    document.refresh_from_db()
    path = plain_pdf(document, tmp_path)
    text = pdf_text(path)
    assert 1 <= document.pages <= 2
    # The Chinese-passport spelling comes first: it is the one the authorities use.
    assert text.index("MAIMAITI TUERXUN") < text.index("Memet")
    for expected in ["Imminent", "Custody by host authorities", "Deportation or removal order issued", "E12345678",
                     "caseworker@example.org"]:
        assert expected in text, expected
    assert all(font["emb"] == "yes" for font in pdf_fonts(path))
    liaison = logged_in(cast.liaison)
    assert liaison.get(f"/documents/{document.public_id}/download/").status_code == 200
    assert liaison.get(f"/cases/{imminent_alert.case.public_id}/").status_code == 404  # still no case file
    # Not for public advocacy, and a case summary stays out of the liaison's reach.
    with pytest.raises(PermissionDenied):
        document_request(actor=cast.liaison, case=imminent_alert.case, kind="alert_sheet", alert=imminent_alert,
                         language="en", recipient_kind="public")
    with pytest.raises(PermissionDenied):
        document_request(actor=cast.liaison, case=imminent_alert.case, kind="case_summary", language="en",
                         recipient_kind="unhcr")
    for outsider in (cast.other_caseworker, cast.provider):
        assert logged_in(outsider).get(f"/documents/{document.public_id}/download/").status_code == 404


def test_the_alert_page_offers_the_sheet(cast, imminent_alert, logged_in):
    page = logged_in(cast.liaison).get(f"/cases/alerts/{imminent_alert.public_id}/").content.decode()
    assert "Alert sheet (PDF)" in page
    response = logged_in(cast.liaison).post(f"/documents/alert/{imminent_alert.public_id}/new/", {
        "sheet-language": "ru", "sheet-recipient_kind": "unhcr"})
    document = GeneratedDocument.objects.get(alert=imminent_alert)
    assert response.status_code == 302 and response.url == f"/documents/{document.public_id}/"
    assert document.requested_by == cast.liaison and document.language == "ru"


def test_a_worker_keeps_one_warm_renderer_and_uses_each_renderer_once():
    first = pdf.take_renderer()
    spare = pdf._spare
    assert spare is not None and spare is not first
    with first:
        rendered = first.render("<p>x</p>", allowed_dirs=STATIC_DIRS, base_dir=STATIC_DIRS[0])
    assert rendered.pdf.startswith(b"%PDF") and first.process.returncode == 0  # one document, then gone
    second = pdf.take_renderer(keep_spare=False)
    assert second is spare and pdf._spare is None  # the spare is what the next document gets
    with second:
        assert second.render("<p>y</p>", allowed_dirs=STATIC_DIRS, base_dir=STATIC_DIRS[0]).pages == 1


def test_a_spare_inherited_through_fork_is_never_used(monkeypatch):
    inherited = pdf.take_renderer()
    with inherited:
        pass
    parents_spare = pdf._spare
    monkeypatch.setattr(pdf, "_spare_owner", -1)  # as if the spare were the parent process's
    taken = pdf.take_renderer(keep_spare=False)
    with taken:
        assert taken is not parents_spare
    with parents_spare:  # (in the test it is ours to clean up)
        pass


def test_the_case_version_a_document_records_moves_with_any_change_to_the_file(cast, own_case, tmp_path):
    """Not only edits of the case row: a new event or an edited document changes what documents print."""
    from cases.services import people

    first = generate(cast.caseworker, own_case)
    records.incident_add(actor=cast.caseworker, case=own_case, data={
        "category": "threat", "occurred_on": datetime.date(2026, 11, 1), "source": "client",
        "description": "Fictional.",
    })
    second = generate(cast.caseworker, own_case)
    passport = own_case.people.get().documents.get()
    people.document_update(actor=cast.caseworker, document=passport, expected_version=passport.version,
                           data={"number": "E99999999"})
    third = generate(cast.caseworker, own_case)
    assert first.case_version < second.case_version < third.case_version
    # Earlier documents are kept, each with its own file and hash.
    assert len({Path(d.file.path) for d in (first, second, third) if Path(d.file.path).exists()}) == 3
    assert len({d.sha256 for d in (first, second, third)}) == 3
    assert f"{third.case_version}" in pdf_text(plain_pdf(third, tmp_path))


def test_a_case_without_documents_can_still_be_deleted(cast):
    """Deleting a whole case must not try to count changes against it (the cascade would fail)."""
    from cases.models import Case, CaseRevision
    from tests.conftest import open_case

    case = open_case(cast.caseworker)
    records.incident_add(actor=cast.caseworker, case=case, data={
        "category": "threat", "occurred_on": datetime.date(2026, 11, 1), "source": "client", "description": "x",
    })
    assert revisions.current(case) > 0
    case.delete()
    assert not Case.objects.filter(pk=case.pk).exists() and not CaseRevision.objects.filter(case_id=case.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_editing_a_case_while_someone_adds_to_it_never_deadlocks(cast):
    """Both writers lock the case row before its revision (cases.revisions.bump): one lock order."""
    import threading

    from django.db import connection

    from cases.models import Case
    from cases.services import cases as case_services
    from cases.services.versioning import StaleEditError
    from tests.conftest import open_case

    if connection.vendor == "sqlite":
        pytest.skip("SQLite locks the whole database: row-lock order cannot deadlock there")
    case = open_case(cast.caseworker)
    before = revisions.current(case)
    barrier, failures, writes = threading.Barrier(2), [], []

    def edit_case():
        try:
            barrier.wait()
            for index in range(15):
                current = Case.objects.get(pk=case.pk)
                try:
                    case_services.case_update(actor=cast.caseworker, case=current, expected_version=current.version,
                                              changes={"host_city": f"Almaty {index}"})
                    writes.append("case")
                except StaleEditError:
                    pass
        except Exception as error:  # noqa: BLE001 - any other failure (a deadlock) fails the test
            failures.append(type(error).__name__)
        finally:
            connection.close()

    def add_events():
        try:
            barrier.wait()
            for _index in range(15):
                records.incident_add(actor=cast.caseworker, case=Case.objects.get(pk=case.pk), data={
                    "category": "threat", "occurred_on": datetime.date(2026, 11, 1), "source": "client",
                    "description": "Fictional.",
                })
                writes.append("incident")
        except Exception as error:  # noqa: BLE001
            failures.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit_case), threading.Thread(target=add_events)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == [] and writes.count("incident") == 15
    assert revisions.current(case) >= before + len(writes)


@pytest.mark.parametrize("language", ["en", "ug", "ru"])
def test_the_alert_sheet_and_the_referral_form_in_every_script(
    cast, imminent_alert, own_case, counselling, language, tmp_path, logged_in,
):
    from pypdf import PdfReader

    sheet = document_request(actor=cast.liaison, case=imminent_alert.case, kind="alert_sheet",
                             alert=imminent_alert, language=language, recipient_kind="unhcr")
    assert document_render(document_id=sheet.pk) == DocumentStatus.DONE
    sheet.refresh_from_db()
    give_consent(cast.caseworker, own_case, counselling, categories=[DataCategory.NAMES])
    referral = refer(cast.caseworker, own_case, counselling, categories=[DataCategory.NAMES])
    form = generate(cast.caseworker, own_case, kind="referral_form", referral=referral, language=language,
                    recipient_kind="provider")
    for document, pages in ((sheet, (1, 2)), (form, (1, 2))):
        path = plain_pdf(document, tmp_path)
        fonts = pdf_fonts(path)
        assert fonts and all(font["emb"] == "yes" for font in fonts), fonts
        assert "Noto-Sans-Arabic" in " ".join(font["name"] for font in fonts)  # the Uyghur-script name
        assert pages[0] <= document.pages <= pages[1] == 2
        assert len(PdfReader(path).outline) >= 2  # the heading and its sections are bookmarked
        assert heading_runs_the_right_way(path, language, tmp_path / document.kind)
    # The referral form carries names only: no document number, city or case reference in its bytes.
    text = pdf_text(plain_pdf(form, tmp_path))
    for outside in ["E12345678", own_case.reference, "Almaty"]:
        assert outside not in text, outside
    for outsider in (cast.other_caseworker, cast.lawyer):
        assert logged_in(outsider).get(f"/documents/{form.public_id}/download/").status_code == 404
