"""Words of docs/contract.md shared by several apps: report categories and TLP levels.

They live in `hub` because agreements (`members`) scope by them and reports (`reports`) carry
them, and `members` must not import `reports`.
"""

from django.db import models
from django.utils.translation import pgettext_lazy


class Category(models.TextChoices):
    IPTV = "iptv", pgettext_lazy("report category", "Pirate IPTV")
    LIVE_SPORTS = "live_sports", pgettext_lazy("report category", "Live sports restream")
    STREAM_RIPPING = "stream_ripping", pgettext_lazy("report category", "Stream ripping")
    STREAMING_SITE = "streaming_site", pgettext_lazy("report category", "Streaming site")
    TORRENT = "torrent", pgettext_lazy("report category", "Torrent")
    CYBERLOCKER = "cyberlocker", pgettext_lazy("report category", "Cyberlocker")
    APP = "app", pgettext_lazy("report category", "Pirate app")
    DEVICE = "device", pgettext_lazy("report category", "Device")
    OTHER = "other", pgettext_lazy("report category", "Other")


class TLP(models.IntegerChoices):
    """Traffic Light Protocol 2.0, stored as its rank so that "at most" is a comparison.

    The API speaks the labels (`clear`, `green`, `amber`, `amber+strict`, `red`).
    """

    CLEAR = 0, "clear"
    GREEN = 1, "green"
    AMBER = 2, "amber"
    AMBER_STRICT = 3, "amber+strict"
    RED = 4, "red"

    @classmethod
    def from_label(cls, label: str) -> "TLP":
        for member in cls:
            if member.label == label:
                return member
        raise ValueError(label)


# An agreement's max_tlp: red is never shared under an agreement alone (it needs recipients).
AGREEMENT_TLPS = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT]
