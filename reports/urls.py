from django.urls import path

from . import entry_views, export_views, target_list_views, target_views, views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    # The lists as CSV (and the reports as STIX), with the same filters (export_views).
    path("export.csv", export_views.report_export, name="export"),
    path("export.json", export_views.report_export_stix, name="export_stix"),
    path("targets/", target_list_views.target_list, name="targets"),
    path("targets/export.csv", export_views.target_export, name="targets_csv"),
    path("new/", entry_views.submit, name="submit"),
    path("import/", entry_views.import_reports, name="import"),
    path("sharing/", views.sharing, name="sharing"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox_read"),
    path("notifications/", views.notification_settings, name="notification_settings"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/status/", views.update_status, name="update_status"),
    path("<int:pk>/add/", entry_views.add_indicators, name="add_indicators"),
    # Targets by their name-based uid, never by the internal key (docs/contract.md).
    path("targets/<uuid:uid>/", target_views.target_detail, name="target"),
    path(
        "targets/<uuid:uid>/suggestions/<uuid:other>/confirm/",
        target_views.target_suggestion,
        {"decision": "confirm"},
        name="target_confirm",
    ),
    path(
        "targets/<uuid:uid>/suggestions/<uuid:other>/dismiss/",
        target_views.target_suggestion,
        {"decision": "dismiss"},
        name="target_dismiss",
    ),
]
