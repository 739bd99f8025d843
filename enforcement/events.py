"""The blocking-order events ISPs and issuers hear of (their names are part of the API:
webhook `type`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderEvent(models.TextChoices):
    ISSUED = "blocking_order.issued", _("Blocking order issued")
    AMENDED = "blocking_order.amended", _("Blocking order amended")
    OVERDUE = "blocking_order.overdue", _("Blocking order overdue")
    LIFTED = "blocking_order.lifted", _("Blocking order lifted")
    # Not in the coalition specification's list (docs/contract.md, last section): an issuer is
    # told that a third party asked for an unblock.
    UNBLOCK_REQUESTED = "blocking_order.unblock_requested", _("Unblock request received")
