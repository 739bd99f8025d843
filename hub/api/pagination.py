from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """{"next", "previous", "results"}; `?page_size=` up to 500 (SPEC.md, REST API)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"
