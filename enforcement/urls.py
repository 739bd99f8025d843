from django.urls import path

from . import views
from .views.answers import answer_targets
from .views.board import order_board
from .views.exports import order_export

app_name = "enforcement"
urlpatterns = [
    path("", views.order_list, name="list"),
    # The list as CSV, with the same filters.
    path("export.csv", order_export, name="export"),
    path("new/", views.compose, name="new"),
    path("feeds/", views.feeds, name="feeds"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/board/", order_board, name="board"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/target-answers/", answer_targets, name="target_answers"),
    path("<int:pk>/amend/", views.amend, name="amend"),
    path("<int:pk>/lift/", views.lift, name="lift"),
    path("<int:pk>/renew/", views.renew, name="renew"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
