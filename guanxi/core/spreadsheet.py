"""Files for people to open in Excel/WPS: CSV in UTF-8 with BOM, no formula injection;
the download response of a built workbook."""

import csv
import io
import re
import tempfile
from contextlib import contextmanager
from urllib.parse import quote

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# a spreadsheet runs cells that start like a formula; such text gets a leading quote
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")  # negative numbers are data, not formulas


def safe_cell(value):
    """``value`` as a spreadsheet will show it literally (a number stays a number)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


@contextmanager
def csv_attachment(reporter, name):
    """Write rows to a temporary CSV (constant memory) and attach it to the job.

    Yields ``write(row)``; every cell goes through ``safe_cell``. The BOM lets
    Excel read UTF-8 Chinese correctly.
    """
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)

        def write(row):
            writer.writerow([safe_cell(value) for value in row])

        yield write
        text.flush()
        reporter.attach(name, raw)
        text.detach()


def download(body, filename, content_type=XLSX):
    """The response that makes a browser save ``body`` as ``filename``: an Excel workbook
    unless ``content_type`` says otherwise. The name goes as RFC 6266 ``filename*`` so
    Chinese names arrive intact."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
