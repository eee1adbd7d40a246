"""Benchmark: refoulement-risk recomputation, for every case and for one case (issue 3).

Targets on this 2-core machine, PostgreSQL: a full recomputation of 100,000 cases under 60 s,
and a single-case recomputation under 20 ms.

    createdb -h 127.0.0.1 -U postgres panah_bench_risk
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/panah_bench_risk .venv/bin/python bench/risk_recompute.py
    .venv/bin/python bench/risk_recompute.py --cases 20000       # SQLite, var/bench-risk/

Full runs are timed: the first assessment of every case (every row is new, alerts open), a
steady-state run where nothing changed (what the daily schedule costs on most days), a run after
the clock moved a year (expiry windows and decay change many outcomes) and one back. Each is
followed by VACUUM ANALYZE on PostgreSQL, as autovacuum would do. Then single-case
recomputations inside a transaction, as an edit triggers them, for edits that leave the outcome
as it was and for edits that change it (an assessment written, an alert opened if it rose).
Not part of the test suite.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _django  # noqa: E402 - found through the path set just above
from _django import percentile  # noqa: E402


def fanned_out_runs(workers, reset, vacuum):
    """The production path: the daily task cuts the cases into id ranges that a real cluster of
    `workers` processes works through. Timed from queueing to the last range finished."""
    import signal
    import subprocess

    from django_q.models import OrmQ, Task

    from cases import tasks

    env = {**os.environ, "PANAH_Q_WORKERS": str(workers),
           "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    rows = []
    reset()
    vacuum()
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(3)  # let the workers start
        for label in ("first assessment", "nothing changed"):
            start = time.perf_counter()
            queued = tasks.risk_recompute_daily("manual")
            # Done when the queue is empty: the ranges and the notification emails they queued.
            # (Task results cannot be counted: django-q keeps only the last `save_limit` of them.)
            while OrmQ.objects.exists():
                time.sleep(0.2)
            seconds = time.perf_counter() - start
            failed = Task.objects.filter(group=queued["group"], success=False).count()
            rows.append({"run": label, "workers": workers, "seconds": round(seconds, 1), "tasks": queued["tasks"],
                         "failed_tasks": failed})
            print(f"fanned out over {workers} workers, {label:<17} {seconds:>6.1f} s  "
                  f"({queued['tasks']} range tasks, {failed} failed)")
    finally:
        cluster.send_signal(signal.SIGTERM)
        cluster.wait(timeout=60)
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=300, help="single-case recomputations to time")
    parser.add_argument("--workers", type=int, default=2,
                        help="also time the daily run fanned out over a real django-q cluster of N workers (0: skip)")
    args = parser.parse_args()

    _django.setup("bench-risk")
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django_q.models import OrmQ

    from cases import clock
    from cases.models import Alert, Case, RiskAssessment
    from cases.services.risk import risk_recompute, risk_recompute_many

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", "--cases", str(args.cases), verbosity=0)
    total = Case.objects.count()
    print(f"{connection.vendor}: {total} cases (seeding took {time.perf_counter() - started:.1f} s)")
    results = {"vendor": connection.vendor, "cases": total, "runs": []}

    def vacuum():
        """As autovacuum does after a mass write. Without it, the planner of the single-case query
        reads thousands of dead index entries left by the reset (get_actual_variable_range): 20 ms
        of planning for a 0.2 ms query, which no steady-state deployment pays."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("cases_case", "cases_riskassessment", "cases_alert", "cases_alertnotification"):
                    cursor.execute(f"VACUUM ANALYZE {table}")

    def full_run(label):
        assessments_before, alerts_before = RiskAssessment.objects.count(), Alert.objects.count()
        start = time.perf_counter()
        outcome = risk_recompute_many(reason="manual")
        seconds = time.perf_counter() - start
        vacuum()
        row = {
            "run": label, "seconds": round(seconds, 1), "cases": outcome["cases"], "changed": outcome["changed"],
            "new_assessments": RiskAssessment.objects.count() - assessments_before,
            "new_alerts": Alert.objects.count() - alerts_before,
            "per_case_ms": round(seconds * 1000 / max(outcome["cases"], 1), 3),
        }
        results["runs"].append(row)
        print(f"full run, {label:<28} {row['seconds']:>6.1f} s  ({row['per_case_ms']} ms/case, "
              f"{row['changed']} outcomes changed, {row['new_alerts']} alerts opened)")

    @transaction.atomic
    def reset():
        """Start again from unassessed cases with no alerts (a re-run, or before the fanned-out runs)."""
        Case.objects.update(risk_level="", risk_assessment=None)
        Alert.objects.all().delete()
        RiskAssessment.objects.all().delete()
        OrmQ.objects.all().delete()  # notifications queued by earlier runs

    reset()  # always: an interrupted earlier run can leave alerts behind that change what is measured
    vacuum()
    full_run("first assessment")
    full_run("nothing changed")
    real_now = clock.now
    a_year_later = real_now() + datetime.timedelta(days=365)
    clock.now = lambda: a_year_later
    full_run("a year later (dates moved)")
    clock.now = real_now
    full_run("back to today")

    rng = random.Random(3)
    ids = list(Case.objects.values_list("pk", flat=True))
    sample = [Case.objects.get(pk=pk) for pk in rng.sample(ids, min(args.single, len(ids)))]
    # Two kinds of edit: most change nothing the rules read (no write); some change the outcome
    # (an assessment is written, perhaps an alert opened). The second is forced by forgetting the
    # case's current assessment first, and rolled back after timing, so every sample is alike.
    samples = {"outcome unchanged": ([], []), "outcome changed": ([], [])}
    for case in sample:
        for label in samples:
            with transaction.atomic():
                if label == "outcome changed":
                    Case.objects.filter(pk=case.pk).update(risk_level="", risk_assessment=None)
                start = time.perf_counter()
                with CaptureQueriesContext(connection) as queries:
                    risk_recompute(case=case, reason="manual")
                elapsed = (time.perf_counter() - start) * 1000
                transaction.set_rollback(True)
            timings, query_counts = samples[label]
            timings.append(elapsed)
            query_counts.append(len(queries))
    results["single_case"] = {}
    for label, (timings, query_counts) in samples.items():
        if not timings:
            continue
        single = {
            "count": len(timings), "median_ms": round(statistics.median(timings), 2),
            "p95_ms": round(percentile(timings, 0.95), 2), "max_ms": round(max(timings), 2),
            "queries_median": statistics.median(query_counts), "queries_max": max(query_counts),
        }
        results["single_case"][label] = single
        print(f"single case, {label:<17}: {single['count']} cases, median {single['median_ms']} ms, "
              f"p95 {single['p95_ms']} ms, max {single['max_ms']} ms, {single['queries_median']} queries "
              f"(max {single['queries_max']})")

    if args.workers:
        results["fanned_out"] = fanned_out_runs(args.workers, reset, vacuum)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"risk_recompute-{connection.vendor}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
