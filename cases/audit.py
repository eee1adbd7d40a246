"""The audit trail: which models are tracked, what is redacted, and how reads are recorded.

Writes are captured by django-auditlog inside the writing transaction (its signals run within
the service's `atomic` block). Reads of a case file and downloads are recorded explicitly with
`record_read`. Values of sensitive fields never enter a diff: `redact` replaces them whole, so
the trail says *that* a document number changed, never what it was or became.
"""

from contextlib import contextmanager

from auditlog.context import auditlog_value, set_actor
from auditlog.registry import auditlog
from auditlog.signals import accessed

REDACTED = "[redacted]"
_NOT_DIFFED = ["version", "created_at", "updated_at"]


def redact(value):
    """Mask callable for auditlog (AUDITLOG_MASK_CALLABLE): hide the whole value."""
    return REDACTED


def register_models():
    from cases.models import (
        Alert,
        Attachment,
        Case,
        CaseAssignment,
        CaseShare,
        CaseStatusChange,
        CountryProfile,
        CountryReturn,
        IdentityDocument,
        Incident,
        Intervention,
        LegalStatus,
        Note,
        Organisation,
        Person,
        PersonPhone,
        Relative,
        RiskRuleSet,
        User,
    )
    from cases.models.people import NAME_FIELDS

    auditlog.register(Organisation)
    auditlog.register(User, exclude_fields=["password", "last_login"])
    auditlog.register(
        Case,
        # Risk fields are written by the engine, whose own history is the RiskAssessment table.
        exclude_fields=[*_NOT_DIFFED, "risk_level", "risk_assessment"],
        mask_fields=["unhcr_number", "status_reason", "host_city"],
    )
    auditlog.register(CaseStatusChange, mask_fields=["reason"])
    auditlog.register(CaseAssignment)
    auditlog.register(CaseShare, mask_fields=["purpose"])
    auditlog.register(
        Person,
        exclude_fields=[*_NOT_DIFFED, "search_names", "phones", "documents", "legal_statuses"],
        mask_fields=[*NAME_FIELDS, "date_of_birth", "place_of_birth", "contact_notes"],
    )
    auditlog.register(PersonPhone, mask_fields=["number", "label"])
    auditlog.register(
        IdentityDocument,
        exclude_fields=[*_NOT_DIFFED, "number_normalised"],
        mask_fields=["number", "name_as_printed"],
    )
    auditlog.register(LegalStatus, exclude_fields=_NOT_DIFFED, mask_fields=["notes"])
    auditlog.register(Relative, exclude_fields=_NOT_DIFFED, mask_fields=["name", "source", "notes"])
    auditlog.register(Incident, exclude_fields=_NOT_DIFFED, mask_fields=["place", "description"])
    auditlog.register(Note, exclude_fields=_NOT_DIFFED, mask_fields=["text"])
    auditlog.register(
        Attachment, exclude_fields=[*_NOT_DIFFED, "file"], mask_fields=["original_name", "description"],
    )
    # Country facts and rule sets weigh every assessment: who changed what, and when, is kept.
    auditlog.register(CountryProfile, exclude_fields=_NOT_DIFFED)
    auditlog.register(CountryReturn)
    auditlog.register(RiskRuleSet)
    auditlog.register(Alert, exclude_fields=_NOT_DIFFED)
    auditlog.register(Intervention, mask_fields=["note"])


def record_change(instance, changes: dict):
    """Log a change written by a conditional UPDATE, which auditlog's save signals never see.

    `changes` maps field names to (old, new). Alerts change this way so that two liaisons acting
    at once cannot both win; the trail must still say who changed what.
    """
    from auditlog.models import LogEntry

    LogEntry.objects.log_create(
        instance, action=LogEntry.Action.UPDATE,
        changes={field: [str(old), str(new)] for field, (old, new) in changes.items()},
    )


def record_read(instance):
    """Record that the current actor opened `instance` (a case file or an attachment)."""
    accessed.send(sender=instance.__class__, instance=instance)


@contextmanager
def acting_as(actor):
    """Attribute audit entries written inside the block to `actor`.

    Requests already carry the actor (AuditlogMiddleware); commands and tasks do not. auditlog's
    own `set_actor` does not restore an outer context when it exits, which would leave the rest
    of a request unattributed, so the outer context is put back here.
    """
    try:
        outer = auditlog_value.get()
    except LookupError:
        outer = None
    remote_addr = outer.get("remote_addr") if outer else None
    try:
        with set_actor(actor, remote_addr=remote_addr):
            yield
    finally:
        # Also when the block raised (a refused edit): otherwise the rest of the request's
        # writes would lose their actor.
        if outer is not None:
            auditlog_value.set(outer)
