"""TAXII 2.1 at /taxii2/ (docs/taxii.md): discovery, one API root (`api/`), its status and
collection resources. Every path ends in `/`, as the standard writes them."""

from django.urls import path

from . import object_views, views

app_name = "taxii"

collection = "api/collections/<str:collection_id>/"

urlpatterns = [
    path("", views.discovery, name="discovery"),
    path("api/", views.api_root, name="api_root"),
    path("api/status/<str:status_id>/", views.status, name="status"),
    path("api/collections/", views.collections, name="collections"),
    path(collection, views.collection, name="collection"),
    path(f"{collection}manifest/", object_views.manifest, name="manifest"),
    path(f"{collection}objects/", object_views.objects, name="objects"),
    path(f"{collection}objects/<str:object_id>/", object_views.object_detail, name="object"),
    path(
        f"{collection}objects/<str:object_id>/versions/",
        object_views.versions,
        name="versions",
    ),
]
