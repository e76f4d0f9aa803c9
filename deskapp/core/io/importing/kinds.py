"""The five kinds of record an import can hold, their public fields, and the headers other systems use.

Synonyms ("a|b|c") are written the way people write headers and compared by `value_key` (letters and
digits only, lower case, no accents), best match first. A field's own name is always its first synonym,
and it is the name exports write, so an export maps back onto itself with no --map at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from deskapp.core.customers import CONTACT_FIELDS
from deskapp.core.io.importing.cleaners import value_key


@dataclass(frozen=True)
class FieldSpec:
    name: str
    synonyms: str = ""  # "|"-separated
    joined: bool = False  # several columns joined with spaces (first + middle + last name)
    several: bool = False  # several columns, the first non-empty one wins (Outlook's mobile, business, home)
    collect: bool = False  # several columns, every non-empty one kept: (column, value) pairs in file order

    def keys(self) -> list[str]:
        return list(dict.fromkeys(value_key(s) for s in (self.name, *self.synonyms.split("|")) if s))


@dataclass(frozen=True)
class KindSpec:
    name: str  # the CLI's word: customers, interactions, ...
    table: str
    fields: tuple[FieldSpec, ...]
    required_columns: tuple[tuple[str, ...], ...]  # each group: at least one of these fields needs a column
    natural_key: tuple[str, ...] = ()  # how a row without external_id is recognised on a second import
    compare: tuple[str, ...] = ()  # stored columns an update may change

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


F = FieldSpec


def _numbered(template: str, count: int = 20) -> str:
    """Google's numbered columns: "E-mail 1 - Value", "E-mail 2 - Value", ..."""
    return "|".join(template.format(i) for i in range(1, count + 1))


REF_GROUP = ("customer_external_id", "customer_email", "customer_id")
CUSTOMER_REFS = (
    F(
        "customer_external_id",
        "customer external id|customer ext id|customer ref|customer reference|customer number|customer no"
        "|client number|client id|contact id|contact record id",
    ),
    F("customer_email", "customer e-mail|customer email address|email|e-mail address|mail|buyer email|contact email"),
    F("customer_id", "customer id"),
    F("customer_name", "customer|client|client name|contact name|contact|full name|buyer|buyer name"),
)

CUSTOMERS = KindSpec(
    "customers",
    "customer",
    (
        F(
            "external_id",
            "ext id|record id|contact id|customer id|customer number|customer no|client id|client number|uid|reference"
            "|kundnummer|asiakasnumero|ügyfélszám",
        ),
        F("id"),
        F("name", "full name|display name|contact name|customer name|customer|client|fn|nimi|namn|név", several=True),
        F(
            "name_parts",
            "first name|given name|forename|fname|middle name|additional name|last name|family name|surname|lname",
            joined=True,
        ),
        F(
            "company",
            "company name|organization|organisation|organization name|organisation name|organization 1 - name|org"
            "|business name|employer|associated company|account name|default address company|billing company"
            "|företag|yritys|cég",
            several=True,
        ),
        F(
            "email",
            "e-mail|email address|e-mail address|mail|primary email|work email|personal email|e-post|sähköposti"
            f"|{_numbered('e-mail {} - value')}|e-mail 2 address|e-mail 3 address|email 2|email 3|secondary email"
            "|other email|home email|emails",
            collect=True,
        ),
        F(
            "phone",
            "mobile|mobile phone|mobile phone number|mobile number|cell|cell phone|phone number|telephone|tel"
            f"|{_numbered('phone {} - value')}|primary phone|business phone|home phone|company main phone|other phone"
            "|business phone 2|home phone 2|car phone|assistant's phone|default address phone|billing phone"
            "|telefon|telefonnummer|mobil|puhelin|matkapuhelin|telefonszám|work phone|phone 2|phone 3|phones",
            collect=True,
        ),
        F("phone_raw"),
        F("tags", "tag|labels|categories|groups|group membership|keywords|segments|taggar"),
        # The labels of the numbered e-mails and phones are read beside their values (see contactrows.py).
        F("contact_labels", f"{_numbered('e-mail {} - label')}|{_numbered('phone {} - label')}", collect=True),
        F(
            "street",
            "street address|street|address|address line 1|address1|address 1 - street|home street|business street"
            "|other street|default address address1|billing address1|billing street|mailing street"
            "|address 1 - formatted|gatuadress|adress|katuosoite|osoite|utca|cím",
            several=True,
        ),
        F(
            "street2",
            "address line 2|address2|address 1 - extended address|address 1 - po box|home street 2|business street 2"
            "|default address address2|billing address2",
            joined=True,
        ),
        F(
            "postcode",
            "postal code|post code|zip|zip code|zipcode|address 1 - postal code|home postal code|business postal code"
            "|other postal code|default address zip|billing zip|mailing zip|postnummer|postinumero|irányítószám",
            several=True,
        ),
        F(
            "city",
            "town|address 1 - city|home city|business city|other city|default address city|billing city|mailing city"
            "|ort|postort|stad|kaupunki|postitoimipaikka|város|település",
            several=True,
        ),
        F(
            "region",
            "state|province|county|state/province|address 1 - region|home state|business state|other state"
            "|default address province code|default address province|billing province|mailing state|län|maakunta|megye",
            several=True,
        ),
        F(
            "country",
            "country code|country/region|address 1 - country|home country/region|business country/region"
            "|other country/region|default address country code|default address country|billing country"
            "|mailing country|land|maa|ország",
            several=True,
        ),
        F("address_labels", f"{_numbered('address {} - label')}|{_numbered('address {} - type')}", collect=True),
        F("language", "preferred language|locale|lang|språk|kieli|nyelv"),
        F(
            "marketing_consent",
            "accepts email marketing|accepts marketing|email marketing consent|marketing opt in|opt in"
            "|subscribed|newsletter|marketing",
        ),
        F("consent_at", "consent date|consent updated at|email marketing consent updated at|opt in date"),
        F("consent_source", "consent source|email marketing consent opt in level|consent method|opt in source"),
        F("source", "lead source|original source|acquisition source|how did you hear about us|referral source"),
        F("owner", "contact owner|account owner|assigned to|sales rep|hubspot owner|account manager"),
        F("stage", "lifecycle stage|lifecycle|customer stage"),
        F("churn_reason", "lost reason|reason lost"),
        F("cadence_days", "cadence|check-in every|check-in days|contact every"),
        F("birthday", "birth date|date of birth|dob|born|bday|födelsedag|syntymäpäivä|születésnap"),
        F("special_dates", "anniversaries"),
        F("notes", "note|comments|comment|description|remarks|memo|anteckningar|megjegyzés"),
        F("created_at", "created|create date|created on|date created|customer since|signup date"),
        F("archived"),
    ),
    (("name", "name_parts", "company"),),
    compare=(
        "name",
        "company",
        "email",
        "phone",
        "tags",
        "source",
        "owner",
        "cadence_days",
        "birthday",
        "special_dates",
        "notes",
        "archived",
        *CONTACT_FIELDS,
        "search_contacts",
    ),
)

INTERACTIONS = KindSpec(
    "interactions",
    "interaction",
    (
        F("external_id", "ext id|interaction id|activity id|event id"),
        *CUSTOMER_REFS,
        F("channel", "type|medium|contact type|activity type|via|kind"),
        F("direction", "in/out|inbound/outbound"),
        F("occurred_at", "date|date time|when|timestamp|time|activity date|at|created at"),
        F("summary", "subject|title|topic|headline"),
        F("details", "body|notes|note|description|message|text|content"),
        F("staff", "user|agent|by|logged by|created by|owner|rep"),
        F("score", "nps|nps score|rating|feedback score"),
    ),
    (REF_GROUP, ("channel",), ("occurred_at",)),
    natural_key=("customer_id", "occurred_at", "channel", "summary"),
    compare=("channel", "direction", "occurred_at", "summary", "details", "staff", "score"),
)

PURCHASES = KindSpec(
    "purchases",
    "purchase",
    (
        F(
            "external_id",
            "ext id|order id|order number|order no|order|invoice number|invoice no|invoice|transaction id"
            "|receipt number|purchase id|ordernummer|order nr",
        ),
        *CUSTOMER_REFS,
        F("ordered_at", "order date|date|purchase date|purchased at|date time|paid at|created at|when|time|datum"),
        F("amount", "total|total price|order total|grand total|price|sum|value|revenue|belopp|summa|összeg"),
        F("cost", "cost price|cogs|purchase cost|kostnad"),
        F("currency", "currency code|cur|valuta"),
        F("description", "item|items|product|products|product name|lineitem name|line items|title|details|artikel"),
    ),
    (REF_GROUP, ("amount",), ("ordered_at",)),
    natural_key=("customer_id", "ordered_at", "amount", "description"),
    compare=("ordered_at", "amount", "cost", "currency", "description"),
)

COMPLAINTS = KindSpec(
    "complaints",
    "complaint",
    (
        F("external_id", "ext id|ticket id|ticket number|case id|case number|complaint id|ticket|case"),
        *CUSTOMER_REFS,
        F("opened_at", "opened|date|created at|created|reported at|date reported|submitted at|when"),
        F("subject", "title|summary|issue|topic"),
        F("details", "description|body|text|message"),
        F("category", "type|reason"),
        F("priority", "severity|urgency"),
        F("status", "state"),
        F("first_response_due", "response due|sla due"),
        F("first_response_at", "responded at|first reply at|first response"),
        F("resolved_at", "closed at|resolved|solved at"),
        F("resolution", "solution|outcome"),
        F("owner", "assignee|assigned to|agent|handler|staff"),
    ),
    (REF_GROUP, ("subject",), ("opened_at",)),
    natural_key=("customer_id", "opened_at", "subject"),
    compare=(
        "opened_at",
        "subject",
        "details",
        "category",
        "priority",
        "status",
        "first_response_due",
        "first_response_at",
        "resolved_at",
        "resolution",
        "owner",
    ),
)

FOLLOWUPS = KindSpec(
    "followups",
    "follow_up",
    (
        F("external_id", "ext id|task id|reminder id"),
        *CUSTOMER_REFS,
        F("due", "due at|due date time|remind at|reminder|when|date"),
        F("due_date", "due on"),
        F("due_time", "time"),
        F("kind", "type|category"),
        F("note", "notes|description|text|task|subject|title|summary"),
        F("status", "state"),
        F("completed_at", "done at|completed|finished at"),
        F("assignee", "assigned to|owner|staff|for|user"),
        F("automatic"),
        F("complaint_external_id"),
        F("complaint_id"),
        F("purchase_external_id"),
        F("purchase_id"),
    ),
    (REF_GROUP, ("due", "due_date")),
    natural_key=("customer_id", "due_date", "kind", "note"),
    compare=(
        "due_date",
        "due_time",
        "kind",
        "note",
        "status",
        "completed_at",
        "assignee",
        "complaint_id",
        "purchase_id",
    ),
)

KINDS: dict[str, KindSpec] = {k.name: k for k in (CUSTOMERS, INTERACTIONS, PURCHASES, COMPLAINTS, FOLLOWUPS)}
ALIASES = {"follow-ups": "followups", "follow_ups": "followups", "customer": "customers", "contacts": "customers"}


def kind_named(word: str) -> KindSpec:
    key = word.strip().lower()
    key = ALIASES.get(key, key)
    if key not in KINDS:
        raise KeyError(f"unknown kind {word!r}; one of: {', '.join(KINDS)}")
    return KINDS[key]
