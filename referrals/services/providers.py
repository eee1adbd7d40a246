"""Directory entries: providers keep their own capacity current."""

from django.db import transaction

from cases import clock
from cases.audit import acting_as
from cases.models import User
from cases.permissions import require
from cases.services.versioning import StaleEditError
from referrals import permissions
from referrals.models import ServiceProvider


@transaction.atomic
def provider_update_capacity(
    *, actor: User, provider: ServiceProvider, expected_version: int, capacity: str, contact_details: str,
) -> ServiceProvider:
    current = ServiceProvider.objects.select_for_update().get(pk=provider.pk)
    require(permissions.can_update_provider(actor, current))
    if current.version != expected_version:
        raise StaleEditError(current)
    with acting_as(actor):
        current.capacity, current.contact_details = capacity, contact_details
        current.capacity_updated_at = clock.now()
        current.version += 1
        current.full_clean()
        current.save()
    return current
