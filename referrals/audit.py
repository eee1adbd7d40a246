"""Which referral records the audit trail keeps, and what it never shows in a diff."""

from cases.audit import register


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

    register(ServiceProvider, exclude_fields=["version"])
    register(ProviderService)
    register(ProviderArea)
    register(ProviderLanguage)
    register(Consent, mask_fields=["interpreter", "notes", "withdrawal_note"])
    # The released data itself is the record of the transfer; its content never enters a diff.
    register(
        Referral,
        exclude_fields=["version", "shared_data", "summary"],
        mask_fields=["reasons", "services_provided", "override_reason"],
    )
    register(ReferralEvent, mask_fields=["note"])
