"""Checks, one module per criterion of the letter.

Importing this package registers every check (the modules below register themselves with
``@check``); ``registered()`` then lists them in the letter's order.
"""
from checks.registry import CRITERIA, CRITERIA_BY_ID, CRITERION_IDS, Criterion, check, get, registered

from checks import redirect, service_exists, sso, autofill  # noqa: E402,F401  (registration)

__all__ = ["CRITERIA", "CRITERIA_BY_ID", "CRITERION_IDS", "Criterion", "check", "get", "registered"]
