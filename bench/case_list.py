"""Benchmark: the case list and search at 100,000 cases, for a caseworker and a supervisor.

Measures server time (the Django request cycle in-process, no network) and queries per page at
page sizes 25 and 100. Target (issue 2, on PostgreSQL): p95 under 150 ms, and the same query
count at both page sizes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/panah_bench .venv/bin/python bench/case_list.py
    .venv/bin/python bench/case_list.py --cases 100000 --repeat 40      # SQLite, var/bench.sqlite3

The database is seeded once (seed_demo --cases N, bulk) and reused on later runs. Results are
printed and written to bench/results/case_list-<vendor>.json. Not part of the test suite.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _django  # noqa: E402 - found through the path set just above
from _django import percentile  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    _django.setup("bench")
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test client see response.context (rows, match counts)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from cases import selectors
    from cases.models import Case, IdentityDocument, User

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", "--cases", str(args.cases), verbosity=0)
    seeded_in = time.perf_counter() - started
    total = Case.objects.count()
    print(f"{connection.vendor}: {total} cases (seeding took {seeded_in:.1f} s)")

    list_url = reverse("cases:list")
    import gc

    Client().get(list_url)  # load templates and translations, as a server has by its first request
    gc.freeze()  # as config/wsgi.py does after start-up
    results = {"vendor": connection.vendor, "cases": total, "repeat": args.repeat, "measurements": []}

    for username in ("caseworker", "supervisor"):
        user = User.objects.get(username=username)
        visible = selectors.visible_cases(user).count()
        client = Client()
        client.force_login(user)
        # Search for things this user can actually find: a case in the middle of their list.
        sample = selectors.visible_cases(user).order_by("pk")[visible // 2]
        principal = sample.people.get(relationship="principal")
        searches = {
            "name (Uyghur script)": principal.given_name_ug_arab,
            "name (pinyin)": principal.given_name_pinyin,
            "full name, any order": f"{principal.father_name_ug_latn} {principal.given_name_ug_latn}",
            "reference": sample.reference,
            "document number": IdentityDocument.objects.filter(person=principal).first().number,
            "phone (no match)": "+7 701 000 0000",
        }
        scenarios = [(f"list, {size} per page", {"per_page": size}, None) for size in (25, 100)]
        scenarios += [(f"search {label}, 25 per page", {}, term) for label, term in searches.items()]
        for label, params, term in scenarios:
            if term is not None:
                location = client.post(list_url, {"q": term})["Location"]
                params = dict(p.split("=") for p in location.split("?", 1)[1].split("&"))
            client.get(list_url, params)  # warm caches and connections
            timings = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                response = client.get(list_url, params)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            with CaptureQueriesContext(connection) as queries:
                response = client.get(list_url, params)
            row = {
                "user": username, "visible_cases": visible, "scenario": label,
                "rows": len(response.context["page"].object_list), "matches": response.context["page"].paginator.count,
                "median_ms": round(statistics.median(timings), 1), "p95_ms": round(percentile(timings, 0.95), 1),
                "queries": len(queries),
            }
            results["measurements"].append(row)
            print(f"{username:<11} sees {visible:>6} | {label:<36} | rows {row['rows']:>3} of {row['matches']:>6} | "
                  f"median {row['median_ms']:>7.1f} ms | p95 {row['p95_ms']:>7.1f} ms | {row['queries']} queries")

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"case_list-{connection.vendor}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
