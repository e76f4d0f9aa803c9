"""Duplicate finding over a large desk: recall of planted duplicates, what else is proposed, and time.

Builds (once, cached under benchmarks/out/) a desk of N customers, 1% of them planted copies of another
customer with the perturbations people and imports make: accents stripped, name order swapped, a typo in
the name, e-mail dots and +tags (gmail), e-mail case, phone formatting, a field left empty, a company
written without its legal form. Names follow a skewed distribution, so common names repeat by the
hundred and namesakes with nothing else in common abound (those must not be proposed).

    /work/venv/bin/python -m benchmarks.duplicates_bench [--customers 100000] [--min-score 60] [--json]

Prints a table and one JSON line: recall overall and per perturbation, pairs proposed that were not
planted, candidate pairs compared, and the seconds for `find_duplicates` (read + block + score).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
import unicodedata
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
VERSION = 2  # bump when the generator changes, so the cached desk is rebuilt

FIRST = (
    "Anna Emma Maja Åsa Ingrid Sofia Elin Päivi Aino Réka Zsófia Katalin Éva Noémi Siobhan Olivia Amelia Chloé "
    "Thandiwe Lerato Nomvula Naledi Zanele Ödön Gergő Bence Dávid Ákos Péter László Lars Björn Erik Nils Johan "
    "Mikko Eero Jukka Matti Juhani Pieter Sipho Kgosi Thabo Oliver Liam Noah Jack Harry George Søren Jörg "
    "Müller François Zoë Renée José Łukasz Małgorzata Ångström Marta Tomás Inés Joaquín Agnieszka Zoltán"
).split()
LAST = (
    "Berg Lindqvist Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson "
    "Kovács Tóth Szabó Horváth Nagy Varga Kiss Molnár Németh Farkas Balogh Fekete Lakatos Virtanen Korhonen "
    "Nieminen Mäkinen Hämäläinen Laine Heikkinen Koskinen Järvinen Nkosi Dlamini Mokoena Ndlovu Botha Merwe "
    "Khumalo Zulu Smith Jones Taylor Brown Wilson Evans Thomas Roberts Walsh O'Brien Murphy Byrne Müller Schäfer "
    "Jørgensen Sørensen Nowak Wójcik Kowalczyk García Martínez López Dubois Lefèvre Rossi Bianchi"
).split()
# Nordic and Finnish surnames are built from parts, as they are in life: hundreds of them, few very common.
ROOTS = "Lind Berg Ek Holm Sjö Nord Sand Dahl Lund Hag Björk Gran Fors Wall Ny Öst Ståhl Blom Ros Eng".split()
ENDINGS = "qvist ström berg gren lund blad man dahl holm by".split()
FINNISH = "Virta Koski Mäki Järvi Lahti Niemi Salo Heikki Rauta Kivi Metsä Halo Kallio Lehto Aalto".split()
LAST += [r + e.lower() for r in ROOTS for e in ENDINGS if not r.lower().endswith(e)]
LAST += [f + e for f in FINNISH for e in ("nen", "la", "mo")]
DOMAINS = ["gmail.com"] * 4 + ["outlook.com", "yahoo.com", "telia.se", "freemail.hu", "example.co.za", "web.de"]
LEGAL = ["AB", "Ltd", "Kft.", "Oy", "GmbH", "", ""]
WORDS = "Nordic Cape Spoke Chain Gear Cycles Pedal Alpine Lake Forest Harbour Summit Ridge Delta Pioneer".split()


def _weights(n: int, skew: float) -> list[float]:
    return [1 / (rank + 1) ** skew for rank in range(n)]


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word + word[-1]
    i = rng.randint(1, len(word) - 2)
    kind = rng.choice(["swap", "drop", "replace", "double"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "replace":
        return word[:i] + rng.choice("aeiourstnl") + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def phone_formats(e164: str, rng: random.Random) -> str:
    national = "0" + e164[3:]
    return rng.choice(
        [
            e164,
            f"{national[:3]}-{national[3:6]} {national[6:8]} {national[8:]}",
            national,
            f"+46 {e164[3:5]} {e164[5:]}",
        ]
    )


def email_variant(email: str, rng: random.Random) -> str:
    local, domain = email.split("@")
    if domain == "gmail.com":
        if "." in local and rng.random() < 0.5:
            local = local.replace(".", "")
        else:
            cut = rng.randint(1, len(local) - 1)
            local = f"{local[:cut]}.{local[cut:]}".replace("..", ".")
        return f"{local.title()}+{rng.choice(['shop', 'news', 'x'])}@{rng.choice(['gmail.com', 'googlemail.com'])}"
    return rng.choice([f"{local}+{rng.choice(['shop', 'news'])}@{domain}", email.upper(), email.capitalize()])


def national_search(e164: str) -> str:
    return f"{e164[1:]} 0{e164[3:]} {e164[3:]}"


def generate(customers: int, seed: int) -> tuple[list[dict[str, Any]], list[tuple[int, int, str]]]:
    """Customer dicts (ids assigned) and the planted pairs (original id, copy id, perturbation)."""
    rng = random.Random(seed)
    fw, lw = _weights(len(FIRST), 0.8), _weights(len(LAST), 0.6)
    companies = [f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(LEGAL)}".strip() for _ in range(3000)]
    shared = [f"info@{w.lower()}{i}.se" for i, w in enumerate(WORDS * 4)]
    planted = customers // 100
    base: list[dict[str, Any]] = []
    for n in range(customers - planted):
        first, last = rng.choices(FIRST, fw)[0], rng.choices(LAST, lw)[0]
        plain = strip_accents(f"{first}.{last}").lower().replace("'", "").replace("ø", "o").replace("ł", "l")
        email = f"{plain}{n}@{rng.choice(DOMAINS)}" if rng.random() < 0.85 else ""
        if rng.random() < 0.01:
            email = rng.choice(shared)  # a shop's own address on a walk-in customer
        phone = f"+4670{rng.randint(1000000, 9999999)}" if rng.random() < 0.7 else ""
        base.append(
            {
                "name": f"{first} {last}",
                "email": email,
                "phone": phone,
                "phone_raw": phone_formats(phone, rng) if phone else "",
                "company": rng.choice(companies) if rng.random() < 0.3 else "",
                "birthday": date(1950, 1, 1) + timedelta(days=rng.randint(0, 20000)) if rng.random() < 0.3 else None,
            }
        )
    copies, kinds = [], []
    originals = rng.sample(range(len(base)), planted)
    for idx in originals:
        o = base[idx]
        kind = rng.choice(["email", "phone", "both", "company", "birthday"])
        if kind == "company" and not o["company"]:
            o["company"] = rng.choice(companies)
        if kind == "birthday" and not o["birthday"]:
            o["birthday"] = date(1950, 1, 1) + timedelta(days=rng.randint(0, 20000))
        if kind in ("email", "both") and not o["email"]:
            o["email"] = strip_accents(o["name"].replace(" ", ".").lower()) + f"{idx}@gmail.com"
        if kind in ("phone", "both") and not o["phone"]:
            o["phone"] = f"+4670{rng.randint(1000000, 9999999)}"
            o["phone_raw"] = o["phone"]
        name_change = rng.choice(["accents", "order", "typo", "same", "case"])
        if kind in ("company", "birthday") and name_change == "typo":
            name_change = "accents"  # with nothing but a name and a company, a misspelt name is a namesake
        words = o["name"].split()
        if name_change == "accents":
            words = [strip_accents(w) for w in words]
        elif name_change == "order":
            words = words[::-1]
        elif name_change == "typo":
            i = rng.randrange(len(words))
            words[i] = typo(words[i], rng)
        elif name_change == "case":
            words = [w.upper() for w in words]
        c: dict[str, Any] = {
            "name": " ".join(words),
            "email": "",
            "phone": "",
            "phone_raw": "",
            "company": "",
            "birthday": None,
        }
        if kind in ("email", "both"):
            c["email"] = email_variant(o["email"], rng)
        if kind in ("phone", "both"):
            c["phone"], c["phone_raw"] = o["phone"], phone_formats(o["phone"], rng)
        if kind == "company":
            words = o["company"].split()
            legal = words[-1] in LEGAL
            c["company"] = " ".join(words[:-1]) if legal and rng.random() < 0.5 else o["company"].upper()
        if kind == "birthday":
            c["birthday"] = o["birthday"]
        copies.append(c)
        kinds.append(f"{kind}+{name_change}")
    everyone = base + copies
    order = list(range(len(everyone)))
    rng.shuffle(order)
    ids = {position: i + 1 for i, position in enumerate(order)}  # record position -> customer id
    records = [dict(everyone[position], id=ids[position]) for position in order]
    pairs = [(ids[idx], ids[len(base) + k], kinds[k]) for k, idx in enumerate(originals)]
    return records, pairs


def build(customers: int, seed: int) -> tuple[Path, list[tuple[int, int, str]]]:
    from deskapp.core.db.engine import open_engine

    OUT.mkdir(exist_ok=True)
    path = OUT / f"dups_{customers}_{seed}_v{VERSION}.db"
    meta = path.with_suffix(".pairs.json")
    if path.exists() and meta.exists():
        return path, [tuple(p) for p in json.loads(meta.read_text())]
    records, pairs = generate(customers, seed)
    partial = path.with_suffix(".partial.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    open_engine(partial).dispose()
    started = time.perf_counter()
    created = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None).isoformat(sep=" ")
    con = sqlite3.connect(partial)
    con.execute("PRAGMA synchronous=OFF")
    with con:
        con.executemany(
            "INSERT INTO customer (id, name, company, email, phone, phone_raw, search_phone, tags, source, owner,"
            " stage, birthday, special_dates, notes, created_at, updated_at, archived, version)"
            " VALUES (?,?,?,?,?,?,?,'','web','anna','awareness',?,'','',?,?,0,1)",
            [
                (
                    r["id"],
                    r["name"],
                    r["company"],
                    r["email"],
                    r["phone"],
                    r["phone_raw"],
                    national_search(r["phone"]) if r["phone"] else "",
                    r["birthday"].isoformat() if r["birthday"] else None,
                    created,
                    created,
                )
                for r in records
            ],
        )
    con.execute("ANALYZE")
    con.close()
    partial.rename(path)
    meta.write_text(json.dumps(pairs))
    print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
    return path, pairs


def run(customers: int, min_score: int, seed: int) -> dict[str, Any]:
    from deskapp.core.db.engine import open_engine, session_scope
    from deskapp.core.hygiene.duplicates import find_duplicates

    path, planted = build(customers, seed)
    engine = open_engine(path)
    with session_scope(engine) as session:
        started = time.perf_counter()
        report = find_duplicates(session, min_score=min_score)
        seconds = time.perf_counter() - started
    engine.dispose()
    proposed = {(p.a.id, p.b.id) for p in report.pairs}
    truth = {(min(a, b), max(a, b)): kind for a, b, kind in planted}
    found = Counter(kind.split("+")[0] for pair, kind in truth.items() if pair in proposed)
    total = Counter(kind.split("+")[0] for kind in truth.values())
    found_name = Counter(kind.split("+")[1] for pair, kind in truth.items() if pair in proposed)
    total_name = Counter(kind.split("+")[1] for kind in truth.values())
    extra = [p for p in report.pairs if (p.a.id, p.b.id) not in truth]
    return {
        "customers": report.customers,
        "planted_pairs": len(truth),
        "min_score": min_score,
        "recall": round(sum(found.values()) / len(truth), 4),
        "recall_by_identifier": {k: round(found[k] / total[k], 4) for k in sorted(total)},
        "recall_by_name_change": {k: round(found_name[k] / total_name[k], 4) for k in sorted(total_name)},
        "proposed": len(proposed),
        "proposed_not_planted": len(extra),
        "precision": round(1 - len(extra) / max(1, len(proposed)), 4),
        "not_planted_examples": [
            {"a": p.a.name, "b": p.b.name, "score": p.score, "reasons": list(p.reasons)} for p in extra[:5]
        ],
        "candidate_pairs_compared": report.compared,
        "skipped_blocks": len(report.skipped_blocks),
        "largest_skipped": [list(b) for b in report.skipped_blocks[:5]],
        "seconds": round(seconds, 2),
        "target": "recall >= 0.95 in under 10 s",
        "met": sum(found.values()) / len(truth) >= 0.95 and seconds < 10,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--min-score", type=int, default=60)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args()
    result = run(args.customers, args.min_score, args.seed)
    if not args.json:
        rows = [
            ("customers", result["customers"]),
            ("planted duplicate pairs", result["planted_pairs"]),
            ("recall (planted pairs found)", f"{result['recall']:.1%}"),
            *((f"  recall, kept {k}", f"{v:.1%}") for k, v in result["recall_by_identifier"].items()),
            *((f"  recall, name {k}", f"{v:.1%}") for k, v in result["recall_by_name_change"].items()),
            ("pairs proposed", result["proposed"]),
            ("  of which not planted", result["proposed_not_planted"]),
            ("candidate pairs compared", result["candidate_pairs_compared"]),
            ("oversized blocks skipped", result["skipped_blocks"]),
            ("seconds (find_duplicates)", result["seconds"]),
            ("target met (recall >= 95%, < 10 s)", "yes" if result["met"] else "NO"),
        ]
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            print(f"{key:<{width}}  {value}")
        for example in result["not_planted_examples"]:
            print(f"  not planted: {example}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
