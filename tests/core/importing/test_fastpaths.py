"""The importer's fast e-mail and phone paths must answer exactly what the core cleaners answer."""

from __future__ import annotations

import random
from collections.abc import Callable

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskapp.core.io.importing import fastpaths
from deskapp.core.io.importing.fastpaths import clean_email_fast, clean_phone_fast
from deskapp.core.records.errors import ValidationFailed
from deskapp.core.records.validation import clean_email, clean_phone


def outcome(fn: Callable[..., object], *args: object) -> object:
    try:
        return fn(*args)
    except ValidationFailed as exc:
        return ("error", exc.errors[0].field, exc.errors[0].message)


LOCAL = st.text(alphabet="abcXYZ09._%+-'!#~\u00e9 ", min_size=0, max_size=12)
DOMAIN = st.sampled_from(
    ["example.com", "Example.COM", "gmail.com", "x.test", "localhost", "a..b.com", "-x.com", "xn--bcher-kva.com", "b.c"]
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(local=LOCAL, domain=DOMAIN, padding=st.sampled_from(["", " ", "\t"]))
def test_email_fast_path_matches_the_core(local: str, domain: str, padding: str) -> None:
    text = f"{padding}{local}@{domain}{padding}"
    first = outcome(clean_email, text)
    # twice: the second call takes the fast path once the domain is known
    assert outcome(clean_email_fast, text) == first
    assert outcome(clean_email_fast, text) == first


def test_email_fast_path_learns_domains() -> None:
    fastpaths.reset_caches()
    assert clean_email_fast("Anna.Berg@Example.COM") == "Anna.Berg@example.com"
    assert "Example.COM" in fastpaths._domains
    assert clean_email_fast("bo@Example.COM") == "bo@example.com"
    with pytest.raises(ValidationFailed):
        clean_email_fast("a..b@Example.COM")


def _numbers(seed: int, count: int) -> list[tuple[str, str]]:
    """Real-looking numbers of every region, varied in their last digits, written three ways."""
    rng = random.Random(seed)
    fmt = phonenumbers.PhoneNumberFormat
    out: list[tuple[str, str]] = []
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    while len(out) < count:
        region = rng.choice(regions)
        kind = rng.choice([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE])
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        national = str(example.national_number)
        cut = rng.randint(1, min(6, len(national) - 1))
        national = national[:-cut] + "".join(rng.choice("0123456789") for _ in range(cut))
        try:
            number = phonenumbers.parse(f"+{example.country_code}{national}")
        except phonenumbers.NumberParseException:
            continue
        text = phonenumbers.format_number(number, rng.choice([fmt.E164, fmt.INTERNATIONAL, fmt.NATIONAL]))
        out.append((text, rng.choice([region, "GB", "SE", "US"])))
    return out


def test_phone_fast_path_matches_the_core_across_regions() -> None:
    fastpaths.reset_caches()
    samples = _numbers(4, 6000)
    for _ in range(2):  # the second round runs on learned shapes
        for text, region in samples:
            assert outcome(clean_phone_fast, text, region) == outcome(clean_phone, text, region), (text, region)
    assert any(fastpaths._shapes.values())


@settings(max_examples=300)
@given(
    digits=st.text(alphabet="0123456789", min_size=5, max_size=13),
    plus=st.booleans(),
    sep=st.sampled_from(["", " ", "-"]),
)
def test_phone_fast_path_matches_the_core_on_arbitrary_digits(digits: str, plus: bool, sep: str) -> None:
    text = ("+" if plus else "") + sep.join([digits[:3], digits[3:]])
    for region in ("GB", "SE", "HU"):
        expected = outcome(clean_phone, text, region)
        assert outcome(clean_phone_fast, text, region) == expected
        assert outcome(clean_phone_fast, text, region) == expected


def test_phone_fast_path_keeps_what_was_typed() -> None:
    e164, raw, search = clean_phone_fast(" 07911 123456 ", "GB")
    assert (e164, raw) == ("+447911123456", "07911 123456")
    assert search == clean_phone("07911 123456", "GB")[2]
