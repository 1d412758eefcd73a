"""Formats: bytes in and out (iCalendar, timeline JSON, HTML, SVG, submission CSV/JSONL).

Formats take domain values and return bytes or rows; they never open a store or call
the application.
"""
