"""Benchmark: render time and peak memory of generated PDFs (issue 5 targets, on this machine).

A fictional case is given enough timeline entries for a ~20-page case summary; a referral form
stands in for a one-to-two-page document. Each render goes through the real path (template in the
chosen language, the limited child process, fonts, hashing). Peak memory is the largest resident
set of the renderer child process.

    .venv/bin/python bench/render_documents.py                  # SQLite under var/bench-documents
    .venv/bin/python bench/render_documents.py --repeat 10 --incidents 160

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

    alert = Alert.objects.open().select_related("case").first()
    liaison = User.objects.get(username="liaison")
    results = {}
    for label, kind, actor, target_case, extra, language, recipient in [
        ("case summary (ug)", "case_summary", caseworker, case, {}, "ug", "unhcr"),
        ("case summary (en)", "case_summary", caseworker, case, {}, "en", "unhcr"),
        ("referral form (ug)", "referral_form", referral.referred_by, referral.case, {"referral": referral}, "ug",
         "provider"),
        ("alert sheet (ug)", "alert_sheet", liaison, alert.case, {"alert": alert}, "ug", "unhcr"),
    ]:
        times, pages = [], None
        for _run in range(args.repeat):
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
    out = ROOT / "bench" / "results" / "render_documents.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
