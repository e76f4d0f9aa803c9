"""Settings as people see and change them: every key with its value, default and meaning; a change
validated by the key's rule and audited; a reset to the default.

The CLI (`deskapp settings`) and the desk's Settings page both call these, so a value refused in one is
refused in the other with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from deskapp.core.db import is_stored, write_setting
from deskapp.core.records import KEYS, Settings, load_settings, parse_setting, plain_setting, rule_for


@dataclass(frozen=True)
class SettingView:
    """One setting for a listing: `text` and `default_text` as a person types them, `value` and
    `default` as JSON holds them (for `--json`)."""

    key: str
    text: str
    default_text: str
    description: str
    allowed: str
    value: Any
    default: Any

    @property
    def is_default(self) -> bool:
        return bool(self.value == self.default)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "default": self.default,
            "text": self.text,
            "default_text": self.default_text,
            "is_default": self.is_default,
            "description": self.description,
            "allowed": self.allowed,
        }


@dataclass(frozen=True)
class SettingChange:
    key: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def message(self) -> str:
        """One line; for lists of pairs only the pairs that changed (`retention 60 -> 90`)."""
        if not self.changed:
            return f"{self.key} is already {self.after}"
        before, after = _pairs(self.before), _pairs(self.after)
        if before and after and before.keys() == after.keys():
            moved = [f"{name} {before[name]} -> {after[name]}" for name in after if before[name] != after[name]]
            return f"{self.key} changed: {', '.join(moved)}"
        return f"{self.key} changed from {self.before} to {self.after}"


def _pairs(text: str) -> dict[str, str]:
    items = [item.partition("=") for item in text.split(", ")]
    return {name: value for name, sep, value in items if sep} if all(sep for _, sep, _ in items) else {}


def _view(key: str, value: Any, default: Any) -> SettingView:
    rule = rule_for(key)
    return SettingView(
        key=key,
        text=rule.show(value),
        default_text=rule.show(default),
        description=rule.description,
        allowed=rule.allowed,
        value=plain_setting(value),
        default=plain_setting(default),
    )


def list_settings(session: Session) -> tuple[SettingView, ...]:
    """Every setting in the order `Settings` declares them, stored values over the defaults."""
    current, defaults = load_settings(session), Settings()
    return tuple(_view(key, getattr(current, key), getattr(defaults, key)) for key in KEYS)


def setting_view(session: Session, key: str) -> SettingView:
    rule_for(key)  # an unknown key is refused before anything is read
    key = key.strip()
    return _view(key, getattr(load_settings(session), key), getattr(Settings(), key))


def change_setting(session: Session, key: str, text: str) -> SettingChange:
    """Set `key` from what a person typed; refused (`ValidationFailed`, naming the allowed values) before
    anything is written. Setting the value it already has writes nothing."""
    rule = rule_for(key)
    key = key.strip()
    current = getattr(load_settings(session), key)
    value = parse_setting(key, text, current)
    change = SettingChange(key, rule.show(current), rule.show(value))
    if change.changed:
        write_setting(session, key, value, before=current)
    return change


def reset_setting(session: Session, key: str) -> SettingChange:
    """Back to the built-in default (the stored row is removed, so a later default applies too)."""
    rule = rule_for(key)
    key = key.strip()
    current, default = getattr(load_settings(session), key), getattr(Settings(), key)
    change = SettingChange(key, rule.show(current), rule.show(default))
    if change.changed or is_stored(session, key):
        write_setting(session, key, default, before=current, reset=True)
    return change
