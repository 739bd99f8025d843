"""Every API viewset starts from the caller's scope (kernel.api.views.ScopedViewSet)."""

from __future__ import annotations

import pytest

from enforcement.api.orders import BlockingOrderViewSet
from enforcement.api.unblock import UnblockReviewViewSet
from kernel.api.views import ScopedViewSet
from members.api.agreements import AgreementViewSet
from members.api.organizations import OrganizationViewSet
from reports.api.reports import ReportViewSet
from reports.api.targets import TargetViewSet

VIEWSETS = [
    AgreementViewSet,
    OrganizationViewSet,
    TargetViewSet,
    ReportViewSet,
    UnblockReviewViewSet,
    BlockingOrderViewSet,
]


@pytest.mark.parametrize("viewset", VIEWSETS, ids=lambda v: v.__name__)
def test_schema_generation_without_a_caller_gets_an_empty_queryset(viewset):
    view = viewset(swagger_fake_view=True, action="list")
    queryset = view.get_queryset()
    assert issubclass(viewset, ScopedViewSet)
    assert queryset.model is viewset.model
    assert queryset.query.is_empty()


def test_a_viewset_that_does_not_say_what_the_caller_may_see_fails_loudly():
    class Forgetful(ScopedViewSet):
        pass

    with pytest.raises(NotImplementedError):
        Forgetful(action="list").get_queryset()
