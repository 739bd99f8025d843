from rest_framework.routers import SimpleRouter

from .inbox import NotificationViewSet
from .reports import ReportViewSet
from .targets import TargetViewSet

router = SimpleRouter()
router.register("reports", ReportViewSet, basename="report")
router.register("targets", TargetViewSet, basename="target")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
