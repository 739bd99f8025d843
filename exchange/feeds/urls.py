"""The feeds, mounted under `/api/v1/` (hub/urls.py). A MISP feed is a directory: MISP asks
for `<feed URL>/manifest.json`, `/<uuid>.json` and `/hashes.csv`."""

from django.urls import path

from . import views

urlpatterns = [
    path("feeds/misp/manifest.json", views.MispManifestView.as_view(), name="feed-misp-manifest"),
    path("feeds/misp/hashes.csv", views.MispHashesView.as_view(), name="feed-misp-hashes"),
    path("feeds/misp/<uuid:event>.json", views.MispEventView.as_view(), name="feed-misp-event"),
    path("feeds/indicators.txt", views.IndicatorsTextView.as_view(), name="feed-indicators-txt"),
    path("feeds/indicators.csv", views.IndicatorsCsvView.as_view(), name="feed-indicators-csv"),
]
