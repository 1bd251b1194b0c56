"""The send path against a bare smtplib loop, through the same aiosmtpd sink in its own
process, in one run; the same through a relay at a distance, beside mailmerge 2.3.0; and
the peak memory of a send at two list sizes.

    python bench/bench_send.py [--subscribers 10000] [--memory-at 10000 100000]
                               [--rtt-ms 25] [--relay-subscribers 2000] [--mailmerge 40]

The send path is the whole of `send_next_issue` in a child process: lock, build the issue
from the bundled sample feed, freeze it, then per subscriber a status check, a message
filled from the per-issue template, SMTP, and a committed ledger row (SQLite, WAL), over
`smtp.connections` connections (the default unless --connections). The bare loop sends
one pre-built message of the same size N times over one connection: the floor on
loopback. The sink offers PIPELINING (--no-pipelining: it does not), as providers' relays
do; the bare loop and mailmerge are smtplib and do not use it.

The relay run puts bench/delay_proxy.py (a round trip of --rtt-ms, 0 to skip the run) in
front of the sink and times the send, the bare loop and mailmerge 2.3.0 through it, in
turn. mailmerge is installed by this script into bench/.venv-mailmerge and sends the same
message from a template and a CSV (--no-dry-run, --limit); its rate is (N - 1) messages
over the time a run of N takes beyond a run of 1, so its start-up is not counted against it.
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


def start(script: str, *args: str) -> tuple[subprocess.Popen, int]:
    """bench/`script` listening on a free port, once it says it is ready."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "bench" / script), str(port), *args],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process, port


def prepare(folder: Path, port: int, subscribers: int, connections: int | None = None) -> Path:
    """A clinic with `subscribers` active subscribers, its SMTP server the sink."""
    from sqlalchemy import insert

    from newsletter.common.settings import load_settings
    from newsletter.storage import db
    from newsletter.storage.store import Store

    config = folder / "newsletter.toml"
    config.write_text(f'[store]\ndatabase_url = "sqlite:///state.db"\n'
                      f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
                      + (f"connections = {connections}\n" if connections else ""))
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
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"sent": report.sent, "seconds": elapsed, "outcome": report.outcome,
                      "peak_rss_mb": usage.ru_maxrss / 1024,
                      "cpu_seconds": usage.ru_utime + usage.ru_stime}))


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


MAILMERGE = ROOT / "bench" / ".venv-mailmerge"


def mailmerge_command() -> Path:
    """mailmerge 2.3.0 in a venv of its own, installed on first use: it is not ours to
    depend on."""
    command = MAILMERGE / "bin" / "mailmerge"
    if not command.exists():
        subprocess.run([sys.executable, "-m", "venv", str(MAILMERGE)], check=True)
        subprocess.run([str(MAILMERGE / "bin" / "pip"), "install", "-q", "mailmerge==2.3.0"],
                       check=True)
    return command


def mailmerge_files(folder: Path, port: int, message: bytes, count: int) -> Path:
    """A template that is the send path's message with its To: as a placeholder, a CSV of
    `count` addresses, and a server config for the port; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    head, body = message.decode("ascii").split("\r\n\r\n", 1)
    headers = [line for line in head.split("\r\n") if not line.lower().startswith("to:")]
    (folder / "template.txt").write_text(
        "To: {{email}}\n{% raw %}" + "\n".join(headers) + "\n\n" + body + "{% endraw %}")
    (folder / "database.csv").write_text(
        "email\n" + "".join(f"reader{n:07d}@mail.example\n" for n in range(count)))
    (folder / "server.conf").write_text(f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\n")
    return folder


def mailmerge_rate(port: int, message: bytes, count: int) -> float:
    command = mailmerge_command()
    folder = mailmerge_files(Path(tempfile.mkdtemp()), port, message, count)

    def run(limit: int) -> float:
        started = time.perf_counter()
        subprocess.run([str(command), "--no-dry-run", "--limit", str(limit),
                        "--template", str(folder / "template.txt"),
                        "--database", str(folder / "database.csv"),
                        "--config", str(folder / "server.conf"), "--output-format", "raw"],
                       check=True, stdout=subprocess.DEVNULL, cwd=folder)
        return time.perf_counter() - started

    one = run(1)
    return (count - 1) / (run(count) - one)


def loopback(args, port: int) -> None:
    """Today's comparison: the whole send against a bare loop, both to the sink directly."""
    sends, bares, peaks = [], [], []
    message = None
    for round_number in range(args.rounds):
        # Alternated, and in turn first, so that both see the same machine load.
        config = prepare(Path(tempfile.mkdtemp()), port, args.subscribers, args.connections)
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


def relay(args, sink_port: int) -> None:
    """The send, one smtplib connection and mailmerge through the delaying proxy, in turn."""
    proxy, port = start("delay_proxy.py", str(sink_port), "--rtt-ms", str(args.rtt_ms))
    try:
        sends, bares, merges, peaks, cpu = [], [], [], [], []
        message = None
        for round_number in range(args.rounds):
            def others():
                bares.append(bare_loop(port, message, args.relay_bare))
                if args.mailmerge:
                    merges.append(mailmerge_rate(port, message, args.mailmerge))
            if message is not None and round_number % 2:
                others()
            config = prepare(Path(tempfile.mkdtemp()), port, args.relay_subscribers,
                             args.connections)
            send = run_send(config)
            assert send["sent"] == args.relay_subscribers, send
            sends.append(send["sent"] / send["seconds"])
            peaks.append(send["peak_rss_mb"])
            cpu.append(send["cpu_seconds"] / send["sent"])
            message = message or one_message(config)
            if len(bares) < len(sends):
                others()
    finally:
        proxy.terminate()
        proxy.wait()
    send_rate, bare = statistics.median(sends), statistics.median(bares)
    print(f"\nThrough a relay {args.rtt_ms:g} ms away (bench/delay_proxy.py), "
          f"{args.rounds} alternated rounds, medians")
    print(f"one smtplib connection ({args.relay_bare} messages): {bare:8.1f} messages/s   "
          "rounds: " + ", ".join(f"{r:.1f}" for r in bares))
    if merges:
        print(f"mailmerge 2.3.0 ({args.mailmerge} messages):        "
              f"{statistics.median(merges):8.1f} messages/s   rounds: "
              + ", ".join(f"{r:.1f}" for r in merges))
    print(f"newsletter send ({args.relay_subscribers} subscribers):    {send_rate:8.1f} "
          "messages/s   rounds: " + ", ".join(f"{r:.1f}" for r in sends)
          + "  (target: at least 100)")
    ratios = [s / b for s, b in zip(sends, bares)]
    print(f"ratio send / one connection: {statistics.median(ratios):6.1f}   per round: "
          + ", ".join(f"{r:.1f}" for r in ratios))
    if merges:
        ratios = [s / m for s, m in zip(sends, merges)]
        print(f"ratio send / mailmerge:      {statistics.median(ratios):6.1f}   per round: "
              + ", ".join(f"{r:.1f}" for r in ratios))
    print(f"peak RSS of the relay send: {max(peaks):.0f} MB; its CPU: "
          f"{statistics.median(cpu) * 1000:.2f} ms a message (the whole process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000,
                        help="loopback run (0: skip it)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-at", type=int, nargs="*", default=[100_000])
    parser.add_argument("--rtt-ms", type=float, default=25.0,
                        help="the relay's round trip (0: skip the relay run)")
    parser.add_argument("--relay-subscribers", type=int, default=2_000)
    parser.add_argument("--relay-bare", type=int, default=100,
                        help="messages of the one-connection loop through the relay")
    parser.add_argument("--mailmerge", type=int, default=40,
                        help="messages mailmerge sends through the relay (0: skip it)")
    parser.add_argument("--connections", type=int, help="smtp.connections of the send")
    parser.add_argument("--no-pipelining", action="store_true",
                        help="the sink does not offer PIPELINING")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    sink, port = start("smtp_sink.py", *([] if args.no_pipelining else ["--pipelining"]))
    try:
        print(f"smtp.connections: {args.connections or 'the default'}; the sink "
              f"{'does not offer' if args.no_pipelining else 'offers'} PIPELINING")
        if args.subscribers:
            loopback(args, port)
        if args.rtt_ms:
            relay(args, port)
        for size in args.memory_at:
            memory = run_send(prepare(Path(tempfile.mkdtemp()), port, size, args.connections))
            print(f"peak RSS of the send at {size}: {memory['peak_rss_mb']:.0f} MB "
                  f"({memory['sent'] / memory['seconds']:.0f} messages/s)")
    finally:
        sink.terminate()
        sink.wait()


if __name__ == "__main__":
    main()
