"""The customer's fields, named once: what a person or a file may set, and the stored columns each writes.

The services clean these fields, the importer inserts these columns, merging picks between them, exports
and `--json` write them: every one of those lists is derived from `CUSTOMER_FIELDS`, in its order.
Kept free of SQLModel so anything may read it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CustomerField:
    name: str  # the public name: the service's keyword, a form's field, a file's column, a --json key
    columns: tuple[str, ...]  # the stored columns a value of it writes
    internal: tuple[str, ...] = ()  # of those, the ones only the desk itself reads (search index digits)


CUSTOMER_FIELDS: tuple[CustomerField, ...] = (
    CustomerField("name", ("name",)),
    CustomerField("company", ("company",)),
    CustomerField("email", ("email",)),
    CustomerField("phone", ("phone", "phone_raw", "search_phone"), internal=("search_phone",)),
    CustomerField("tags", ("tags",)),
    CustomerField("source", ("source",)),
    CustomerField("owner", ("owner",)),
    CustomerField("stage", ("stage",)),
    CustomerField("cadence_days", ("cadence_days",)),
    CustomerField("birthday", ("birthday",)),
    CustomerField("special_dates", ("special_dates",)),
    CustomerField("notes", ("notes",)),
    # What a contact has beyond a name (see deskapp.core.customers.contacts): the postal address, language
    # and marketing consent with when and how it was given.
    CustomerField("street", ("street",)),
    CustomerField("postcode", ("postcode",)),
    CustomerField("city", ("city",)),
    CustomerField("region", ("region",)),
    CustomerField("country", ("country",)),
    CustomerField("language", ("language",)),
    CustomerField("marketing_consent", ("marketing_consent",)),
    CustomerField("consent_at", ("consent_at",)),
    CustomerField("consent_source", ("consent_source",)),
    CustomerField("external_id", ("external_id",)),
)
# Columns the desk keeps itself: when the record was made and changed, whether it is archived, its version.
BOOKKEEPING_COLUMNS = ("created_at", "updated_at", "archived", "version")
# Columns only the desk itself reads, kept by no field: the further e-mails and phones for the search index
# (the contact services and the importer keep it in step with the child tables).
INDEX_COLUMNS = ("search_contacts",)

EDITABLE_FIELDS: tuple[str, ...] = tuple(f.name for f in CUSTOMER_FIELDS)
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {f.name: f.columns for f in CUSTOMER_FIELDS}
# Every column a new customer row is written with (all but the id and PostgreSQL's trigger-kept search text).
STORED_COLUMNS: tuple[str, ...] = (
    *(c for f in CUSTOMER_FIELDS for c in f.columns),
    *BOOKKEEPING_COLUMNS,
    *INDEX_COLUMNS,
)
# What the desk shows of a customer outside itself: exports, `--json`, a conflict's newer values.
PUBLIC_COLUMNS: tuple[str, ...] = (
    "id",
    *(c for f in CUSTOMER_FIELDS for c in f.columns if c not in f.internal),
    *BOOKKEEPING_COLUMNS,
)
