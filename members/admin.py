"""The secretariat's tools: organisations, people and keys. Staff never see plain keys."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from . import services
from .models import Agreement, AgreementParty, APIKey, AuditEvent, Organization, User


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


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 0
    readonly_fields = ["organization", "signed_at", "signed_by"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    """The secretariat oversees agreements (suspend, terminate) but cannot rewrite their terms:
    those are what the parties signed."""

    list_display = ["title", "status", "max_tlp", "effective_from", "expires_on", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "party_links__organization__slug"]
    inlines = [AgreementPartyInline]
    actions = ["suspend", "terminate"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Agreement._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Suspend selected agreements (sharing stops at once)")
    def suspend(self, request, queryset):
        self._apply(request, queryset, services.agreement_suspend)

    @admin.action(description="Terminate selected agreements")
    def terminate(self, request, queryset):
        self._apply(request, queryset, services.agreement_terminate)

    def _apply(self, request, queryset, service) -> None:
        for agreement in queryset:
            try:
                service(actor=services.Actor(user=request.user), agreement=agreement)
            except services.AgreementStateError as e:
                self.message_user(request, f"{agreement}: {e}", level="warning")
