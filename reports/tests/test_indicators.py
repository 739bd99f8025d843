"""Tests for reports.indicators: canonical forms, error codes, idempotence, offline PSL."""

from __future__ import annotations

import ipaddress
import pickle
import socket
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports import indicators
from reports.indicators import (
    KINDS,
    IndicatorError,
    host_of,
    is_mixed_script,
    normalise,
    public_suffix,
    registrable_domain,
)

VALID = [
    # domain
    ("domain", "example.com", "example.com"),
    ("domain", "EXAMPLE.com.", "example.com"),
    ("domain", "  www.Example.COM  ", "www.example.com"),
    ("domain", "Bücher.example", "xn--bcher-kva.example"),
    ("domain", "xn--BCHER-kva.example", "xn--bcher-kva.example"),
    ("domain", "straße.de", "xn--strae-oqa.de"),
    ("domain", "例え.jp", "xn--r8jz45g.jp"),
    ("domain", "例え。jp", "xn--r8jz45g.jp"),
    ("domain", "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com", "example.com"),  # full-width
    ("domain", "r4---sn-4g5e6nzz.googlevideo.com", "r4---sn-4g5e6nzz.googlevideo.com"),
    ("domain", "1337x.to", "1337x.to"),
    ("domain", "a.b.c.example.co.uk", "a.b.c.example.co.uk"),
    # url
    (
        "url",
        "HTTP://User:pw@Example.COM:80/a/./b/../c?utm_source=x&id=3#frag",
        "http://example.com/a/c?id=3",
    ),
    ("url", "http://2130706433/", "http://127.0.0.1/"),
    ("url", "http://0x7f.1/", "http://127.0.0.1/"),
    ("url", "http://0177.0.0.1/x", "http://127.0.0.1/x"),
    ("url", "https://例え.jp/", "https://xn--r8jz45g.jp/"),
    ("url", "https://Bücher.example/Straße", "https://xn--bcher-kva.example/Stra%C3%9Fe"),
    ("url", "example.com", "http://example.com/"),
    ("url", "example.com:8080/Watch", "http://example.com:8080/Watch"),
    ("url", "//cdn.example.com/x", "http://cdn.example.com/x"),
    ("url", "https://example.com:443", "https://example.com/"),
    ("url", "https://example.com:8443/", "https://example.com:8443/"),
    ("url", "http://example.com:0080/", "http://example.com/"),
    ("url", "http://example.com:/", "http://example.com/"),
    ("url", "rtmp://live.example.com:1935/app/key", "rtmp://live.example.com/app/key"),
    ("url", "RTMPS://live.example.com:443/app", "rtmps://live.example.com/app"),
    ("url", "rtsp://cam.example.com:554/s", "rtsp://cam.example.com/s"),
    ("url", "rtsp://cam.example.com:8554/s", "rtsp://cam.example.com:8554/s"),
    ("url", "mms://media.example.com:1755/s", "mms://media.example.com/s"),
    ("url", "http://[2001:DB8::1]:8080/a", "http://[2001:db8::1]:8080/a"),
    ("url", "http://[::FFFF:1.2.3.4]/", "http://[::ffff:102:304]/"),
    ("url", "http://example.com/%7euser/%2fx%2F", "http://example.com/~user/%2Fx%2F"),
    ("url", "http://example.com/%2E%2E/a", "http://example.com/a"),
    ("url", "http://example.com/a/b/..", "http://example.com/a/"),
    ("url", "http://example.com/../../a", "http://example.com/a"),
    ("url", "http://example.com//a", "http://example.com//a"),
    ("url", "http://example.com/Path/File.M3U8", "http://example.com/Path/File.M3U8"),
    ("url", "http://example.com/a%zz", "http://example.com/a%25zz"),
    ("url", "http://example.com/a\\b", "http://example.com/a/b"),
    ("url", "http://example.com/é", "http://example.com/%C3%A9"),
    ("url", "http://example.com/?", "http://example.com/"),
    ("url", "http://example.com/?utm_medium=a&UTM_Campaign=b", "http://example.com/"),
    ("url", "http://example.com/?b=2&a=1", "http://example.com/?b=2&a=1"),
    ("url", "http://example.com/?a=1&&b=2&", "http://example.com/?a=1&b=2"),
    (
        "url",
        "http://example.com/v?fbclid=1&gclid=2&dclid=3&gbraid=4&wbraid=5&msclkid=6&id=7",
        "http://example.com/v?id=7",
    ),
    (
        "url",
        "http://example.com/v?mc_cid=1&mc_eid=2&yclid=3&igshid=4&_ga=5&_gl=6&ref_src=7&q=a+b",
        "http://example.com/v?q=a+b",
    ),
    ("url", "http://example.com/?utm%5Fsource=x&k=%7e", "http://example.com/?k=~"),
    ("url", "http://example.com/?q=a%2fb", "http://example.com/?q=a%2Fb"),
    ("url", "http://example.com/?next=/a?b", "http://example.com/?next=/a?b"),
    ("url", "https://u@x.example.com/#/movie/1", "https://x.example.com/"),
    ("url", "http://evil.example\\@good.example/", "http://evil.example/@good.example/"),
    # ipv4
    ("ipv4", "192.0.2.1", "192.0.2.1"),
    ("ipv4", " 8.8.8.8 ", "8.8.8.8"),
    # ipv6
    ("ipv6", "[2001:DB8::1]", "2001:db8::1"),
    ("ipv6", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
    ("ipv6", "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
    ("ipv6", "2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
    ("ipv6", "::ffff:192.0.2.1", "::ffff:c000:201"),
    ("ipv6", "::", "::"),
    # cidr
    ("cidr", "10.1.2.3/8", "10.0.0.0/8"),
    ("cidr", "192.0.2.77/32", "192.0.2.77/32"),
    ("cidr", "0.0.0.0/0", "0.0.0.0/0"),
    ("cidr", "2001:DB8:abcd::1/32", "2001:db8::/32"),
    ("cidr", "::ffff:1.2.3.4/120", "::ffff:102:300/120"),
    # app_id
    ("app_id", "com.example.iptvPlayer", "com.example.iptvPlayer"),
    ("app_id", "tv.pirate.app_2", "tv.pirate.app_2"),
    ("app_id", "id1234567890", "id1234567890"),
    ("app_id", "ID1234567890", "id1234567890"),
    ("app_id", "1234567890", "id1234567890"),
    # iptv_panel
    ("iptv_panel", "http://Panel.Example.com:8080", "panel.example.com:8080"),
    ("iptv_panel", "panel.example.com:25461/", "panel.example.com:25461"),
    ("iptv_panel", "https://user:pw@panel.example.com:8443", "panel.example.com:8443"),
    ("iptv_panel", "198.51.100.7:8000", "198.51.100.7:8000"),
    ("iptv_panel", "[2001:DB8::7]:8080", "[2001:db8::7]:8080"),
    ("iptv_panel", "Bücher.example:80", "xn--bcher-kva.example:80"),
    # payment_account
    ("payment_account", "Seller@Example.COM", "seller@example.com"),
    ("payment_account", "PayPal:Seller@Example.COM", "paypal:seller@example.com"),
    ("payment_account", "PayPal : Seller@Example.COM", "paypal:seller@example.com"),
    ("payment_account", "de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ("payment_account", "iban:GB82-WEST-1234-5698-7654-32", "iban:GB82WEST12345698765432"),
    ("payment_account", "4111 1111-1111 1111", "4111111111111111"),
    ("payment_account", "Stripe:acct_1AbCdEfGh", "stripe:acct_1AbCdEfGh"),
    (
        "payment_account",
        "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    ),
    ("payment_account", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
    ("payment_account", "AB12 CDEF GHIJ KLMN", "AB12 CDEF GHIJ KLMN"),  # fails IBAN checksum
    ("payment_account", "John   Smith\tLtd", "John Smith Ltd"),
    ("payment_account", "Cafe\u0301 Shop", "Café Shop"),
    # ad_account
    ("ad_account", "pub-1234567890123456", "pub-1234567890123456"),
    ("ad_account", "CA-PUB-1234567890123456", "pub-1234567890123456"),
    ("ad_account", "AdSense: ca-pub-1234567890123456", "adsense:pub-1234567890123456"),
    ("ad_account", "PropellerAds:Pirate@Mail.example", "propellerads:pirate@mail.example"),
    ("ad_account", "Taboola: Site-AbC  123", "taboola:Site-AbC 123"),
    # watermark_id
    ("watermark_id", " A1b2-C3D4:e5.f_6 ", "A1b2-C3D4:e5.f_6"),
    ("watermark_id", "0xDEADbeef", "0xDEADbeef"),
]


@pytest.mark.parametrize(("kind", "raw", "expected"), VALID)
def test_normalise_valid(kind: str, raw: str, expected: str) -> None:
    assert normalise(kind, raw) == expected
    assert normalise(kind, expected) == expected  # canonical forms are fixed points


INVALID = [
    ("nope", "x", "unknown_kind"),
    ("URL", "http://example.com/", "unknown_kind"),
    # empty, everywhere
    *[(kind, "  \t\n ", "empty") for kind in KINDS],
    # domain
    ("domain", "http://Example.com/path", "is_url"),
    ("domain", "example.com/path", "is_url"),
    ("domain", "*.example.com", "invalid_domain"),
    ("domain", "1.2.3.4", "is_ip"),
    ("domain", "2130706433", "is_ip"),
    ("domain", "[2001:db8::1]", "is_ip"),
    ("domain", "2001:db8::1", "is_ip"),
    ("domain", "example.com:8080", "invalid_domain"),
    ("domain", "localhost", "invalid_domain"),
    ("domain", "example.123", "invalid_domain"),
    ("domain", "under_score.example.com", "invalid_domain"),
    ("domain", "-lead.example.com", "invalid_domain"),
    ("domain", "trail-.example.com", "invalid_domain"),
    ("domain", "a..example.com", "invalid_domain"),
    ("domain", ".example.com", "invalid_domain"),
    ("domain", "example.com..", "invalid_domain"),
    ("domain", "a b.example.com", "invalid_domain"),
    ("domain", "x" * 64 + ".com", "invalid_domain"),
    ("domain", ".".join(["a" * 63] * 4) + ".com", "too_long"),
    ("domain", "xn--zz.com", "invalid_domain"),
    ("domain", "i❤.ws", "invalid_domain"),
    ("domain", "x" * 9000, "too_long"),
    # url
    ("url", "ftp://example.com/", "unsupported_scheme"),
    ("url", "javascript:alert(1)", "unsupported_scheme"),
    ("url", "magnet:?xt=urn:btih:abc", "unsupported_scheme"),
    ("url", "http:example.com", "invalid_url"),
    ("url", "http:///path", "invalid_url"),
    ("url", "http://example.com/a b", "invalid_url"),
    ("url", "http://example.com/\x00", "invalid_url"),
    ("url", "http://exa mple.com/", "invalid_url"),
    ("url", "http://example.com:99999/", "invalid_url"),
    ("url", "http://example.com:0/", "invalid_url"),
    ("url", "http://example.com:8o/", "invalid_url"),
    ("url", "http://2001:db8::1/", "invalid_url"),
    ("url", "http://[2001:db8::zz]/", "invalid_url"),
    ("url", "http://[fe80::1%25eth0]/", "invalid_url"),
    ("url", "http://[::1]x/", "invalid_url"),
    ("url", "http://256.1.1.1/", "invalid_url"),
    ("url", "http://localhost/", "invalid_url"),
    ("url", "http://under_score.example.com/", "invalid_url"),
    ("url", "http://example.com/" + "a" * 2040, "too_long"),
    # ipv4
    ("ipv4", "01.2.3.4", "invalid_ipv4"),
    ("ipv4", "256.1.1.1", "invalid_ipv4"),
    ("ipv4", "127.1", "invalid_ipv4"),
    ("ipv4", "10.0.0.0/8", "invalid_ipv4"),
    ("ipv4", "::1", "invalid_ipv4"),
    ("ipv4", "example.com", "invalid_ipv4"),
    # ipv6
    ("ipv6", "1.2.3.4", "invalid_ipv6"),
    ("ipv6", "2001:db8::/32", "invalid_ipv6"),
    ("ipv6", "fe80::1%eth0", "invalid_ipv6"),
    ("ipv6", "2001:db8:::1", "invalid_ipv6"),
    ("ipv6", "[2001:db8::1", "invalid_ipv6"),
    # cidr
    ("cidr", "10.1.2.3", "is_ip"),
    ("cidr", "2001:db8::1", "is_ip"),
    ("cidr", "10.0.0.0/33", "invalid_cidr"),
    ("cidr", "10.0.0.0/", "invalid_cidr"),
    ("cidr", "10.0.0.0/255.0.0.0", "invalid_cidr"),
    ("cidr", "example.com/8", "invalid_cidr"),
    ("cidr", "01.0.0.0/8", "invalid_cidr"),
    ("cidr", "2001:db8::/129", "invalid_cidr"),
    ("cidr", "nonsense", "invalid_cidr"),
    # app_id
    ("app_id", "com", "invalid_app_id"),
    ("app_id", "com.1example.app", "invalid_app_id"),
    ("app_id", "com..example", "invalid_app_id"),
    ("app_id", "com.example-app", "invalid_app_id"),
    ("app_id", "id0123", "invalid_app_id"),
    ("app_id", "com.example app", "invalid_app_id"),
    ("app_id", "a." + "b" * 260, "too_long"),
    # iptv_panel
    ("iptv_panel", "panel.example.com", "invalid_iptv_panel"),
    ("iptv_panel", "http://panel.example.com:8080/get.php?u=1", "invalid_iptv_panel"),
    ("iptv_panel", "panel.example.com:8080/player_api.php", "invalid_iptv_panel"),
    ("iptv_panel", "panel.example.com:70000", "invalid_iptv_panel"),
    ("iptv_panel", "2001:db8::7:8080", "invalid_iptv_panel"),
    ("iptv_panel", "ftp://panel.example.com:21", "unsupported_scheme"),
    ("iptv_panel", "panel_x.example.com:8080", "invalid_iptv_panel"),
    # payment_account / ad_account
    ("payment_account", "paypal:", "invalid_payment_account"),
    ("payment_account", "acct\x00123", "invalid_payment_account"),
    ("payment_account", "x" * 257, "too_long"),
    ("ad_account", "adsense: ", "invalid_ad_account"),
    ("ad_account", "pub-1\x07", "invalid_ad_account"),
    ("ad_account", "x" * 257, "too_long"),
    # watermark_id
    ("watermark_id", "AB CD", "invalid_watermark_id"),
    ("watermark_id", "AB/CD", "invalid_watermark_id"),
    ("watermark_id", "é", "invalid_watermark_id"),
    ("watermark_id", "A" * 129, "too_long"),
]


@pytest.mark.parametrize(("kind", "raw", "code"), INVALID)
def test_normalise_invalid(kind: str, raw: str, code: str) -> None:
    with pytest.raises(IndicatorError) as info:
        normalise(kind, raw)
    assert info.value.code == code
    assert str(info.value)  # always a human message


@pytest.mark.parametrize(
    ("kind", "raw", "fragment"),
    [
        ("domain", "x" * 64 + ".com", "not a valid domain name: label longer than 63 characters"),
        ("domain", "http://Example.com/path", "kind 'url'"),
        ("domain", "1.2.3.4", "kind 'ipv4'"),
        ("domain", "::1", "kind 'ipv6'"),
        ("cidr", "10.1.2.3", "'ipv4'"),
        ("ipv4", "10.0.0.0/8", "kind 'cidr'"),
        ("url", "ftp://example.com/", "http, https, rtmp, rtmps, rtsp, mms"),
        ("iptv_panel", "panel.example.com", "port is required"),
        ("iptv_panel", "http://p.example.com:1/a", "kind 'url'"),
    ],
)
def test_error_messages_guide_the_user(kind: str, raw: str, fragment: str) -> None:
    with pytest.raises(IndicatorError) as info:
        normalise(kind, raw)
    assert fragment in str(info.value)


def test_indicator_error_is_value_error_and_pickles() -> None:
    error = IndicatorError("invalid_domain", "not a valid domain name: x")
    assert isinstance(error, ValueError)
    clone = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert (clone.code, str(clone)) == ("invalid_domain", "not a valid domain name: x")


def test_non_string_value_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        normalise("domain", None)  # type: ignore[arg-type]


def test_every_kind_has_a_normaliser_and_a_limit() -> None:
    assert set(KINDS) == set(indicators._NORMALISERS) == set(indicators.MAX_LENGTHS)


# --------------------------------------------------------------------------- PSL helpers


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("www.thepiratebay.org", "thepiratebay.org"),
        ("thepiratebay.org", "thepiratebay.org"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("x.blogspot.com", "x.blogspot.com"),
        ("deep.x.github.io", "x.github.io"),
        ("WWW.Example.COM.", "example.com"),
        ("www.Bücher.example", "xn--bcher-kva.example"),
        ("sub.例え.jp", "xn--r8jz45g.jp"),
        ("1.2.3.4", None),
        ("2001:db8::1", None),
        ("[2001:db8::1]", None),
        ("co.uk", None),
        ("blogspot.com", None),
        ("com", None),
        ("localhost", None),
        ("mirror.site.unlistedtld", "site.unlistedtld"),
    ],
)
def test_registrable_domain(host: str, expected: str | None) -> None:
    assert registrable_domain(host) == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("www.example.co.uk", "co.uk"),
        ("x.blogspot.com", "blogspot.com"),
        ("example.com", "com"),
        ("com", "com"),
        ("site.unlistedtld", "unlistedtld"),
        ("1.2.3.4", ""),
        ("::1", ""),
    ],
)
def test_public_suffix(host: str, expected: str) -> None:
    assert public_suffix(host) == expected


def test_registrable_domain_rejects_malformed_hosts() -> None:
    with pytest.raises(IndicatorError) as info:
        registrable_domain("bad_host.example.com")
    assert info.value.code == "invalid_domain"
    with pytest.raises(IndicatorError):
        registrable_domain("  ")


def test_psl_is_offline_and_writes_no_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "https://example.invalid/psl.dat")
    extractor = indicators._build_extractor()
    result = extractor.extract_str("a.b.example.co.uk")
    assert (result.domain, result.suffix) == ("example", "co.uk")
    assert extractor.extract_str("x.blogspot.com").suffix == "blogspot.com"
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- host_of


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("url", "http://example.com/a", "example.com"),
        ("url", "https://xn--bcher-kva.example:8443/", "xn--bcher-kva.example"),
        ("url", "http://127.0.0.1/", None),
        ("url", "http://[2001:db8::1]:8080/", None),
        ("domain", "xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("domain", "Bücher.example", "xn--bcher-kva.example"),
        ("iptv_panel", "panel.example.com:8080", "panel.example.com"),
        ("iptv_panel", "198.51.100.7:8000", None),
        ("iptv_panel", "[2001:db8::7]:8080", None),
        ("ipv4", "192.0.2.1", None),
        ("app_id", "com.example.app", None),
        ("watermark_id", "abc", None),
    ],
)
def test_host_of(kind: str, value: str, expected: str | None) -> None:
    assert host_of(kind, value) == expected


def test_host_of_unknown_kind() -> None:
    with pytest.raises(IndicatorError) as info:
        host_of("hostname", "example.com")
    assert info.value.code == "unknown_kind"


# --------------------------------------------------------------------------- is_mixed_script


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("\u0430pple.com", True),  # Cyrillic U+0430 + Latin "pple"
        ("xn--pple-43d.com", True),  # the same, as punycode
        ("XN--PPLE-43D.COM", True),
        ("paypal.com", False),
        ("apple.com", False),
        ("xn--80ak6aa92e.com", False),  # all-Cyrillic look-alike of "apple": whole-script
        ("bücher.example", False),
        ("例え.jp", False),  # Han + Hiragana is ordinary Japanese
        ("ソニー.jp", False),  # Katakana with the shared prolonged sound mark
        ("sony例え.jp", False),  # Latin + Han + kana is allowed by UTS 39
        ("g\u03bfogle.com", True),  # Greek omicron
        ("\ud55c\uad6dabc.kr", False),  # Hangul + Latin
        ("\ud55c\uad6d\u0440\u0443.kr", True),  # Hangul + Cyrillic
        ("123-456.com", False),
        ("1.2.3.4", False),
        ("xn--zz.com", False),  # undecodable labels are judged as they are
    ],
)
def test_is_mixed_script(host: str, expected: bool) -> None:
    assert is_mixed_script(host) is expected


# --------------------------------------------------------------------------- properties

_LABEL_CHARS = "abcXYZ019-_\u00fc\u4f8b\u0430\u03bf\u00df.\u3002"  # incl. Cyrillic, Greek
labels = st.text(alphabet=_LABEL_CHARS, min_size=1, max_size=12)
hosts = st.builds(
    lambda parts, tld, dot: ".".join([*parts, tld]) + dot,
    st.lists(labels, min_size=1, max_size=4),
    st.sampled_from(["com", "co.uk", "Example", "jp", "例え", "1", "0x1f"]),
    st.sampled_from(["", "."]),
)
path_chars = "aZ09/.%2eF~é?&=#\\:@+;[]"
urls = st.builds(
    lambda scheme, userinfo, host, port, path: f"{scheme}{userinfo}{host}{port}{path}",
    st.sampled_from(["", "http://", "HTTPS://", "rtmp://", "//", "mms://"]),
    st.sampled_from(["", "u:p@", "@"]),
    hosts | st.sampled_from(["[2001:db8::1]", "2130706433", "0x7f.1", "1.2.3.4"]),
    st.sampled_from(["", ":80", ":443", ":1935", ":8080", ":"]),
    st.text(alphabet=path_chars, max_size=30).map(lambda p: "/" + p),
)
query_params = st.lists(
    st.sampled_from(["id=3", "utm_source=x", "UTM_x=1", "fbclid=9", "", "a", "b=%2f", "q=%7E"]),
    max_size=5,
).map("&".join)


def _assert_idempotent(kind: str, raw: str) -> None:
    try:
        once = normalise(kind, raw)
    except IndicatorError:
        return
    assert normalise(kind, once) == once, (kind, raw, once)


@settings(max_examples=400)
@given(hosts)
def test_domain_idempotent(raw: str) -> None:
    _assert_idempotent("domain", raw)


@settings(max_examples=400)
@given(urls, query_params)
def test_url_idempotent(url: str, query: str) -> None:
    _assert_idempotent("url", f"{url}?{query}")


@settings(max_examples=300)
@given(st.sampled_from(KINDS), st.text(max_size=60))
def test_any_text_raises_indicator_error_or_is_idempotent(kind: str, raw: str) -> None:
    _assert_idempotent(kind, raw)


@settings(max_examples=300)
@given(
    st.sampled_from(["payment_account", "ad_account"]),
    st.text(alphabet="Pp:aA@ .-_0123456789GBDEß\u0301\u00e9İ\t", max_size=40),
)
def test_accounts_idempotent(kind: str, raw: str) -> None:
    _assert_idempotent(kind, raw)


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_ipv6_format_matches_rfc5952(value: int) -> None:
    address = ipaddress.IPv6Address(value)
    expected = address.compressed
    if address.ipv4_mapped is not None:  # Python 3.13+ prints these dotted; we keep hex
        expected = f"::ffff:{(value >> 16) & 0xFFFF:x}:{value & 0xFFFF:x}"
    assert indicators._format_ipv6(address) == expected
    assert normalise("ipv6", str(address)) == expected


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=0, max_value=32))
def test_cidr_is_network_address(value: int, prefix: int) -> None:
    raw = f"{ipaddress.IPv4Address(value)}/{prefix}"
    assert normalise("cidr", raw) == str(ipaddress.ip_network(raw, strict=False))


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_numeric_url_hosts(value: int) -> None:
    dotted = str(ipaddress.IPv4Address(value))
    assert normalise("url", f"http://{value}/") == f"http://{dotted}/"
    assert normalise("url", f"http://{value:#x}/") == f"http://{dotted}/"
