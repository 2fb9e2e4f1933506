"""Journal events for tests: short builders, and one event of every kind."""

from __future__ import annotations

from virtnet_tui.executor import events as ev

SANDBOX = ev.HostMeta(kind="sandbox", root="/tmp/root", netns="", describe="sandbox /tmp/root")


def run_start(token: str, host: ev.HostMeta = SANDBOX, stages: int = 1) -> ev.RunStart:
    return ev.RunStart(
        run_id="run",
        pid=1,
        token=token,
        host=host,
        stages=stages,
        steps=0,
        yes=True,
        confirm_timeout=60.0,
        fault="",
    )


def stage_start(stage: int, name: str = "files") -> ev.StageStart:
    return ev.StageStart(stage=stage, name=name, risky=False, steps=())


def step_start(step: int, stage: int = 0) -> ev.StepStart:
    return ev.StepStart(step=step, stage=stage, kind="file", what=f"step {step}", before={})


def step_done(step: int, stage: int = 0) -> ev.StepDone:
    return ev.StepDone(step=step, stage=stage, kind="file", what=f"step {step}", output={})


def undo_done(step: int, stage: int = 0) -> ev.UndoDone:
    return ev.UndoDone(step=step, stage=stage, what=f"step {step}", notes=())


LEFT = ev.Leftover(stage=1, step=4, what="write /etc/x", error="denied", manual=("rm -f /etc/x",))
AFTER_UNDO_LEFT = ev.Leftover(
    stage=0, step=None, what="after undoing stage 1", error="exit 1", manual=("ifup eth0",)
)
CHECK = {"what": "link-up", "target": "br0", "detail": ""}

#: One event of every kind, with values that a decoder could get wrong (None, nested
#: objects, tuples of tuples, an int where a float is declared, ``by``).
EVERY_KIND: tuple[ev.Event, ...] = (
    ev.RunStart(
        run_id="20260101T000000.000000Z-abcd",
        pid=42,
        token="t1",
        host=ev.HostMeta(kind="netns", root="/", netns="vnw", describe="namespace vnw"),
        stages=3,
        steps=7,
        yes=False,
        confirm_timeout=2,
        fault="before-step:3:fail",
    ),
    ev.Resume(pid=43, token="t2", from_step=4, from_stage=1),
    ev.RollbackStart(pid=44, token="t3", host=SANDBOX),
    ev.StageStart(stage=1, name="bridge", risky=True, steps=(3, 4)),
    ev.FirewallWarning(stage=2, text="ufw is active"),
    ev.StepStart(step=3, stage=1, kind="sysctl", what="forwarding", before={"values": {"a": "0"}}),
    ev.StepDone(step=3, stage=1, kind="command", what="ifup", output={"argv": ["ifup"]}),
    ev.StepFailed(step=5, stage=1, kind="file", what="w", ran=False, error="injected"),
    ev.StepFailed(step=6, stage=1, kind="command", what="c", ran=True, error="x", output={}),
    ev.CheckOk(stage=1, check=CHECK, what="link br0 is up", detail=""),
    ev.CheckFailed(stage=1, check=CHECK, what="link br0 is up", detail="it is down"),
    ev.CheckSkipped(stage=1, check=CHECK, what="gateway", detail="not in a sandbox"),
    ev.ConfirmAsked(stage=1, timeout=60.0),
    ev.Confirmed(stage=1, how="operator"),
    ev.ConfirmRefused(stage=1),
    ev.Checkpoint(stage=1, name="bridge"),
    ev.StageFailed(stage=2, step=None, reason="check failed"),
    ev.StageFailed(stage=2, step=5, reason="exit 1"),
    ev.GuardArmed(stage=1, pid=99, timeout=60.0),
    ev.NmCheckpointCreated(
        stage=1, path="/org/freedesktop/NetworkManager/Checkpoint/1", timeout=60.0
    ),
    ev.NmCheckpointFailed(stage=1, error="Connection refused"),
    ev.NmCheckpointDestroyed(stage=1, reason="confirmed"),
    ev.GuardReleased(stage=1, reason="confirmed"),
    ev.GuardTimeout(stage=1, pid=99, by="guard"),
    ev.GuardReverted(stage=1, name="bridge", by="guard"),
    ev.GuardRevertIncomplete(stage=1, leftovers=(LEFT,), by="guard"),
    ev.UndoStart(step=4, stage=1, what="ifup br0"),
    ev.UndoDone(step=4, stage=1, what="ifup br0", notes=("ifdown br0: already gone",)),
    ev.UndoFailed(step=4, stage=1, what="w", error="denied", manual=("rm -f /etc/x",)),
    ev.AfterUndoDone(stage=1, commands=(("ifup", "eth0"), ("true",))),
    ev.AfterUndoFailed(stage=0, error="exit 1", manual=("ifup eth0",)),
    ev.StageUndone(stage=1, name="bridge"),
    ev.RunDone(checkpoints=3),
    ev.RunRolledBack(reason="exit 1"),
    ev.RunPartial(reason="exit 1", kept=(0, 1)),
    ev.RunRollbackIncomplete(reason="exit 1", leftovers=(LEFT, AFTER_UNDO_LEFT)),
    ev.RollbackDone(),
    ev.RollbackIncomplete(leftovers=(LEFT,)),
)
