"""Writing the filing materials of a case: the declaration and cover details, exhibits, specific needs.

Every write checks `can_prepare_filing` (a lawyer may prepare a packet from a case shared with
the clinic without being able to edit the case file), runs in one transaction, and is audited
under the actor.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cases import uploads
from cases.audit import acting_as
from cases.models import Attachment, Case, Person, User
from cases.permissions import require
from cases.services.retention import refuse_removal_under_legal_hold
from cases.services.versioning import StaleEditError, apply_changes, lock_current
from reports import permissions
from reports.models import EXHIBIT_CONTENT_TYPES, EligibilityCriterion, Exhibit, ExhibitSection, Filing, SpecificNeed


def _require_person_of_case(person, case):
    if person is not None and person.case_id != case.pk:
        raise ValidationError(_("Choose a person of this case."), code="wrong_case")


@transaction.atomic
def filing_save(*, actor: User, case: Case, expected_version: int | None, data: dict) -> Filing:
    """Create or update the case's filing materials; an edit from a stale form is refused (StaleEditError)."""
    require(permissions.can_prepare_filing(actor, case))
    _require_person_of_case(data.get("applicant"), case)
    with acting_as(actor):
        existing = Filing.objects.filter(case=case, organisation_id=actor.organisation_id).first()
        expected_version = expected_version or None  # 0 from a form shown before the materials existed
        if existing is None:
            if expected_version is not None:  # the form was for a filing that has since been deleted
                raise ValidationError(_("These filing materials no longer exist."), code="gone")
            try:
                with transaction.atomic():
                    filing = Filing(case=case, organisation_id=actor.organisation_id, updated_by=actor, **data)
                    filing.full_clean(exclude=["case", "organisation"])
                    filing.save()
            except IntegrityError:
                # Someone created the materials between our read and our write: theirs stand, ours are shown again.
                raise StaleEditError(Filing.objects.get(case=case, organisation_id=actor.organisation_id)) from None
            return filing
        if expected_version is None:
            raise StaleEditError(existing)
        return apply_changes(lock_current(existing, expected_version), {**data, "updated_by": actor})


def filing_for_write(actor, case) -> Filing:
    """The actor's organisation's materials for the case, created empty on first use, locked for this transaction."""
    require(permissions.can_prepare_filing(actor, case))
    Filing.objects.get_or_create(case=case, organisation_id=actor.organisation_id, defaults={"updated_by": actor})
    return Filing.objects.select_for_update().get(case=case, organisation_id=actor.organisation_id)


@transaction.atomic
def exhibit_add(
    *, actor: User, case: Case, section: str, title: str, source: str = "", supports=(),
    attachment: Attachment | None = None, upload=None,
) -> Exhibit:
    """Add an exhibit at the end of its section: one of the case's attachments, or a file uploaded here."""
    if (attachment is None) == (upload is None):
        raise ValidationError(_("Choose one of the case's attachments or upload a file, not both."), code="source")
    if section not in ExhibitSection.values:
        raise ValidationError(_("Choose a section."), code="section")
    unknown = set(supports) - set(EligibilityCriterion.values)
    if unknown:
        raise ValidationError(_("Choose criteria from the list."), code="supports")
    with acting_as(actor):
        filing = filing_for_write(actor, case)
        last = filing.exhibits.filter(section=section).aggregate(last=Max("position"))["last"]
        exhibit = Exhibit(filing=filing, section=section, position=(last or 0) + 1, title=title, source=source,
                          supports=list(supports), added_by=actor)
        if attachment is not None:
            if attachment.case_id != case.pk:
                raise ValidationError(_("Choose one of this case's attachments."), code="wrong_case")
            if attachment.content_type not in EXHIBIT_CONTENT_TYPES:
                raise ValidationError(_("Only PDF, PNG and JPEG files can be appended as exhibits."), code="type")
            exhibit.attachment = attachment
            exhibit.content_type, exhibit.sha256, exhibit.size = (
                attachment.content_type, attachment.sha256, attachment.size,
            )
            exhibit.full_clean()
            exhibit.save()
            return exhibit
        checked = uploads.inspect_upload(upload)  # by content, never by name; image metadata removed
        exhibit.content_type, exhibit.sha256, exhibit.size = checked.content_type, checked.sha256, checked.size
        exhibit.file.save(checked.storage_name, checked.content, save=False)
        try:
            exhibit.full_clean()
            exhibit.save()
        except Exception:
            exhibit.file.delete(save=False)  # no orphan file when the row cannot be written
            raise
    return exhibit


@transaction.atomic
def exhibit_move(*, actor: User, exhibit: Exhibit, up: bool) -> None:
    """Swap the exhibit with its neighbour in the section (exhibit letters and numbers follow the order)."""
    filing = filing_for_write(actor, exhibit.filing.case)
    if exhibit.filing_id != filing.pk:
        raise PermissionDenied
    siblings = list(filing.exhibits.filter(section=exhibit.section).order_by("position", "pk"))
    index = next((i for i, item in enumerate(siblings) if item.pk == exhibit.pk), None)
    if index is None:
        return
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    with acting_as(actor):
        for position, item in enumerate(siblings, start=1):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])


@transaction.atomic
def exhibit_remove(*, actor: User, exhibit: Exhibit) -> None:
    """Remove an exhibit from the filing; a case attachment stays in the case, an uploaded file goes."""
    # The case row first (the hold check locks it), then the filing: the order erasure locks them in.
    refuse_removal_under_legal_hold(exhibit.filing.case_id)
    if filing_for_write(actor, exhibit.filing.case).pk != exhibit.filing_id:
        raise PermissionDenied
    stored = exhibit.file if not exhibit.attachment_id else None
    with acting_as(actor):
        exhibit.delete()
    if stored:
        transaction.on_commit(lambda: stored.storage.delete(stored.name))


@transaction.atomic
def need_add(*, actor: User, case: Case, person: Person, category: str, description: str) -> SpecificNeed:
    _require_person_of_case(person, case)
    with acting_as(actor):
        filing = filing_for_write(actor, case)
        need = SpecificNeed(filing=filing, person=person, category=category, description=description, added_by=actor)
        need.full_clean()
        need.save()
    return need


@transaction.atomic
def need_remove(*, actor: User, need: SpecificNeed) -> None:
    refuse_removal_under_legal_hold(need.filing.case_id)  # the case row first, as in exhibit_remove
    if filing_for_write(actor, need.filing.case).pk != need.filing_id:
        raise PermissionDenied
    with acting_as(actor):
        need.delete()
