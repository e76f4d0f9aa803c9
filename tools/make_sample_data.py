#!/usr/bin/env python3
"""Generate the demo data set in ``sample_data/`` for "Cykelverkstan / Spoke & Chain", a bicycle shop.

Why a generator instead of hand-written CSVs: the demo must be internally consistent (stages match
purchase counts, stage histories end in the current stage, referrals and follow-ups point at real
customers), which is only practical to guarantee in code.  One fixed seed and no iteration over sets
make every run byte-identical, so the committed CSVs can be regenerated and diffed.

Dates are never written as calendar dates: rows carry offsets (``days_ago``, ``due_in_days``,
``created_days_ago``) that the loader turns into real dates relative to the load day, so the demo
always looks current.  Birthdays are the only fixed dates.  Internally a day is an index ``t`` in
0..TODAY (TODAY is the load day, 0 is two years earlier), written out as ``TODAY - t``.

Stdlib only on purpose: it must run without the app's virtualenv.
Usage: python tools/make_sample_data.py [output_dir]        (default: sample_data/ next to tools/)
"""

import csv
import datetime
import math
import random
import sys
import unicodedata
from pathlib import Path
from types import SimpleNamespace as NS

SEED = 20261123
TODAY = 730
rng = random.Random(SEED)


def table(text):
    """Rows of a '|'-separated text block: keeps the vocabulary readable and out of the formatter's way."""
    return [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]


STAFF = [("anna", "Anna Lindberg"), ("bence", "Bence Halász"), ("thabo", "Thabo Mokoena"), ("oliver", "Oliver Pryce")]
LOGINS = [login for login, _ in STAFF]
TAGS = ["vip", "newsletter", "commuter", "racing", "family", "b2b", "repair-plan", "ebike"]
PROFILES = ["commuter", "racing", "family", "ebike"]  # what a customer rides for; steers what they buy
SOURCES = {"walk-in": 26, "google": 20, "instagram": 12, "facebook": 8, "newsletter": 7, "event": 9, "partner": 5}
# ("referral" is given only to the customers in referrals.csv)

# group | weight | usual owner | company TLD | personal mail domains   (ZA has two naming traditions)
GROUPS = table("""
SE  | 34 | anna   | se    | gmail.com outlook.com telia.com hotmail.se icloud.com
FI  | 18 | anna   | fi    | gmail.com outlook.com elisanet.fi luukku.com
HU  | 20 | bence  | hu    | gmail.com freemail.hu citromail.hu outlook.com
ZA1 | 9  | thabo  | co.za | gmail.com webmail.co.za outlook.com mweb.co.za
ZA2 | 5  | thabo  | co.za | gmail.com webmail.co.za outlook.com mweb.co.za
GB  | 14 | oliver | co.uk | gmail.com outlook.com btinternet.com hotmail.co.uk icloud.com
""")
GROUPS = {row[0]: row[1:] for row in GROUPS}
NAMES = {}  # (group, "first"/"last") -> names; "_" stands for a space inside a surname
for _group, _kind, _names in table("""
SE  | first | Åsa Björn Märta Göran Linnéa Sören Ingrid Johan Karin Erik Maja Lars Elin Oskar Frida Anders
SE  | first | Annika Mats Sofia Nils Ebba Gustav
SE  | last  | Lindqvist Åkesson Sjöberg Öberg Ström Ekström Bergström Nyström Holmqvist Lundgren Söderberg
SE  | last  | Wåhlin Sandström Engström Hägglund Blomqvist Forsberg Dahlén Östlund
FI  | first | Jyrki Päivi Elina Väinö Sini Aino Jussi Tuomas Hanna Mikko Satu Kalle Outi Riikka Eero
FI  | last  | Mäkelä Häkkinen Järvinen Koskinen Pöllänen Virtanen Kärkkäinen Nieminen Leppänen Hämäläinen
FI  | last  | Ylönen Räsänen Lähteenmäki Heikkilä Kyllönen
HU  | first | Zsófia Gergő Réka Bálint Eszter Levente Dóra Ádám Katalin Zoltán Orsolya Péter Anikó Márton
HU  | first | Ildikó Csaba Boglárka Tünde Gyula Kristóf Noémi
HU  | last  | Kovács Nagy Szabó Tóth Horváth Varga Kiss Molnár Németh Farkas Balogh Papp Takács Juhász
HU  | last  | Lakatos Mészáros Oláh Rácz Fekete Szűcs Győri
ZA1 | first | Thandiwe Sipho Nomvula Lerato Kagiso Zanele Bongani Themba Naledi Ayanda Lindiwe Mpho
ZA1 | last  | Dlamini Ndlovu Mokoena Khumalo Molefe Mthembu Zulu Nkosi Mahlangu Ntuli Cele Sithole
ZA2 | first | Pieter Annelie Johan Anri Riaan Francois Hendrik Marike Elsabé Wian
ZA2 | last  | van_der_Merwe Botha du_Plessis Pretorius Venter Joubert Steyn van_Wyk
GB  | first | Siobhan James Charlotte Harriet Tom Amelia George Priya Callum Rosie Daniel Imogen Hugh Niamh
GB  | first | Sam Eleanor Freddie Zoë Ravi Jessica
GB  | last  | O'Brien Whitaker Ashworth Pemberton Fairbanks Hargreaves Thornton Sharma Brooks Fletcher
GB  | last  | O'Connor Blackwood Gallagher Okafor Marsh Holt Clarke Patel Whitfield Barnes
"""):
    NAMES.setdefault((_group, _kind), []).extend(n.replace("_", " ") for n in _names.split())
COMPANIES = table("""
SE | Stadsbud Cykelkurir AB | Kaffebaren på Hörnet AB | Nordljus Arkitekter AB | Ekström & Dahl Redovisning AB
FI | Pyöräkuriiri Oy | Kahvila Kärkkäinen Oy | Järvi Design Oy | Lähettipalvelu Nopsa Oy
HU | Kovács és Társa Kft. | Bringafutár Kft. | Dunapart Kávézó Bt. | Zöld Kerék Kft.
ZA | Cape Cycle Tours (Pty) Ltd | Ubuntu Deliveries (Pty) Ltd | Karoo Coffee Roasters | Stellenbosch Wine Couriers
GB | Brighton Pedal Couriers Ltd | Thornton & Marsh Solicitors LLP | The Green Teapot Café Ltd | Northern Lights Ltd
""")
COMPANIES = {row[0]: row[1:] for row in COMPANIES}
LEGAL_WORDS = ["ab", "oy", "kft", "bt", "ltd", "llp", "pty", "the"]  # left out of company mail domains

# description | price points in EUR | weight | profile that buys it more often (b2b: only firms buy it)
CATALOG = table("""
Service: full tune-up                   | 149       | 10  |
Service: basic tune-up                  | 79        | 12  |
Service: hydraulic brake bleed          | 59        | 5   |
Service: wheel truing                   | 35        | 6   |
Service: e-bike full service            | 189       | 4   | ebike
Puncture repair                         | 15 19     | 10  | commuter
Inner tube & fitting                    | 12.5      | 7   |
Chain & cassette replacement            | 119 139   | 6   | commuter
Tyres Schwalbe Marathon Plus (pair)     | 89.9      | 4   | commuter
Studded winter tyres (pair)             | 139       | 3   | commuter
Lights set, USB                         | 44.9 59.9 | 5   | commuter
Folding D-lock                          | 69        | 3   | commuter
Pannier bags                            | 99        | 3   | commuter
Rain jacket                             | 119       | 2   | commuter
Helmet MIPS                             | 89 129    | 5   |
Kids helmet                             | 45        | 2   | family
Kids bike 20"                           | 299       | 1.5 | family
Cargo e-bike Family Long                | 4290      | 0.3 | family
E-bike battery                          | 549 629   | 2   | ebike
E-bike motor diagnostics                | 65        | 3   | ebike
E-bike Commuter E500                    | 2999      | 0.6 | ebike
City bike Urban 7                       | 749       | 1.5 |
Gravel bike Aurum GR2                   | 1899      | 0.6 | racing
Road bike Velo Sprint 105               | 1649      | 0.5 | racing
Bike fit session                        | 180       | 2   | racing
Cycling jersey                          | 69        | 3   | racing
Annual repair plan                      | 199       | 2   |
Winter storage (season)                 | 120       | 2   |
Bottle & cage                           | 24.9      | 4   |
Fleet service: {n} delivery bikes       | 95        | 8   | b2b
Fleet parts: brake pads & chains (bulk) | 240 380   | 4   | b2b
Bike-to-work vouchers ({n} staff)       | 150       | 1   | b2b
""")

# Interactions.  kind | channel | direction | summary ({t} = a topic).  "open:<source>" is the first contact.
TOPICS = ["e-bikes", "a full service", "gravel bikes", "kids bikes", "winter tyres", "the repair plan", "a bike fit"]
TOUCH = table("""
open:walk-in    | visit   | in  | Walked in asking about {t}
open:google     | email   | in  | Web enquiry about {t}
open:instagram  | social  | in  | Instagram DM about {t}
open:facebook   | social  | in  | Facebook message about {t}
open:newsletter | email   | in  | Newsletter signup, asked about {t}
open:event      | meeting | in  | Met at the Saturday group ride, interested in {t}
open:partner    | meeting | in  | Introduced by partner gym, wants {t}
open:referral   | call    | in  | Referred by a friend, asked about {t}
purchase        | call    | in  | Booked a service slot
purchase        | email   | out | Receipt and care tips sent
purchase        | call    | out | Bike ready for pickup
purchase        | visit   | in  | Picked up bike after service
purchase        | chat    | in  | Asked when the repair will be done
purchase        | visit   | in  | Dropped off bike for service
any             | call    | in  | Asked about holiday opening hours
any             | call    | in  | Wants a quote for new brakes
any             | call    | out | Reminder: seasonal service due
any             | call    | out | Follow-up call after repair
any             | call    | out | Tried to reach, no answer
any             | email   | in  | Asked for a copy of the receipt
any             | email   | in  | Wants to book a bike fit
any             | email   | in  | Question about the invoice
any             | email   | out | Spring service offer
any             | email   | out | Quote for wheel rebuild
any             | meeting | out | Test ride of the E500
any             | meeting | in  | Fitting appointment follow-up
any             | chat    | in  | Asked if parts are in stock
any             | chat    | in  | Live chat: moving a booking
any             | social  | in  | Tagged us in a ride photo
any             | social  | out | Thanked them for the shout-out
any             | visit   | in  | Popped in for a quick brake check
any             | visit   | in  | Came by to look at e-bikes
any             | note    | out | Prefers SMS over calls
any             | note    | out | Interested in the repair plan next season
b2b             | meeting | out | Quarterly fleet review
b2b             | email   | in  | Fleet: two bikes need new brakes
b2b             | call    | out | Agreed pickup day for the fleet service
""")
DETAILS = table("""
call    | Offered Thursday 10:00.
call    | Left a voicemail; follow up by email.
email   | Sent the booking link.
email   | Wants an estimate before any work, max 150 EUR.
email   | Attached two photos of the damage.
visit   | Mentioned a creaking bottom bracket.
visit   | Prefers pickup after 16:00, works shifts.
visit   | Asked us to keep the old parts.
chat    | Answered within 5 minutes, booked online.
social  | Said: "best workshop in town".
meeting | Went through the service log, bike by bike.
note    | Partner also rides, may need a second bike.
""")
NOTES = [
    "Prefers SMS reminders", "Commutes 20 km each way, all year", "Pays by invoice, 30 days",
    "Do not call before 10:00", 'Says our coffee is "the best in town"', "Two kids on balance bikes",
    "Training for Vätternrundan", "Rides a 2019 steel gravel bike, loves it", "Wants invoices in English",
    "Leads a Sunday ride group", "Keen on used bikes", "Ask about the knee injury before a bike fit",
]  # fmt: skip
# churn_reason | share % | why, as staff would write it
CHURN = table("""
not_cared_for    | 60 | Felt nobody followed up after the last repair
quality          | 15 | Unhappy with repeated gear problems after service
competitor       | 10 | Moved servicing to a chain store closer to work
price            | 5  | Found our service prices too high
no_longer_needed | 5  | Sold the bike, now commutes by train
other            | 5  | Stopped answering emails, no reason given
""")
# category | subject | details | resolution   (category weights: COMPLAINT_MIX)
COMPLAINTS = table("""
quality       | Gears skipping again after service | Chain jumps on the small cogs, two days after the tune-up. | Re-indexed gears, new shifter cable free of charge.
quality       | E-bike battery not holding charge | Range down to 15 km from 60 km. | Battery replaced under warranty.
quality       | Brakes squeal since the pad change | Loud squeal on every stop, embarrassing on the commute. | Pads bedded in again and rotors cleaned.
quality       | Tubeless tyre keeps losing air | Flat every morning since the conversion. | Re-taped the rim and added sealant, no charge.
not_cared_for | Nobody called back about my repair | Promised a call on Monday, still waiting on Thursday. | Apologised, finished the repair the same day, service voucher.
not_cared_for | Waited 40 minutes at the counter | Only one person in the shop on Saturday. | Apologised; a second person now works Saturdays.
not_cared_for | Felt rushed at pickup | Nobody explained what was done to the bike. | Called back and went through the work order.
not_cared_for | Emails go unanswered | Sent three emails about a warranty question, no reply. | Answered the same day; shared inbox now checked twice a day.
price         | Invoice higher than the quote | Quote said 149 EUR, invoice was 212 EUR. | Refunded the difference; extra parts need approval first.
price         | Helmet cheaper online | Same MIPS helmet is 30% cheaper online. | Matched the price for a loyal customer.
competitor    | Other shop offers 3-day turnaround | Thinking of moving to the chain store unless we are faster. | Offered priority slots with the repair plan.
delivery      | Ordered parts arrived two weeks late | Needed the bike for a race last weekend. | Refunded shipping and gave 10% off the parts.
delivery      | Bike not ready on the promised day | Took a day off work to pick it up. | Delivered the bike to the customer's home.
billing       | Charged twice for a tune-up | Two identical card transactions on the same day. | Duplicate charge refunded.
billing       | Invoice sent to the wrong company | Our accounts team cannot book it. | Re-issued the invoice to the right company.
billing       | Repair plan charged after cancellation | Cancelled in writing last month. | Refunded and confirmed the cancellation in writing.
other         | Booking form on the website fails | Error after choosing a time slot. | Passed to the web agency; booked the customer by phone.
""")  # noqa: E501
COMPLAINT_MIX = {"not_cared_for": 3, "quality": 4, "price": 2, "competitor": 1, "delivery": 3, "billing": 2, "other": 1}


def pick(weights):
    """One key of a dict of weights (dicts keep insertion order, so this is deterministic)."""
    return rng.choices(list(weights), list(weights.values()))[0]


def hhmm(t, lo=9 * 60, hi=18 * 60):
    """A time of day between lo and hi minutes; rows on the load day stay early so they are not in the future."""
    if t == TODAY:
        hi = min(hi, 10 * 60)
        lo = min(lo, hi - 30)
    m = rng.randrange(lo, hi)
    return f"{m // 60:02d}:{m % 60:02d}"


def ascii_fold(s):
    """Name -> mail-safe ASCII ("Ödön" -> "odon", "O'Brien" -> "obrien", "van der Merwe" -> "vandermerwe")."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if ch.isascii() and ch.isalnum()).lower()


def digits(n):
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


MOBILE = {"FI": ("358", ["40", "50"]), "HU": ("36", ["20", "30", "70"]), "ZA": ("27", ["82", "83", "72"])}


def phone(country):
    """A number in a real mobile range of the country (phonenumbers-valid), often human-formatted."""
    human = rng.random() < 0.6
    if country == "SE":
        p, a, b, c = rng.choice(["70", "72", "73"]), digits(3), digits(2), digits(2)
        return f"+46 {p}-{a} {b} {c}" if human else f"+46{p}{a}{b}{c}"
    if country == "GB":  # 7911 0/2/8xxxxx, 7712, 7834 are mobile ranges; 7700 900xxx is reserved for drama
        p, rest = rng.choice([("7911", rng.choice("028") + digits(5)), ("7712", digits(6)), ("7834", digits(6))])
        return f"+44 {p} {rest}" if human else f"+44{p}{rest}"
    cc, prefixes = MOBILE[country]
    p, a, b = rng.choice(prefixes), digits(3), digits(4)
    return f"+{cc} {p} {a} {b}" if human else f"+{cc}{p}{a}{b}"


def rhythm(start, end, every):
    """Repeat purchase days from start to end, roughly every `every` days, now and then skipping a visit."""
    out, t = [start], start
    while True:
        t += max(4, round(rng.gauss(every, every * 0.35))) + (every if rng.random() < 0.12 else 0)
        if t > end:
            return out
        out.append(t)


def allocate(n, rows):
    """Split n items by the % in rows[i][1] with largest remainders (keeps the churn mix close to 60/15/10/5/5/5)."""
    raw = [(n * int(row[1]) / 100, row[0]) for row in rows]
    counts = {key: int(x) for x, key in raw}
    for _, key in sorted(raw, key=lambda r: r[0] - int(r[0]), reverse=True)[: n - sum(counts.values())]:
        counts[key] += 1
    out = [key for key, _ in counts.items() for _ in range(counts[key])]
    rng.shuffle(out)
    return out


def make_customers():
    """Names, contact data and the planned final stage; Åsa Lindqvist and Ödön Kovács are always C0001/C0002."""
    stages = ["awareness"] * 20 + ["consideration"] * 24 + ["purchase"] * 38
    stages += ["retention"] * 72 + ["advocacy"] * 30 + ["churned"] * 16
    rng.shuffle(stages)
    stages.remove("advocacy")
    stages.remove("retention")
    stages = ["advocacy", "retention", *stages]
    used, emails, out = [("Åsa", "Lindqvist"), ("Ödön", "Kovács")], set(), []
    for i, stage in enumerate(stages):
        if i < 2:
            group, (first, last) = ["SE", "HU"][i], used[i]  # show-case customers, always with contact data
        else:
            group = rng.choices(list(GROUPS), [int(g[0]) for g in GROUPS.values()])[0]
            first, last = used[0]
            while (first, last) in used:
                first, last = rng.choice(NAMES[group, "first"]), rng.choice(NAMES[group, "last"])
            used.append((first, last))
        country, (_, owner, tld, mail) = group[:2], GROUPS[group]
        company = rng.choice(COMPANIES[country]) if rng.random() < 0.4 else ""
        if company:
            words = [w for w in map(ascii_fold, company.split()) if w and w not in LEGAL_WORDS]
            local, domain = ascii_fold(first), "".join(words) + "." + tld
        else:
            f, la = ascii_fold(first), ascii_fold(last)
            local = rng.choice([f"{f}.{la}", f"{f}{la}", f"{f[0]}.{la}", f"{f}_{la}", f"{f}.{la}{rng.randint(1, 99)}"])
            domain = rng.choice(mail.split())
        email = f"{local}@{domain}"
        while email in emails:
            email = f"{local}{rng.randint(2, 999)}@{domain}"
        emails.add(email)
        born = datetime.date(rng.randint(1950, 2006), 1, 1) + datetime.timedelta(rng.randint(0, 364))
        out.append(
            NS(
                ext=f"C{i + 1:04d}", first=first, name=f"{first} {last}", country=country, company=company,
                email="" if rng.random() < 0.05 and i > 1 else email,
                phone="" if rng.random() < 0.1 and i > 1 else phone(country),
                source=pick(SOURCES), owner=owner if rng.random() < 0.7 else rng.choice(LOGINS), stage=stage,
                b2b=bool(company) and rng.random() < 0.85, profile=rng.sample(PROFILES, rng.choice([0, 1, 1, 2])),
                birthday=born.isoformat() if rng.random() < 0.6 else "",
                notes=rng.choice(NOTES) if rng.random() < 0.15 else "",
                drift="", at_risk=False, buys=[], hist=[], inter=[], churn_t=None, churn="", ref_days=[],
            )
        )  # fmt: skip
    out[0].notes = "[bold]VIP[/bold] – prefers mornings"  # markup-looking text the app must show literally
    retention = [c for c in out[2:] if c.stage == "retention"]
    for c, drift in zip(retention[:4], ["churn_back", "churn_back", "reconsider", "reconsider"], strict=True):
        c.drift = drift
    return out


def plan_timeline(c):
    """Creation day, purchase days and churn day, shaped by the planned stage."""
    every = rng.choice([21, 30, 30, 45, 60] if c.b2b else [30, 30, 45, 60, 60, 90, 120, 180])
    gap = rng.randint(1, 7) if c.source == "walk-in" else rng.randint(1, 45)  # contact -> first purchase
    if c.stage == "awareness":
        c.t0 = TODAY - (rng.randint(0, 45) if rng.random() < 0.6 else rng.randint(0, 500))
    elif c.stage == "consideration":
        c.t0 = TODAY - rng.randint(0, 300)
    elif c.stage == "purchase":
        c.t0 = rng.randint(0, TODAY - 2)
        c.buys = [min(TODAY, c.t0 + gap)]
    elif c.drift:  # bought, then churned or went quiet, then came back
        c.t0 = rng.randint(0, 120)
        first = rhythm(c.t0 + gap, c.t0 + gap + rng.randint(60, 160), every)
        first += [first[-1] + rng.randint(20, 60)] if len(first) < 2 else []
        if c.drift == "churn_back":
            c.churn_t = first[-1] + rng.randint(100, 150)
            c.back_t = c.churn_t + rng.randint(30, 120)
        else:
            c.recon_t = first[-1] + rng.randint(200, 260)
            c.back_t = c.recon_t + rng.randint(20, 80)
        c.buys = first + rhythm(c.back_t, TODAY, every)
    elif c.stage == "churned":
        c.t0 = rng.randint(0, 330)
        c.buys = rhythm(c.t0 + gap, min(TODAY - 200, c.t0 + gap + rng.randint(0, 250)), every)
        c.churn_t = min(TODAY - 3, c.buys[-1] + rng.randint(100, 190))
    else:  # retention / advocacy; about 15% of retention quietly stopped buying (at risk, not yet churned)
        c.t0 = rng.randint(0, 330 if c.stage == "advocacy" else 520)
        end = TODAY
        if c.stage == "retention" and rng.random() < 0.15:
            c.at_risk, c.t0 = True, rng.randint(0, 300)
            end = max(c.t0 + gap + 40, TODAY - rng.randint(max(150, min(2 * every, 300)), 330))
        c.buys = rhythm(c.t0 + gap, end, every)
        if len(c.buys) < 2:
            c.buys.append(min(TODAY, c.buys[0] + rng.randint(20, 90)))


def make_orders(c):
    """Purchase rows for one customer; about one visit in five adds a second, smaller order."""
    rows = []
    for t in c.buys:
        for extra in range(1 + (rng.random() < 0.2)):
            items = [
                it
                for it in CATALOG
                if ((it[3] == "b2b") == c.b2b or (c.b2b and rng.random() < 0.5)) and not (extra and it is rows[-1].item)
            ]
            weights = [float(w) * (3 if tag in c.profile else 1) * (0.2 if extra else 1) for _, _, w, tag in items]
            item = rng.choices(items, weights)[0]
            n = rng.randint(3, 12)  # bikes or staff in a fleet order
            amount = float(rng.choice(item[1].split())) * (n if "{n}" in item[0] else 1)
            cost = f"{amount * rng.uniform(0.5, 0.7):.2f}" if rng.random() < 0.7 else ""
            time = hhmm(t, 9 * 60 + 30 * extra)
            rows.append(NS(c=c, t=t, time=time, amount=f"{amount:.2f}", cost=cost, desc=item[0].format(n=n), item=item))
    return rows


def interaction(c, t, channel, direction, summary, score="", details=None):
    """Add one interaction to the customer; the owner handles most of them."""
    if details is None:
        options = [d for ch, d in DETAILS if ch == channel]
        details = rng.choice(options) if options and rng.random() < 0.3 else ""
    staff = c.owner if rng.random() < 0.75 else rng.choice(LOGINS)
    time = hhmm(t, 8 * 60, 19 * 60) if channel in ("email", "chat", "social") else hhmm(t)
    c.inter.append(NS(c=c, t=t, time=time, channel=channel, direction=direction, summary=summary, details=details,
                      staff=staff, score=score))  # fmt: skip


def nps(c, t, score):
    """An NPS survey answer (0-10) arriving by email."""
    comment = "Would recommend, friendly and fast." if score >= 9 else "Good, but the wait was long."
    comment = comment if score >= 7 else "Not happy with how the last repair was handled."
    interaction(c, t, "email", "in", "NPS survey reply", str(score), f"Score {score}: {comment}")


def make_referrals(customers):
    """3 advocates refer twice, 11 once, 3 retention customers once; the referred are new later customers."""
    adv = [c for c in customers if c.stage == "advocacy"]
    ret = [c for c in customers if c.stage == "retention" and not c.drift and not c.at_risk]
    plan = [*adv[:3], *adv[:3], *adv[3:14], *rng.sample(ret, 3)]
    referrals, taken = [], ["C0001", "C0002"]
    for ref in plan:
        since = ref.buys[1] if ref.stage == "advocacy" else ref.buys[0]
        fresh = [c for c in customers if c.stage not in ("advocacy", "churned") and c.ext not in taken]
        pool = [c for c in fresh if c.t0 > since + 3]
        new = rng.choice(pool)
        taken.append(new.ext)
        new.source = "referral"
        ref.ref_days.append(new.t0)
        referrals.append((ref, new))
    return sorted(referrals, key=lambda r: (r[1].t0, r[1].ext))


def add_scores_and_advocacy(customers):
    """NPS answers after ~13% of purchases; sets churn reasons and when/why each advocate became one."""
    churn_codes = iter(allocate(sum(c.churn_t is not None for c in customers), CHURN))
    for c in customers:
        c.churn = next(churn_codes) if c.churn_t is not None else ""
        last_ok = c.churn_t - 1 if c.churn_t is not None else TODAY
        for t in c.buys:
            if rng.random() < 0.13 and t + 5 <= last_ok:
                s = rng.choices(range(11), [1, 1, 1, 1, 2, 2, 3, 8, 12, 14, 12])[0]
                nps(c, t + rng.randint(1, 5), max(s, 8) if c.stage == "advocacy" else s)
        if c.churn in ("quality", "not_cared_for") and c.buys[-1] + 3 < c.churn_t:
            nps(c, rng.randint(c.buys[-1] + 1, c.churn_t - 1), rng.randint(2, 6))  # the warning sign
        if c.stage != "advocacy":
            continue
        if len(c.ref_days) > 1:
            c.adv_t, c.adv_why = max(c.ref_days), "second successful referral"
        elif c.ref_days:
            c.adv_t, c.adv_why = min(TODAY, c.ref_days[0] + rng.randint(0, 20)), "referred a friend"
        else:
            score_t, score = min(TODAY, rng.choice(c.buys[1:]) + rng.randint(1, 4)), rng.choice([9, 10, 10])
            nps(c, score_t, score)
            c.adv_t, c.adv_why = min(TODAY, score_t + rng.randint(0, 10)), f"NPS {score}, happy to recommend us"


def move(c, t, to, reason, churn="", auto=False):
    """Append a stage change; automatic ones have no staff."""
    c.hist.append((t, c.hist[-1][2] if c.hist else "", to, reason, churn, "" if auto else c.owner, auto))


def build_history(c):
    """The customer's stage changes in chronological order, ending in the planned stage."""
    move(c, c.t0, "awareness", f"New contact ({c.source})", auto=True)
    if c.stage != "awareness":
        why = rng.choice(["Booked a test ride", "Asked for a service quote", "Requested e-bike prices"])
        move(c, rng.randint(c.t0, c.buys[0] if c.buys else min(TODAY, c.t0 + 60)), "consideration", why)
    if c.buys:
        move(c, c.buys[0], "purchase", "first purchase", auto=True)
    if len(c.buys) > 1 and (c.churn_t is None or c.buys[1] < c.churn_t):
        move(c, c.buys[1], "retention", "second purchase", auto=True)
    if c.drift == "reconsider":
        move(c, c.recon_t, "consideration", "No purchase for 8 months, back to nurturing")
        move(c, c.back_t, "retention", "purchase after re-engagement", auto=True)
    if c.churn_t is not None:
        move(c, c.churn_t, "churned", next(text for code, _, text in CHURN if code == c.churn), c.churn)
    if c.drift == "churn_back":
        move(c, c.back_t, "retention", "purchased again after churn", auto=True)
    if c.stage == "advocacy":
        move(c, c.adv_t, "advocacy", c.adv_why, auto=c.adv_why == "second successful referral")
    assert c.hist[-1][2] == c.stage, c.ext


def build_interactions(c):
    """First contact, some touches around purchases, random touches over the active span, win-back/at-risk calls."""
    _, ch, di, summary = next(row for row in TOUCH if row[0] == f"open:{c.source}")
    interaction(c, c.t0, ch, di, summary.format(t="fleet servicing" if c.b2b else rng.choice(TOPICS)))
    around = [row[1:] for row in TOUCH if row[0] == "purchase"]
    touches = [row[1:] for row in TOUCH if row[0] == "any" or (c.b2b and row[0] == "b2b")]
    for t in c.buys:
        if rng.random() < 0.4:
            interaction(c, min(TODAY, t + rng.randint(0, 3)), *rng.choice(around))
    end = c.churn_t if c.churn_t is not None and not c.drift else TODAY
    for _ in range(round((end - c.t0) / rng.uniform(45, 110))):
        interaction(c, rng.randint(c.t0, end), *rng.choice(touches))
    if c.churn_t is not None and not c.drift and c.churn_t + 14 <= TODAY:
        t = rng.randint(c.churn_t + 7, min(TODAY, c.churn_t + 60))
        interaction(c, t, "email", "out", "Win-back offer: 20% off a tune-up")
    if c.at_risk:
        interaction(c, TODAY - rng.randint(5, 40), "call", "out", "Tried to reach, no answer")


def make_complaints(customers):
    """40 complaints in a fixed status mix; six explain a churn; one urgent open one has no first response."""
    specs = [("open", 1, 1), ("open", 0, 0), *[("open", 2, 9)] * 3, *[("open", 12, 40)] * 3]
    specs += [("in_progress", 1, 40)] * 7 + [("waiting_on_customer", 3, 60)] * 5
    specs += [("resolved", 5, 300)] * 10 + [("closed", 20, 700)] * 10
    churn_links = [c for c in customers if c.churn in ("quality", "not_cared_for") and c.churn_t - 20 > c.buys[0]]
    churn_links = churn_links[:6]
    first_cats = rng.sample(list(COMPLAINT_MIX), len(COMPLAINT_MIX))  # every category shows up at least once
    out = []
    for k, (status, lo, hi) in enumerate(specs):
        done = status in ("resolved", "closed")
        if done and churn_links:  # the complaint that came before the customer left
            c = churn_links.pop()
            t, cat = rng.randint(max(c.buys[0] + 1, c.churn_t - 90), c.churn_t - 15), c.churn
        else:
            t = TODAY - rng.randint(lo, hi)
            buyers = [c for c in customers if c.buys and c.buys[0] < t]
            pool = [c for c in buyers if c.churn_t is None or (done and t < c.churn_t)]
            c = rng.choice(pool)
            cat = first_cats.pop() if first_cats else pick(COMPLAINT_MIX)
        d = TODAY - t
        prio = "urgent" if k == 0 else pick({"low": 20, "normal": 45, "high": 25, "urgent": 10})
        hours = ""
        if k > 1 and d > 0:  # the first two (today's and yesterday's urgent one) are still unanswered
            lo_h, hi_h = {"urgent": (0.2, 3), "high": (0.5, 8), "normal": (1, 30), "low": (2, 60)}[prio]
            hours = round(min(rng.uniform(lo_h, hi_h) * (3 if rng.random() < 0.15 else 1), d * 24 * 0.8), 1)
        _, subject, details, resolution = rng.choice([row for row in COMPLAINTS if row[0] == cat])
        resolved = max(0, d - max(rng.randint(1, 21), math.ceil((hours or 0) / 24))) if done else ""
        out.append(NS(c=c, t=t, time=hhmm(t), subject=subject, details=details, cat=cat, prio=prio, status=status,
                      hours="" if hours == "" else f"{hours:.1f}", resolved=resolved,
                      resolution=resolution if done else "",
                      owner=c.owner if rng.random() < 0.7 else rng.choice(LOGINS)))  # fmt: skip
    return sorted(out, key=lambda x: (x.t, x.time, x.c.ext))


def make_followups(customers, complaints):
    """60 open follow-ups in the due buckets the desk shows (overdue, yesterday, today, this week, later)
    plus 11 done/cancelled ones in the past; each gets a kind and a customer that fits it."""
    dues = [-1] * 6 + [0] * 7 + [rng.randint(1, 7) for _ in range(15)] + [rng.randint(-10, -3) for _ in range(5)]
    dues += [rng.randint(8, 30) for _ in range(27)]
    plan = [(d, "open") for d in dues] + [(rng.randint(-60, -2), "done") for _ in range(8)]
    plan += [(rng.randint(-60, -2), "cancelled") for _ in range(3)]
    unresolved = [x for x in complaints if x.status in ("open", "in_progress", "waiting_on_customer")]
    out, seen = [], []
    for due, status in plan:
        ref = TODAY + min(due, 0)  # the follow-up existed by then, so its reason must be older
        alive = [c for c in customers if c.t0 < ref and c.churn_t is None]
        pools = {
            "special_day": [c for c in alive if c.buys and c.buys[0] + 365 == TODAY + due],  # 1st purchase anniversary
            "complaint_follow_up": [x.c for x in unresolved if x.t <= ref],
            "onboarding": [c for c in alive if c.t0 >= ref - 45],
            "thank_you": [c for c in alive if any(ref - 30 <= t <= ref for t in c.buys)],
            "check_in": [c for c in alive if c.at_risk or c.stage in ("consideration", "purchase")],
            "other": alive,
        }
        kind = "special_day" if pools["special_day"] and rng.random() < 0.5 else None
        kind = kind or pick({"check_in": 30, "thank_you": 15, "complaint_follow_up": 15, "onboarding": 12, "other": 18})
        pool = [c for c in pools[kind] if (c.ext, kind) not in seen]
        if not pool:
            kind, pool = "other", [c for c in alive if (c.ext, "other") not in seen]
        c = rng.choice(pool)
        seen.append((c.ext, kind))
        note = {
            "check_in": f"Check in with {c.first}: any plans for {rng.choice(TOPICS)}?",
            "thank_you": f"Thank {c.first} for the recent purchase",
            "complaint_follow_up": "Confirm the complaint fix worked",
            "onboarding": "Welcome call: explain the repair plan and online booking",
            "special_day": "One year since the first purchase: send a card and a service voucher",
            "other": rng.choice(["Confirm e-bike battery delivery date", "Arrange winter storage pickup",
                                 "Send invoice copy to accounting", "Ask for a Google review"]),
        }[kind]  # fmt: skip
        m = rng.randrange(9 * 60, 17 * 60 + 1, 15)
        time = f"{m // 60:02d}:{m % 60:02d}" if rng.random() < 0.4 else ""  # else: due some time that day
        assignee = c.owner if rng.random() < 0.8 else rng.choice(LOGINS)
        out.append(NS(c=c, due=due, time=time, kind=kind, note=note, status=status, assignee=assignee))
    return sorted(out, key=lambda f: (f.due, f.time, f.c.ext))


def assign_tags(customers, orders):
    """Tags and cadences depend on what was bought, so they are decided last; at most three tags each."""
    spend = {c.ext: 0.0 for c in customers}
    bought = {c.ext: "" for c in customers}
    for o in orders:
        spend[o.c.ext] += float(o.amount)
        bought[o.c.ext] += o.desc + ";"
    vip = sorted(spend, key=lambda e: -spend[e])[:10] + ["C0001"]
    for c in customers:
        want = ["vip"] * (c.ext in vip) + ["b2b"] * c.b2b + ["repair-plan"] * ("repair plan" in bought[c.ext])
        want += ["ebike"] * ("E-bike" in bought[c.ext] and rng.random() < 0.7) + c.profile
        want += ["newsletter"] * (c.source == "newsletter" or rng.random() < 0.2)
        top = list(dict.fromkeys(want))[:3]
        c.tags = ";".join(t for t in TAGS if t in top)
        keeps_contact = c.stage in ("retention", "advocacy") and rng.random() < 0.3
        c.cadence = rng.choice([14, 30, 30, 60]) if keeps_contact else ""


def write(path, header, rows):
    """UTF-8 without BOM, csv-module quoting, "\\n" line ends (git-friendly; csv readers accept both)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main(out_dir):
    """Build everything in dependency order, then write the CSVs."""
    customers = make_customers()
    for c in customers:
        plan_timeline(c)
    orders = sorted((o for c in customers for o in make_orders(c)), key=lambda o: (o.t, o.time, o.c.ext))
    referrals = make_referrals(customers)
    add_scores_and_advocacy(customers)
    for c in customers:
        build_history(c)
        build_interactions(c)
    inters = sorted((i for c in customers for i in c.inter), key=lambda i: (i.t, i.time, i.c.ext))
    complaints = make_complaints(customers)
    followups = make_followups(customers, complaints)
    assign_tags(customers, orders)

    out_dir.mkdir(parents=True, exist_ok=True)
    write(out_dir / "staff.csv", ["login", "display_name"], STAFF)
    header = "external_id,name,company,email,phone,tags,source,owner,stage,cadence_days,birthday,notes,created_days_ago"
    write(out_dir / "customers.csv", header.split(","), [
        [c.ext, c.name, c.company, c.email, c.phone, c.tags, c.source, c.owner, c.stage, c.cadence, c.birthday,
         c.notes, TODAY - c.t0] for c in customers])  # fmt: skip
    header = "external_id,customer_external_id,days_ago,time,amount,cost,currency,description"
    write(out_dir / "purchases.csv", header.split(","), [
        [f"P{i:05d}", o.c.ext, TODAY - o.t, o.time, o.amount, o.cost, "EUR", o.desc]
        for i, o in enumerate(orders, 1)])  # fmt: skip
    header = "external_id,customer_external_id,days_ago,time,channel,direction,summary,details,staff,score"
    write(out_dir / "interactions.csv", header.split(","), [
        [f"I{i:05d}", x.c.ext, TODAY - x.t, x.time, x.channel, x.direction, x.summary, x.details, x.staff, x.score]
        for i, x in enumerate(inters, 1)])  # fmt: skip
    header = ("external_id,customer_external_id,days_ago,time,subject,details,category,priority,status,"
              "first_response_hours,resolved_days_ago,resolution,owner")  # fmt: skip
    write(out_dir / "complaints.csv", header.split(","), [
        [f"T{i:04d}", x.c.ext, TODAY - x.t, x.time, x.subject, x.details, x.cat, x.prio, x.status, x.hours,
         x.resolved, x.resolution, x.owner] for i, x in enumerate(complaints, 1)])  # fmt: skip
    header = "external_id,customer_external_id,due_in_days,time,kind,note,status,assignee"
    write(out_dir / "followups.csv", header.split(","), [
        [f"F{i:04d}", f.c.ext, f.due, f.time, f.kind, f.note, f.status, f.assignee]
        for i, f in enumerate(followups, 1)])  # fmt: skip
    header = "customer_external_id,days_ago,from_stage,to_stage,reason,churn_reason,staff,automatic"
    write(out_dir / "stage_changes.csv", header.split(","), [
        [c.ext, TODAY - t, frm, to, why, churn, staff, "true" if auto else "false"]
        for c in customers for t, frm, to, why, churn, staff, auto in c.hist])  # fmt: skip
    write(out_dir / "referrals.csv", ["referrer_external_id", "referred_external_id", "days_ago"],
          [[a.ext, b.ext, TODAY - b.t0] for a, b in referrals])  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "sample_data")
