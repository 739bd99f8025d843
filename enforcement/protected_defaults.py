"""The reviewed default content of the protected list (docs/contract.md, "Blocking orders":
safeguards).

``PROTECTED_DEFAULTS`` holds ``(kind, value, include_subdomains, provider, note)`` rows:
``kind`` is ``"domain"`` (A-labels, no trailing dot) or ``"network"`` (a CIDR that parses with
``ipaddress.ip_network(strict=True)``). Migration ``0002_protected_defaults`` seeds the
``ProtectedEntry`` table with a frozen copy of these rows; from then on the table, which the
secretariat edits, is what is in force. A change here therefore needs a new data migration.

What is here, and what is deliberately not:

* Shared delivery addresses and names (anycast CDN edges, public DNS resolvers) and the
  providers' own platform names. Blocking any of them blocks unrelated sites.
* Not the address space that providers rent to single customers (Google Cloud, AWS EC2, Azure
  regions): pirates run servers there, and protecting it would shield them.
* Not free-hosting parents (blogspot.*, github.io, workers.dev, pages.dev, web.app, appspot.com,
  ...): each name under them is someone else's site, so they get a warning instead
  (``reports.clustering.WARNING_LIST`` via ``enforcement.safeguards.warnings_for``).

Domain rows protect the name itself; with ``include_subdomains`` every name under it too.
Blocking a *parent* of a protected name is caught by ``enforcement.safeguards`` whatever the flag
(an RPZ ``*.parent`` rule would block the protected name). ``include_subdomains`` is False only
where every sub-name is one customer's endpoint and nothing under it is shared:
``dXXXX.cloudfront.net`` (one CloudFront distribution) and ``x.azureedge.net`` (one Azure CDN
endpoint); blocking those needs no override, but the clustering warning list still warns.

Sources, checked on 2026-11-23. The search tool used for the check reaches stored copies of
the published lists, not the live URLs, so each source below names the copy's own date:

* Cloudflare: https://www.cloudflare.com/ips-v4 and /ips-v6, complete (15 IPv4 and 7 IPv6
  networks; three independent copies agree, the latest dated 2024-06-25). Plus the 1.1.1.1
  resolver networks (1.1.1.0/24, 1.0.0.0/24; documented for 1.1.1.1, not in ips-v4).
* Fastly: https://api.fastly.com/public-ip-list, complete (19 IPv4, 2 IPv6; two copies agree,
  the dated one from 2023-06-06).
* Google: https://www.gstatic.com/ipranges/goog.json, copy with syncToken 1760018684521
  (creationTime 2025-10-09). EXCERPT: the Google-service front ends (Search, YouTube, Drive,
  Public DNS). goog.json also lists Google Cloud customer space (34.0.0.0/10-ish, 35.x,
  104.196.0.0/14, 2600:1900::/28 ...), which is excluded on purpose (see above).
* Amazon CloudFront: https://d7uri8nf7uskq.cloudfront.net/tools/list-cloudfront-ips,
  CLOUDFRONT_GLOBAL_IP_LIST (undated copy, 2022-2023 vintage). EXCERPT: the networks of /22
  and wider; the /24-/27 networks of CloudFront's partner POPs in China are left out. IPv6
  2600:9000::/28 is the CLOUDFRONT entry of https://ip-ranges.amazonaws.com/ip-ranges.json.
  CLOUDFRONT_REGIONAL_EDGE_IP_LIST is left out (origin-facing caches, not what users reach).
* Akamai: Akamai publishes no list of its edge addresses (its published CIDR list is for origin
  ACLs). EXCERPT of the main announced prefixes of AS20940/AS16625 from a BGPView aggregate
  dated 2022-03-22, and the IPv6 2600:1400::/24 and 2a02:26f0::/29. Not verified against a
  provider-published list; the least certain block here.
* Microsoft: EXCERPT. Azure Front Door frontend anycast 13.107.213.0/24 and 13.107.246.0/24
  (as several third-party copies of the AzureFrontDoor.Frontend service tag show; the service
  tag file itself, https://www.microsoft.com/download/details.aspx?id=56519, was not read);
  the Front Door / Azure CDN back-end space 147.243.0.0/16 and 2a01:111:2050::/44 (Microsoft's
  Front Door FAQ); Microsoft 365 Exchange Online, SharePoint / OneDrive and Entra ID (login)
  networks from the Microsoft 365 endpoints web service
  (https://endpoints.office.com/endpoints/worldwide, undated copies).

Names were chosen by hand from the providers' documentation of their own domains; they are not
a complete inventory of any provider's names.
"""

from __future__ import annotations

# (kind, value, include_subdomains, provider, note)
ProtectedDefault = tuple[str, str, bool, str, str]


def _networks(provider: str, note: str, cidrs: str) -> tuple[ProtectedDefault, ...]:
    return tuple(("network", cidr, True, provider, note) for cidr in cidrs.split())


def _domains(
    provider: str, note: str, names: str, *, include_subdomains: bool = True
) -> tuple[ProtectedDefault, ...]:
    return tuple(("domain", name, include_subdomains, provider, note) for name in names.split())


CLOUDFLARE = "Cloudflare"
AKAMAI = "Akamai"
FASTLY = "Fastly"
GOOGLE = "Google"
CLOUDFRONT = "Amazon CloudFront"
MICROSOFT = "Microsoft"
PROVIDERS: tuple[str, ...] = (CLOUDFLARE, AKAMAI, FASTLY, GOOGLE, CLOUDFRONT, MICROSOFT)

PROTECTED_DEFAULTS: tuple[ProtectedDefault, ...] = (
    # ------------------------------------------------------------------ Cloudflare
    *_networks(
        CLOUDFLARE,
        "cloudflare.com/ips-v4 (shared anycast edge)",
        """
        173.245.48.0/20 103.21.244.0/22 103.22.200.0/22 103.31.4.0/22 141.101.64.0/18
        108.162.192.0/18 190.93.240.0/20 188.114.96.0/20 197.234.240.0/22 198.41.128.0/17
        162.158.0.0/15 104.16.0.0/13 104.24.0.0/14 172.64.0.0/13 131.0.72.0/22
        """,
    ),
    *_networks(
        CLOUDFLARE,
        "cloudflare.com/ips-v6 (shared anycast edge)",
        """
        2400:cb00::/32 2606:4700::/32 2803:f800::/32 2405:b500::/32 2405:8100::/32
        2a06:98c0::/29 2c0f:f248::/32
        """,
    ),
    *_networks(CLOUDFLARE, "1.1.1.1 public DNS resolver", "1.1.1.0/24 1.0.0.0/24"),
    *_domains(
        CLOUDFLARE,
        "Cloudflare's own and shared service names",
        "cloudflare.com cloudflare.net cloudflare-dns.com one.one.one.one cloudflareinsights.com",
    ),
    # ------------------------------------------------------------------ Akamai
    *_networks(
        AKAMAI,
        "main announced prefixes of AS20940/AS16625 (BGP aggregate, not provider-published)",
        """
        2.16.0.0/13 23.0.0.0/12 23.32.0.0/11 23.64.0.0/14 23.72.0.0/13 23.192.0.0/11
        72.246.0.0/15 88.221.0.0/16 92.122.0.0/15 95.100.0.0/15 96.6.0.0/15 96.16.0.0/15
        104.64.0.0/10 173.222.0.0/15 184.24.0.0/13 184.50.0.0/15 184.84.0.0/14
        2600:1400::/24 2a02:26f0::/29
        """,
    ),
    *_domains(
        AKAMAI,
        "Akamai's own and edge delivery names",
        """
        akamai.com akamai.net akamaihd.net akamaized.net akamaiedge.net edgekey.net
        edgesuite.net akadns.net akamaitechnologies.com
        """,
    ),
    # ------------------------------------------------------------------ Fastly
    *_networks(
        FASTLY,
        "api.fastly.com/public-ip-list (shared edge)",
        """
        23.235.32.0/20 43.249.72.0/22 103.244.50.0/24 103.245.222.0/23 103.245.224.0/24
        104.156.80.0/20 140.248.64.0/18 140.248.128.0/17 146.75.0.0/17 151.101.0.0/16
        157.52.64.0/18 167.82.0.0/17 167.82.128.0/20 167.82.160.0/20 167.82.224.0/20
        172.111.64.0/18 185.31.16.0/22 199.27.72.0/21 199.232.0.0/16
        2a04:4e40::/32 2a04:4e42::/32
        """,
    ),
    *_domains(FASTLY, "Fastly's own and shared edge names", "fastly.com fastly.net fastlylb.net"),
    # ------------------------------------------------------------------ Google
    *_networks(GOOGLE, "goog.json: Google Public DNS", "8.8.8.0/24 8.8.4.0/24"),
    *_networks(
        GOOGLE,
        "goog.json excerpt: Google service front ends (no Google Cloud customer space)",
        """
        64.233.160.0/19 66.102.0.0/20 66.249.64.0/19 72.14.192.0/18 74.125.0.0/16
        108.170.192.0/18 108.177.0.0/17 142.250.0.0/15 172.217.0.0/16 172.253.0.0/16
        173.194.0.0/16 192.178.0.0/15 208.65.152.0/22 208.117.224.0/19 209.85.128.0/17
        216.58.192.0/19 216.239.32.0/19
        2001:4860::/32 2404:6800::/32 2607:f8b0::/32 2800:3f0::/32 2a00:1450::/32
        2c0f:fb50::/32
        """,
    ),
    *_domains(
        GOOGLE,
        "Google's platform, API, static, video and user-content hosts",
        """
        google.com googleusercontent.com usercontent.google.com drive.usercontent.google.com
        googleapis.com gstatic.com googlevideo.com youtube.com youtu.be ytimg.com ggpht.com
        1e100.net gvt1.com gvt2.com
        """,
    ),
    # ------------------------------------------------------------------ Amazon CloudFront
    *_networks(
        CLOUDFRONT,
        "CLOUDFRONT_GLOBAL_IP_LIST excerpt (/22 and wider; shared edge)",
        """
        13.32.0.0/15 13.35.0.0/16 13.224.0.0/14 13.249.0.0/16 15.158.0.0/16 18.64.0.0/14
        18.154.0.0/15 18.160.0.0/15 18.164.0.0/15 18.172.0.0/15 18.238.0.0/15 18.244.0.0/15
        52.46.0.0/18 52.82.128.0/19 52.84.0.0/15 52.124.128.0/17 52.222.128.0/17
        54.182.0.0/16 54.192.0.0/16 54.230.0.0/17 54.230.128.0/18 54.230.200.0/21
        54.230.208.0/20 54.230.224.0/19 54.239.128.0/18 54.239.192.0/19 54.240.128.0/18
        64.252.64.0/18 64.252.128.0/18 65.8.0.0/16 65.9.0.0/17 65.9.128.0/18 70.132.0.0/18
        71.152.0.0/17 99.84.0.0/16 99.86.0.0/16 108.138.0.0/15 108.156.0.0/14
        130.176.0.0/17 130.176.128.0/18 130.176.192.0/19 130.176.224.0/20 143.204.0.0/16
        144.220.0.0/16 204.246.164.0/22 204.246.168.0/22 204.246.176.0/20 205.251.200.0/21
        205.251.208.0/20 216.137.32.0/19
        """,
    ),
    *_networks(CLOUDFRONT, "ip-ranges.json CLOUDFRONT (IPv6, shared edge)", "2600:9000::/28"),
    *_domains(
        CLOUDFRONT,
        "one name per distribution: blocking dXXXX.cloudfront.net blocks that one only",
        "cloudfront.net",
        include_subdomains=False,
    ),
    *_domains(CLOUDFRONT, "AWS service endpoints (S3, API hosts)", "amazonaws.com"),
    # ------------------------------------------------------------------ Microsoft
    *_networks(
        MICROSOFT,
        "Azure Front Door frontend anycast (shared edge)",
        "13.107.213.0/24 13.107.246.0/24",
    ),
    *_networks(
        MICROSOFT,
        "Azure Front Door / Azure CDN back-end space (Front Door FAQ)",
        "147.243.0.0/16 2a01:111:2050::/44",
    ),
    *_networks(
        MICROSOFT,
        "Microsoft 365 endpoints: Exchange Online",
        """
        13.107.6.152/31 13.107.18.10/31 13.107.128.0/22 23.103.160.0/20 40.96.0.0/13
        40.104.0.0/15 52.96.0.0/14 131.253.33.215/32 132.245.0.0/16 150.171.32.0/22
        204.79.197.215/32
        2603:1006::/40 2603:1016::/36 2603:1026::/36 2603:1036::/36 2603:1046::/36
        2603:1056::/36 2620:1ec:8f0::/46 2620:1ec:900::/46 2a01:111:f400::/48
        """,
    ),
    *_networks(
        MICROSOFT,
        "Microsoft 365 endpoints: SharePoint Online and OneDrive",
        "13.107.136.0/22 40.108.128.0/17 52.104.0.0/14 104.146.128.0/17 150.171.40.0/22",
    ),
    *_networks(
        MICROSOFT,
        "Microsoft 365 endpoints: Entra ID sign-in",
        "20.20.32.0/19 20.190.128.0/18 20.231.128.0/19 40.126.0.0/18",
    ),
    *_domains(
        MICROSOFT,
        "Microsoft's platform, sign-in, update and Azure service names",
        """
        microsoft.com windows.net azurefd.net msedge.net office.com office365.com live.com
        outlook.com microsoftonline.com windowsupdate.com
        """,
    ),
    *_domains(
        MICROSOFT,
        "one name per Azure CDN endpoint: blocking x.azureedge.net blocks that one only",
        "azureedge.net",
        include_subdomains=False,
    ),
)
