"""Benchmark: cross-script person search at 300,000 people (issue 8), for a caseworker and a supervisor.

Targets (issue 8, on PostgreSQL): search p95 under 150 ms; key computation for 300,000 people
under 5 minutes. Measures, in-process (no network):

1. `name_keys_rebuild --all` over every person: seconds, people/s, PersonNameKey rows and size;
   plus the pure key computation (`names.person_keys`, caches cleared) per person.
2. ~200 queries made from random seeded people, written in other scripts and spellings (Uyghur
   script, Cyrillic, Chinese characters, pinyin, Turkish letters, swapped order, glued pinyin, a
   one-letter typo) and lone given names, timed through (a) `selectors.identity.person_search`
   (split into the index query and the fetch + scoring), (b) the person search page and (c) the
   case list with a name search. Recall: the intended person (and a person of the same name) in
   the top 5 of (a).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/panah_bench_names \\
        .venv/bin/python bench/person_search.py --cases 300000 --repeat 2

The database is seeded once (seed_demo --cases N, bulk) and reused. Results are printed and
written to bench/results/person_search-<vendor>.json. Not part of the test suite. Prints no names
(the seeded names are fictional, but the habit is kept).
"""

import argparse
import gc
import json
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


def summary(timings):
    return {
        "n": len(timings),
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
    }


def name_pool():
    """Every spelling the bulk generator writes -> (canonical ULY name, (latin, hans, pinyin))."""
    from cases import names
    from cases.management.commands.seed_demo import BULK_FEMALE_NAMES, BULK_MALE_NAMES, turkish_spelling

    pool = {}
    for entry in BULK_MALE_NAMES + BULK_FEMALE_NAMES:
        latin, hans, pinyin_text = entry
        for spelling in (latin, turkish_spelling(latin), names.latin_to_arabic(latin),
                         names.latin_to_cyrillic(latin).capitalize(), hans, pinyin_text):
            pool[spelling] = entry
    return pool


def canonical(person, part, pool):
    for script in ("ug_latn", "ug_arab", "cyrl", "hans", "pinyin"):
        value = getattr(person, f"{part}_{script}")
        if value in pool:
            return pool[value]
    return None


def typo(word, rng):
    """One letter of `word` (not the first) replaced by a neighbouring vowel or consonant."""
    index = rng.randrange(1, len(word))
    swap = {"a": "e", "e": "a", "i": "e", "o": "u", "u": "o", "r": "l", "l": "r", "m": "n", "n": "m",
            "t": "d", "d": "t", "s": "z", "z": "s", "k": "q", "q": "k", "p": "b", "b": "p"}
    return word[:index] + swap.get(word[index], "e") + word[index + 1:]


def variants(given, father, rng):
    """Ways a caseworker may type this name: [(kind, text)]. Entries are (latin, hans, pinyin)."""
    from cases import names
    from cases.management.commands.seed_demo import turkish_spelling

    (g_lat, g_han, g_pin), (f_lat, f_han, f_pin) = given, father
    return [
        ("uyghur script", f"{names.latin_to_arabic(g_lat)} {names.latin_to_arabic(f_lat)}"),
        ("cyrillic", f"{names.latin_to_cyrillic(g_lat).capitalize()} {names.latin_to_cyrillic(f_lat).capitalize()}"),
        ("chinese characters", f"{g_han}·{f_han}"),
        ("pinyin", f"{g_pin} {f_pin}"),
        ("turkish spelling", f"{turkish_spelling(g_lat)} {turkish_spelling(f_lat)}"),
        ("swapped order", f"{f_lat} {g_lat}"),
        ("glued pinyin", f"{g_pin}{f_pin.lower()}"),
        ("one-letter typo", f"{typo(g_lat, rng)} {f_lat}"),
        ("given name only", rng.choice([g_lat, names.latin_to_arabic(g_lat), g_pin])),
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=300_000)
    parser.add_argument("--queries", type=int, default=200, help="Queries per user.")
    parser.add_argument("--repeat", type=int, default=2, help="Timed runs of each query through the selector.")
    parser.add_argument("--page-queries", type=int, default=60, help="Queries per user timed through the pages.")
    parser.add_argument("--skip-rebuild", action="store_true", help="Do not time name_keys_rebuild --all.")
    parser.add_argument("--rebuilt-in", type=float, help="With --skip-rebuild: seconds an earlier run measured.")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()

    _django.setup("bench_names")
    from django.test.utils import setup_test_environment

    setup_test_environment()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from cases import names
    from cases.models import Case, Person, PersonNameKey, User
    from cases.models.people import NAME_FIELDS
    from cases.selectors import identity
    from cases.services.identities import name_index_vacuum, name_keys_rebuild

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", "--cases", str(args.cases), verbosity=0)
    seeded_in = time.perf_counter() - started
    total_cases, total_people = Case.objects.count(), Person.objects.count()
    print(f"{connection.vendor}: {total_cases} cases, {total_people} people (seeding took {seeded_in:.1f} s)")
    results = {"vendor": connection.vendor, "cases": total_cases, "people": total_people,
               "index_candidates": identity.INDEX_CANDIDATES, "repeat": args.repeat}

    # --- 1. Key computation ------------------------------------------------------------------
    rng = random.Random(args.seed)
    sample_ids = rng.sample(list(Person.objects.values_list("pk", flat=True)), 2000)
    sample = list(Person.objects.filter(pk__in=sample_ids).only(*NAME_FIELDS))
    cached = [f for f in vars(names).values() if hasattr(f, "cache_clear")]
    start = time.perf_counter()
    for person in sample:
        for function in cached:  # as if every name were new: no cache hit from earlier people
            function.cache_clear()
        names.person_keys({f: getattr(person, f) for f in NAME_FIELDS})
    cold_ms = (time.perf_counter() - start) * 1000 / len(sample)
    results["keys_cpu_ms_per_person_uncached"] = round(cold_ms, 3)
    print(f"key computation, caches cleared per person: {cold_ms:.2f} ms/person "
          f"(-> {cold_ms * 300_000 / 1000:.0f} s CPU for 300,000 all-different people)")
    if not args.skip_rebuild:
        start = time.perf_counter()

        def progress(done):
            if done % 50_000 == 0:
                print(f"  rebuilt {done} people, {time.perf_counter() - start:.0f} s", flush=True)

        done = name_keys_rebuild(stale_only=False, progress=progress)
        name_index_vacuum()  # as the command does: index-only scans need the visibility map
        rebuilt_in = time.perf_counter() - start
        results["rebuild"] = {"people": done, "seconds": round(rebuilt_in, 1), "people_per_s": round(done / rebuilt_in)}
        print(f"name_keys_rebuild --all: {done} people in {rebuilt_in:.1f} s ({done / rebuilt_in:.0f} people/s)")
    elif args.rebuilt_in:
        results["rebuild"] = {"people": total_people, "seconds": args.rebuilt_in,
                              "people_per_s": round(total_people / args.rebuilt_in), "measured": "by an earlier run"}
    index = {"rows": PersonNameKey.objects.count()}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = PersonNameKey._meta.db_table
            cursor.execute("SELECT pg_total_relation_size(%s), pg_relation_size(%s)", [table, table])
            index["total_bytes"], index["table_bytes"] = cursor.fetchone()
        print(f"PersonNameKey: {index['rows']} rows, {index['total_bytes'] / 2**20:.0f} MiB with indexes "
              f"({index['table_bytes'] / 2**20:.0f} MiB table)")
    results["name_index"] = index

    # --- 2. Search latency -------------------------------------------------------------------
    pool = name_pool()
    try:
        search_url = reverse("cases:person_search")
    except NoReverseMatch:
        search_url = None
    list_url = reverse("cases:list")
    Client().get(list_url)
    gc.freeze()
    results["users"] = []
    for username in ("supervisor", "caseworker"):
        user = User.objects.get(username=username)
        people = identity.visible_people(user)
        visible = people.count()
        ids = list(people.filter(relationship="principal").values_list("pk", flat=True))
        targets = list(Person.objects.filter(pk__in=rng.sample(ids, min(len(ids), args.queries))))
        queries = []
        for number, person in enumerate(targets):
            given, father = canonical(person, "given_name", pool), canonical(person, "father_name", pool)
            if given and father:
                kind, text = variants(given, father, rng)[number % 9]
                queries.append((kind, text, person.pk, (given[0], father[0])))
        namesakes = {}  # (given, father) -> how many visible principals have that name
        for person in Person.objects.filter(pk__in=ids).only(*NAME_FIELDS).iterator(chunk_size=5000):
            given, father = canonical(person, "given_name", pool), canonical(person, "father_name", pool)
            pair = (given and given[0], father and father[0])
            namesakes[pair] = namesakes.get(pair, 0) + 1
        def canonical_pair(pk, canon_of={}):  # noqa: B006 - a cache across users, on purpose
            if pk not in canon_of:
                p = Person.objects.only(*NAME_FIELDS).get(pk=pk)
                g, f = canonical(p, "given_name", pool), canonical(p, "father_name", pool)
                canon_of[pk] = (g and g[0], f and f[0])
            return canon_of[pk]

        # (a) the selector, split into its index query and the fetch + scoring.
        for _kind, text, _pk, _names in queries[:5]:
            identity.person_search(user, text)  # warm
        timings, index_ms, rank_ms, query_counts = [], [], [], []
        hits = {}
        for round_number in range(args.repeat):
            for kind, text, target, pair in queries:
                start = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    found = identity.person_search(user, text)
                timings.append((time.perf_counter() - start) * 1000)
                query_counts.append(len(captured))
                keys = names.query_keys(text)
                start = time.perf_counter()
                candidates = identity._index_hits(keys, viewer=user)
                middle = time.perf_counter()
                stored = Person.objects.filter(pk__in=candidates).values_list("pk", "name_keys")
                names.rank(keys, stored, limit=25, threshold=names.SEARCH_THRESHOLD)
                index_ms.append((middle - start) * 1000)
                rank_ms.append((time.perf_counter() - middle) * 1000)
                if round_number == 0:
                    top = [m.person.pk for m in found[:5]]
                    row = hits.setdefault(kind, {"queries": 0, "person_top5": 0, "same_name_top5": 0,
                                                 "namesakes": 0})
                    row["queries"] += 1
                    row["person_top5"] += target in top
                    row["namesakes"] += namesakes.get(pair, 0)
                    if kind == "given name only":
                        row["same_name_top5"] += any(canonical_pair(pk)[0] == pair[0] for pk in top)
                    else:
                        row["same_name_top5"] += any(canonical_pair(pk) == pair for pk in top)
        full = [row for kind, row in hits.items() if kind != "given name only"]
        recall = {
            "person_top5_full_names": round(sum(r["person_top5"] for r in full) / sum(r["queries"] for r in full), 3),
            "same_name_top5_full_names": round(
                sum(r["same_name_top5"] for r in full) / sum(r["queries"] for r in full), 3),
            "mean_namesakes_per_query": round(sum(r["namesakes"] for r in full) / sum(r["queries"] for r in full), 1),
            "by_kind": hits,
        }
        entry = {"user": username, "visible_people": visible, "queries": len(queries), "recall": recall,
                 "selector": {**summary(timings), "db_queries_max": max(query_counts)},
                 "selector_index_query": summary(index_ms), "selector_fetch_and_score": summary(rank_ms)}
        print(f"{username:<11} sees {visible:>6} people | person_search  {entry['selector']} | "
              f"index query {entry['selector_index_query']} | fetch+score {entry['selector_fetch_and_score']}")
        print(f"{'':<11} recall top 5 (full names): person {recall['person_top5_full_names']:.0%}, "
              f"same name {recall['same_name_top5_full_names']:.0%}; "
              f"namesakes per query {recall['mean_namesakes_per_query']}")

        # (b) and (c): the pages, through the test client.
        client = Client()
        client.force_login(user)
        pages = [("case list, name search", list_url)]
        if search_url:
            pages.insert(0, ("person search page", search_url))
        else:
            print("no URL cases:person_search: the page is not measured")
        for label, url in pages:
            page_timings, page_queries = [], []
            for _kind, text, _target, _pair in queries[: args.page_queries]:
                location = client.post(url, {"q": text})["Location"]
                client.get(location)  # the first view of a search is not the one timed
                start = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(location)
                page_timings.append((time.perf_counter() - start) * 1000)
                page_queries.append(len(captured))
                assert response.status_code == 200, (label, response.status_code)
            entry[label] = {**summary(page_timings), "db_queries_max": max(page_queries),
                            "db_queries_median": statistics.median(page_queries)}
            print(f"{'':<11} {label:<24} {entry[label]}")
        results["users"].append(entry)

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"person_search-{connection.vendor}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
