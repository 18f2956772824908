"""Serializer fields shared by every resource."""

from rest_framework import serializers

MAX_ID = 2**63 - 1  # the largest primary key either database stores


class RecordId(serializers.IntegerField):
    """A record's id in a request body: a positive integer the database can hold, so an
    absurd number is a 400, not an overflow deep in the query."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
