"""``CalendarCacheMiddleware``: one work calendar per org for the whole request (see
``selectors.calendar_cache``) — a bulk change of many tickets' statuses resumes or restarts
many SLA clocks, and reads the calendar once."""

from guanxi.service.routing.selectors import calendar_cache


class CalendarCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with calendar_cache():
            return self.get_response(request)
