"""The portal's exchange pages (/exchange/): the organisation's TAXII sources, for its admins."""

from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("sources/", views.source_list, name="sources"),
    path("sources/new/", views.source_create, name="source_create"),
    path("sources/<int:pk>/", views.source_detail, name="source"),
    path("sources/<int:pk>/edit/", views.source_edit, name="source_edit"),
    path("sources/<int:pk>/delete/", views.source_delete, name="source_delete"),
    path("sources/<int:pk>/poll/", views.source_poll, name="source_poll"),
]
