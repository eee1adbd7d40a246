"""The case file's revision number: it moves with every change to anything recorded on the case.

Documents generated from a case record the revision they were built from, so two documents
built from different states of the file never claim the same version. Changes are counted on
`post_save` / `post_delete` of every model that holds case content, so a new write path cannot
forget to count; other apps add their own models with `track` (from their AppConfig.ready).
Conditional UPDATEs (state transitions) are not seen here: they change workflow state, not what
the documents print, or they save the record normally as well.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save


def bump(case_id) -> None:
    """Count one change to the case (inside the writer's transaction, so a rolled-back write counts nothing).

    The case row is locked first, as every other writer of the case locks it before anything
    else of the case's: one lock order, so two editors of one case never deadlock.
    """
    from cases.models import Case, CaseRevision

    if case_id is None:
        return
    list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk", flat=True))
    if CaseRevision.objects.filter(case_id=case_id).update(number=F("number") + 1):
        return
    try:
        with transaction.atomic():
            CaseRevision.objects.create(case_id=case_id, number=1)
    except IntegrityError:  # created meanwhile by a concurrent writer: count on theirs
        CaseRevision.objects.filter(case_id=case_id).update(number=F("number") + 1)


def bump_many(case_ids) -> None:
    """Count one change to each of these cases (bulk writes such as a risk run, which send no signals).

    The caller holds the case rows' locks already.
    """
    from cases.models import CaseRevision

    case_ids = list(case_ids)
    if not case_ids:
        return
    CaseRevision.objects.bulk_create([CaseRevision(case_id=pk, number=0) for pk in case_ids], ignore_conflicts=True)
    CaseRevision.objects.filter(case_id__in=case_ids).update(number=F("number") + 1)


def current(case) -> int:
    from cases.models import CaseRevision

    return CaseRevision.objects.filter(case=case).values_list("number", flat=True).first() or 0


def track(model, case_id_of) -> None:
    """Count saves and deletions of `model` as changes to the case `case_id_of(instance)` names."""

    def changed(sender, instance, origin=None, **kwargs):
        if origin is not None and _deletes_a_case(origin):
            return  # the whole case is going: nothing left to count against
        bump(case_id_of(instance))

    uid = f"case-revision-{model._meta.label_lower}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid)


def _deletes_a_case(origin) -> bool:
    from django.db.models import QuerySet

    from cases.models import Case

    return isinstance(origin, Case) or (isinstance(origin, QuerySet) and origin.model is Case)


def _case_of_person(record):
    from cases.models import Person

    # By query, not `record.person`: in a cascade the cached person may be half gone.
    return Person.objects.filter(pk=record.person_id).values_list("case_id", flat=True).first()


def track_case_models() -> None:
    from cases.models import (
        Attachment,
        Case,
        IdentityDocument,
        Incident,
        LegalStatus,
        Note,
        Person,
        PersonPhone,
        Relative,
    )

    track(Case, lambda case: case.pk)
    for model in (Person, Relative, Incident, Note, Attachment):
        track(model, lambda record: record.case_id)
    for model in (PersonPhone, IdentityDocument, LegalStatus):
        track(model, _case_of_person)
