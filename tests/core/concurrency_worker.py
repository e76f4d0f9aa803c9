"""A desk user in another process, for the concurrency test: edits shared customers the way a form does
(read, think, save with the version it read) and completes shared follow-ups. Prints what it achieved."""

from __future__ import annotations

import json
import sys
import time

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import make_engine, resolve_url, session_scope
from deskapp.core.records.errors import ConflictError, InvalidTransition


def main(url: str, search_path: str, name: str, customer_ids: list[int], follow_up_ids: list[int], rounds: int) -> None:
    args = {"connect_args": {"options": f"-csearch_path={search_path}"}} if search_path else {}
    engine = make_engine(resolve_url(url), **args)
    saved, conflicts, completed, refused = [], 0, [], 0
    for i in range(rounds):
        cid = customer_ids[i % len(customer_ids)]
        token = f"{name}-{i}"
        while True:
            with session_scope(engine, staff=name) as s:
                current = customers.get_customer(s, cid)
                version, notes = current.version, current.notes
            time.sleep(0.001)  # the person types
            try:
                with session_scope(engine, staff=name, write=True) as s:
                    customers.update_customer(s, cid, expected_version=version, notes=f"{notes}{token};")
                saved.append(token)
                break
            except ConflictError:
                conflicts += 1  # told, and shown the newer values: read again and redo the edit
    for fid in follow_up_ids:
        try:
            with session_scope(engine, staff=name, write=True) as s:
                activity.complete_follow_up(s, fid)
            completed.append(fid)
        except InvalidTransition:
            refused += 1
    engine.dispose()
    print(json.dumps({"saved": saved, "conflicts": conflicts, "completed": completed, "refused": refused}))


if __name__ == "__main__":
    spec = json.loads(sys.argv[1])
    main(**spec)
