"""Fixtures for the operations tests: a real SMTP server on 127.0.0.1, the sample sites."""

import pytest

from quietwatch import demo
from quietwatch.demo.server import SampleServer
from tests.ops.helpers import Mailbox
from tests.pg import free_port


@pytest.fixture
def smtp():
    """aiosmtpd on 127.0.0.1 (a real SMTP server); yields (port, mailbox)."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, mailbox
    controller.stop()


@pytest.fixture
def sample_sites():
    """The demo's sample listing pages on 127.0.0.1; phase 1 (earlier) or 2 (current)."""
    phase = {"n": 1}
    server = SampleServer(lambda p: None).start()
    server.resolve = demo.resolver(server.base_url, lambda: phase["n"])
    yield server, phase
    server.stop()
