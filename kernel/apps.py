from django.apps import AppConfig


class KernelConfig(AppConfig):
    """The shared plumbing at the bottom of the layers: vocabulary, the API's base (problem JSON,
    pagination, parsers, fields, throttles, the scoped viewset, the OpenAPI schema class),
    bulk COPY, htmx fragments, advisory locks, rate-limit counters and the bad-input
    middleware. It imports no other app of the project (import-linter checks it)."""

    name = "kernel"
    verbose_name = "Kernel"
