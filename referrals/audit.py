"""Which referral records the audit trail keeps, and what it never shows in a diff."""

from auditlog.registry import auditlog


def register_models():
    from referrals.models import (
        Consent,
        ProviderArea,
        ProviderLanguage,
        ProviderService,
        Referral,
        ReferralEvent,
        ServiceProvider,
    )

    auditlog.register(ServiceProvider, exclude_fields=["version"])
    auditlog.register(ProviderService)
    auditlog.register(ProviderArea)
    auditlog.register(ProviderLanguage)
    auditlog.register(Consent, mask_fields=["interpreter", "notes", "withdrawal_note"])
    # The released data itself is the record of the transfer; its content never enters a diff.
    auditlog.register(
        Referral,
        exclude_fields=["version", "shared_data", "summary"],
        mask_fields=["reasons", "services_provided", "override_reason"],
    )
    auditlog.register(ReferralEvent, mask_fields=["note"])
