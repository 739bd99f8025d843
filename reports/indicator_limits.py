"""The indicator kinds, their length limits, the URL schemes and tracking parameters that
normalising reads, and :class:`IndicatorError`; re-exported by `reports.indicators`."""

from __future__ import annotations

KINDS: tuple[str, ...] = (
    "url",
    "domain",
    "ipv4",
    "ipv6",
    "cidr",
    "app_id",
    "iptv_panel",
    "payment_account",
    "ad_account",
    "watermark_id",
)

# Longest canonical value per kind; the raw input may be longer (e.g. tracking parameters).
MAX_LENGTHS: dict[str, int] = {
    "url": 2048,
    "domain": 253,
    "ipv4": 15,
    "ipv6": 39,
    "cidr": 43,
    "app_id": 255,
    "iptv_panel": 253 + len(":65535"),
    "payment_account": 256,
    "ad_account": 256,
    "watermark_id": 128,
}
MAX_INPUT_LENGTH = 8192  # cheap guard before any parsing
MAX_INDICATORS = 100  # per report, those appended later included
MAX_NOTE_LENGTH = 500  # an indicator's note ("backup stream, HD")

URL_SCHEMES: tuple[str, ...] = ("http", "https", "rtmp", "rtmps", "rtsp", "mms")
DEFAULT_PORTS: dict[str, int] = {
    "http": 80,
    "https": 443,
    "rtmp": 1935,
    "rtmps": 443,
    "rtsp": 554,
    "mms": 1755,
}
TRACKING_PARAM_PREFIXES: tuple[str, ...] = ("utm_",)
_AD_CLICK_IDS = ("fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid")
TRACKING_PARAMS: frozenset[str] = frozenset(
    {*_AD_CLICK_IDS, "mc_cid", "mc_eid", "_ga", "_gl", "ref_src"}  # + Mailchimp, GA, Twitter
)


class IndicatorError(ValueError):
    """A value that cannot be an indicator of its kind: ``code`` for machines, str() for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[IndicatorError], tuple[str, str]]:
        return (type(self), (self.code, self.message))
