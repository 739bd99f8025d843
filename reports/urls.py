from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.submit, name="submit"),
    path("sharing/", views.sharing, name="sharing"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox_read"),
    path("notifications/", views.notification_settings, name="notification_settings"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/status/", views.update_status, name="update_status"),
]
