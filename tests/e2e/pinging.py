"""Pinging the host from its LAN while the wizard bridges its uplink, and what was lost."""

from __future__ import annotations

import re
import signal
import subprocess

from support.netns import Netns, stop

PING_INTERVAL = 0.05
#: The issue's promise: bridging the uplink costs at most half a second of replies.
MAX_OUTAGE = 0.5


def start_pinging(lan: Netns, address: str) -> subprocess.Popen[str]:
    return lan.popen("ping", "-n", "-D", "-i", str(PING_INTERVAL), "-W", "1", address)


def stop_pinging(pinger: subprocess.Popen[str]) -> str:
    """Interrupt ping as Ctrl+C would, so that it prints how many requests it sent."""
    pinger.send_signal(signal.SIGINT)
    try:
        out, _ = pinger.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        return stop(pinger)
    return out or ""


def lost_seconds(output: str, applied_at: float) -> tuple[float, int]:
    """Seconds of replies missing from the first reply to the last request sent, and replies.

    An outage still going on when pinging stops counts in full: the requests sent after
    the last reply are missing too. Replies must also come after apply returned.
    """
    replies = re.findall(r"^\[(\d+\.\d+)\] .*icmp_seq=(\d+) ttl=", output, re.M)
    seqs = sorted({int(seq) for _, seq in replies})
    assert len(seqs) > 10, f"too few replies to judge:\n{output}"
    sent = re.search(r"^(\d+) packets transmitted", output, re.M)
    assert sent, f"no summary from ping:\n{output}"
    last_sent = int(sent.group(1))  # ping numbers its requests from 1
    missing = (last_sent - seqs[0] + 1) - len(seqs)
    after = [float(stamp) for stamp, _ in replies if float(stamp) > applied_at]
    assert len(after) >= 5, f"only {len(after)} replies after apply returned:\n{output}"
    return missing * PING_INTERVAL, len(seqs)
