from rest_framework.routers import SimpleRouter

from .notifications import NotificationViewSet
from .targets import TargetViewSet
from .views import ReportViewSet
from .webhook_endpoints import WebhookEndpointViewSet

router = SimpleRouter()
router.register("reports", ReportViewSet, basename="report")
router.register("targets", TargetViewSet, basename="target")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")

urlpatterns = router.urls
