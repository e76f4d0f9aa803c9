"""What a customer has as a contact beyond a name: the postal address, language, marketing consent, and
further e-mails and phones with their labels.

The primary e-mail and phone stay on the customer row; the further ones live in child tables and reach
the search index through `customer.search_contacts`, which `set_contacts` keeps in step with them (the
importer does the same set-wise). Phones without a country code are read in the customer's country.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from deskapp.core.records import (
    ConsentStatus,
    Customer,
    CustomerEmail,
    CustomerPhone,
    NotFound,
    Settings,
    ValidationFailed,
    clean_datetime,
    clean_email,
    clean_phone,
    clean_text,
    country_code,
    fold,
    language_code,
    load_settings,
    phone_region_for,
    table_of,
)

ADDRESS_FIELDS = ("street", "postcode", "city", "region", "country")
CONTACT_FIELDS = (*ADDRESS_FIELDS, "language", "marketing_consent", "consent_at", "consent_source")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_GIVEN = frozenset({"yes", "y", "true", "1", "given", "subscribed", "optedin", "optin", "ja", "kylla", "igen"})
_WITHDRAWN = frozenset(
    {"no", "n", "false", "0", "withdrawn", "unsubscribed", "optedout", "optout", "notsubscribed", "nej", "ei", "nem"}
)


def clean_country(value: Any) -> str:
    if value is None or not str(value).strip():
        return ""
    code = country_code(str(value))
    if code is None:
        raise ValidationFailed.one("country", value, "is not a country (use a code such as SE, or its name)")
    return code


def clean_language(value: Any) -> str:
    """A language tag ("sv", "en-GB"), also from a language's name ("Svenska", "English")."""
    text = clean_text("language", value, max_length=35)
    if text and not _LANGUAGE.match(text):
        text = language_code(text) or ""
        if not text:
            raise ValidationFailed.one("language", value, "is not a language (use a tag such as sv, fi, hu, en-GB)")
    return text.replace("_", "-")


def clean_consent(value: Any) -> ConsentStatus | None:
    if value is None or isinstance(value, ConsentStatus):
        return value
    key = re.sub(r"[^0-9a-z]+", "", fold(str(value)))
    if not key:
        return None
    if key in _GIVEN:
        return ConsentStatus.GIVEN
    if key in _WITHDRAWN:
        return ConsentStatus.WITHDRAWN
    raise ValidationFailed.one("marketing_consent", value, "must be given or withdrawn (yes/no)")


def contact_field_cleaners() -> dict[str, Callable[[Any], dict[str, Any]]]:
    """The services' cleaners for the contact fields (see customers.cleaning.customer_cleaners)."""
    return {
        "street": lambda v: {"street": clean_text("street", v, max_length=300)},
        "postcode": lambda v: {"postcode": clean_text("postcode", v, max_length=32)},
        "city": lambda v: {"city": clean_text("city", v, max_length=100)},
        "region": lambda v: {"region": clean_text("region", v, max_length=100)},
        "country": lambda v: {"country": clean_country(v)},
        "language": lambda v: {"language": clean_language(v)},
        "marketing_consent": lambda v: {"marketing_consent": clean_consent(v)},
        "consent_at": lambda v: {"consent_at": clean_datetime("consent_at", v)},
        "consent_source": lambda v: {"consent_source": clean_text("consent_source", v, max_length=200)},
    }


@dataclass(frozen=True)
class ContactValue:
    value: str  # an e-mail address, or a phone in E.164
    label: str = ""
    raw: str = ""  # a phone as it was typed


@dataclass(frozen=True)
class Contacts:
    """A customer's further e-mails and phones, in order (the primary ones are on the customer)."""

    emails: tuple[ContactValue, ...] = ()
    phones: tuple[ContactValue, ...] = ()


EMAIL = table_of(CustomerEmail)
PHONE = table_of(CustomerPhone)


def contacts_by_customer(session: Session, ids: Sequence[int]) -> dict[int, Contacts]:
    """Further e-mails and phones of many customers at once, in their order (exports, the customer page)."""
    emails: dict[int, list[ContactValue]] = {}
    phones: dict[int, list[ContactValue]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        for cid, address, label in session.execute(
            select(EMAIL.c.customer_id, EMAIL.c.address, EMAIL.c.label)
            .where(EMAIL.c.customer_id.in_(chunk))
            .order_by(EMAIL.c.position, EMAIL.c.id)
        ):
            emails.setdefault(cid, []).append(ContactValue(address, label))
        for cid, phone, label, raw in session.execute(
            select(PHONE.c.customer_id, PHONE.c.phone, PHONE.c.label, PHONE.c.phone_raw)
            .where(PHONE.c.customer_id.in_(chunk))
            .order_by(PHONE.c.position, PHONE.c.id)
        ):
            phones.setdefault(cid, []).append(ContactValue(phone, label, raw))
    return {cid: Contacts(tuple(emails.get(cid, ())), tuple(phones.get(cid, ()))) for cid in set(emails) | set(phones)}


def contacts_of(session: Session, customer_id: int) -> Contacts:
    return contacts_by_customer(session, [customer_id]).get(customer_id, Contacts())


def set_contacts(
    session: Session,
    customer_id: int,
    *,
    emails: Sequence[tuple[str, str]] = (),
    phones: Sequence[tuple[str, str]] = (),
    settings: Settings | None = None,
) -> Contacts:
    """Replace a customer's further e-mails and phones ((value, label) pairs; phones as typed, read in the
    customer's country). Every value is checked first: nothing changes unless all are good."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    settings = settings or load_settings(session)
    region = phone_region_for(customer.country, settings.phone_region)
    errors = []
    clean_emails: list[tuple[str, str]] = []
    for address, label in emails:
        try:
            cleaned = clean_email(address, "emails")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        if cleaned and cleaned != customer.email and cleaned not in (e for e, _ in clean_emails):
            clean_emails.append((cleaned, clean_text("emails", label, max_length=64)))
    clean_phones: list[tuple[str, str, str, str]] = []
    for number, label in phones:
        try:
            e164, raw, search = clean_phone(number, region, "phones")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        if e164 and e164 != customer.phone and e164 not in (p[0] for p in clean_phones):
            clean_phones.append((e164, raw, clean_text("phones", label, max_length=64), search))
    if errors:
        raise ValidationFailed(errors)
    session.execute(delete(EMAIL).where(EMAIL.c.customer_id == customer_id))
    session.execute(delete(PHONE).where(PHONE.c.customer_id == customer_id))
    for position, (address, label) in enumerate(clean_emails):
        session.add(CustomerEmail(customer_id=customer_id, address=address, label=label, position=position))
    for position, (e164, raw, label, _) in enumerate(clean_phones):
        session.add(CustomerPhone(customer_id=customer_id, phone=e164, phone_raw=raw, label=label, position=position))
    search = " ".join(dict.fromkeys([*(e for e, _ in clean_emails), *(p[3] for p in clean_phones)]))
    if customer.search_contacts != search:
        customer.search_contacts = search
        customer.version += 1
    session.flush()
    return contacts_of(session, customer_id)


def search_contacts_of(session: Session, customer_id: int, country: str = "") -> str:
    """What `customer.search_contacts` should hold, from the child rows (after they moved in a merge)."""
    region = phone_region_for(country, load_settings(session).phone_region)
    held = contacts_of(session, customer_id)
    searches = [clean_phone(p.value, region)[2] for p in held.phones]
    return " ".join(dict.fromkeys([*(e.value for e in held.emails), *searches]))


def keep_losing_contacts(
    session: Session, survivor: Customer, other: Customer, values: dict[str, Any]
) -> dict[str, list[int]]:
    """A merge keeps one primary e-mail and phone; the other customer's (or the survivor's own) that lost
    become further ones of the survivor, so no way to reach the person is lost. Returns the added ids."""
    added: dict[str, list[int]] = {}
    assert survivor.id is not None
    held = contacts_of(session, survivor.id)
    theirs = contacts_of(session, other.id) if other.id is not None else Contacts()
    known_emails = {values.get("email"), *(e.value for e in held.emails), *(e.value for e in theirs.emails)}
    for email in (survivor.email, other.email):
        if email and email not in known_emails:
            row = CustomerEmail(customer_id=survivor.id, address=email, label="before merge", position=99)
            session.add(row)
            session.flush()
            added.setdefault("customer_email", []).append(int(row.id or 0))
            known_emails.add(email)
    known_phones = {values.get("phone"), *(p.value for p in held.phones), *(p.value for p in theirs.phones)}
    for customer in (survivor, other):
        if customer.phone and customer.phone not in known_phones:
            row2 = CustomerPhone(
                customer_id=survivor.id,
                phone=customer.phone,
                phone_raw=customer.phone_raw,
                label="before merge",
                position=99,
            )
            session.add(row2)
            session.flush()
            added.setdefault("customer_phone", []).append(int(row2.id or 0))
            known_phones.add(customer.phone)
    return added
