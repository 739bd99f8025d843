from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("manage/", views.manage, name="manage"),
    path("manage/keys/<int:pk>/revoke/", views.revoke_key, name="revoke_key"),
    path("manage/users/<int:pk>/deactivate/", views.deactivate_user, name="deactivate_user"),
    # Before "<slug:slug>/", which would otherwise take "agreements" for an organisation.
    path("agreements/", views.agreements, name="agreements"),
    path("agreements/new/", views.agreement_propose, name="agreement_propose"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement"),
    path("agreements/<int:pk>/sign/", views.agreement_sign, name="agreement_sign"),
    path("agreements/<int:pk>/decline/", views.agreement_decline, name="agreement_decline"),
    path("agreements/<int:pk>/suspend/", views.agreement_suspend, name="agreement_suspend"),
    path("agreements/<int:pk>/terminate/", views.agreement_terminate, name="agreement_terminate"),
    path("<slug:slug>/", views.organization_detail, name="organization"),
]
