import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
application = get_wsgi_application()


def tune_garbage_collector() -> None:
    """Moves what start-up loaded (modules, settings, URL patterns) out of the collector's
    sight and lets it run less often. With the defaults, full collections walking that heap
    made one request in twenty three times slower than the median (a list of 50 reports:
    p50 42 ms, p95 126 ms; frozen with these thresholds: p95 57 ms; BENCHMARKS.md,
    "Visibility")."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


tune_garbage_collector()
