"""The send path against a bare smtplib loop, through the same aiosmtpd sink in its own
process, in one run; and the peak memory of a send at two list sizes.

    python bench/bench_send.py [--subscribers 10000] [--memory-at 10000 100000]

The send path is the whole of `send_next_issue` in a child process: lock, build the issue
from the bundled sample feed, freeze it, then per subscriber a status check, a message
filled from the per-issue template, SMTP, and a committed ledger row (SQLite, WAL). The bare
loop sends one pre-built message of the same size N times over one connection: the floor.
"""

from __future__ import annotations

import argparse
import json
import resource
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "benchmark-secret-key-0123456789"


def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sink() -> tuple[subprocess.Popen, int]:
    port = free_port()
    sink = subprocess.Popen([sys.executable, str(ROOT / "bench" / "smtp_sink.py"), str(port)],
                            stdout=subprocess.PIPE, text=True)
    assert sink.stdout.readline().strip() == "ready"
    return sink, port


def prepare(folder: Path, port: int, subscribers: int) -> Path:
    """A clinic with `subscribers` active subscribers, its SMTP server the sink."""
    from sqlalchemy import insert

    from newsletter.common.settings import load_settings
    from newsletter.storage import db
    from newsletter.storage.store import Store

    config = folder / "newsletter.toml"
    config.write_text(f'[store]\ndatabase_url = "sqlite:///state.db"\n'
                      f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n')
    store = Store.open(load_settings(config, env={}).database_url)
    now = datetime.now(timezone.utc)
    with store.engine.begin() as conn:
        for start in range(0, subscribers, 10_000):
            conn.execute(insert(db.subscribers), [
                dict(email=f"reader{n:07d}@mail.example", name=f"Reader {n}", tags=[],
                     status="active", source="import", created_at=now, updated_at=now)
                for n in range(start, min(start + 10_000, subscribers))])
    store.engine.dispose()
    return config


def child(config: Path) -> None:
    """Runs in its own process so that its peak RSS is the send's alone."""
    from newsletter.common.settings import load_settings
    from newsletter.delivery.sending import send_next_issue
    from newsletter.mail.transport import SmtpTransport
    from newsletter.storage.store import Store

    settings = load_settings(config, env={"NEWSLETTER_SECRET_KEY": SECRET})
    store = Store.open(settings.database_url)
    transport = SmtpTransport.from_settings(settings)
    started = time.perf_counter()
    report = send_next_issue(settings, store, transport,
                             clock=lambda: datetime.now(timezone.utc))
    elapsed = time.perf_counter() - started
    transport.close()
    print(json.dumps({"sent": report.sent, "seconds": elapsed, "outcome": report.outcome,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_send(config: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(config)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def one_message(config: Path) -> bytes:
    """A message exactly as the send path made it, to time the bare loop with."""
    from newsletter.common.settings import load_settings
    from newsletter.common.model import Recipient
    from newsletter.issue.message import issue_message, recipient_fields
    from newsletter.issue.render import RenderedIssue
    from newsletter.storage.store import Store

    settings = load_settings(config, env={})
    issue = Store.open(settings.database_url).issues.sent(1)[0]
    rendered = RenderedIssue(issue.slug, issue.subject, issue.preheader, issue.html, issue.text,
                             "")
    template = issue_message(rendered, settings, date=datetime.now(timezone.utc))
    return template.fill(recipient_fields(Recipient(1, "reader0000001@mail.example", "Reader 1"),
                                          settings, issue.slug, secret=SECRET))


def bare_loop(port: int, message: bytes, count: int) -> float:
    started = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port)
    for n in range(count):
        smtp.sendmail("news@advancedphysicalmedicine.example", [f"reader{n:07d}@mail.example"],
                      message)
    smtp.quit()
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-at", type=int, nargs="*", default=[100_000])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    sink, port = start_sink()
    try:
        sends, bares, peaks = [], [], []
        message = None
        for round_number in range(args.rounds):
            # Alternated, and in turn first, so that both see the same machine load.
            config = prepare(Path(tempfile.mkdtemp()), port, args.subscribers)
            if message is not None and round_number % 2:
                bares.append(bare_loop(port, message, args.subscribers))
            send = run_send(config)
            assert send["sent"] == args.subscribers, send
            sends.append(send["sent"] / send["seconds"])
            peaks.append(send["peak_rss_mb"])
            message = one_message(config)
            if len(bares) < len(sends):
                bares.append(bare_loop(port, message, args.subscribers))
        send_rate, bare = statistics.median(sends), statistics.median(bares)
        print(f"{args.subscribers} subscribers, message {len(message) / 1024:.1f} KB, "
              f"sink: aiosmtpd in its own process; {args.rounds} alternated rounds, medians")
        print(f"bare smtplib loop:  {bare:8.0f} messages/s   rounds: "
              + ", ".join(f"{r:.0f}" for r in bares))
        print(f"newsletter send:    {send_rate:8.0f} messages/s   rounds: "
              + ", ".join(f"{r:.0f}" for r in sends) + "  (whole send, building included)")
        ratios = [s / b for s, b in zip(sends, bares)]
        print(f"ratio send / bare:  {statistics.median(ratios):8.2f}   per round: "
              + ", ".join(f"{r:.2f}" for r in ratios) + "   (median; target: at least 0.9)")
        print(f"peak RSS of the send at {args.subscribers}: {max(peaks):.0f} MB")
        for size in args.memory_at:
            memory = run_send(prepare(Path(tempfile.mkdtemp()), port, size))
            print(f"peak RSS of the send at {size}: {memory['peak_rss_mb']:.0f} MB "
                  f"({memory['sent'] / memory['seconds']:.0f} messages/s)")
    finally:
        sink.terminate()
        sink.wait()


if __name__ == "__main__":
    main()
