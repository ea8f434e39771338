"""Helpers for the test suite: an HTML reader for server-rendered pages and the browser fixtures."""
