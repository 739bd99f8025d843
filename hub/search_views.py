from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .search import MIN_LENGTH, search


@login_required
def search_page(request):
    org = request.user.organization
    query = request.GET.get("q", "")
    results = search(org, query) if org is not None else None
    return render(
        request,
        "hub/search.html",
        {"results": results, "query": query, "min_length": MIN_LENGTH},
    )
