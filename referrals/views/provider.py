"""The provider side's inbox, the directory of providers, and a provider's own entry."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cases import permissions as case_permissions
from cases.selectors import visible_case
from cases.views.common import run_form
from referrals import permissions, selectors
from referrals.forms import CapacityForm, DirectorySearchForm
from referrals.services import providers as provider_services


@never_cache
@login_required
def inbox(request):
    case_permissions.require(permissions.can_view_referral_inbox(request.user))
    return render(request, "referrals/inbox.html", selectors.provider_inbox(request.user))


@login_required
def directory(request):
    user = request.user
    case_permissions.require(permissions.can_view_directory(user))
    search = DirectorySearchForm(request.GET)
    search.is_valid()  # an invalid filter is dropped; the valid ones still apply
    cleaned = search.cleaned_data
    case = None
    if cleaned.get("for_case"):
        case = visible_case(user, cleaned["for_case"])
        if not permissions.can_refer_case(user, case):
            case = None
    providers = selectors.provider_directory(
        user, service=cleaned.get("service", ""), country=cleaned.get("country", ""), city=cleaned.get("city", ""),
        language=cleaned.get("language", ""), accepting_only=cleaned.get("accepting", False),
    )
    return render(request, "referrals/directory.html", {
        "search": search, "providers": providers[:200], "case": case,
    })


@login_required
def directory_entry(request, provider_id):
    user = request.user
    provider = selectors.directory_entry(user, provider_id)
    can_update = permissions.can_update_provider(user, provider)
    form = None
    if can_update:
        form = CapacityForm(request.POST or None, initial={
            "version": provider.version, "capacity": provider.capacity, "contact_details": provider.contact_details,
        })
        return run_form(
            request, form=form,
            action=lambda form: provider_services.provider_update_capacity(
                actor=user, provider=provider, expected_version=form.cleaned_data["version"],
                capacity=form.cleaned_data["capacity"], contact_details=form.cleaned_data["contact_details"],
            ),
            success_url=reverse("referrals:provider", args=[provider.pk]),
            template="referrals/provider.html", context={"provider": provider, "can_update": True},
            success_message=_("Directory entry updated."),
        )
    case_permissions.require(request.method == "GET")
    return render(request, "referrals/provider.html", {"provider": provider, "can_update": False})
