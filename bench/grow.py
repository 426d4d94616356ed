#!/usr/bin/env python3
"""Grows a Tessera SQLite database for bench/all.sh's growth run: N client applications and M
users in PARTITION, written straight into the real schema (copies of an existing client and of
the Partition Administrator, with fresh ids and names), in one transaction. Through HTTP this
would take hours (every user costs an Argon2 hash); here it takes seconds, and the rows are the
ones the store itself reads.

  grow.py DB PARTITION CLIENTS USERS
"""
import sqlite3
import sys
import uuid

db, partition, clients, users = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
con = sqlite3.connect(db, timeout=30)
con.create_function("uuid4", 0, lambda: str(uuid.uuid4()))


def columns(table):
    return [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] != "seq"]


def copy(table, template_where, replace, count):
    """INSERT … SELECT copying the template row `count` times, with `replace` (column → SQL over
    the counter `i`) for the columns that must differ."""
    cols = columns(table)
    exprs = [replace.get(c, c) for c in cols]
    con.execute(
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        f"INSERT INTO {table} ({', '.join(cols)}) "
        f"SELECT {', '.join(exprs)} FROM n, (SELECT * FROM {table} WHERE {template_where} LIMIT 1)",
        (count,),
    )


with con:
    con.execute("PRAGMA busy_timeout = 30000")
    if clients:
        copy("client_applications",
             f"partition_id = '{partition}' AND platform = 'web' ORDER BY seq DESC",
             {"client_id": "uuid4()", "name": "'grown app ' || i"}, clients)
    if users:
        copy("users", f"partition_id = '{partition}' ORDER BY seq",
             {"id": "uuid4()", "username": "'grown' || i", "username_key": "'grown' || i",
              "email": "'grown' || i || '@bench.test'", "email_key": "'grown' || i || '@bench.test'",
              "display_name": "'Grown User ' || i", "partition_admin": "0"}, users)
# The insert went to the write-ahead log. Checkpoint it now, so that moving a million rows into
# the database file is not done by the server's next write, in the middle of the measure that
# follows; a real database of this size would have been checkpointed long before.
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
n_clients = con.execute("SELECT count(*) FROM client_applications WHERE partition_id = ?", (partition,)).fetchone()[0]
n_users = con.execute("SELECT count(*) FROM users WHERE partition_id = ?", (partition,)).fetchone()[0]
print(f"{partition}: {n_clients} client applications, {n_users} users", file=sys.stderr)
