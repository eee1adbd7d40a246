"""The audit trail: which models are tracked, what is redacted, and how reads are recorded.

Writes are captured by django-auditlog inside the writing transaction (its signals run within
the service's `atomic` block). Reads of a case file and downloads are recorded explicitly with
`record_read`. Values of sensitive fields never enter a diff: `redact` replaces them whole, so
the trail says *that* a document number changed, never what it was or became.
"""

import datetime
from contextlib import contextmanager

from auditlog.context import auditlog_value, set_actor
from auditlog.registry import auditlog
from auditlog.signals import accessed
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

REDACTED = "[redacted]"
_NOT_DIFFED = ["version", "created_at", "updated_at"]


def redact(value):
    """Mask callable for auditlog (AUDITLOG_MASK_CALLABLE): hide the whole value."""
    return REDACTED


def register(model, *, exclude_fields=(), mask_fields=()):
    """`auditlog.register`, with every encrypted field of `model` masked whole and every blind
    index left out, whatever the caller listed: neither plaintext, ciphertext nor an HMAC of a
    document number ever enters a diff."""
    from cases.encryption import BlindIndexField, encrypted_fields

    excluded = [*exclude_fields, *(field.name for field in model._meta.concrete_fields
                                   if isinstance(field, BlindIndexField) and field.name not in exclude_fields)]
    masked = [*mask_fields, *(field.name for field in encrypted_fields(model)
                              if field.name not in mask_fields and field.name not in excluded)]
    auditlog.register(model, exclude_fields=excluded, mask_fields=masked)


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
        DuplicateCandidate,
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

    # The permission groups are bookkeeping made with the organisation; an auditor learns nothing from them.
    register(Organisation, exclude_fields=["owners_group", "recipients_group"])
    register(User, exclude_fields=["password", "last_login"])
    register(
        Case,
        # Risk fields are written by the engine, whose own history is the RiskAssessment table.
        exclude_fields=[*_NOT_DIFFED, "risk_level", "risk_assessment"],
        mask_fields=["unhcr_number", "status_reason", "host_city"],
    )
    register(CaseStatusChange, mask_fields=["reason"])
    register(CaseAssignment)
    register(CaseShare, mask_fields=["purpose"])
    register(
        Person,
        exclude_fields=[*_NOT_DIFFED, "search_names", "phones", "documents", "legal_statuses"],
        mask_fields=[*NAME_FIELDS, "date_of_birth", "place_of_birth", "contact_notes", "address"],
    )
    register(PersonPhone, mask_fields=["number", "label"])
    register(
        IdentityDocument,
        exclude_fields=_NOT_DIFFED,
        mask_fields=["number", "name_as_printed"],
    )
    register(LegalStatus, exclude_fields=_NOT_DIFFED, mask_fields=["notes"])
    register(Relative, exclude_fields=_NOT_DIFFED, mask_fields=["name", "source", "notes"])
    register(Incident, exclude_fields=_NOT_DIFFED, mask_fields=["place", "description"])
    register(Note, exclude_fields=_NOT_DIFFED, mask_fields=["text"])
    register(
        Attachment, exclude_fields=[*_NOT_DIFFED, "file"], mask_fields=["original_name", "description"],
    )
    # Country facts and rule sets weigh every assessment: who changed what, and when, is kept.
    register(CountryProfile, exclude_fields=_NOT_DIFFED)
    register(CountryReturn)
    register(RiskRuleSet)
    register(Alert, exclude_fields=_NOT_DIFFED)
    register(Intervention, mask_fields=["note"])
    # Merge decisions (issue 8): who proposed, confirmed, dismissed or undid what. The evidence
    # holds skeletons of the names, so it stays out of the trail.
    register(DuplicateCandidate, exclude_fields=[*_NOT_DIFFED, "evidence"])
    # Second factors added and removed (a reset by an administrator among them); never the key.
    from allauth.mfa.models import Authenticator

    register(Authenticator, exclude_fields=["data", "last_used_at"])


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


def record_caseload_export(user, count: int, filters: dict):
    """Record that `user` downloaded the caseload export of `count` cases, with the filters used
    (whether a search narrowed it, never the search term: it may be a name). On the user's own
    record, scoped to their organisation like every entry an auditor reads."""
    from auditlog.models import LogEntry

    LogEntry.objects.log_create(
        user, action=LogEntry.Action.ACCESS, changes={},
        additional_data={
            "organisation": user.organisation_id, "export": "caseload", "cases": count,
            "filters": {name: value for name, value in filters.items() if name != "search" and value},
            "searched": bool(filters.get("search")),
        },
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


# Models whose __str__ is an identifier (a reference, a username, an organisation's or provider's
# name) that reads the same in every language. Every other model's __str__ is a label translated
# into whatever language its writer was using, so the trail shows that model's name in the
# reader's language and the record's number instead.
_IDENTIFIER_REPRS = {
    ("cases", "case"), ("cases", "user"), ("cases", "organisation"),
    ("referrals", "referral"), ("referrals", "serviceprovider"),
}


def _is_identifier_model(model):
    return (model._meta.app_label, model._meta.model_name) in _IDENTIFIER_REPRS


# Models of installed packages that we audit, named in our words: their own labels are English,
# or translated into only some of our languages.
_PACKAGE_MODEL_LABELS = {("mfa", "authenticator"): gettext_lazy("second factor")}
_PACKAGE_FIELD_LABELS = {
    ("mfa", "authenticator", "user"): gettext_lazy("user"),
    ("mfa", "authenticator", "type"): gettext_lazy("kind"),
    ("mfa", "authenticator", "created_at"): gettext_lazy("added on"),
}
_PACKAGE_CHOICE_LABELS = {
    ("mfa", "authenticator", "type"): {
        "totp": gettext_lazy("authenticator app"),
        "webauthn": gettext_lazy("security key"),
        "recovery_codes": gettext_lazy("recovery codes"),
    },
}


def _model_label(model):
    return _PACKAGE_MODEL_LABELS.get((model._meta.app_label, model._meta.model_name), model._meta.verbose_name)


def _field_key(field):
    return (field.model._meta.app_label, field.model._meta.model_name, field.name)


def _field_label(field):
    return _PACKAGE_FIELD_LABELS.get(_field_key(field), field.verbose_name)


def _change_pairs(entry):
    """The entry's changes as {field name: (before, after)}, whatever shape auditlog stored."""
    pairs = {}
    for name, raw in (entry.changes_dict or {}).items():
        if isinstance(raw, list | tuple) and len(raw) == 2:
            pairs[name] = (raw[0], raw[1])
    return pairs


def readable_entries(entries):
    """What the audit trail shows of each LogEntry, in the reader's language, for one page.

    Yields (entry, record label, identifier, changes); changes are (field label, before, after,
    is_data) rows built from the stored raw values, not from auditlog's display dict, which
    spells out deleted records in English ("Deleted 'Person' (12)"), loses the redaction mark of
    choice fields and queries once per foreign key. Only the model's own columns are listed (on
    creation auditlog also lists reverse relations, "notes: None → cases.Note.None"), never the
    primary key. Foreign keys name a case, a user or an organisation by its identifier (fetched
    once for the page) and anything else by its model and number. `is_data` marks JSON values,
    shown as stored and marked not to be translated.
    """
    from django.core.exceptions import FieldDoesNotExist

    entries = list(entries)
    wanted = {}  # related model -> primary keys to name
    plans = []
    for entry in entries:
        model = entry.content_type.model_class()
        fields = []
        if model is not None:
            for name, pair in _change_pairs(entry).items():
                try:
                    field = model._meta.get_field(name)
                except FieldDoesNotExist:
                    continue
                if not field.concrete or field.primary_key:
                    continue
                fields.append((field, pair))
                if field.is_relation and _is_identifier_model(field.related_model):
                    wanted.setdefault(field.related_model, set()).update(
                        str(value) for value in pair if value not in (None, "None", "", REDACTED))
        plans.append((entry, model, fields))
    from cases import selectors

    names = selectors.audit_record_names(wanted)
    for entry, model, fields in plans:
        if model is None:  # the model no longer exists
            yield entry, _("record"), f"#{entry.object_pk}", []
            continue
        identifier = entry.object_repr if _is_identifier_model(model) else f"#{entry.object_pk}"
        export = (entry.additional_data or {}).get("export")
        if export == "caseload":
            count = int((entry.additional_data or {}).get("cases", 0))
            yield entry, _model_label(model), identifier, [(
                _("caseload export"), "—",
                ngettext("%(count)s case downloaded", "%(count)s cases downloaded", count) % {"count": count}, False,
            )]
            continue
        rows = [(_field_label(field), *(_readable_value(field, value, names) for value in pair),
                 isinstance(field, models.JSONField)) for field, pair in fields]
        yield entry, _model_label(model), identifier, rows


def _readable_value(field, value, names):
    if value == REDACTED:
        return _("[redacted]")
    if value in (None, "None", ""):
        return "—"
    value = str(value)
    if isinstance(field, models.BooleanField):
        return {"True": _("Yes"), "False": _("No")}.get(value, value)
    if field.is_relation:
        related = field.related_model
        if _is_identifier_model(related):
            return names.get(related, {}).get(value) or _("%(record)s #%(id)s (deleted)") % {
                "record": related._meta.verbose_name, "id": value}
        return f"{related._meta.verbose_name} #{value}"
    if field.choices:
        labels = _PACKAGE_CHOICE_LABELS.get(_field_key(field)) or {str(key): label for key, label in field.flatchoices}
        return labels.get(value, value)
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(value)
        if moment is None:
            return value
        if timezone.is_naive(moment):  # auditlog stores datetimes as naive UTC
            moment = moment.replace(tzinfo=datetime.UTC)
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        day = parse_date(value)
        return formats.date_format(day, "SHORT_DATE_FORMAT") if day else value
    return value
