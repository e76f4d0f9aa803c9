"""Headers matched by meaning: synonyms, other systems' exports, and --map overrides."""

from __future__ import annotations

import pytest

from deskapp.core.io.importing import MappingError, build_mapping
from deskapp.core.io.importing.headers import detect_preset


def fields(kind: str, headers: list[str], overrides: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    mapping = build_mapping(kind, headers, overrides)
    return {name: source.columns for name, source in mapping.sources.items()}


def test_case_spaces_punctuation_and_accents_do_not_matter() -> None:
    got = fields("customers", ["FULL NAME", "e_mail", "Mobile-Phone", "Company Name", "Születésnap"])
    assert got == {
        "name": ("FULL NAME",),
        "email": ("e_mail",),
        "phone": ("Mobile-Phone",),
        "company": ("Company Name",),
        "birthday": ("Születésnap",),
    }


def test_name_parts_are_joined_in_name_order() -> None:
    mapping = build_mapping("customers", ["Last Name", "Email Address", "First Name", "Middle Name"])
    source = mapping.sources["name_parts"]
    assert source.joined and source.columns == ("First Name", "Middle Name", "Last Name")


def test_several_phone_columns_are_tried_in_order_of_preference() -> None:
    got = fields("customers", ["Name", "Home Phone", "Business Phone", "Mobile Phone"])
    assert got["phone"] == ("Mobile Phone", "Business Phone", "Home Phone")


@pytest.mark.parametrize(
    ("headers", "preset"),
    [
        (["Name", "Given Name", "Family Name", "E-mail 1 - Value", "Group Membership"], "google-contacts-old"),
        (["First Name", "Last Name", "E-mail 1 - Value", "Labels"], "google-contacts"),
        (["First Name", "Last Name", "E-mail Address", "Business Phone", "Categories"], "outlook"),
        (["Record ID", "First Name", "Last Name", "Lifecycle Stage", "Email"], "hubspot"),
        (["name", "email"], None),
    ],
)
def test_known_exports_are_recognised(headers: list[str], preset: str | None) -> None:
    assert detect_preset(headers) == preset


def test_child_kinds_find_their_customer_column() -> None:
    assert fields("purchases", ["Order ID", "Customer Email", "Order Date", "Total"]) == {
        "external_id": ("Order ID",),
        "customer_email": ("Customer Email",),
        "ordered_at": ("Order Date",),
        "amount": ("Total",),
    }
    assert "customer_id" in fields("interactions", ["customer_id", "channel", "occurred_at"])


def test_overrides_win_and_can_ignore_a_column() -> None:
    got = fields("customers", ["Kontakt", "Notes", "Mail"], ("Kontakt=name", "notes="))
    assert got == {"name": ("Kontakt",), "email": ("Mail",)}
    mapping = build_mapping("customers", ["Kontakt", "Notes", "Mail"], ("Kontakt=name", "notes="))
    assert mapping.ignored == ["Notes"]


@pytest.mark.parametrize(
    ("headers", "overrides", "message"),
    [
        (["Email"], (), "no column for name"),
        (["Order", "Total"], (), "no column for customer_external_id or customer_email or customer_id"),
        (["Name"], ("Nope=name",), "has no column 'Nope'"),
        (["Name"], ("Name=colour",), "not a customers field"),
        (["Name"], ("just text",), "Source column=field"),
    ],
)
def test_unusable_mappings_say_what_to_do(headers: list[str], overrides: tuple[str, ...], message: str) -> None:
    kind = "purchases" if "Total" in headers else "customers"
    with pytest.raises(MappingError, match=message):
        build_mapping(kind, headers, overrides)


def test_our_own_export_headers_map_onto_themselves() -> None:
    from deskapp.core.io.exporting import FIELDS

    for kind, names in FIELDS.items():
        mapping = build_mapping(kind, list(names))
        for name in names:
            target = next((f for f, s in mapping.sources.items() if name in s.columns), None)
            expected = name if name not in ("id", "updated_at", "version", "created_at", "customer_name") else target
            if kind != "customers" and name in ("id", "created_at", "updated_at", "version"):
                assert target is None, (kind, name)
            else:
                assert target == expected, (kind, name, target)
