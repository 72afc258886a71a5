"""``docgen serve``: uvicorn with JSON logs and a shutdown that drains.

On SIGTERM (systemd's stop, a container runtime's stop) or Ctrl-C, uvicorn stops
accepting connections, lets every request in flight finish — an issuance in the middle
of its conversion completes and is answered 201 — for up to ``grace`` seconds, and only
then runs the application's shutdown, which closes the converters and the verification
workers. A shutdown that drained is a clean exit (status 0): uvicorn would otherwise
re-raise the signal after its shutdown and end the process *by* SIGTERM. A shutdown
whose grace ran out (requests were cancelled) exits 1, so a supervisor sees it.

The LibreOffice processes run in their own sessions: a SIGTERM to the server's process
group does not reach them mid-conversion; under systemd use ``KillMode=mixed`` so the
stop signal goes to the server alone (docs/deployment.md).
"""
from __future__ import annotations

import logging
import signal
from types import FrameType

import uvicorn
from fastapi import FastAPI

from ..logs import log_config

LOG = logging.getLogger("docgen.serve")


class _DrainingServer(uvicorn.Server):
    drained = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            LOG.info("收到信号 %s：不再接受新连接，等待进行中的请求完成（最多 %g 秒）",
                     signal.Signals(sig).name, self.config.timeout_graceful_shutdown or 0)
        super().handle_exit(sig, frame)
        self._captured_signals.clear()  # handled by draining: not re-raised after shutdown

    async def _wait_tasks_to_complete(self) -> None:
        await super()._wait_tasks_to_complete()  # cancelled by uvicorn when the grace runs out
        self.drained = True


def serve(app: FastAPI, host: str, port: int, grace: float) -> int:
    """Serve until a signal; the exit status (0 drained, 1 grace exceeded, 3 failed to start)."""
    config = uvicorn.Config(app, host=host, port=port, log_config=log_config(), access_log=False,
                            timeout_graceful_shutdown=grace)
    server = _DrainingServer(config)
    server.run()
    if not server.started:
        return 3
    if not server.drained:
        LOG.error("%g 秒内未能完成全部进行中的请求，已取消剩余请求", grace)
        return 1
    LOG.info("已完成全部进行中的请求，转换进程与验证进程已关闭")
    return 0
