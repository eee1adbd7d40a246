"""Django admin for organisation administrators, limited to their own organisation.

Case files are not edited here: the admin shows only what `visible_cases` allows, read-only,
so the access policy and the audit trail have no back door.
"""

import copy

from auditlog.mixins import AuditlogHistoryAdminMixin
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases import permissions, selectors
from cases.forms import PasswordConfirmationForm
from cases.models import Case, CountryProfile, CountryReturn, Organisation, User
from cases.models.risk import COUNTRY_FACTS
from cases.services import access, accounts, risk
from config.admin_display import yes_no
from config.widgets import LanguageSelect


class OwnOrganisationMixin:
    """Non-superusers see and change only rows of their own organisation."""

    organisation_lookup = "organisation"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{self.organisation_lookup: request.user.organisation_id})

    def has_module_permission(self, request):
        return permissions.can_administer_organisation(request.user)


class ConfirmedUserChangeForm(UserChangeForm, PasswordConfirmationForm):
    reset_second_factor = forms.BooleanField(
        label=_("Reset the second factor"), required=False,
        help_text=_(
            "For a lost or stolen phone or key: removes this person's authenticator app, security keys "
            "and recovery codes, and logs them out everywhere. At their next login they must set up a "
            "new one before they can see anything."
        ),
    )


class ConfirmedUserCreationForm(AdminUserCreationForm, PasswordConfirmationForm):
    pass


class ConfirmedPasswordChangeForm(AdminPasswordChangeForm, PasswordConfirmationForm):
    pass


@admin.register(User)
class UserAdmin(OwnOrganisationMixin, DjangoUserAdmin):
    form = ConfirmedUserChangeForm
    add_form = ConfirmedUserCreationForm
    change_password_form = ConfirmedPasswordChangeForm
    change_user_password_template = "admin/cases/user/change_password.html"
    list_display = ["username", "first_name", "last_name", "role", yes_no(User, "is_active"), "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email", "preferred_language"]}),
        (_("Membership"), {"fields": ["organisation", "role", "is_active"]}),
        (_("Second factor"), {"fields": ["reset_second_factor"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
        (None, {"fields": ["current_password"]}),
    ]
    add_fieldsets = [(None, {"fields": ["username", "password1", "password2", "role", "current_password"]})]
    readonly_fields = ["last_login", "date_joined"]

    def get_form(self, request, obj=None, **kwargs):
        """The admin's own password confirms every change of an account (PasswordConfirmationForm)."""
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def user_change_password(self, request, id, form_url=""):
        # Django builds this form itself, without get_form: give this request's copy of the
        # admin a form class that knows the request (the admin object is shared between threads).
        admin_for_request = copy.copy(self)
        admin_for_request.change_password_form = type(
            "ConfirmedPasswordChangeForm", (ConfirmedPasswordChangeForm,), {"request": request},
        )
        return DjangoUserAdmin.user_change_password(admin_for_request, request, id, form_url)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "preferred_language":
            # A choice of the interface languages, each named in itself; the model keeps a plain
            # code (set_language and the login read it) so migrations need not know the list.
            return forms.ChoiceField(
                label=db_field.verbose_name, required=False, widget=LanguageSelect,
                choices=[("", "—"), *settings.LANGUAGES],
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request):
        # Also guards the password-change view, which fetches through this queryset.
        return selectors.manageable_users(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("organisation")
        return fields

    def save_model(self, request, obj, form, change):
        organisation = obj.organisation if request.user.is_superuser else request.user.organisation
        role = obj.role
        if not change:
            obj.organisation, obj.role = None, ""
            obj.save()
        # Groups and per-case grants must follow the role: only the membership service does that.
        access.user_set_membership(actor=request.user, user=obj, organisation=organisation, role=role)
        if change and form.cleaned_data.get("reset_second_factor"):
            accounts.user_second_factor_reset(actor=request.user, user=obj)

    def has_delete_permission(self, request, obj=None):
        # Staff leave by deactivation: their name must stay on the audit trail.
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    readonly_fields = ["kind"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(pk=request.user.organisation_id)

    def has_module_permission(self, request):
        return permissions.can_administer_organisation(request.user)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only overview; the case file itself is worked in the application."""

    list_display = ["reference", "host_country", "status", "unhcr_status", "organisation"]
    list_filter = ["status", "host_country"]
    search_fields = ["reference"]
    fields = ["reference", "organisation", "host_country", "host_city", "status", "unhcr_status", "sensitivity"]
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.visible_cases(request.user).select_related("organisation")

    def has_module_permission(self, request):
        return permissions.can_administer_organisation(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_administer_organisation(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Sources are typed by people: "example.org/report" means https, the scheme Django 6 will assume.
SOURCE_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class CountryReturnInline(admin.TabularInline):
    model = CountryReturn
    formfield_overrides = SOURCE_URL_FIELDS
    extra = 0
    fields = ["year", "count", "kind", "description", "source"]


@admin.register(CountryProfile)
class CountryProfileAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """Sourced country facts the risk rules weigh. Every change is audited and re-assesses the country's cases."""

    list_display = ["country", "extradition_treaty", "sco_member", "refugee_convention", "unhcr_access", "updated_at"]
    inlines = [CountryReturnInline]
    formfield_overrides = SOURCE_URL_FIELDS
    show_auditlog_history_link = True
    fieldsets = [
        (None, {"fields": ["country", "notes"]}),
        *[(label, {"fields": [name, f"{name}_as_of", f"{name}_source"]}) for name, label, _c in COUNTRY_FACTS],
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["country"] if obj else []

    def has_module_permission(self, request):
        return permissions.can_edit_country_profiles(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_edit_country_profiles(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_edit_country_profiles(request.user)

    def has_add_permission(self, request):
        return permissions.can_edit_country_profiles(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The re-assessment is queued once, after the documented returns (inlines) are saved too.
        risk.country_profile_save(actor=request.user, profile=obj, reassess=False)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        risk.country_profile_changed(country=form.instance.country)
