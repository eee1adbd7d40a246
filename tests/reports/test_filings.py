"""Asylum packet, protected-status dossier and UNHCR dossier: filing materials in, exhibits appended."""

import datetime
import hashlib
import io
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from pypdf import PdfReader

from cases.services import people, records
from cases.services.versioning import StaleEditError
from reports.models import DocumentStatus
from reports.services import filings
from reports.services.documents import document_render, document_request
from tests.reports.conftest import pdf_fonts, pdf_info, pdf_text, plain_pdf

pytestmark = pytest.mark.django_db

DECLARATION_UG = "مەن ئۈرۈمچىدە تۇغۇلدۇم. ساقچىلار ئاكامنى ئېلىپ كەتتى."  # fictional
TRANSLATION_EN = "I was born in Urumqi. The police took my brother away. (Fictional.)"


def pdf_upload(name="scan.pdf", pages=2, colour="black"):
    """A real multi-page PDF (a big filled box per page), as an upload."""
    images = []
    for _ in range(pages):
        image = Image.new("RGB", (600, 800), "white")
        ImageDraw.Draw(image).rectangle((50, 50, 550, 750), fill=colour)
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:])
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def png_upload(name="photo.png", colour=(0, 0, 255)):
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def filing_case(cast, own_case):
    """A case with a declaration, a translation, two client exhibits and one country-conditions exhibit."""
    principal = own_case.people.get()
    people.person_add(actor=cast.caseworker, case=own_case, data={
        "relationship": "child", "given_name_ug_latn": "Aygul", "father_name_ug_latn": "Memet",
    })
    records.incident_add(actor=cast.caseworker, case=own_case, data={
        "category": "prc_contact", "occurred_on": datetime.date(2026, 9, 1), "source": "client",
        "description": "Fictional: a caller from the home police station asked him to come back.",
    })
    records.relative_add(actor=cast.caseworker, case=own_case, data={
        "relationship": "brother", "name": "Fictional Brother Name", "status": "detained_camp",
    })
    filings.filing_save(actor=cast.caseworker, case=own_case, expected_version=None, data={
        "applicant": principal, "declaration_language": "ug", "declaration_text": DECLARATION_UG,
        "translation_language": "en", "translation_text": TRANSLATION_EN, "translator_name": "Fictional Translator",
        "filing_office": "USCIS Asylum Vetting Center (fictional address)", "programme": "Priority-2 (fictional)",
        "special_issues": "Filed within one year of arrival.",
    })
    filings.exhibit_add(actor=cast.caseworker, case=own_case, section="client", title="Passport, all pages",
                        supports=["identity"], upload=pdf_upload(pages=2))
    filings.exhibit_add(actor=cast.caseworker, case=own_case, section="client", title="Photo of the summons",
                        supports=["transnational_repression"], upload=png_upload())
    filings.exhibit_add(actor=cast.caseworker, case=own_case, section="country", title="OHCHR assessment 2022",
                        source="OHCHR, 31 August 2022, retrieved 2026-11-01, pp. 1-3", upload=pdf_upload(pages=1))
    return own_case


def ngo_filing(case):
    """The NGO's filing materials for the case (each organisation prepares its own)."""
    from reports.models import Filing

    return Filing.objects.get(case=case, organisation__name="Steppe Shelter")


def generate(actor, case, kind, language="en", recipient_kind="file", archival=False):
    document = document_request(actor=actor, case=case, kind=kind, language=language,
                                recipient_kind=recipient_kind, archival=archival)
    assert document_render(document_id=document.pk) == DocumentStatus.DONE, document.error
    document.refresh_from_db()
    return document


BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def page_text(path: Path, page: int) -> str:
    """One page's text, without the direction marks pdftotext adds around right-to-left runs."""
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"], capture_output=True,
                          text=True, check=True).stdout.translate(BIDI_CONTROLS)


def plain_text(path: Path) -> str:
    """All the text in reading order (not layout), direction marks removed, whitespace collapsed."""
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(raw.translate(BIDI_CONTROLS).split())


def page_number_shown(text: str, page: int, total: int, language: str) -> bool:
    # pdftotext gives visual order: on a right-to-left page "8 / 13" is drawn (and read) from the right.
    return f"{page} / {total}" in text or (language in ("ug", "ar") and f"{total} / {page}" in text)


def page_png(path: Path, page: int, tmp_path: Path) -> Image.Image:
    prefix = tmp_path / f"p{page}"
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", str(page), "-l", str(page), str(path), str(prefix)],
                   check=True)
    return Image.open(next(tmp_path.glob(f"p{page}*.png"))).convert("RGB")


def outline_titles(path: Path) -> list[tuple[str, int]]:
    """(title, 1-based page) of every bookmark, flattened."""
    reader = PdfReader(path)
    found = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found.append((item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    return found


def exhibit_hashes(case):
    return [exhibit.sha256 for exhibit in ngo_filing(case).exhibits.order_by("section", "position")]


@pytest.mark.parametrize("language", ["en", "ug", "ru"])
def test_the_asylum_packet_appends_every_exhibit_behind_its_separator_with_page_numbers(
    cast, filing_case, language, tmp_path,
):
    document = generate(cast.caseworker, filing_case, "asylum_packet", language=language)
    path = plain_pdf(document, tmp_path)
    fonts = pdf_fonts(path)
    assert fonts and all(font["emb"] == "yes" for font in fonts), fonts
    assert "Noto-Sans-Arabic" in " ".join(font["name"] for font in fonts)  # the Uyghur declaration and names
    info = pdf_info(path)
    assert info["Title"].strip() == str(document.public_id) and "Author" not in info
    total = int(info["Pages"])
    assert total == document.pages

    # Bookmarks: one per exhibit, pointing at its separator; the exhibit's own pages follow it.
    bookmarks = outline_titles(path)
    separators = [page for title, page in bookmarks if title.endswith((" A", " B", " 1", "A", "B", "1"))][-3:]
    assert len(bookmarks) >= 10 and len(separators) == 3
    first, second, third = separators
    assert second == first + 3  # exhibit A: separator + its 2 pages
    assert third == second + 2  # exhibit B: separator + the image
    assert total == third + 1  # country conditions 1: separator + 1 page, last in the packet

    # Every page carries the watermark (recipient and document id), the exhibits' pages too.
    assert all(document.short_id in page.extract_text() for page in PdfReader(path).pages)
    # Every page carries "n / total", the exhibits' pages too (drawn under the page's own footer).
    for page in (first + 1, first + 2, second + 1, total):
        assert page_number_shown(page_text(path, page), page, total, language), page
    # The exhibit's content is really on its page: the PDF's black box, the image's blue.
    black = page_png(path, first + 1, tmp_path).getpixel((120, 200))
    assert black == (0, 0, 0)
    blue_page = page_png(path, second + 1, tmp_path)
    assert (0, 0, 255) in {colour for _count, colour in blue_page.getcolors(1 << 16)}
    # The separators list each exhibit's SHA-256, which is the uploaded file's.
    for page, digest in zip(separators, exhibit_hashes(filing_case)):
        assert digest in page_text(path, page).replace("\n", "")
    # Reading order, not layout: with -layout the rotated watermark's letters can land inside a line.
    text = plain_text(path)
    assert "Maimaiti" in text
    # The verification code is checked in the cover's content stream (pypdf): pdftotext rebuilds
    # the logical order of a right-to-left page and can split a code with digits (JFEZ-34F9-…)
    # around the numbers beside it, although the page shows it whole.
    assert document.verification_code in PdfReader(path).pages[0].extract_text()
    if language == "en":
        for expected in ["Form I-589 preparation worksheet", "Other names used", "Memet Tursun · Мәмәт Турсун",
                         "Certificate of translation", "Fictional Translator", TRANSLATION_EN.split(".")[0],
                         "Index of exhibits", "Passport, all pages", "OHCHR assessment 2022", "E12345678"]:
            assert expected in text, expected


def test_the_packet_index_gives_the_page_each_exhibit_starts_on(cast, filing_case, tmp_path):
    document = generate(cast.caseworker, filing_case, "asylum_packet")
    path = plain_pdf(document, tmp_path)
    bookmarks = dict(outline_titles(path))
    index_page = bookmarks["Index of exhibits"]
    index_lines = [line.split() for line in subprocess.run(
        ["pdftotext", "-layout", "-f", str(index_page), "-l", str(index_page), str(path), "-"],
        capture_output=True, text=True, check=True).stdout.splitlines()]
    row = next(line for line in index_lines if line[:3] == ["A", "Passport,", "all"])
    assert str(bookmarks["Exhibit A"]) in row


def test_an_archival_packet_embeds_each_exhibit_under_a_neutral_name(cast, filing_case, tmp_path):
    document = generate(cast.caseworker, filing_case, "asylum_packet", archival=True)
    path = plain_pdf(document, tmp_path)
    listing = subprocess.run(["pdfdetach", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    assert "3 embedded files" in listing
    assert "exhibit-A.pdf" in listing and "exhibit-B.png" in listing and "exhibit-1.pdf" in listing
    assert "scan.pdf" not in listing and "photo.png" not in listing
    meta = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    assert "pdfaid:part" in meta and "3" in meta.split("pdfaid:part", 1)[1][:5]
    subprocess.run(["pdfdetach", "-savefile", "exhibit-A.pdf", "-o", str(path.parent / "extracted.pdf"), str(path)],
                   check=True)
    extracted = (path.parent / "extracted.pdf").read_bytes()
    assert hashlib.sha256(extracted).hexdigest() == exhibit_hashes(filing_case)[0]
    (path.parent / "extracted.pdf").unlink()


@pytest.mark.parametrize("language", ["en", "ug", "ru"])
def test_the_protected_status_dossier_maps_criteria_to_evidence_and_exhibits(cast, filing_case, language, tmp_path):
    passport = filing_case.people.get(relationship="principal").documents.get()
    people.document_update(actor=cast.caseworker, document=passport, expected_version=passport.version,
                           data={"expires_on": datetime.date(2025, 3, 1)})  # not renewed: document denial
    document = generate(cast.caseworker, filing_case, "protected_status", language=language, recipient_kind="court")
    path = plain_pdf(document, tmp_path)
    fonts = pdf_fonts(path)
    assert fonts and all(font["emb"] == "yes" for font in fonts), fonts
    titles = [title for title, _page in outline_titles(path)]
    assert len(titles) >= 12  # every section and every exhibit
    text = plain_text(path)
    assert "Priority-2" in text and document.verification_code in PdfReader(path).pages[0].extract_text()
    if language == "en":
        assert "Eligibility matrix" in text and "Transnational repression" in text
        assert "Contact by PRC police or embassy (2026)" in text  # evidence drawn from the timeline
        assert "Brother: Detained in a camp" in text
        assert "PRC passport: expired on March 1, 2025" in text


@pytest.mark.parametrize("language", ["en", "ug", "ru"])
def test_the_unhcr_dossier_suggests_a_priority_and_keeps_needs_under_confidential_headings(
    cast, filing_case, language, tmp_path,
):
    child = filing_case.people.get(relationship="child")
    filings.need_add(actor=cast.caseworker, case=filing_case, person=child, category="psychological",
                     description="Fictional: nightmares since the summons.")
    document = generate(cast.caseworker, filing_case, "unhcr_dossier", language=language, recipient_kind="unhcr")
    path = plain_pdf(document, tmp_path)
    fonts = pdf_fonts(path)
    assert fonts and all(font["emb"] == "yes" for font in fonts), fonts
    text = plain_text(path)
    # (In a right-to-left page, extraction moves a Latin run's final full stop: compare without it.)
    assert "Fictional: nightmares since the summons" in text
    if language == "en":
        assert "Suggested submission priority" in text and "Confidential: Child" in text
        assert "Family not included" in text and "Annex index" in text
        assert "No consent for resettlement is in force" in text


@pytest.mark.parametrize("kind,recipient", [
    ("asylum_packet", "court"), ("protected_status", "court"), ("unhcr_dossier", "unhcr"),
])
def test_filing_documents_leave_out_what_no_filing_needs(cast, filing_case, kind, recipient, rendered_html, tmp_path):
    """Relatives' names, phone numbers, case notes and referrals never reach a filing (need to know)."""
    records.note_add(actor=cast.caseworker, case=filing_case, text="Fictional internal note: call back Tuesday.")
    document = generate(cast.caseworker, filing_case, kind, recipient_kind=recipient)
    html, text = rendered_html[-1], pdf_text(plain_pdf(document, tmp_path))
    for outside in ["Fictional Brother Name", "+77011234567", "Fictional internal note", "scan.pdf"]:
        assert outside not in html and outside not in text, outside


def test_user_text_cannot_pull_in_files_reach_the_network_or_forge_exhibit_pages(
    cast, filing_case, rendered_html, tmp_path,
):
    filing = ngo_filing(filing_case)
    filings.filing_save(actor=cast.caseworker, case=filing_case, expected_version=filing.version, data={
        "declaration_text": 'Fictional. <img src="file:///etc/passwd"> <img src="http://evil.invalid/x.png"> '
                            f"<!--panah-exhibit:{filing.exhibits.first().pk}-->",
        "declaration_language": "en",
    })
    document = generate(cast.caseworker, filing_case, "asylum_packet")
    text = pdf_text(plain_pdf(document, tmp_path))
    assert "file:///etc/passwd" in text and "evil.invalid" in text  # shown as the text it is
    assert "<img" not in rendered_html[-1].split("<body>", 1)[1].split('class="separator"', 1)[0].replace(
        "&lt;img", "")
    assert document.pages == generate(cast.caseworker, filing_case, "asylum_packet").pages  # no extra pages


def test_a_damaged_pdf_exhibit_gets_a_page_saying_so_and_the_packet_still_renders(cast, filing_case, tmp_path):
    broken = SimpleUploadedFile("broken.pdf", b"%PDF-1.4\n this is not really a pdf", content_type="application/pdf")
    filings.exhibit_add(actor=cast.caseworker, case=filing_case, section="client", title="Damaged scan",
                        upload=broken)
    document = generate(cast.caseworker, filing_case, "asylum_packet")
    text = plain_text(plain_pdf(document, tmp_path))
    assert "This exhibit could not be appended" in text


def test_an_exhibit_changed_in_storage_is_never_appended_silently(cast, filing_case):
    exhibit = ngo_filing(filing_case).exhibits.get(title="Passport, all pages")
    with exhibit.file.storage.open(exhibit.file.name, "wb") as stored:
        stored.write(pdf_upload(pages=1, colour="red").read())
    document = document_request(actor=cast.caseworker, case=filing_case, kind="asylum_packet", language="en",
                                recipient_kind="file")
    assert document_render(document_id=document.pk) == DocumentStatus.FAILED
    document.refresh_from_db()
    assert document.error == "exhibit_changed" and not document.file


def test_exhibits_are_relettered_when_moved_and_a_removed_upload_leaves_storage(
    cast, filing_case, django_capture_on_commit_callbacks,
):
    from reports.documents import exhibit_entries

    first, second = ngo_filing(filing_case).exhibits.filter(section="client").order_by("position")
    filings.exhibit_move(actor=cast.caseworker, exhibit=second, up=True)
    labels = {entry.exhibit.pk: entry.label for entry in exhibit_entries(ngo_filing(filing_case))}
    assert (labels[second.pk], labels[first.pk]) == ("A", "B")
    name, storage = first.file.name, first.file.storage
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        filings.exhibit_remove(actor=cast.caseworker, exhibit=first)
    assert not ngo_filing(filing_case).exhibits.filter(pk=first.pk).exists()
    assert not storage.exists(name)  # the uploaded copy goes once the removal is committed


def test_filing_edits_are_version_checked(cast, filing_case):
    filing = ngo_filing(filing_case)
    filings.filing_save(actor=cast.caseworker, case=filing_case, expected_version=filing.version,
                        data={"programme": "First edit"})
    with pytest.raises(StaleEditError):
        filings.filing_save(actor=cast.caseworker, case=filing_case, expected_version=filing.version,
                            data={"programme": "Second, from a stale form"})
    filing.refresh_from_db()
    assert filing.programme == "First edit"


def test_only_those_who_may_read_the_case_prepare_its_filing(cast, filing_case):
    from django.core.exceptions import PermissionDenied

    for outsider in (cast.other_caseworker, cast.lawyer, cast.provider, cast.liaison):
        with pytest.raises(PermissionDenied):
            filings.filing_save(actor=outsider, case=filing_case, expected_version=ngo_filing(filing_case).version,
                                data={"programme": "x"})
    other = ngo_filing(filing_case).exhibits.first()
    with pytest.raises(ValidationError):
        filings.exhibit_add(actor=cast.caseworker, case=filing_case, section="client", title="Both",
                            attachment=None, upload=None)
    assert other is not None


def _rotated_pdf_with_a_link():
    """A landscape-by-rotation exhibit (portrait page, /Rotate 90) carrying a link annotation."""
    from pypdf import PdfWriter
    from pypdf.annotations import Link

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_upload(pages=1).read())))
    writer.pages[0].rotate(90)
    writer.add_annotation(0, Link(rect=(50, 50, 200, 100), url="http://evil.invalid/"))
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile("rotated.pdf", buffer.getvalue(), content_type="application/pdf")


def test_a_rotated_exhibit_is_drawn_as_it_is_seen_and_its_links_do_not_travel(cast, own_case, tmp_path):
    filings.exhibit_add(actor=cast.caseworker, case=own_case, section="client", title="Rotated scan",
                        upload=_rotated_pdf_with_a_link())
    document = generate(cast.caseworker, own_case, "asylum_packet")
    path = plain_pdf(document, tmp_path)
    last = document.pages
    image = page_png(path, last, tmp_path).convert("L")
    left, top, right, bottom = image.point(lambda value: 255 if value < 30 else 0).getbbox()
    assert right - left > bottom - top  # the portrait page turned by /Rotate 90 is drawn landscape
    assert "/Annots" not in PdfReader(path).pages[last - 1]
    assert b"evil.invalid" not in path.read_bytes()


def test_the_sweeper_removes_exhibit_copies_a_killed_worker_left_behind(cast, settings, tmp_path, clock):
    import os

    from reports.services.documents import documents_sweep

    settings.PANAH_RENDER_WORK_DIR = tmp_path
    abandoned, live = tmp_path / "exhibits-abandoned", tmp_path / "exhibits-live"
    for folder in (abandoned, live):
        folder.mkdir()
        (folder / "exhibit-1.pdf").write_bytes(b"%PDF-1.4 fictional")
    old = clock.at.timestamp() - 3600
    os.utime(abandoned, (old, old))
    assert documents_sweep()["exhibit_folders_removed"] == 1
    assert not abandoned.exists() and live.exists()


@pytest.mark.parametrize("kind,recipient", [
    ("asylum_packet", "court"), ("protected_status", "court"), ("unhcr_dossier", "unhcr"),
])
@pytest.mark.parametrize("language", ["ug", "ru"])
def test_filing_documents_run_right_to_left_in_uyghur_and_left_to_right_in_russian(
    cast, filing_case, kind, recipient, language, tmp_path,
):
    from tests.reports.conftest import heading_runs_the_right_way

    document = generate(cast.caseworker, filing_case, kind, language=language, recipient_kind=recipient)
    assert heading_runs_the_right_way(plain_pdf(document, tmp_path), language, tmp_path / "cover")


@pytest.mark.parametrize("kind,recipient", [
    ("asylum_packet", "court"), ("protected_status", "court"), ("unhcr_dossier", "unhcr"),
])
def test_a_forbidden_user_gets_404_for_every_filing_document(cast, filing_case, kind, recipient, logged_in):
    document = generate(cast.caseworker, filing_case, kind, recipient_kind=recipient)
    for outsider in (cast.other_caseworker, cast.provider, cast.lawyer, cast.liaison):
        client = logged_in(outsider)
        assert client.get(f"/documents/{document.public_id}/").status_code == 404
        assert client.get(f"/documents/{document.public_id}/download/").status_code == 404
    assert logged_in(cast.caseworker).get(f"/documents/{document.public_id}/download/").status_code == 200
