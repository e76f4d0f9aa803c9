"""The desk's pages as Textual modes, each built on first use: only Today is imported before the first
paint (the others, their forms and the core load when a page is first shown)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.screen import Screen


def customers_page() -> Screen[Any]:
    from deskapp.tui.pages.customers import CustomersScreen

    return CustomersScreen()


def complaints_page() -> Screen[Any]:
    from deskapp.tui.pages.complaints import ComplaintsScreen

    return ComplaintsScreen()


def follow_ups_page() -> Screen[Any]:
    from deskapp.tui.pages.followups import FollowUpsScreen

    return FollowUpsScreen()


def reports_page() -> Screen[Any]:
    from deskapp.tui.pages.reports import ReportsScreen

    return ReportsScreen()


def duplicates_page() -> Screen[Any]:
    from deskapp.tui.pages.duplicates import DuplicatesScreen

    return DuplicatesScreen()


def settings_page() -> Screen[Any]:
    from deskapp.tui.pages.settings import SettingsScreen

    return SettingsScreen()


def customer_commands() -> type[Provider]:
    from deskapp.tui.commands import CustomerCommands

    return CustomerCommands
