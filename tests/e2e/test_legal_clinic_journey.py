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


def test_lawyer_generates_and_downloads_a_case_summary(live_server, transactional_db, cast, page, worker, tmp_path):
    case = open_case(cast.caseworker, country="TR")
    access.case_share(actor=cast.caseworker, case=case, organisation=cast.clinic, purpose="Asylum claim")

    log_in(page, live_server.url, "lawyer")
    page.goto(f"{live_server.url}/cases/{case.public_id}/")
    section = page.locator("#generated-documents")
    section.get_by_label("Document:", exact=True).select_option("case_summary")
    section.get_by_label("Language of the document").select_option("ru")
    section.get_by_label("For:", exact=True).select_option("court")
    section.get_by_role("button", name="Generate the PDF").click()

    # The request returns at once; the page refreshes itself until the worker is done.
    expect(page.get_by_role("heading", name="Case summary")).to_be_visible()
    download_link = page.get_by_role("link", name="Download the PDF")
    expect(download_link).to_be_visible(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "legal-clinic-journey-document-ready.png"), full_page=True)
    with page.expect_download() as download_info:
        download_link.click()
    pdf_path = tmp_path / "summary.pdf"
    download_info.value.save_as(pdf_path)
    assert case.reference not in download_info.value.suggested_filename

    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Сводка по делу" in text and "Maimaiti" in text and case.reference in text
