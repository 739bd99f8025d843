from django.urls import re_path
from rest_framework.routers import SimpleRouter

from .blocklist import BlocklistView
from .orders import BlockingOrderViewSet
from .unblock import UnblockReviewViewSet

router = SimpleRouter()
router.register("blocking-orders", BlockingOrderViewSet, basename="blocking-order")
router.register("unblock-requests", UnblockReviewViewSet, basename="unblock-request")

urlpatterns = [
    *router.urls,
    re_path(r"^blocklist\.(?P<fmt>txt|rpz|csv|json)$", BlocklistView.as_view(), name="blocklist"),
]
