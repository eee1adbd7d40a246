"""Benchmark: render time and peak memory of generated PDFs (issue 5 targets, on this machine).

A fictional case is given enough timeline entries for a ~20-page case summary; a referral form
stands in for a one-to-two-page document. The asylum packet (measured first, so the peak memory
figure is its own) has a two-script declaration with its translation and five exhibits: a 4-page
passport scan, a photo, and country-conditions PDFs, for about 20 pages in all. Each render goes
through the real path (template in the chosen language, the limited child process, fonts,
exhibits, hashing). Peak memory is the largest resident set of the renderer child process.

    .venv/bin/python bench/render_documents.py                  # SQLite under var/bench-documents
    .venv/bin/python bench/render_documents.py --repeat 10 --incidents 160
    .venv/bin/python bench/render_documents.py --pause 0      # renders back to back (worst case)

By default each render is requested after a 2-second pause (not timed), as documents are
requested by people: the worker's spare renderer has then finished importing WeasyPrint, which is
what a person waiting for a document sees. With --pause 0 the spare is still loading while the
previous render runs, and both compete for the CPU.

Results are printed and written to bench/results/render_documents.json. Not part of the test suite.
"""

import argparse
import datetime
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _django  # noqa: E402 - found through the path set just above


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--incidents", type=int, default=160)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between renders, not timed")
    args = parser.parse_args()

    _django.setup("bench-documents")
    from django.core.management import call_command

    from cases.models import Alert, Case, User
    from cases.services import records
    from referrals.models import Referral
    from reports.models import GeneratedDocument
    from reports.services.documents import document_render, document_request

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    call_command("seed_referrals_demo", verbosity=0)
    caseworker = User.objects.get(username="caseworker")
    referral = Referral.objects.exclude(state="draft").select_related("case").first()
    case = Case.objects.filter(assignments__user=caseworker).order_by("pk").first()
    missing = args.incidents - case.incidents.count()
    for index in range(max(0, missing)):
        records.incident_add(actor=caseworker, case=case, data={
            "category": "threat", "occurred_on": datetime.date(2020, 1, 1) + datetime.timedelta(days=7 * index),
            "source": "client",
            "description": "بۇ پەقەت سىناق ئۈچۈن يېزىلغان ئويدۇرما ۋەقە. Fictional event written for a benchmark. "
                           "Вымышленное событие для измерения скорости. " * 2,
        })

    _prepare_packet(case, caseworker)
    alert = Alert.objects.open().select_related("case").first()
    liaison = User.objects.get(username="liaison")
    results = {}
    for label, kind, actor, target_case, extra, language, recipient in [
        ("asylum packet (ug)", "asylum_packet", caseworker, case, {}, "ug", "court"),
        ("asylum packet (en)", "asylum_packet", caseworker, case, {}, "en", "court"),
        ("case summary (ug)", "case_summary", caseworker, case, {}, "ug", "unhcr"),
        ("case summary (en)", "case_summary", caseworker, case, {}, "en", "unhcr"),
        ("referral form (ug)", "referral_form", referral.referred_by, referral.case, {"referral": referral}, "ug",
         "provider"),
        ("alert sheet (ug)", "alert_sheet", liaison, alert.case, {"alert": alert}, "ug", "unhcr"),
    ]:
        times, pages = [], None
        for _run in range(args.repeat):
            time.sleep(args.pause)
            document = document_request(actor=actor, case=target_case, kind=kind, language=language,
                                        recipient_kind=recipient, **extra)
            started = time.perf_counter()
            assert document_render(document_id=document.pk) == "done"
            times.append(time.perf_counter() - started)
            pages = GeneratedDocument.objects.get(pk=document.pk).pages
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        results[label] = {"pages": pages, "median_s": round(statistics.median(times), 3),
                          "max_s": round(max(times), 3), "peak_child_rss_mb_so_far": round(peak_mb, 1)}
        print(f"{label:22} pages={pages:3}  median {statistics.median(times):.2f} s  max {max(times):.2f} s  "
              f"peak renderer RSS so far {peak_mb:.0f} MB")
    results["pause_between_renders_s"] = args.pause
    out = ROOT / "bench" / "results" / "render_documents.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


def _scan(pages, size=(1240, 1754)):
    """A fictional scanned document: JPEG pages in a PDF, as a phone scanner app makes them."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    images = []
    for number in range(pages):
        image = Image.new("RGB", size, (250, 248, 240))
        draw = ImageDraw.Draw(image)
        for line in range(40):
            draw.rectangle((120, 150 + line * 38, 1100 - (line * 37 + number * 53) % 400, 170 + line * 38),
                           fill=(40, 40, 60))
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=150, quality=80)
    return SimpleUploadedFile("scan.pdf", buffer.getvalue(), content_type="application/pdf")


def _photo():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200), (200, 210, 220))
    ImageDraw.Draw(image).ellipse((300, 200, 1300, 1000), fill=(90, 60, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def _prepare_packet(case, caseworker):
    """Filing materials for the packet: a declaration of ~2 pages, its translation, five exhibits."""
    from reports.models import Filing
    from reports.services import filings

    if Filing.objects.filter(case=case).exists():
        return
    declaration = ("مەن ئۈرۈمچىدە تۇغۇلغان. بۇ پەقەت سىناق ئۈچۈن يېزىلغان ئويدۇرما باياننامە. " * 6 + "\n\n") * 9
    translation = ("I was born in Urumqi. This is a fictional declaration written for a benchmark. " * 6
                   + "\n\n") * 9
    filings.filing_save(actor=caseworker, case=case, expected_version=None, data={
        "applicant": case.people.order_by("pk").first(), "declaration_language": "ug",
        "declaration_text": declaration, "translation_language": "en", "translation_text": translation,
        "translator_name": "Fictional Translator", "filing_office": "Fictional asylum office",
    })
    for section, title, upload in [
        ("client", "Passport, all pages", _scan(4)),
        ("client", "Photo of the summons", _photo()),
        ("client", "Letter from a relative", _scan(1)),
        ("country", "Country report (fictional)", _scan(3)),
        ("country", "Press article (fictional)", _scan(1)),
    ]:
        filings.exhibit_add(actor=caseworker, case=case, section=section, title=title, upload=upload)


if __name__ == "__main__":
    main()
