from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.manage, name="manage"),
    path("webhooks/new/", views.endpoint_create, name="endpoint_create"),
    path("webhooks/<int:pk>/", views.endpoint_detail, name="endpoint"),
    path("webhooks/<int:pk>/edit/", views.endpoint_edit, name="endpoint_edit"),
    path("webhooks/<int:pk>/active/", views.endpoint_active, name="endpoint_active"),
    path("webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path("webhooks/<int:pk>/test/", views.endpoint_test, name="endpoint_test"),
    path("webhooks/<int:pk>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_pk>/retry/",
        views.delivery_retry,
        name="delivery_retry",
    ),
    path("addresses/", views.address_add, name="address_add"),
    path("addresses/<int:pk>/resend/", views.address_resend, name="address_resend"),
    path("addresses/<int:pk>/remove/", views.address_remove, name="address_remove"),
    path("addresses/confirm/<str:token>/", views.address_confirm, name="address_confirm"),
]
