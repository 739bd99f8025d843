"""The issuer's unblock requests in the portal (/orders/unblock-requests/), signed in."""

from django.urls import path

from . import unblock_views as views

app_name = "unblock"
urlpatterns = [
    path("", views.review_list, name="list"),
    path("<int:pk>/", views.review_detail, name="detail"),
]
