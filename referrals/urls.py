from django.urls import path

from referrals.views import case_referrals, provider, referral

app_name = "referrals"

urlpatterns = [
    path("inbox/", provider.inbox, name="inbox"),
    path("providers/", provider.directory, name="directory"),
    path("providers/<int:provider_id>/", provider.directory_entry, name="provider"),
    path("case/<uuid:public_id>/consent/", case_referrals.consent_new, name="consent_new"),
    path("case/<uuid:public_id>/new/", case_referrals.referral_new, name="new"),
    path("consents/<int:consent_id>/withdraw/", case_referrals.consent_withdraw, name="consent_withdraw"),
    path("<uuid:public_id>/", referral.referral_detail, name="detail"),
    path("<uuid:public_id>/edit/", case_referrals.referral_edit, name="edit"),
    path("<uuid:public_id>/<slug:step>/", referral.referral_step, name="step"),
]
