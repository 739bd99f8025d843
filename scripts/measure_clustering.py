"""Measure the automatic clustering rules (reports/clustering.py) on a real list of pirate hosts.

    .venv/bin/python scripts/measure_clustering.py            # the figures
    .venv/bin/python scripts/measure_clustering.py --review   # + what a human reviews

The input is ../shared/data/piracy-domains.hosts (relative to the repository root), which is
never copied into the project. With no file the script says so and exits 0.

There is no labelled ground truth, so the figures are computed against a *reference judgement*
that is independent of the rules (no warning list, no stop-list, no private Public Suffix List
section) and built from what the list itself says:

* Leading ``www`` and name-server (``ns1``) labels are dropped.
* Under an ICANN registrable domain R that the list names itself (R or www.R is listed), every
  host belongs to R: the list calls R a pirate site, so its sub-domains are its servers.
* Under an R the list never names, each label just below R is a separate tenant (R behaves like
  a hosting parent: nobody reported the parent, only sites on it).
* Two owners with the same name on different ICANN suffixes (``name.org`` / ``name.se``; for a
  tenant, its label plus the parent's name) are one operation, whatever the name.

``--review`` prints every multi-member automatic cluster whose hosts are not just one site with
its www/ns servers, the brand links, the suggestions and a fixed random sample for recall, so
a person can judge them; docs/clustering.md records such a review (counts only, no host names).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import random
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import tldextract

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reports import clustering  # noqa: E402  (the script runs from anywhere)
from reports.clustering import WarningList, cluster  # noqa: E402

HOSTS_FILE = ROOT.parent / "shared" / "data" / "piracy-domains.hosts"
SAMPLE_SEED = 20261123
SAMPLE_SIZE = 200

_ICANN = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)

Pair = tuple[str, str]


def load_hosts(path: Path = HOSTS_FILE) -> list[str]:
    """Host names of a hosts-format file (``0.0.0.0 name``, ``#`` comments), in file order."""
    hosts: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2:
            hosts.extend(fields[1:])
    return list(dict.fromkeys(hosts))


# --------------------------------------------------------------------------- reference judgement


_SERVER_LABEL = re.compile(r"www|ns[0-9]*")


def _strip_www(host: str) -> str:
    """Drop leading www and name-server labels: they name a domain's servers, never a tenant."""
    first, _, rest = host.partition(".")
    while rest and _SERVER_LABEL.fullmatch(first):
        host = rest
        first, _, rest = host.partition(".")
    return host


def reference_owner(host: str, listed: set[str]) -> tuple[str, str]:
    """(owner, name) under the reference judgement (see the module docstring)."""
    host = _strip_www(host)
    parts = _ICANN.extract_str(host, include_psl_private_domains=False)
    registrable = parts.top_domain_under_public_suffix or host
    if registrable in listed or host == registrable or not parts.subdomain:
        return registrable, parts.domain
    tenant = _strip_www(parts.subdomain).rsplit(".", 1)[-1]
    return f"{tenant}.{registrable}", f"{tenant}.{parts.domain}"


def reference_groups(hosts: Iterable[str]) -> list[set[str]]:
    hosts = list(hosts)
    listed = {_strip_www(host) for host in hosts}
    by_name: dict[str, set[str]] = defaultdict(set)
    for host in hosts:
        by_name[reference_owner(host, listed)[1]].add(host)
    return list(by_name.values())


# --------------------------------------------------------------------------- metrics


def pairs_of(groups: Iterable[set[str]]) -> set[Pair]:
    return {
        (a, b) if a < b else (b, a) for group in groups for a, b in itertools.combinations(group, 2)
    }


def _b_cubed(found: list[set[str]], truth: list[set[str]]) -> tuple[float, float]:
    """B-cubed precision and recall: per host, the share of its cluster that is right, and the
    share of its true group that its cluster holds; averaged over hosts. Unlike pair counts,
    one big cluster does not outweigh hundreds of small ones."""
    found_of = {host: group for group in found for host in group}
    truth_of = {host: group for group in truth for host in group}
    hosts = list(found_of)
    precision = sum(len(found_of[h] & truth_of[h]) / len(found_of[h]) for h in hosts)
    recall = sum(len(found_of[h] & truth_of[h]) / len(truth_of[h]) for h in hosts)
    return precision / len(hosts), recall / len(hosts)


@dataclass(frozen=True)
class Figures:
    hosts: int
    clusters: int  # automatic clusters with two hosts or more
    clustered_hosts: int
    singletons: int
    pairs: int  # linked host pairs (every pair in a cluster)
    registrable_pairs: int
    brand_only_pairs: int  # pairs linked by brand and not by registrable domain
    spanning_links: int  # links a database needs to connect each cluster (hosts - 1 per cluster)
    reference_pairs: int
    correct_pairs: int
    disputed_clusters: int  # automatic clusters holding a pair the reference calls different
    pair_precision: float
    pair_recall: float
    bcubed_precision: float
    bcubed_recall: float
    brand_pair_precision: float
    family_pairs: int  # suggestion pairs not already in one automatic cluster
    lookalike_pairs: int
    warning_listed: int  # hosts that are warning-listed themselves (would get a warning)


def _domain_clusters(
    hosts: list[str], warning_list: WarningList = clustering.WARNING_LIST
) -> list[set[str]]:
    targets = (("domain", host) for host in hosts)
    return [{value for _, value in group} for group in cluster(targets, warning_list=warning_list)]


def _key_pairs(
    hosts: list[str], keys: Callable[..., dict[str, str]], name: str, warning_list: WarningList
) -> set[Pair]:
    by_key: dict[str, set[str]] = defaultdict(set)
    for host in hosts:
        key = keys("domain", host, warning_list=warning_list).get(name)
        if key is not None:
            by_key[key].add(host)
    return pairs_of(by_key.values())


def measure(hosts: list[str], warning_list: WarningList = clustering.WARNING_LIST) -> Figures:
    found = _domain_clusters(hosts, warning_list)
    truth = reference_groups(hosts)
    found_pairs, truth_pairs = pairs_of(found), pairs_of(truth)
    keys, suggestions, wl = clustering.cluster_keys, clustering.suggestion_keys, warning_list
    registrable = _key_pairs(hosts, keys, "registrable", wl)
    brand_only = _key_pairs(hosts, keys, "brand", wl) - registrable
    family = _key_pairs(hosts, suggestions, "family", wl) - found_pairs
    lookalike = _key_pairs(hosts, suggestions, "lookalike", wl) - found_pairs
    b_precision, b_recall = _b_cubed(found, truth)
    multi = [group for group in found if len(group) > 1]
    correct = found_pairs & truth_pairs
    return Figures(
        hosts=len(hosts),
        clusters=len(multi),
        clustered_hosts=sum(len(group) for group in multi),
        singletons=len(found) - len(multi),
        pairs=len(found_pairs),
        registrable_pairs=len(registrable),
        brand_only_pairs=len(brand_only),
        spanning_links=sum(len(group) - 1 for group in multi),
        reference_pairs=len(truth_pairs),
        correct_pairs=len(correct),
        disputed_clusters=sum(bool(pairs_of([group]) - truth_pairs) for group in multi),
        pair_precision=len(correct) / len(found_pairs) if found_pairs else 1.0,
        pair_recall=len(correct) / len(truth_pairs) if truth_pairs else 1.0,
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
        brand_pair_precision=len(brand_only & truth_pairs) / len(brand_only) if brand_only else 1.0,
        family_pairs=len(family),
        lookalike_pairs=len(lookalike),
        warning_listed=sum(
            clustering.is_warning_listed("domain", h, warning_list=wl) is not None for h in hosts
        ),
    )


@contextmanager
def brand_settings(*, min_length: int, generic: bool) -> Iterator[None]:
    """Temporarily change the brand thresholds, for the sweep that chose them."""
    saved = clustering.MIN_BRAND_LENGTH, clustering.GENERIC_WORDS
    clustering.MIN_BRAND_LENGTH = min_length
    clustering.GENERIC_WORDS = saved[1] if generic else frozenset()
    try:
        yield
    finally:
        clustering.MIN_BRAND_LENGTH, clustering.GENERIC_WORDS = saved


# --------------------------------------------------------------------------- output


def print_figures(figures: Figures) -> None:
    f = figures
    print(f"hosts                               {f.hosts}")
    print(f"warning-listed hosts                {f.warning_listed}")
    print(f"automatic clusters (2+ hosts)       {f.clusters} ({f.clustered_hosts} hosts)")
    print(f"singletons                          {f.singletons}")
    print(f"linked pairs                        {f.pairs}")
    print(f"  same registrable domain           {f.registrable_pairs}")
    print(f"  same brand only                   {f.brand_only_pairs}")
    print(f"spanning links (hosts - 1)          {f.spanning_links}")
    print(f"reference pairs                     {f.reference_pairs}")
    print(f"clusters the reference disputes     {f.disputed_clusters}")
    print(f"pairwise precision / recall         {f.pair_precision:.4f} / {f.pair_recall:.4f}")
    print(f"B-cubed precision / recall          {f.bcubed_precision:.4f} / {f.bcubed_recall:.4f}")
    print(f"brand-only pair precision           {f.brand_pair_precision:.4f}")
    print(f"suggested pairs, not yet linked     family {f.family_pairs}")
    print(f"                                    lookalike {f.lookalike_pairs}")


def print_sweep(hosts: list[str]) -> None:
    print("\nbrand threshold sweep (min length, stop-list): brand-only pairs, B-cubed P / R")
    for min_length in (2, 3, 4, 5):
        for generic in (False, True):
            with brand_settings(min_length=min_length, generic=generic):
                f = measure(hosts)
            stop = "on " if generic else "off"
            print(
                f"  >= {min_length}, stop-list {stop}: {f.brand_only_pairs:4d} pairs, "
                f"{f.bcubed_precision:.4f} / {f.bcubed_recall:.4f}"
            )


def print_ablation(hosts: list[str]) -> None:
    """What the free-hosting part of the warning list is worth on this list."""
    without = dataclasses.replace(clustering.WARNING_LIST, free_hosting=frozenset())
    f = measure(hosts, without)
    print("\nwithout the free-hosting parents (Public Suffix List private section only)")
    print(f"  clusters {f.clusters}, pairs {f.pairs}, disputed clusters {f.disputed_clusters}")
    print(f"  B-cubed precision / recall {f.bcubed_precision:.4f} / {f.bcubed_recall:.4f}")
    print(f"  brand-only pair precision {f.brand_pair_precision:.4f}")


def _site(host: str) -> str:
    return clustering.cluster_keys("domain", host).get("registrable", host)


def print_review(hosts: list[str]) -> None:
    """What a reviewer reads: never written to the repository."""
    infra = {"", "www", "ns1", "ns2"}
    print("\n== clusters beyond one site with its www/ns servers")
    for group in _domain_clusters(hosts):
        sites = {_site(h) for h in group}
        below = {h[: -len(_site(h))].rstrip(".") for h in group}
        if len(group) > 1 and (len(sites) > 1 or not below <= infra):
            print(f"{len(group):3d} {len(sites)} sites: {' '.join(sorted(group))}")
    print("\n== suggestions not already linked")
    found_pairs = pairs_of(_domain_clusters(hosts))
    for name in ("family", "lookalike"):
        by_key: dict[str, set[str]] = defaultdict(set)
        for host in hosts:
            key = clustering.suggestion_keys("domain", host).get(name)
            if key is not None:
                by_key[key].add(host)
        for key, group in sorted(by_key.items()):
            if pairs_of([group]) - found_pairs:
                print(f"{name} {key}: {' '.join(sorted(group))}")
    print(f"\n== recall sample: {SAMPLE_SIZE} hosts, seed {SAMPLE_SEED}, with their cluster")
    cluster_of = {h: group for group in _domain_clusters(hosts) for h in group}
    for host in sorted(random.Random(SAMPLE_SEED).sample(hosts, SAMPLE_SIZE)):
        others = sorted(cluster_of[host] - {host})
        print(f"{host}  ->  {' '.join(others) or '-'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--review", action="store_true", help="print what a reviewer judges")
    parser.add_argument("--hosts", type=Path, default=HOSTS_FILE, help="a hosts-format file")
    args = parser.parse_args(argv)
    if not args.hosts.is_file():
        print(f"skipped: {args.hosts} not found (it lives in ../shared/data/, never in the repo)")
        return 0
    hosts = load_hosts(args.hosts)
    print_figures(measure(hosts))
    print_sweep(hosts)
    print_ablation(hosts)
    if args.review:
        print_review(hosts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
