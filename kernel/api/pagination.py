from django.core.exceptions import FieldDoesNotExist, ValidationError
from rest_framework import pagination
from rest_framework.exceptions import NotFound


class CursorPagination(pagination.CursorPagination):
    """{"next", "previous", "results"}; `?page_size=` up to 500 (docs/contract.md, REST API)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """DRF checks that a cursor decodes; this also checks that its position fits the
        ordering field. A cursor is only base64 of `p=...`: a forged one (`p=abc` on an id
        ordering) would otherwise reach the database as a bad literal and answer 500."""
        cursor = super().decode_cursor(request)
        position = cursor.position if cursor is not None else None
        if position is not None and not self._position_fits(position):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def _position_fits(self, position: str) -> bool:
        if "\x00" in position:  # PostgreSQL refuses NUL in text, whatever the column
            return False
        field = self._ordering_field()
        if field is None:  # an annotation: nothing to check it against
            return True
        try:
            # to_python parses, the validators hold the column's range (integers).
            field.run_validators(field.to_python(position))
        except (ValidationError, ValueError, TypeError, OverflowError):
            return False
        return True

    def _ordering_field(self):
        model = getattr(self, "_model", None)
        if model is None:
            return None
        path = self.ordering[0].lstrip("-").split("__")
        field = None
        try:
            for name in path:
                field = model._meta.get_field(name)
                model = field.related_model
                if field.is_relation and name == path[-1]:
                    field = field.target_field  # ordering by a foreign key walks its column
        except (FieldDoesNotExist, AttributeError):
            return None
        return field
