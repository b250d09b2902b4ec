"""The real worker process against the real database: SIGKILLed in the middle
of a task, the task is run by the next worker within a minute; through a
database outage it stays up and carries on by itself.

These need PostgreSQL (the worker and the test share the test database)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from clinic.operations.models import WorkerHeartbeat
from tests.clinic.operations.tasks_for_tests import record_run

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[3]


def database_url(port: int | None = None) -> str:
    s = connection.settings_dict
    return (
        f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:"
        f"{port or s['PORT'] or 5432}/{s['NAME']}"
    )


def start_worker(url: str, log: Path, **extra: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "TASK_WORKER_LEASE_SECONDS": "10",
        "PGCONNECT_TIMEOUT": "2",
        **extra,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--queue-name", "*", "--no-reload"]
        + ["--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT,
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_task_whose_worker_was_sigkilled_is_run_by_the_next_worker(tmp_path):
    runs = tmp_path / "runs.txt"
    result = record_run.enqueue(path=str(runs), hold_first=True)
    first = start_worker(database_url(), tmp_path / "first.log")
    try:
        wait_for(runs.exists, seconds=60, what="the first worker to start the task")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "RUNNING"  # what django-tasks-db leaves behind

    second = start_worker(database_url(), tmp_path / "second.log")
    try:
        wait_for(
            lambda: DBTaskResult.objects.filter(pk=result.id, status="SUCCESSFUL").exists(),
            seconds=60,
            what="the task to be run again",
        )
        assert second.poll() is None
    finally:
        stop(second)
    assert runs.read_text().split() == [str(first.pid), str(second.pid)]
    row.refresh_from_db()
    assert row.return_value == 2 and len(row.worker_ids) == 2


class Proxy:
    """A TCP forwarder in front of PostgreSQL: stopping it is an outage as the
    worker sees one (connections cut, new ones refused)."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self.listener is not None:
            with contextlib.suppress(OSError):  # shutdown wakes the accept()
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.sockets = []


def test_the_worker_survives_a_database_outage_and_carries_on_by_itself(tmp_path):
    settings_dict = connection.settings_dict
    proxy = Proxy((settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432)))
    proxy.start()
    log = tmp_path / "worker.log"
    worker = start_worker(database_url(proxy.port), log)
    try:
        wait_for(WorkerHeartbeat.objects.exists, seconds=60, what="the worker's heartbeat")
        proxy.stop()  # the database goes away for the worker
        runs = tmp_path / "runs.txt"
        result = record_run.enqueue(path=str(runs), hold_first=False)
        wait_for(
            lambda: "Database unavailable" in log.read_text(),
            seconds=30,
            what="the worker to notice the outage",
        )
        time.sleep(3)
        assert worker.poll() is None, log.read_text()  # db_worker exited here
        assert not runs.exists()
        proxy.start()  # the database is back
        wait_for(
            lambda: DBTaskResult.objects.filter(pk=result.id, status="SUCCESSFUL").exists(),
            seconds=60,
            what="the worker to run the task queued during the outage",
        )
        assert worker.poll() is None
        assert runs.read_text().split() == [str(worker.pid)]
        assert "Database reachable again" in log.read_text()
    finally:
        stop(worker)
        proxy.stop()


class HoldingSMTP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """A mail server that takes each message, and for the first one waits
    before saying so: the worker is killed in that moment, after the server
    has the email and before the worker could record it."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.received: list[str] = []
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), _SMTPHandler)


class _SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server = self.server
        self.wfile.write(b"220 test\r\n")
        while line := self.rfile.readline():
            verb = line.strip().upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                message_id = ""
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    if data.lower().startswith(b"message-id:"):
                        message_id = data.decode().split(":", 1)[1].strip()
                server.received.append(message_id)
                if len(server.received) == 1:
                    server.release.wait(60)
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_a_safety_alert_whose_worker_was_killed_mid_send_is_sent_with_the_same_message_id(
    tmp_path,
):
    from clinic.operations.models import SafetyAlert
    from clinic.safety import crisis_alert_raise
    from tests.factories.accounts import PatientFactory

    smtp = HoldingSMTP()
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    mail = {
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.server_address[1]),
        "CLINIC_ONCALL_EMAILS": "oncall@clinic.example",
    }
    try:
        alert = crisis_alert_raise(
            patient=PatientFactory(), source="intake", link="http://x/1/", key="intake-1"
        )
        first = start_worker(database_url(), tmp_path / "first.log", **mail)
        try:
            wait_for(lambda: smtp.received, seconds=60, what="the first worker to send")
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        smtp.release.set()
        alert.refresh_from_db()
        assert alert.sent_at is None and alert.attempts == 1  # attempted, not recorded

        second = start_worker(database_url(), tmp_path / "second.log", **mail)
        try:
            wait_for(
                lambda: SafetyAlert.objects.filter(pk=alert.pk, sent_at__isnull=False).exists(),
                seconds=60,
                what="the next worker to send the alert",
            )
        finally:
            stop(second)
    finally:
        smtp.shutdown()
    alert.refresh_from_db()
    assert alert.attempts == 2
    # Transmitted twice (the crash window), as one email: one Message-ID.
    assert smtp.received == [alert.message_id, alert.message_id]
    assert SafetyAlert.objects.count() == 1
