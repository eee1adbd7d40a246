"""Optimistic locking: an edit made from a stale form is refused, never silently applied."""

from django.utils.translation import gettext_lazy as _


class StaleEditError(Exception):
    """Someone else saved the record after the form was opened. `current` is what is stored now."""

    message = _(
        "Someone else saved this record while you were editing it. Your changes were not saved; "
        "they are still in the form below. Review the current values, then save again."
    )

    def __init__(self, current):
        super().__init__("stale edit")
        self.current = current


def lock_current(instance, expected_version):
    """Re-read `instance` under a row lock and refuse if its version moved since the form was shown."""
    current = type(instance).objects.select_for_update().get(pk=instance.pk)
    if current.version != expected_version:
        raise StaleEditError(current)
    return current


def apply_changes(instance, changes):
    """Set `changes` on a locked instance, bump its version and save it (audited by auditlog)."""
    for field, value in changes.items():
        setattr(instance, field, value)
    instance.version += 1
    instance.full_clean(exclude=["case", "person"])
    instance.save()
    return instance
