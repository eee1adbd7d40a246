from referrals.models.consents import Consent
from referrals.models.providers import ProviderArea, ProviderLanguage, ProviderService, ServiceProvider
from referrals.models.referrals import Referral, ReferralEvent, ReferralNotification, ReferralSequence

__all__ = [
    "Consent",
    "ProviderArea",
    "ProviderLanguage",
    "ProviderService",
    "Referral",
    "ReferralEvent",
    "ReferralNotification",
    "ReferralSequence",
    "ServiceProvider",
]
