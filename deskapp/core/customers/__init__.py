"""Customers: create, update and archive them, find them (ranked, accent-blind search), read their
timeline, and the lifecycle rules that move their stage (one rule set, used by the per-row services here
and, through the same constants, by the set-wise importer).

May import `deskapp.core.records` and `deskapp.core.db`; nothing above them.
"""

from __future__ import annotations

from deskapp.core.customers import cleaning, contacts, lifecycle, listing, lookup, search, service
from deskapp.core.customers.cleaning import clean_customer_fields, clean_special_dates, customer_cleaners
from deskapp.core.customers.contacts import (
    ADDRESS_FIELDS,
    CONTACT_FIELDS,
    EMAIL,
    PHONE,
    Contacts,
    ContactValue,
    clean_consent,
    clean_country,
    clean_language,
    contact_field_cleaners,
    contacts_by_customer,
    contacts_of,
    keep_losing_contacts,
    search_contacts_of,
    set_contacts,
)
from deskapp.core.customers.lifecycle import (
    ADVOCACY_BY_SCORE_FROM,
    PRE_PURCHASE,
    REPEAT_PURCHASE_FROM,
    add_follow_up,
    after_interaction,
    after_purchase,
    after_referral,
    change_stage,
    creates_follow_ups,
    effective_cadence,
    last_contact_at,
    record_initial_stage,
    stage_history,
)
from deskapp.core.customers.listing import count_customers, distinct_values, pick_customer, search_customers, to_row
from deskapp.core.customers.lookup import find_customer_by, get_customer
from deskapp.core.customers.search import (
    escape_like,
    fts_expression,
    index_in_sync,
    match_ids,
    rebuild_index,
    search_terms,
    top_ids,
)
from deskapp.core.customers.service import (
    archive_customer,
    create_customer,
    customer_snapshot,
    ensure_staff,
    update_customer,
)
from deskapp.core.customers.timeline import timeline

__all__ = [
    "ADDRESS_FIELDS",
    "ADVOCACY_BY_SCORE_FROM",
    "CONTACT_FIELDS",
    "EMAIL",
    "PHONE",
    "PRE_PURCHASE",
    "REPEAT_PURCHASE_FROM",
    "ContactValue",
    "Contacts",
    "add_follow_up",
    "after_interaction",
    "after_purchase",
    "after_referral",
    "archive_customer",
    "change_stage",
    "clean_consent",
    "clean_country",
    "clean_customer_fields",
    "clean_language",
    "clean_special_dates",
    "cleaning",
    "contact_field_cleaners",
    "contacts",
    "contacts_by_customer",
    "contacts_of",
    "count_customers",
    "create_customer",
    "creates_follow_ups",
    "customer_cleaners",
    "customer_snapshot",
    "distinct_values",
    "effective_cadence",
    "ensure_staff",
    "escape_like",
    "find_customer_by",
    "fts_expression",
    "get_customer",
    "index_in_sync",
    "keep_losing_contacts",
    "last_contact_at",
    "lifecycle",
    "listing",
    "lookup",
    "match_ids",
    "pick_customer",
    "rebuild_index",
    "record_initial_stage",
    "search",
    "search_contacts_of",
    "search_customers",
    "search_terms",
    "service",
    "set_contacts",
    "stage_history",
    "timeline",
    "to_row",
    "top_ids",
    "update_customer",
]
