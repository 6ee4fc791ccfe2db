"""The watcher's stop on SIGINT/SIGTERM (storyline/watch.py stop_on_signals): the handler runs
in the main thread between any two bytecodes, so it must never wait for a lock that thread
may hold itself: the one its own wait for the next poll holds, or the one a first handler
holds while a second signal (a second Ctrl-C) comes."""
from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import replace

import pytest

from storyline.pipeline import Pipeline
from storyline.settings import DEFAULT_SETTINGS, FeedSettings
from storyline.watch import Watcher

SETTINGS = replace(DEFAULT_SETTINGS, feeds=FeedSettings(interval_minutes=1.0, min_interval_minutes=0.0))


@pytest.fixture
def signals():
    """The process's SIGINT and SIGTERM handlers, restored after the test."""
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for s, handler in previous.items():
        signal.signal(s, handler)


def test_sigterm_ends_the_wait_for_the_next_poll_at_once(store, signals):
    watcher = Watcher(Pipeline(SETTINGS, store=store), fetcher=None, settings=SETTINGS)
    watcher.stop_on_signals()
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM)).start()
    started = time.monotonic()
    assert watcher.run() == []  # no feed: it waits for the next poll (a minute) until the signal
    assert watcher.stop.is_set() and time.monotonic() - started < 30


def test_a_signal_while_its_thread_holds_the_watchers_locks_does_not_hang_it(store, signals):
    watcher = Watcher(Pipeline(SETTINGS, store=store), fetcher=None, settings=SETTINGS)
    watcher.stop_on_signals()
    handler = signal.getsignal(signal.SIGTERM)
    # held by the wait for the next poll (run), and by a first handler setting the stop flag
    for held in (watcher._wake._cond, watcher.stop._cond):
        watcher.stop.clear()
        watcher._wake.clear()
        returned = threading.Event()

        def signalled():
            with held:  # the thread the handler interrupts holds the lock
                handler(signal.SIGTERM, None)
            returned.set()

        threading.Thread(target=signalled, daemon=True).start()
        assert returned.wait(30), "the handler waits for a lock its own thread holds"
        assert watcher.stop.is_set() and watcher._wake.is_set()
