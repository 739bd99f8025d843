from rest_framework.routers import SimpleRouter

from .notifications import NotificationViewSet
from .targets import TargetViewSet
from .views import ReportViewSet

router = SimpleRouter()
router.register("reports", ReportViewSet, basename="report")
router.register("targets", TargetViewSet, basename="target")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
