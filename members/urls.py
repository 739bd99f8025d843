from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("manage/", views.manage, name="manage"),
    path("manage/keys/<int:pk>/revoke/", views.revoke_key, name="revoke_key"),
    path("manage/users/<int:pk>/deactivate/", views.deactivate_user, name="deactivate_user"),
    path("<slug:slug>/", views.organization_detail, name="organization"),
]
