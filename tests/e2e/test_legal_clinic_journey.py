"""Journey 3 (the part built so far): a lawyer opens a case shared with the clinic, asks for a case
summary in Russian for a court, watches the page until a real django-q worker has rendered it,
and downloads the PDF."""

import subprocess

import pytest
from playwright.sync_api import expect

from cases.services import access
from tests.conftest import open_case
from tests.e2e.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.e2e


def generate_and_download(page, kind, language, recipient, *, heading, screenshot=None):
    """From the case page: ask for a document, watch the progress page until the worker is done, download."""
    section = page.locator("#generated-documents")
    section.get_by_label("Document:", exact=True).select_option(kind)
    section.get_by_label("Language of the document").select_option(language)
    section.get_by_label("For:", exact=True).select_option(recipient)
    section.get_by_role("button", name="Generate the PDF").click()
    # The request returns at once; the page refreshes itself until the worker is done.
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    download_link = page.get_by_role("link", name="Download the PDF")
    expect(download_link).to_be_visible(timeout=90_000)
    if screenshot:
        page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    with page.expect_download() as download_info:
        download_link.click()
    return download_info.value


def test_lawyer_generates_and_downloads_a_case_summary(live_server, transactional_db, cast, page, worker, tmp_path):
    case = open_case(cast.caseworker, country="TR")
    access.case_share(actor=cast.caseworker, case=case, organisation=cast.clinic, purpose="Asylum claim")

    log_in(page, live_server.url, "lawyer")
    page.goto(f"{live_server.url}/cases/{case.public_id}/")
    download = generate_and_download(page, "case_summary", "ru", "court", heading="Case summary",
                                     screenshot="legal-clinic-journey-document-ready.png")
    pdf_path = tmp_path / "summary.pdf"
    download.save_as(pdf_path)
    assert case.reference not in download.suggested_filename

    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Сводка по делу" in text and "Maimaiti" in text and case.reference in text


def test_lawyer_builds_an_asylum_packet_with_exhibits_and_downloads_it(
    live_server, transactional_db, cast, page, worker, tmp_path,
):
    """Journey 3 in full: declaration and translation typed, two exhibits uploaded and reordered, the
    packet generated in English for the asylum office by a real worker, downloaded and checked."""
    from pypdf import PdfReader

    from tests.reports.test_filings import pdf_upload, png_upload

    case = open_case(cast.caseworker, country="TR")
    access.case_share(actor=cast.caseworker, case=case, organisation=cast.clinic, purpose="Asylum claim")
    scan, photo = tmp_path / "passport.pdf", tmp_path / "summons.png"
    scan.write_bytes(pdf_upload(pages=2).read())
    photo.write_bytes(png_upload().read())

    log_in(page, live_server.url, "lawyer")
    page.goto(f"{live_server.url}/cases/{case.public_id}/")
    page.get_by_role("link", name="Filing materials: declaration, exhibits, specific needs").click()
    expect(page.get_by_role("heading", name="Filing materials", exact=True)).to_be_visible()
    declaration = page.locator("#declaration")
    declaration.get_by_label("Applicant:", exact=True).select_option(index=1)
    declaration.get_by_label("Language of the declaration").select_option("ug")
    declaration.get_by_label("Declaration (the applicant's own words)").fill("مەن قايتىشتىن قورقىمەن. (ئويدۇرما)")
    declaration.get_by_label("Language of the translation").select_option("en")
    declaration.get_by_label("Translation of the declaration").fill("I am afraid to go back. (Fictional.)")
    declaration.get_by_label("Translator:", exact=True).fill("Fictional Translator")
    declaration.get_by_label("Filed with").fill("Fictional asylum office")
    declaration.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Filing materials saved.")).to_be_visible()

    exhibits = page.locator("#exhibits")
    for title, path in [("Summons photo", photo), ("Passport, all pages", scan)]:
        exhibits.get_by_label("Section:", exact=True).select_option("client")
        exhibits.get_by_label("Title:", exact=True).fill(title)
        exhibits.get_by_label("Or upload a file").set_input_files(str(path))
        exhibits.get_by_role("button", name="Add the exhibit").click()
        expect(page.get_by_text("Exhibit added.")).to_be_visible()
    # The passport should come first: move it up.
    page.get_by_role("button", name="Move “Passport, all pages” up").click()
    rows = page.locator("#exhibits tbody tr")
    expect(rows.nth(0)).to_contain_text("Passport, all pages")
    page.screenshot(path=str(ARTIFACTS / "legal-clinic-journey-filing.png"), full_page=True)

    page.goto(f"{live_server.url}/cases/{case.public_id}/")
    pdf_path = tmp_path / "packet.pdf"
    generate_and_download(page, "asylum_packet", "en", "court", heading="Asylum packet (US, affirmative)").save_as(
        pdf_path)

    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])
    reader = PdfReader(pdf_path)
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[-2:] == ["Exhibit A", "Exhibit B"]
    exhibit_a = reader.get_destination_page_number(reader.outline[-2]) + 1
    text = subprocess.run(["pdftotext", "-f", str(exhibit_a), "-l", str(exhibit_a), str(pdf_path), "-"],
                          capture_output=True, text=True, check=True).stdout
    from reports.models import Exhibit

    passport = Exhibit.objects.get(filing__case=case, title="Passport, all pages")
    assert passport.sha256 in text  # the passport is exhibit A, as reordered (its separator carries its hash)
    assert len(reader.pages) == exhibit_a + 2 + 2  # A: separator + 2 pages, B: separator + the photo
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", str(exhibit_a + 1), "-l", str(exhibit_a + 1),
                    str(pdf_path), str(ARTIFACTS / "legal-clinic-journey-packet-exhibit")], check=True)
