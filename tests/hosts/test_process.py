"""Commands run detached from the operator's terminal: their own session, no terminal input."""

from __future__ import annotations

import sys

from virtnet_tui.hosts.process import run_process

#: Prints whether it leads a session of its own, and what its standard input is.
PROBE = "import os; print(os.getsid(0) == os.getpid(), os.path.realpath('/proc/self/fd/0'))"


def test_a_command_leads_a_session_of_its_own_with_no_terminal_input() -> None:
    argv = (sys.executable, "-c", PROBE)
    done = run_process(argv, argv, input=None, timeout=30)
    assert done.stdout.split() == ["True", "/dev/null"], done


def test_input_still_reaches_a_command_that_takes_it() -> None:
    argv = (sys.executable, "-c", "import sys; print(sys.stdin.read().upper())")
    assert run_process(argv, argv, input="keyfile", timeout=30).stdout == "KEYFILE\n"


def test_a_hangup_of_the_wizards_process_group_does_not_reach_the_command() -> None:
    """What a cut SSH session does to the foreground job: SIGHUP to its process group.

    A stand-in for the wizard, in a process group of its own, ignores SIGHUP and hangs
    up its own group while its command (which would die of SIGHUP) runs.
    """
    wrapper = (
        "import os, signal, sys, threading, time\n"
        "if os.getsid(0) != os.getpid():\n"
        "    os.setpgid(0, 0)\n"
        # A handler, not SIG_IGN: an ignored signal would stay ignored in the command.
        "signal.signal(signal.SIGHUP, lambda *_: None)\n"
        "from virtnet_tui.hosts.process import run_process\n"
        "threading.Timer(0.3, lambda: os.killpg(0, signal.SIGHUP)).start()\n"
        "argv = ('sh', '-c', 'sleep 1; echo finished')\n"
        "done = run_process(argv, argv, input=None, timeout=30)\n"
        "print(done.returncode, done.stdout, end='')\n"
    )
    argv = (sys.executable, "-c", wrapper)
    done = run_process(argv, argv, input=None, timeout=60)
    assert done.stdout == "0 finished\n", done
