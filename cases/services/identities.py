"""Writes for "one person, many spellings" (issue 8): the name index, duplicate candidates, merges.

Keys are computed by `cases.names` (the only module that transliterates) when a person's names
are written, and stored twice: the full keys on the person (`Person.name_keys`, what the scorer
compares) and their integer index keys in `PersonNameKey` (what a search looks up). A merge is
proposed by a supervisor, confirmed by a second reviewer, never automatic, and can be undone: it
only links the two records (`Person.same_as`), so both keep every name variant and document.
"""

from auditlog.context import disable_auditlog
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cases import clock, names, permissions
from cases.audit import acting_as
from cases.choices import DuplicateStatus
from cases.models import Case, DuplicateCandidate, Person, PersonNameKey, User
from cases.models.people import NAME_FIELDS
from cases.services.versioning import apply_changes, lock_current

# How many already-indexed people a new record is compared with, best index hits first, and how
# many pairs one record may put in the queue (a common name has many namesakes).
DUPLICATE_CANDIDATES = 200
DUPLICATE_PAIRS_PER_RECORD = 20
# Dates of birth in refugee records are often estimated or misread: only years further apart
# than this keep a name match out of the queue.
BIRTH_YEAR_TOLERANCE = 2


def person_name_keys(data: dict) -> dict:
    """The match keys of a person's name fields (for `Person.name_keys`)."""
    return names.person_keys({field: data.get(field, "") for field in NAME_FIELDS})


def name_index_refresh(persons) -> int:
    """Rewrite the index keys of `persons` from their stored `name_keys`; returns the rows written."""
    persons = list(persons)
    organisation_of = dict(
        Case.objects.filter(pk__in={p.case_id for p in persons}).values_list("pk", "organisation_id")
    )
    PersonNameKey.objects.filter(person__in=[p.pk for p in persons]).delete()
    rows = [
        PersonNameKey(person_id=person.pk, case_id=person.case_id, organisation_id=organisation_of[person.case_id],
                      key=key)
        for person in persons for key in names.index_keys(person.name_keys or {})
    ]
    PersonNameKey.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def name_keys_rebuild(*, stale_only: bool = True, batch_size: int = 2000, progress=None) -> int:
    """Recompute keys and index of every person (or of those whose keys are an older version)."""
    people = Person.objects.order_by("pk").only("pk", "case_id", "name_keys", *NAME_FIELDS)
    if stale_only:
        # Missing keys ({} after the migration that added them) count as stale: JSON "v" is then
        # NULL, which a plain exclude() would leave out.
        people = people.filter(Q(name_keys__v__isnull=True) | ~Q(name_keys__v=names.KEYS_VERSION))
    done, last_pk = 0, 0
    while True:
        batch = list(people.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return done
        with transaction.atomic():
            for person in batch:
                person.name_keys = person_name_keys({f: getattr(person, f) for f in NAME_FIELDS})
            # bulk_update bypasses auditlog: keys are derived data, never a change anyone made.
            Person.objects.bulk_update(batch, ["name_keys"], batch_size=500)
            name_index_refresh(batch)
        done += len(batch)
        last_pk = batch[-1].pk
        if progress:
            progress(done)


def name_index_vacuum() -> None:
    """After a bulk rebuild on PostgreSQL: vacuum and analyse the name index.

    Rewriting every row leaves the visibility map empty, so searches fall back from index-only
    scans to reading the table (150 ms instead of 30 at 300,000 people) until autovacuum gets to
    it. VACUUM cannot run inside a transaction: there, the statistics are refreshed only.
    """
    if connection.vendor == "postgresql":
        table = PersonNameKey._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}" if connection.in_atomic_block else f"VACUUM (ANALYZE) {table}")


def duplicates_detect(person: Person) -> list[DuplicateCandidate]:
    """Queue every existing record that may be the same person as `person` (any caseload).

    Runs on each write of a person's names. Nobody is shown anything here: the queue decides
    later who may see which side (`cases.selectors.identity`). Left out: people of the same case
    (a household is reviewed on its own page) and namesakes whose known birth years lie more
    than BIRTH_YEAR_TOLERANCE apart: a small pool of common names would otherwise fill the queue
    with namesakes. Searches and registration suggestions still show those, with the dates.
    """
    from cases.selectors.identity import name_matches

    matches = name_matches(
        person.name_keys, exclude_person=person.pk, threshold=names.DUPLICATE_THRESHOLD,
        limit=DUPLICATE_PAIRS_PER_RECORD, candidates=DUPLICATE_CANDIDATES,
    )
    others = {
        row[0]: row[1:] for row in
        Person.objects.filter(pk__in=[m[0] for m in matches]).values_list("pk", "case_id", "date_of_birth")
    }
    pairs = {}
    for other_id, score, evidence in matches:
        case_id, born = others[other_id]
        if case_id == person.case_id:
            continue
        if born and person.date_of_birth and abs(born.year - person.date_of_birth.year) > BIRTH_YEAR_TOLERANCE:
            continue
        pairs[tuple(sorted((person.pk, other_id)))] = (round(score, 4), evidence)
    mine = DuplicateCandidate.objects.filter(Q(first=person) | Q(second=person))
    # Undecided pairs this record no longer makes (its names or birth date changed) leave the queue.
    stale = [c.pk for c in mine.filter(status=DuplicateStatus.OPEN) if (c.first_id, c.second_id) not in pairs]
    # Pairs come and go without audit entries: they are the matcher's derived suggestions, and an
    # entry stamped with one side's organisation would tell that organisation's auditors what the
    # other side registered. Every decision on a pair is audited.
    with disable_auditlog():
        DuplicateCandidate.objects.filter(pk__in=stale).delete()
    known = {(c.first_id, c.second_id): c for c in mine}
    DuplicateCandidate.objects.bulk_create([
        DuplicateCandidate(first_id=first, second_id=second, score=score, evidence=evidence)
        for (first, second), (score, evidence) in pairs.items() if (first, second) not in known
    ], ignore_conflicts=True)
    for pair, (score, evidence) in pairs.items():
        candidate = known.get(pair)
        if candidate and candidate.status == DuplicateStatus.OPEN and candidate.score != score:
            DuplicateCandidate.objects.filter(pk=candidate.pk).update(score=score, evidence=evidence)
    return list(DuplicateCandidate.objects.filter(_pair_condition(pairs))) if pairs else []


def _pair_condition(pairs):
    condition = Q(pk__in=[])
    for first, second in pairs:
        condition |= Q(first_id=first, second_id=second)
    return condition


def person_names_written(person: Person) -> None:
    """After a person's names were saved: index them and look for the same person elsewhere."""
    name_index_refresh([person])
    duplicates_detect(person)


# ---------------------------------------------------------------------------------------------
# Review and merge
# ---------------------------------------------------------------------------------------------
def _refuse_unless(status_ok: bool, message: str, code: str):
    if not status_ok:
        raise ValidationError(message, code=code)


@transaction.atomic
def duplicate_merge_propose(
    *, actor: User, candidate: DuplicateCandidate, expected_version: int, survivor: Person
) -> DuplicateCandidate:
    """A supervisor who may edit both records proposes that they are one person."""
    permissions.require(permissions.can_propose_merge(actor, candidate))
    current = lock_current(candidate, expected_version)
    _refuse_unless(
        current.status in (DuplicateStatus.OPEN, DuplicateStatus.UNDONE),
        _("This pair is no longer waiting for a decision."),
        "not_open",
    )
    _refuse_unless(
        survivor.pk in (current.first_id, current.second_id),
        _("Choose one of the two records to keep as the main one."),
        "survivor",
    )
    with acting_as(actor):
        return apply_changes(
            current,
            {
                "status": DuplicateStatus.PROPOSED,
                "survivor": survivor,
                "proposed_by": actor,
                "proposed_at": clock.now(),
                "decided_by": None,
                "decided_at": None,
                "undone_by": None,
                "undone_at": None,
            },
        )


@transaction.atomic
def duplicate_merge_confirm(*, actor: User, candidate: DuplicateCandidate, expected_version: int) -> DuplicateCandidate:
    """A second reviewer, not the proposer, confirms: the other record is linked to the survivor."""
    permissions.require(permissions.can_confirm_merge(actor, candidate))
    current = lock_current(candidate, expected_version)
    _refuse_unless(
        current.status == DuplicateStatus.PROPOSED,
        _("No merge is waiting for confirmation on this pair."),
        "not_proposed",
    )
    _refuse_unless(
        current.proposed_by_id != actor.pk,
        _("A merge needs a second reviewer: the person who proposed it cannot confirm it."),
        "same_reviewer",
    )
    merged_id = current.second_id if current.survivor_id == current.first_id else current.first_id
    # Both rows locked in one statement, in id order, so concurrent merges never deadlock.
    locked = Person.objects.select_for_update().filter(pk__in=[merged_id, current.survivor_id]).order_by("pk")
    locked = {person.pk: person for person in locked}
    merged, survivor = locked[merged_id], locked[current.survivor_id]
    # No chains: the record that stops being the main one must not be the main one of another
    # merge, so undoing any merge restores exactly what it changed.
    _refuse_unless(
        merged.same_as_id is None
        and survivor.same_as_id is None
        and not Person.objects.filter(same_as=merged).exists(),
        _(
            "One of these records is already merged with another; keep that record as the main "
            "one, or undo the other merge first."
        ),
        "already_merged",
    )
    with acting_as(actor):
        apply_changes(merged, {"same_as": survivor})
        return apply_changes(
            current, {"status": DuplicateStatus.MERGED, "decided_by": actor, "decided_at": clock.now()}
        )


@transaction.atomic
def duplicate_dismiss(*, actor: User, candidate: DuplicateCandidate, expected_version: int) -> DuplicateCandidate:
    """Record that the two records are different people (or withdraw a proposed merge)."""
    permissions.require(permissions.can_propose_merge(actor, candidate))
    current = lock_current(candidate, expected_version)
    _refuse_unless(
        current.status in (DuplicateStatus.OPEN, DuplicateStatus.PROPOSED, DuplicateStatus.UNDONE),
        _("This pair is no longer waiting for a decision."),
        "not_open",
    )
    with acting_as(actor):
        return apply_changes(
            current, {"status": DuplicateStatus.DISMISSED, "decided_by": actor, "decided_at": clock.now()}
        )


@transaction.atomic
def duplicate_merge_undo(*, actor: User, candidate: DuplicateCandidate, expected_version: int) -> DuplicateCandidate:
    """Separate the two records again, exactly as they were before the merge."""
    permissions.require(permissions.can_propose_merge(actor, candidate))
    current = lock_current(candidate, expected_version)
    _refuse_unless(current.status == DuplicateStatus.MERGED, _("These records are not merged."), "not_merged")
    merged_id = current.second_id if current.survivor_id == current.first_id else current.first_id
    merged = Person.objects.select_for_update().get(pk=merged_id)
    with acting_as(actor):
        if merged.same_as_id == current.survivor_id:
            apply_changes(merged, {"same_as": None})
        return apply_changes(current, {"status": DuplicateStatus.UNDONE, "undone_by": actor, "undone_at": clock.now()})
