"""Reads for "one person, many spellings" (issue 8): person search, duplicate suggestions, the queue.

Every search goes the same way: the query's keys (`cases.names`) are looked up in the name index
(`PersonNameKey`), the people sharing the most keys are fetched with their stored keys, and
`names.score` ranks them. Nothing transliterates the stored names at search time. What a user
may see is decided by `visible_cases`; matches outside it are counted, never shown.
"""

from dataclasses import dataclass, field

from django.db.models import Case as CaseWhen
from django.db.models import Count, Max, Q, Value, When
from django.http import Http404

from cases import names, permissions
from cases.choices import DuplicateStatus
from cases.models import DuplicateCandidate, IdentityDocument, Person, PersonNameKey
from cases.models.people import NAME_FIELDS
from cases.text import fold_for_search

# People fetched from the index per search, best key overlap first, before scoring.
INDEX_CANDIDATES = 200


def _index_hits(keys, *, viewer=None, exclude_person=None, limit=INDEX_CANDIDATES):
    """Ids of the people sharing the most index keys with `keys` (one grouped, indexed query).

    With `viewer`, only people in cases the viewer may see, filtered on the index rows themselves.
    """
    from cases.selectors import case_visibility

    index = names.index_keys(keys)
    if not index:
        return []
    rows = PersonNameKey.objects.filter(key__in=index)
    if viewer is not None:
        rows = rows.filter(case_visibility(viewer, case_field="case_id", organisation_field="organisation_id"))
    if exclude_person is not None:
        rows = rows.exclude(person_id=exclude_person)
    # Parts matched first (a given and a father's name), then keys shared.
    parts_matched = sum(
        (Max(CaseWhen(When(key__in=group, then=Value(1)), default=Value(0))) for group in names.index_key_groups(keys)),
        Value(0),
    )
    hits = rows.values("person_id").annotate(parts=parts_matched, hits=Count("key"))
    return [row["person_id"] for row in hits.order_by("-parts", "-hits", "person_id")[:limit]]


def name_matches(keys, *, viewer=None, exclude_person=None, threshold=names.SEARCH_THRESHOLD,
                 limit=20, candidates=INDEX_CANDIDATES):
    """[(person id, score, evidence)] of the people whose names match `keys`, best first.

    With `viewer`, only people the viewer may see; without, every record counts (the duplicate
    queue, which decides later who is shown what).
    """
    ids = _index_hits(keys, viewer=viewer, exclude_person=exclude_person, limit=candidates)
    if not ids:
        return []
    stored = Person.objects.filter(pk__in=ids).values_list("pk", "name_keys")
    return names.rank(keys, stored, limit=limit, threshold=threshold)


def visible_people(user):
    from cases.selectors import visible_cases

    return Person.objects.filter(case__in=visible_cases(user))


def ranked_case_ids(user, text, *, limit=200):
    """Case ids whose people match the name `text` in any script, best match first (the case list)."""
    matches = name_matches(names.query_keys(text), viewer=user, limit=limit)
    if not matches:
        return []
    case_of = dict(Person.objects.filter(pk__in=[m[0] for m in matches]).values_list("pk", "case_id"))
    ordered = []
    for person_id, _score, _evidence in matches:
        if case_of[person_id] not in ordered:
            ordered.append(case_of[person_id])
    return ordered


@dataclass
class PersonMatch:
    person: Person
    score: float
    evidence: dict
    facts: list = field(default_factory=list)  # (label code, how) rows beyond the names
    # The person is merged into a record in a case the viewer may see (so its reference may show).
    same_as_visible: bool = False


def person_search(user, text, *, limit=25):
    """The dedicated person search: people the user may see, under every spelling, ranked."""
    matches = name_matches(names.query_keys(text), viewer=user, limit=limit)
    return _with_people(user, matches)


def _with_people(user, matches, typed=None):
    people = (
        Person.objects.filter(pk__in=[m[0] for m in matches])
        .select_related(
            "case",
            "same_as__case",
        )
        .prefetch_related("documents")
    )
    by_id = {p.pk: p for p in people}
    # Whether each merged person's main record lies in a case the viewer may see: one query.
    merged_cases = {p.same_as.case_id for p in by_id.values() if p.same_as_id}
    from cases.selectors import visible_cases

    seen = set(visible_cases(user).filter(pk__in=merged_cases).values_list("pk", flat=True)) if merged_cases else set()
    return [
        PersonMatch(
            by_id[pid], score, evidence, facts=_facts(by_id[pid], typed) if typed else [],
            same_as_visible=bool(by_id[pid].same_as_id) and by_id[pid].same_as.case_id in seen,
        )
        for pid, score, evidence in matches
        if pid in by_id
    ]


def _facts(person, typed):
    """What beyond the names agrees or differs between a typed registration and a stored person."""
    facts = []
    born = typed.get("date_of_birth")
    if born and person.date_of_birth:
        if born == person.date_of_birth:
            facts.append(("date_of_birth", "same"))
        elif born.year == person.date_of_birth.year:
            facts.append(("date_of_birth", "same_year"))
        else:
            facts.append(("date_of_birth", "different"))
    place = fold_for_search(typed.get("place_of_birth") or "")
    if place and person.place_of_birth:
        facts.append(("place_of_birth", "same" if place == fold_for_search(person.place_of_birth) else "different"))
    return facts


def registration_matches(user, data, *, limit=5):
    """Existing records the user may see that may be the person being registered, with evidence.

    `data` holds the form's name fields (and date and place of birth, if typed). Matches in
    caseloads the user may not see are left out without a trace: their existence is itself
    sensitive. The pair reaches that caseload's supervisors through the queue once the record
    is saved (`services.identities.duplicates_detect`).
    """
    keys = names.person_keys({f: data.get(f) or "" for f in NAME_FIELDS})
    matches = name_matches(keys, viewer=user, threshold=names.SEARCH_THRESHOLD, limit=limit)
    return _with_people(user, matches, typed=data)


# ---------------------------------------------------------------------------------------------
# The review queue
# ---------------------------------------------------------------------------------------------
@dataclass
class QueueEntry:
    candidate: DuplicateCandidate
    full: bool  # both records visible: names and evidence shown; else a signal about one's own record
    own: Person | None = None


def duplicate_queue(user, *, status=DuplicateStatus.OPEN):
    """Pairs for `user`: both sides visible -> full entry; one side visible (a supervisor) -> a signal."""
    people = visible_people(user)
    pairs = (
        DuplicateCandidate.objects.filter(
            Q(first__in=people) | Q(second__in=people),
            status=status,
        )
        .select_related("first__case", "second__case", "survivor", "proposed_by")
        .order_by("-score", "pk")
    )
    pairs = list(pairs[:200])
    ids = {c.first_id for c in pairs} | {c.second_id for c in pairs}
    visible_ids = set(people.filter(pk__in=ids).values_list("pk", flat=True)) if pairs else set()
    entries = []
    for candidate in pairs:
        first_seen, second_seen = candidate.first_id in visible_ids, candidate.second_id in visible_ids
        if first_seen and second_seen:
            entries.append(QueueEntry(candidate, True))
        elif permissions.can_review_duplicates(user):
            own = candidate.first if first_seen else candidate.second
            # Only about one's own organisation's records: a case another organisation shared in
            # is theirs to review, and the signal would tell of a third caseload's client.
            if own.case.organisation_id == user.organisation_id:
                entries.append(QueueEntry(candidate, False, own))
    return entries


def duplicate_candidate(user, candidate_id):
    """One pair, if the user may see both records (else 404, as for any unseen object)."""
    candidate = (
        DuplicateCandidate.objects.select_related(
            "first__case",
            "second__case",
            "survivor",
            "proposed_by",
            "decided_by",
            "undone_by",
        )
        .filter(pk=candidate_id)
        .first()
    )
    if candidate is None or not permissions.can_view_both_records(user, candidate):
        raise Http404
    return candidate


def pair_evidence(candidate):
    """Rows comparing the two records: names by script, birth, place, documents (blind index)."""
    a, b = candidate.first, candidate.second
    docs_a = {d.number_index: d for d in IdentityDocument.objects.filter(person=a)}
    docs_b = {d.number_index: d for d in IdentityDocument.objects.filter(person=b)}
    shared_documents = [docs_a[k] for k in docs_a.keys() & docs_b.keys() if k]
    return {
        "names": (a.names_by_script(), b.names_by_script()),
        "date_of_birth": (a.date_of_birth, b.date_of_birth, a.date_of_birth == b.date_of_birth),
        "place_of_birth": (
            a.place_of_birth,
            b.place_of_birth,
            bool(a.place_of_birth) and fold_for_search(a.place_of_birth) == fold_for_search(b.place_of_birth),
        ),
        "documents": (list(docs_a.values()), list(docs_b.values())),
        "shared_documents": shared_documents,
    }


def merged_records(person):
    """The other records of the same person (after a merge), with their cases: for the case file."""
    main = person.same_as or person
    others = Person.objects.filter(Q(same_as=main) | Q(pk=main.pk)).exclude(pk=person.pk)
    return list(others.select_related("case").prefetch_related("documents"))


def mark_same_person_elsewhere(user, case):
    """Give each person of `case` (as `same_person_records`) the other records of them `user` may see.

    Only merged people cost queries. Showing another record reads its case file, so each such read
    is recorded as the case page records its own.
    """
    from cases import audit

    people = list(case.people.all())
    # One query for "is anyone merged into these?"; only merged people cost more.
    merge_targets = set(Person.objects.filter(same_as__in=people).values_list("same_as_id", flat=True))
    read = set()
    for person in people:
        person.same_person_records = []
        if person.same_as_id is None and person.pk not in merge_targets:
            continue
        for other in merged_records(person):
            if other.case_id != case.pk and permissions.can_view_case(user, other.case):
                person.same_person_records.append(other)
                if other.case_id not in read:
                    audit.record_read(other.case)
                    read.add(other.case_id)
