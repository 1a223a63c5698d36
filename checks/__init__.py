"""Checks, one module per criterion of the letter.

Importing this package registers every check (the modules below register themselves with
``@check``); ``registered()`` then lists them in the letter's order.
"""
from checks.registry import CRITERIA, CRITERIA_BY_ID, CRITERION_IDS, Criterion, check, get, registered

# In the letter's order (provided_on_portal and single_system are judged by the catalog sweep).
from checks import (  # noqa: E402,F401  (registration)
    redirect, service_exists, sso, identity_account, autofill, no_redundant_documents, eform, esign,
    input_validation, identity_crosscheck, required_fields, draft_persistence, guidance, mobile_layout,
    response_time, stability, progress_notification, result_storage, privacy, branding, service_usable,
)

__all__ = ["CRITERIA", "CRITERIA_BY_ID", "CRITERION_IDS", "Criterion", "check", "get", "registered"]
