from rest_framework.filters import SearchFilter as DrfSearchFilter


class SearchFilter(DrfSearchFilter):
    """``?q=`` over the viewset's ``search_fields``."""

    search_param = "q"
