"""Building import files in tests."""

import csv
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile


def csv_bytes(rows, encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(content, name="customers.csv"):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
