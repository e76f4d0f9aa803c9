"""Access and erasure: everything about a person comes out; erasure leaves no trace of them but the figures."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.history.privacy import erase_person, person_record
from deskapp.core.records.tables import AuditEntry, FollowUp, Interaction, Purchase
from tests.core.ids import id_of


def make_person(session: Session) -> int:
    c = customers.create_customer(
        session, name="Gergő Szabó", email="gergo@example.hu", phone="+36 30 123 4567", notes="allergic to lycra"
    )
    activity.log_interaction(session, id_of(c), channel="call", summary="Talked about his knee", score=9)
    activity.record_purchase(session, id_of(c), amount="250.00", cost="100", description="Knee-friendly saddle")
    activity.open_complaint(session, id_of(c), subject="Saddle squeaks", details="Gergő says it squeaks")
    activity.schedule_follow_up(session, id_of(c), due=date(2026, 12, 1), note="Ask Gergő about the saddle")
    return id_of(c)


def test_export_holds_everything_about_the_person(session: Session) -> None:
    cid = make_person(session)
    record = person_record(session, cid)
    assert record["customer"]["email"] == "gergo@example.hu"
    assert record["interaction"][0]["summary"] == "Talked about his knee"
    assert len(record["purchase"]) == 1 and len(record["complaint"]) == 1
    assert len(record["follow_up"]) >= 2 and record["stage_change"]
    assert record["audit_entry"]
    json.dumps(record)  # JSON-able as it is


def test_erase_removes_the_person_but_keeps_the_figures(session: Session) -> None:
    cid = make_person(session)
    other = id_of(customers.create_customer(session, name="Somebody Else", email="else@example.com"))
    revenue = session.execute(select(func.sum(col(Purchase.amount)))).scalar_one()
    erase_person(session, cid)
    session.flush()
    everything = json.dumps(person_record(session, cid), ensure_ascii=False, default=str).lower()
    for secret in ("gergő", "gergo", "szabó", "lycra", "knee", "squeaks", "36301234567"):
        assert secret not in everything
    audit_text = " ".join(session.execute(select(col(AuditEntry.changes))).scalars()).lower()
    assert "gergő" not in audit_text and "lycra" not in audit_text
    assert customers.search_customers(session, "gergo", include_archived=True).items == ()
    assert customers.search_customers(session, "else").items[0].id == other
    assert session.execute(select(func.sum(col(Purchase.amount)))).scalar_one() == revenue
    assert session.execute(select(col(Interaction.score)).where(col(Interaction.customer_id) == cid)).scalar_one() == 9
    assert (
        session.execute(select(func.count()).select_from(FollowUp).where(col(FollowUp.customer_id) == cid)).scalar_one()
        == 0
    )
    erasures = session.execute(select(AuditEntry).where(col(AuditEntry.action) == "erase")).scalars().all()
    assert [e.entity_id for e in erasures] == [cid]
    if session.get_bind().dialect.name == "sqlite":
        # the search index holds no token of the person any more
        vocab = session.execute(
            text("CREATE VIRTUAL TABLE IF NOT EXISTS temp.v USING fts5vocab(main, customer_fts, row)")
        )
        del vocab
        terms = {t for (t,) in session.execute(text("SELECT term FROM temp.v"))}
        assert "gergo" not in terms and "szabo" not in terms


def test_erase_forgets_merge_snapshots(session: Session) -> None:
    from deskapp.core.hygiene.merge import merge_customers
    from deskapp.core.records.merge_tables import MergeRecord

    cid = make_person(session)
    copy = id_of(customers.create_customer(session, name="Gergo Szabo", email="gergo+shop@example.hu"))
    merge_customers(session, cid, copy)
    assert session.execute(select(func.count()).select_from(MergeRecord)).scalar_one() == 1
    touched = erase_person(session, cid)
    assert touched["merge_record"] == 1
    assert session.execute(select(func.count()).select_from(MergeRecord)).scalar_one() == 0


def test_erase_forgets_the_person_in_bulk_edits(session: Session) -> None:
    from deskapp.core.history import bulk

    cid = make_person(session)
    customers.update_customer(session, cid, tags="knee-clinic")
    other = id_of(customers.create_customer(session, name="Bo Other", tags="knee-clinic"))
    bulk.bulk_edit(session, [cid, other], bulk.clean_change("untag", "knee-clinic"))
    touched = erase_person(session, cid)
    entry = session.execute(select(col(AuditEntry.changes)).where(col(AuditEntry.action) == "bulk")).scalar_one()
    befores = {c["id"]: c["before"] for c in json.loads(entry)["customers"]}
    assert befores == {cid: {"erased": True}, other: ",knee-clinic,"}  # Bo's old tags stay, Gergő's are gone
    assert touched["audit_entry"] >= 1
