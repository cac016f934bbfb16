"""SQLite writers queue on the write gate: threads of a process and other
processes, each waking when the one before lets go."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

from sqlalchemy import create_engine

from imageapi.db.write_gate import LOCK_SUFFIX
from imageapi.db.write_gate import write_gate

# Holds the gate's file lock in another process until told to let go, and
# writes "released" into its log just before it does.
HOLDER = textwrap.dedent(
    """
    import fcntl, os, sys
    lock, log = sys.argv[1], sys.argv[2]
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("locked", flush=True)
    sys.stdin.readline()
    with open(log, "a") as out:
        out.write("released\\n")
    fcntl.flock(fd, fcntl.LOCK_UN)
    """
)


def sqlite_engine(tmp_path):
    return create_engine(f"sqlite:///{tmp_path / 'gate.db'}")


def test_one_gate_per_database_file(tmp_path):
    engine = sqlite_engine(tmp_path)
    assert write_gate(engine) is write_gate(engine)
    other = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    assert write_gate(other) is not write_gate(engine)


def test_threads_take_turns_and_the_holder_may_enter_again(tmp_path):
    gate = write_gate(sqlite_engine(tmp_path))
    order: list[str] = []

    def second_writer() -> None:
        with gate:
            order.append("second")

    with gate:
        with gate:  # re-entrant for its holder
            order.append("first")
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(0.3)
        assert thread.is_alive()  # waiting for the first to let go
        order.append("first done")
    thread.join(10)
    assert order == ["first", "first done", "second"]


def test_another_process_holding_the_lock_makes_writers_wait(tmp_path):
    engine = sqlite_engine(tmp_path)
    lock = str(tmp_path / "gate.db") + LOCK_SUFFIX
    log = tmp_path / "holder.log"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, lock, str(log)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        got_in: list[str] = []

        def writer() -> None:
            with write_gate(engine):
                got_in.append(log.read_text() if log.exists() else "")

        thread = threading.Thread(target=writer)
        thread.start()
        thread.join(0.3)
        assert got_in == []  # still waiting for the other process
        holder.stdin.write("go\n")
        holder.stdin.flush()
        thread.join(10)
        assert got_in == ["released\n"]
    finally:
        holder.kill()
        holder.wait()


def test_postgresql_and_memory_databases_let_writers_through():
    # PostgreSQL queues writers on row locks itself; an in-memory SQLite
    # database belongs to one connection.
    for url in ("sqlite://", "postgresql+psycopg://u@127.0.0.1/db"):
        gate = write_gate(create_engine(url))
        done = threading.Event()

        def other_writer(gate=gate, done=done) -> None:
            with gate:
                done.set()

        with gate:
            thread = threading.Thread(target=other_writer)
            thread.start()
            assert done.wait(10)
        thread.join(10)
