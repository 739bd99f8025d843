"""Seeds the benchmark coalition (bench/coalition.py) into its own database, once.

`atalaya_bench_big` holds 200 organisations, 500 agreements and 1,000,000 reports with their
indicators and targets, linked as the deduplication worker would have left them. Rows are
written with psycopg 3 COPY (secondary indexes dropped during the load and rebuilt after),
values normalised by the hub's own `reports.indicators.normalise`. A marker row records the
seed's version and size: a later run that finds it reuses the database as it is. Benchmarks
that write work on a copy (`CREATE DATABASE ... TEMPLATE`), never on the seed itself.

    .venv/bin/python bench/seed.py            # seed if missing, print what is there
    BENCH_REPORTS=100000 .venv/bin/python bench/seed.py   # a smaller seed, for trying things
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import coalition  # noqa: E402
from common import ensure_database  # noqa: E402

VERSION = "1"
BASE_DB = os.environ.get("DATABASE_URL", "postgres://atalaya:atalaya@127.0.0.1:5432/atalaya")
SEED_DB = os.environ.get("BENCH_SEED_DB", "atalaya_bench_big")
REPORTS = int(os.environ.get("BENCH_REPORTS", coalition.REPORTS))
CHUNK = 50_000


def db_url(name: str) -> str:
    return urlunsplit(urlsplit(BASE_DB)._replace(path=f"/{name}"))


def pg_url(name: str) -> str:
    return db_url(name).replace("postgres://", "postgresql://", 1)


def marker() -> dict:
    """What the seed was made from; a different marker means the seed is stale and remade.
    The fingerprint covers the organisations and agreements the generator draws, so a change
    to bench/coalition.py that alters them cannot go unnoticed."""
    orgs = coalition.organisations()
    drawn = repr((orgs, coalition.agreements(orgs))).encode()
    return {
        "version": VERSION,
        "seed": coalition.SEED,
        "reports": REPORTS,
        "coalition": hashlib.sha256(drawn).hexdigest()[:16],
    }


def seeded(conn) -> bool:
    exists = conn.execute("SELECT to_regclass('bench_seed') IS NOT NULL").fetchone()[0]
    if not exists:
        return False
    row = conn.execute("SELECT params FROM bench_seed WHERE done").fetchone()
    return row is not None and row[0] == marker()


def ensure_seed() -> str:
    """Returns the seed database's name, seeding it first if it is missing or stale."""
    import psycopg

    ensure_database(BASE_DB, SEED_DB)
    with psycopg.connect(pg_url(SEED_DB), autocommit=True) as conn:
        done = seeded(conn)
    if done:
        # The data stays; the schema follows the code (new indexes, new columns).
        _migrate()
        return SEED_DB
    started = time.monotonic()
    print(f"seeding {SEED_DB}: {REPORTS:,} reports (once; later runs reuse it)...", flush=True)
    with psycopg.connect(pg_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{SEED_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{SEED_DB}"')
    _migrate()
    os.environ["DATABASE_URL"] = db_url(SEED_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()
    with psycopg.connect(pg_url(SEED_DB)) as conn:
        _seed(conn)
        conn.execute("CREATE TABLE bench_seed (params jsonb NOT NULL, done boolean NOT NULL)")
        conn.execute("INSERT INTO bench_seed VALUES (%s, true)", [json.dumps(marker())])
        conn.commit()
    with psycopg.connect(pg_url(SEED_DB), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)
    return SEED_DB


def _migrate() -> None:
    import subprocess

    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=db_url(SEED_DB)),
        check=True,
    )


def _secondary_indexes(conn, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of each index on `tables` that backs no constraint."""
    return conn.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = ANY(%s) AND i.schemaname = 'public'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [tables],
    ).fetchall()


def _seed(conn) -> None:
    from django.contrib.auth.hashers import make_password

    from members.models import Agreement, AgreementParty, APIKey, Organization, User, hash_api_key
    from reports.indicators import normalise
    from reports.models import Indicator, Report, Target

    orgs = coalition.organisations()
    agreements = coalition.agreements(orgs)
    now = coalition.EPOCH
    password = make_password("bench-password")
    with conn.cursor() as cur:
        with cur.copy(
            "COPY members_organization (id, slug, name, kind, country, is_suspended, created_at)"
            " FROM STDIN"
        ) as copy:
            for o in orgs:
                copy.write_row((o.id, o.slug, o.name, o.kind, o.country, False, now))
        with cur.copy(
            f"COPY {User._meta.db_table} (id, email, password, full_name, organization_id, role,"
            " language, time_zone, is_active, is_staff, is_superuser, date_joined) FROM STDIN"
        ) as copy:
            for o in orgs:
                copy.write_row(
                    (o.id, f"admin@{o.slug}.example", password, f"Admin {o.slug}", o.id,
                     "admin", "", "", True, False, False, now)
                )  # fmt: skip
        with cur.copy(
            f"COPY {APIKey._meta.db_table} (organization_id, name, prefix, hashed_key, scopes,"
            " created_at) FROM STDIN"
        ) as copy:
            for o in orgs:
                plain = coalition.api_key(o.id)
                copy.write_row(
                    (o.id, "bench", plain[:12], hash_api_key(plain), '["read", "write"]', now)
                )
        with cur.copy(
            f"COPY {Agreement._meta.db_table} (id, title, categories, jurisdictions, max_tlp,"
            " share_reporter_identity, share_evidence, effective_from, expires_on, status,"
            " proposed_by_id, created_at, updated_at) FROM STDIN"
        ) as copy:
            for a in agreements:
                copy.write_row(
                    (a.id, a.title, list(a.categories), list(a.jurisdictions), a.max_tlp,
                     a.share_identity, a.share_evidence, a.effective_from, a.expires_on,
                     a.status, a.party_ids[0], now, now)
                )  # fmt: skip
        with cur.copy(
            f"COPY {AgreementParty._meta.db_table} (agreement_id, organization_id, signed_at,"
            " signed_by_id) FROM STDIN"
        ) as copy:
            for a in agreements:
                for i, p in enumerate(a.party_ids):
                    signed = a.status != "proposed" or i == 0
                    copy.write_row((a.id, p, now if signed else None, p if signed else None))
    conn.commit()

    big = next(o.id for o in orgs if o.slug == coalition.BIG)
    generator = coalition.ReportGenerator(orgs, agreements, seed=coalition.SEED + 3)
    owners = generator.owners(REPORTS, big_id=big, big_count=min(coalition.BIG_REPORTS, REPORTS))
    tables = [
        Report._meta.db_table,
        Indicator._meta.db_table,
        Target._meta.db_table,
        Report.recipients.through._meta.db_table,
        Report.restricted_to.through._meta.db_table,
    ]
    indexes = _secondary_indexes(conn, tables)
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    conn.commit()

    import multiprocessing

    pool = multiprocessing.get_context("fork").Pool(os.cpu_count())
    normalised: dict[tuple[str, str], str] = {}
    target_ids: dict[tuple[str, str], int] = {}
    report_id = indicator_id = 0
    t0 = time.monotonic()
    for start in range(0, REPORTS, CHUNK):
        specs = [
            generator.report(owner, start + i + 1)
            for i, owner in enumerate(owners[start : start + CHUNK])
        ]
        # created_at follows the id, as it does in life (ids are handed out in time order).
        stamps = sorted(s.created_at for s in specs)
        new_targets = []
        with conn.cursor() as cur:
            with cur.copy(
                f"COPY {Report._meta.db_table} (id, owner_id, category, title, description, tlp,"
                " jurisdictions, sharing, status, created_at, updated_at, linked_at) FROM STDIN"
            ) as copy:
                for spec, stamp in zip(specs, stamps, strict=True):
                    report_id += 1
                    spec.id = report_id
                    copy.write_row(
                        (report_id, spec.owner_id, spec.category, spec.title, "", spec.tlp,
                         spec.jurisdictions, spec.sharing, "open", stamp, stamp, stamp)
                    )  # fmt: skip
            rows = []
            for spec in specs:
                for position, (kind, raw) in enumerate(spec.indicators):
                    value = normalised.get((kind, raw))
                    if value is None:
                        value = normalised[(kind, raw)] = normalise(kind, raw)
                    tid = target_ids.get((kind, value))
                    if tid is None:
                        tid = target_ids[(kind, value)] = len(target_ids) + 1
                        new_targets.append((tid, kind, value))
                    indicator_id += 1
                    rows.append((indicator_id, spec.id, position, kind, raw, value, tid))
            with cur.copy(
                f"COPY {Target._meta.db_table} (id, kind, value, created_at, registrable, brand,"
                " family, lookalike, warning, uid) FROM STDIN"
            ) as copy:
                # The keys are the costly part of the seed: computed on every core.
                for row in pool.imap(_target_row, new_targets, chunksize=1000):
                    copy.write_row((*row[:3], now, *row[3:]))
            with cur.copy(
                f"COPY {Indicator._meta.db_table} (id, report_id, position, kind, raw_value,"
                " value, target_id) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            with cur.copy(
                f"COPY {Report.recipients.through._meta.db_table} (report_id, organization_id)"
                " FROM STDIN"
            ) as copy:
                for spec in specs:
                    for org_id in spec.recipients:
                        copy.write_row((spec.id, org_id))
            with cur.copy(
                f"COPY {Report.restricted_to.through._meta.db_table} (report_id, agreement_id)"
                " FROM STDIN"
            ) as copy:
                for spec in specs:
                    for agreement_id in spec.restricted_to:
                        copy.write_row((spec.id, agreement_id))
        conn.commit()
        done = start + len(specs)
        print(
            f"  {done:,} reports, {indicator_id:,} indicators, {len(target_ids):,} targets"
            f" ({time.monotonic() - t0:.0f} s)",
            flush=True,
        )
    pool.close()
    print(f"  rebuilding {len(indexes)} indexes...", flush=True)
    conn.execute("SET maintenance_work_mem = '512MB'")
    for _, definition in indexes:
        conn.execute(definition)
    for table, column in [
        (Report._meta.db_table, "id"),
        (Indicator._meta.db_table, "id"),
        (Target._meta.db_table, "id"),
        (Organization._meta.db_table, "id"),
        (User._meta.db_table, "id"),
        (Agreement._meta.db_table, "id"),
    ]:
        sql = f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT max({column}) FROM {table}))"  # noqa: E501, S608 - our own table names
        conn.execute(sql)
    conn.commit()


def _target_row(target: tuple[int, str, str]) -> tuple:
    """A target's row as the deduplication worker writes it (reports.dedup.ensure_targets)."""
    from reports import clustering
    from reports.models.core import target_uid

    tid, kind, value = target
    keys = clustering.cluster_keys(kind, value)
    hints = clustering.suggestion_keys(kind, value)
    return (
        tid,
        kind,
        value,
        keys.get("registrable", ""),
        keys.get("brand", ""),
        hints.get("family", ""),
        hints.get("lookalike", ""),
        clustering.is_warning_listed(kind, value) or "",
        target_uid(kind, value),
    )


def clone(name: str) -> str:
    """A fresh, writable copy of the seed (a file-level copy: seconds, not a re-seed)."""
    import psycopg

    seed = ensure_seed()
    with psycopg.connect(pg_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{seed}"')
    return name


def drop(name: str) -> None:
    import psycopg

    with psycopg.connect(pg_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    name = ensure_seed()
    import psycopg

    with psycopg.connect(pg_url(name)) as conn:
        for table in ["members_organization", "members_agreement", "reports_report",
                      "reports_indicator", "reports_target"]:  # fmt: skip
            count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            print(f"{table}: {count:,}")
