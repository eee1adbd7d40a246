"""The provider directory is kept by platform administrators; providers keep their own capacity current."""

from django.contrib import admin

from config.admin_display import yes_no
from referrals.models import ProviderArea, ProviderLanguage, ProviderService, ServiceProvider


class ProviderServiceInline(admin.TabularInline):
    model = ProviderService
    extra = 1


class ProviderAreaInline(admin.TabularInline):
    model = ProviderArea
    extra = 1


class ProviderLanguageInline(admin.TabularInline):
    model = ProviderLanguage
    extra = 1


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "capacity", "uyghur_experience", yes_no(ServiceProvider, "is_active")]
    list_filter = ["capacity", "uyghur_experience", "is_active", "services__service_type", "areas__country"]
    search_fields = ["name", "organisation__name"]
    inlines = [ProviderServiceInline, ProviderAreaInline, ProviderLanguageInline]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # referrals point at entries: unlist (is_active) instead
