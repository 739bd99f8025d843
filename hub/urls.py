from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from . import dashboard_views, i18n_views, search_views, views
from .api.docs import api_docs

api_v1 = [
    path("", include("members.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("enforcement.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("exchange.api.urls")),
    path("", include("exchange.feeds.urls")),
]

urlpatterns = [
    path("", dashboard_views.dashboard, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", i18n_views.set_language, name="set_language"),
    path("search/", search_views.search_page, name="search"),
    path("fragments/unread/", views.unread_badge, name="unread_badge"),
    path("accounts/", include("members.account_urls")),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url="/accounts/login/"),
        name="password_reset_confirm",
    ),
    path("members/", include("members.urls")),
    path("notifications/", include("notifications.urls")),
    path("reports/", include("reports.urls")),
    # Before "orders/": its paths must not be read as an order's.
    path("orders/unblock-requests/", include("enforcement.unblock_urls")),
    path("orders/", include("enforcement.urls")),
    path("transparency/", include("enforcement.public_urls")),
    path("exchange/", include("exchange.urls")),
    # TAXII 2.1 (exchange/taxii): its own media types and error shape, outside /api/v1/.
    path("taxii2/", include("exchange.taxii.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI without inline script or style, for the Content-Security-Policy.
    path("api/docs/", api_docs, name="api-docs"),
]

handler404 = "hub.views.not_found"
handler500 = "hub.views.server_error"
