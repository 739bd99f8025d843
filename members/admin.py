"""The secretariat's tools: organisations, people and keys. Staff never see plain keys."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from . import services
from .models import APIKey, AuditEvent, Organization, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "kind", "country", "is_suspended", "created_at"]
    list_filter = ["kind", "is_suspended", "country"]
    search_fields = ["slug", "name"]
    actions = ["suspend", "reinstate"]

    @admin.action(description="Suspend selected organisations (their people and keys are refused)")
    def suspend(self, request, queryset):
        for org in queryset:
            services.organization_set_suspended(
                actor=services.Actor(user=request.user), organization=org, suspended=True
            )

    @admin.action(description="Reinstate selected organisations")
    def reinstate(self, request, queryset):
        for org in queryset:
            services.organization_set_suspended(
                actor=services.Actor(user=request.user), organization=org, suspended=False
            )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "organization", "role", "is_staff", "is_active"]
    list_filter = ["role", "is_staff", "is_active", "organization"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Membership", {"fields": ["organization", "role"]}),
        ("Hub staff", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "organization", "role", "password1", "password2"]}),
    ]
    filter_horizontal = ["groups"]


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "organization", "scopes", "created_at", "revoked_at"]
    list_filter = ["organization"]
    readonly_fields = ["prefix", "hashed_key", "last_used_at", "created_at", "created_by"]

    def has_add_permission(self, request) -> bool:
        # Keys are created by the organisation (portal, API) or create_member, never typed here.
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "organization", "actor_user", "object_type", "object_id"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
