"""CSV files for people to open in Excel/WPS: UTF-8 with BOM, no formula injection."""

import csv
import io
import re
import tempfile
from contextlib import contextmanager

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
