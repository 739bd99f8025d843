"""A realistic coalition, generated reproducibly (fixed seeds) for the benchmarks.

200 organisations, 500 agreements in every state, and reports with 1-5 indicators drawn from
the real host list in `../shared/data/piracy-domains.hosts` plus generated mirrors of it (the
same brand on other suffixes, numbered families, URLs on them, addresses), with a skewed
popularity so that members overlap on the same targets as they do in life.

Nothing here touches the database: `bench/seed.py` writes it (cached), and the ingest
benchmark sends the same kind of reports through the API and through COPY.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

SEED = 20261123
HOSTS_FILE = Path(__file__).resolve().parents[2] / "shared" / "data" / "piracy-domains.hosts"

ORGS = 200
AGREEMENTS = 500
REPORTS = 1_000_000

# The three members the visibility benchmark reads as (slugs), chosen by construction.
TYPICAL = "rh-typical"  # a rightsholder in 5 agreements with a few thousand reports
HUB50 = "ig-hub50"  # an industry group that is party to 50 agreements
BIG = "league-big"  # a football league that owns 100,000 reports
BIG_REPORTS = 100_000

COUNTRIES = ["PE", "BR", "AR", "CL", "CO", "MX", "EC", "UY", "PY", "BO", "ES", "US"]
CATEGORIES = [
    "iptv",
    "live_sports",
    "stream_ripping",
    "streaming_site",
    "torrent",
    "cyberlocker",
    "app",
    "device",
    "other",
]
CATEGORY_WEIGHTS = [22, 25, 8, 20, 10, 6, 4, 2, 3]
# CLEAR, GREEN, AMBER, AMBER+STRICT, RED
TLP_WEIGHTS = [10, 30, 45, 5, 10]
MIRROR_SUFFIXES = ["to", "cc", "ws", "live", "xyz", "site", "tv", "me", "io", "su", "co", "net"]
KIND_WEIGHTS = {"domain": 45, "url": 40, "ipv4": 10, "iptv_panel": 5}
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int((datetime(2026, 11, 1, tzinfo=UTC) - EPOCH).total_seconds())


@dataclass(frozen=True)
class Org:
    id: int
    slug: str
    name: str
    kind: str
    country: str


@dataclass(frozen=True)
class AgreementSpec:
    id: int
    title: str
    party_ids: tuple[int, ...]
    categories: tuple[str, ...]
    jurisdictions: tuple[str, ...]
    max_tlp: int
    share_identity: bool
    share_evidence: bool
    status: str
    effective_from: date
    expires_on: date | None


@dataclass
class ReportSpec:
    owner_id: int
    category: str
    title: str
    tlp: int
    jurisdictions: list[str]
    sharing: str
    indicators: list[tuple[str, str]]  # (kind, raw value)
    recipients: list[int] = field(default_factory=list)
    restricted_to: list[int] = field(default_factory=list)
    created_at: datetime = EPOCH


def api_key(org_id: int) -> str:
    """A deterministic key per organisation: the benchmarks sign in without storing secrets
    (only ever used in the benchmark databases)."""
    return f"ata_bench{SEED}x{org_id:04d}xxxxxxxxxxxxxxxxxxxxxxxx"


def organisations() -> list[Org]:
    rng = random.Random(SEED)
    kinds = (
        ["rightsholder"] * 70
        + ["industry_group"] * 20
        + ["telco"] * 60
        + ["regulator"] * 15
        + ["law_enforcement"] * 10
        + ["intermediary"] * 25
    )
    orgs = []
    special = {0: (TYPICAL, "rightsholder"), 1: (HUB50, "industry_group"), 2: (BIG, "rightsholder")}
    for i, kind in enumerate(kinds):
        if i in special:
            slug, kind = special[i]
        else:
            slug = f"{kind.replace('_', '')[:6]}-{i:03d}"
        country = "PE" if i < 3 else rng.choice(COUNTRIES)
        orgs.append(Org(i + 1, slug, f"{slug.title()} ({country})", kind, country))
    return orgs


def agreements(orgs: list[Org]) -> list[AgreementSpec]:
    """500 agreements: 60% active, the rest proposed, suspended, terminated or expired. The
    typical member is in 5, the industry group in 50, the league in 15."""
    rng = random.Random(SEED + 1)
    by_slug = {o.slug: o.id for o in orgs}
    plain = [o.id for o in orgs if o.slug not in (TYPICAL, HUB50, BIG)]
    quota = {by_slug[TYPICAL]: 5, by_slug[HUB50]: 50, by_slug[BIG]: 15}
    statuses = rng.choices(
        ["active", "proposed", "suspended", "terminated", "expired"],
        weights=[60, 10, 10, 10, 10],
        k=AGREEMENTS,
    )
    # The special members' agreements are spread over the list, so each has some of every state.
    special_slots: dict[int, list[int]] = {}
    for org_id, n in quota.items():
        for slot in rng.sample(range(AGREEMENTS), n):
            special_slots.setdefault(slot, []).append(org_id)
    result = []
    for i in range(AGREEMENTS):
        size = 2 if rng.random() < 0.7 else rng.randint(3, 8)
        parties = list(dict.fromkeys(special_slots.get(i, [])))
        while len(parties) < size:
            candidate = rng.choice(plain)
            if candidate not in parties:
                parties.append(candidate)
        status = statuses[i]
        start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 500))
        if status == "expired":
            expires = start + timedelta(days=rng.randint(30, 200))
        else:
            expires = None if rng.random() < 0.6 else date(2031, 1, 1)
        # Order of draws matters: the cached seed was made with exactly this sequence.
        cats: tuple[str, ...] = ()
        if rng.random() >= 0.4:
            cats = tuple(sorted(rng.sample(CATEGORIES, rng.randint(1, 4))))
        jur: tuple[str, ...] = ()
        if rng.random() >= 0.3:
            jur = tuple(sorted(rng.sample(COUNTRIES, rng.randint(1, 3))))
        result.append(
            AgreementSpec(
                id=i + 1,
                title=f"MOU {i + 1:03d}",
                party_ids=tuple(parties),
                categories=cats,
                jurisdictions=jur,
                max_tlp=rng.choices([0, 1, 2, 3], weights=[5, 40, 45, 10])[0],
                share_identity=rng.random() < 0.5,
                share_evidence=rng.random() < 0.3,
                status=status,
                effective_from=start,
                expires_on=expires,
            )
        )
    return result


def real_hosts() -> list[str]:
    hosts = []
    for line in HOSTS_FILE.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and not line.startswith("#") and "." in parts[1]:
            hosts.append(parts[1].strip().lower())
    return list(dict.fromkeys(hosts))


class Pool:
    """Raw indicator values with a skewed popularity: a few targets are reported by many
    members (a popular IPTV brand), most by one or two."""

    def __init__(self, seed: int = SEED + 2):
        rng = random.Random(seed)
        hosts = real_hosts()
        domains = list(hosts)
        for host in hosts:
            labels = host.split(".")
            brand = labels[-2] if len(labels) >= 2 else labels[0]
            for suffix in rng.sample(MIRROR_SUFFIXES, 3):
                domains.append(f"{brand}.{suffix}")
            for n in range(2, 2 + rng.randint(0, 4)):
                domains.append(f"{brand}{n}.{labels[-1]}")
        # The real list holds a few names the hub rightly refuses (bad punycode): reports
        # carry only names a member could submit.
        from reports.indicators import IndicatorError, normalise

        valid = []
        for name in dict.fromkeys(domains):
            try:
                normalise("domain", name)
            except IndicatorError:
                continue
            valid.append(name)
        self.domains = valid
        self.ips = [
            ".".join(
                str(part)
                for part in (
                    rng.choice([45, 91, 103, 146, 185, 193]),
                    rng.randint(0, 255),
                    rng.randint(0, 255),
                    rng.randint(1, 254),
                )
            )
            for _ in range(8_000)
        ]
        self.rng = rng

    def _pick(self, rng: random.Random, items: list[str]) -> str:
        # Squaring a uniform draw favours the head of the list: a few popular names.
        return items[int(len(items) * rng.random() ** 2)]

    def indicator(self, rng: random.Random) -> tuple[str, str]:
        kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        if kind == "ipv4":
            return kind, self._pick(rng, self.ips)
        host = self._pick(rng, self.domains)
        if kind == "domain":
            return kind, host if rng.random() < 0.8 else f"www.{host}"
        if kind == "iptv_panel":
            return kind, f"panel.{host}:{rng.choice([8080, 25461, 80])}"
        path = rng.choice(["live", "watch", "canal", "jogo", "partido", "stream"])
        return kind, f"https://{host}/{path}/{rng.randint(1, 60)}?utm_source=bench"


class ReportGenerator:
    """Reports for the coalition, deterministic for a given seed."""

    def __init__(self, orgs: list[Org], agreements_: list[AgreementSpec], *, seed: int):
        self.rng = random.Random(seed)
        self.pool = Pool()
        self.orgs = orgs
        self.ids = [o.id for o in orgs]
        # Zipf-like volumes: some members report a lot, most a little.
        self.weights = [1 / (rank + 3) for rank in range(len(orgs))]
        self.rng.shuffle(self.weights)
        self.org_agreements: dict[int, list[int]] = {}
        for a in agreements_:
            for p in a.party_ids:
                self.org_agreements.setdefault(p, []).append(a.id)
        self.country = {o.id: o.country for o in orgs}

    def owners(self, n: int, *, big_id: int | None = None, big_count: int = 0) -> list[int]:
        others = [i for i in self.ids if i != big_id]
        weights = [w for i, w in zip(self.ids, self.weights, strict=True) if i != big_id]
        owners = self.rng.choices(others, weights=weights, k=n - big_count)
        owners += [big_id] * big_count
        self.rng.shuffle(owners)
        return owners

    def report(self, owner_id: int, n: int) -> ReportSpec:
        rng = self.rng
        tlp = rng.choices([0, 1, 2, 3, 4], weights=TLP_WEIGHTS)[0]
        category = rng.choices(CATEGORIES, weights=CATEGORY_WEIGHTS)[0]
        jurisdictions = (
            [] if rng.random() < 0.1 else sorted({self.country[owner_id], rng.choice(COUNTRIES)})
        )
        indicators = list(dict.fromkeys(self.pool.indicator(rng) for _ in range(rng.randint(1, 5))))
        spec = ReportSpec(
            owner_id=owner_id,
            category=category,
            title=f"{category.replace('_', ' ')} operation {n}",
            tlp=tlp,
            jurisdictions=jurisdictions,
            sharing="private" if tlp != 0 and rng.random() < 0.05 else "agreements",
            indicators=indicators,
            created_at=EPOCH + timedelta(seconds=rng.randrange(SPAN_SECONDS)),
        )
        if tlp == 4:
            spec.recipients = [r for r in rng.sample(self.ids, 3) if r != owner_id][:2]
        mine = self.org_agreements.get(owner_id, [])
        if tlp in (1, 2, 3) and mine and rng.random() < 0.05:
            spec.restricted_to = [rng.choice(mine)]
        return spec

    def api_body(self, spec: ReportSpec, slugs: dict[int, str]) -> dict:
        body = {
            "category": spec.category,
            "title": spec.title,
            "tlp": ["clear", "green", "amber", "amber+strict", "red"][spec.tlp],
            "jurisdictions": spec.jurisdictions,
            "sharing": spec.sharing,
            "indicators": [{"kind": k, "value": v} for k, v in spec.indicators],
        }
        if spec.recipients:
            body["recipients"] = [slugs[r] for r in spec.recipients]
        if spec.restricted_to:
            body["agreements"] = spec.restricted_to
        return body
