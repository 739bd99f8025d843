"""The transparency register and unblock requests: public pages, no sign-in (/transparency/)."""

from django.urls import path

from . import public_views as views

app_name = "transparency"
urlpatterns = [
    path("", views.register, name="register"),
    path("register.csv", views.register_csv, name="register_csv"),
    path("search/", views.search, name="search"),
    path("figures/", views.figures_page, name="figures"),
    path("unblock/", views.unblock_request, name="unblock"),
    path("unblock/<str:reference>/<str:token>/", views.unblock_status, name="unblock_status"),
]
