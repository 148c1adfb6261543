# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shared rate-limit ledger: probe, reserve, windows, 429, several processes on one file, and its fallback."""

import fcntl
import gc
import json
import math
import os
import random
import stat
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.aop.cloudflare.plugins.module_utils import _ratelimit
from ansible_collections.aop.cloudflare.plugins.module_utils._ratelimit import (
    MAX_ACQUIRE_WAIT_SECONDS,
    MAX_WAIT_SECONDS,
    RATELIMIT_RESERVE,
    RateLimitLedger,
    RateLimitWait,
    parse_ratelimit,
    retry_after_seconds,
)

TOKEN = 'ledger-test-token-0123456789abcdef0123456789abcdef'
KEY = 'https://api.cloudflare.com/client/v4\ntoken %s' % TOKEN
START = 1800000000.0
OTHER_PID = os.getppid()  # a live process that is not this one: the other module process of a test


class Clock:
    """Wall time that moves only when told, or when slept through."""

    def __init__(self):
        self.now = START
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def directory():
    return os.environ[_ratelimit.RATELIMIT_DIR_ENV]  # set for every test by conftest.py


@pytest.fixture
def ledger(clock):
    return RateLimitLedger(KEY, sleep=clock.sleep, clock=clock)


def other_process(clock, pid=OTHER_PID):
    return RateLimitLedger(KEY, sleep=clock.sleep, clock=clock, pid=pid)


def answer(remaining, reset):
    return {'Ratelimit': '"default";r=%d;t=%d' % (remaining, reset), 'Ratelimit-Policy': '"default";q=1200;w=300'}


def state_files(directory):
    return [os.path.join(directory, name) for name in os.listdir(directory)]


def saved_state(directory):
    (path,) = state_files(directory)
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


def send(ledger):
    """Let one call go (it must); -> when it was sent."""
    sent_at = ledger.clock()
    assert ledger.try_acquire() == 0
    return sent_at


def calls_allowed(ledger):
    """How many calls go before the ledger asks to wait (each stays in flight)."""
    count = 0
    while ledger.try_acquire() == 0:
        count += 1
    return count


def dead_pid():
    process = subprocess.Popen([sys.executable, '-c', 'pass'])  # pylint: disable=consider-using-with
    process.wait()
    return process.pid


# --- the header ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'value, expected',
    [
        ('"default";r=50;t=30', (50, 30)),
        ('"default"; r=0; t=7', (0, 7)),
        ('"default";r=50', None),
        ('', None),
        ('"default";r=999999999;t=300', (999999999, 300)),
        ('"default";r=5;t=3600', (5, 300)),  # no window is longer than 5 minutes
        # Malformed: ignored as if absent, never a crash (int() refuses more than 4,300 digits).
        pytest.param('"default";r=5;t=' + '9' * 5000, None, id='t of 5000 digits'),
        pytest.param('"default";r=' + '9' * 5000 + ';t=30', None, id='r of 5000 digits'),
        ('"default";r=1000000000;t=30', None),
        ('"default";r=-1;t=30', None),
        ('"default";r=5;t=1.5', None),
        ('"default";r=5;t=', None),
    ],
)
def test_parse_ratelimit(value, expected):
    assert parse_ratelimit({'Ratelimit': value}) == expected


@pytest.mark.parametrize(
    'value, expected',
    [
        ('20', 20.0),
        (' 20 ', 20.0),
        ('0', 0.0),
        ('2.5', 2.5),
        ('3600', 300.0),  # no wait is longer than Cloudflare's block
        pytest.param('9' * 5000, 300.0, id='5000 digits'),
        ('Thu, 01 Jan 2027 00:00:30 GMT', 30.0),
        ('Thu, 01 Jan 2099 00:00:00 GMT', 300.0),
        ('Thu, 01 Jan 1970 00:00:00 GMT', 0.0),
        # Malformed: as if absent.
        ('nan', None),
        ('NaN', None),
        ('inf', None),
        ('-inf', None),
        ('infinity', None),
        ('1e999', None),
        ('-5', None),
        ('1_000', None),
        ('', None),
        ('soon', None),
        ('Thu, 99999999999 Jan 2027 00:00:00 GMT', None),  # OverflowError in the date's parser
        ('Thu, 01 Jan 2027 99999999999999:00:00 GMT', None),
        ('Thu, 01 Jan 99999 00:00:00 GMT', None),
        pytest.param('Thu, 01 Jan 2027 00:00:00 GMT' + ' ' * 100 + 'x', None, id='too long for a date'),
    ],
)
def test_retry_after_seconds(value, expected):
    now = 1798761600.0  # 2027-01-01T00:00:00Z
    assert retry_after_seconds({'Retry-After': value}, now) == expected


# --- an unknown budget -----------------------------------------------------------------------------------------


def test_an_unknown_budget_lets_one_probe_go_until_its_answer(clock, ledger):
    probe = send(ledger)
    assert ledger.try_acquire() is None, 'nothing else until the probe is answered'
    assert other_process(clock).try_acquire() is None, 'in no other process either'

    ledger.release(probe, answer(1199, 300), 200)

    assert calls_allowed(ledger) == 1199 - RATELIMIT_RESERVE


def test_a_probe_without_an_answer_leaves_the_budget_unknown(ledger):
    ledger.release(send(ledger))  # the connection was lost

    send(ledger)
    assert ledger.try_acquire() is None, 'the next probe is out'


def test_an_ended_window_makes_the_budget_unknown_again(clock, ledger):
    ledger.release(send(ledger), answer(1199, 60), 200)

    clock.now += 61  # t and a second of margin, since t is rounded
    send(ledger)
    assert ledger.try_acquire() is None, 'one probe again: what the new window allows is not known yet'


def test_threads_wait_for_the_probe_answer_without_sleeping(clock, ledger):
    probe = send(ledger)
    through = []
    threads = [threading.Thread(target=lambda: through.append(ledger.acquire())) for _index in range(8)]
    for thread in threads:
        thread.start()

    ledger.release(probe, answer(1199, 300), 200)
    for thread in threads:
        thread.join(timeout=10)

    assert through == [START] * 8
    assert clock.slept == [], 'woken by the answer, not by pauses'


# --- pacing ----------------------------------------------------------------------------------------------------


def test_calls_stop_at_the_reserve_and_pause_until_the_reset(clock, ledger):
    ledger.release(send(ledger), answer(15, 60), 200)

    assert calls_allowed(ledger) == 15 - RATELIMIT_RESERVE, 'the reserve is left to the account\'s other users'
    assert ledger.try_acquire() == 61.0, 't and a second of margin, since t is rounded'
    for _index in range(5):
        ledger.release(START, answer(10, 60), 200)

    assert ledger.acquire() == START + 61
    assert clock.slept == [61.0]
    assert ledger.try_acquire() is None, 'the call after the pause is the probe of the new window'


def test_a_long_pause_is_taken_in_parts_and_checked_again(clock, ledger):
    ledger.release(send(ledger), answer(3, 300), 200)

    ledger.acquire()

    assert clock.slept == [300.0, 1.0]


def test_pauses_are_whole_seconds(clock, ledger):
    ledger.release(send(ledger), answer(0, 7), 200)
    clock.now += 0.25

    ledger.acquire()

    assert clock.slept == [8.0], 'rounded up: ending a hair before the reset would only cost another pause'


def test_a_backoff_and_a_budget_pause_are_one_pause_the_longer(clock, ledger):
    ledger.release(send(ledger), answer(0, 7), 200)

    ledger.acquire(backoff=1.5)

    assert clock.slept == [8.0]


def test_a_backoff_longer_than_the_budget_pause_is_taken_alone(clock, ledger):
    ledger.release(send(ledger), answer(500, 300), 200)

    ledger.acquire(backoff=1.5)

    assert clock.slept == [1.5]


@pytest.mark.parametrize('backoff, slept', [(float('inf'), [MAX_WAIT_SECONDS]), (1e999, [MAX_WAIT_SECONDS]), (float('nan'), []), (-5.0, [])])
def test_a_backoff_out_of_range_is_bounded(clock, ledger, backoff, slept):
    ledger.acquire(backoff=backoff)

    assert clock.slept == slept


# --- what the caller is told ----------------------------------------------------------------------------------


def test_the_ledger_counts_its_calls_and_the_seconds_the_budget_made_it_wait(clock, ledger):
    assert (ledger.calls, ledger.waited_seconds, ledger.backoff_seconds) == (0, 0.0, 0.0)
    ledger.release(send(ledger), answer(0, 7), 200)

    probe = ledger.acquire(backoff=1.5)  # one pause of 8 s: 1.5 s the caller's backoff, 6.5 s the budget's
    ledger.release(probe, answer(1000, 300), 200)
    ledger.acquire(backoff=2.0)  # the budget allows it: the backoff alone

    assert clock.slept == [8.0, 2.0]
    assert (ledger.calls, ledger.waited_seconds, ledger.backoff_seconds) == (3, 6.5, 3.5)


def test_a_call_refused_at_the_deadline_is_not_counted_but_its_wait_is(clock):
    sleep = spent_again_after_each_pause(clock, [(answer(0, 300), 200)] * 100)
    ledger = RateLimitLedger(KEY, sleep=sleep, clock=clock)
    ledger.release(send(ledger), answer(0, 300), 200)

    with pytest.raises(RateLimitWait):
        ledger.acquire()

    assert (ledger.calls, ledger.waited_seconds) == (1, 900.0)


def acquire_while_the_probe_is_answered(waiting, prober, probe, seconds):
    """waiting.acquire() in a thread while prober's probe is answered `seconds` later; returns once the thread went."""
    thread = threading.Thread(target=waiting.acquire)
    thread.start()
    time.sleep(seconds)

    prober.release(probe, answer(1199, 300), 200)
    thread.join(timeout=10)

    assert not thread.is_alive()


def test_the_wait_for_another_call_s_probe_is_counted(clock, ledger):
    acquire_while_the_probe_is_answered(ledger, ledger, send(ledger), 0.3)

    assert 0.25 <= ledger.waited_seconds < 5, 'woken by the answer, after about 0.3 s'
    assert clock.slept == []


def test_threads_count_every_call(ledger):
    ledger.release(send(ledger), answer(1199, 300), 200)
    threads = [threading.Thread(target=lambda: [ledger.acquire() for _index in range(50)]) for _index in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert ledger.calls == 1 + 16 * 50


# --- the overall deadline --------------------------------------------------------------------------------------


def spent_again_after_each_pause(clock, answers):
    """A sleep after which another process hears the next of answers (headers, status), as if sent at that moment."""
    other = other_process(clock)

    def sleep(seconds):
        clock.sleep(seconds)
        assert len(clock.slept) < 100, 'waits for ever'
        if answers:
            other.release(clock(), *answers.pop(0))

    return sleep


def test_a_budget_spent_by_others_for_ever_fails_at_the_deadline(clock):
    sleep = spent_again_after_each_pause(clock, [(answer(0, 300), 200)] * 100)
    ledger = RateLimitLedger(KEY, sleep=sleep, clock=clock)
    ledger.release(send(ledger), answer(0, 300), 200)

    with pytest.raises(RateLimitWait) as error:
        ledger.acquire()

    assert clock.slept == [300.0] * 3, 'a fourth pause would pass the deadline: it is not taken for nothing'
    assert sum(clock.slept) <= MAX_ACQUIRE_WAIT_SECONDS
    assert error.value.waited_seconds == 900.0
    message = str(error.value)
    assert '1,200 calls per 5 minutes' in message and 'run again later' in message and '900 s' in message


def test_a_spent_window_then_a_block_is_still_waited(clock):
    # The check above can fail: the deadline leaves room for a window's end and a 5-minute block after it.
    sleep = spent_again_after_each_pause(clock, [({'Retry-After': '300'}, 429)])
    ledger = RateLimitLedger(KEY, sleep=sleep, clock=clock)
    ledger.release(send(ledger), answer(0, 300), 200)

    assert ledger.acquire() == START + 600
    assert clock.slept == [300.0, 300.0]


def test_a_wall_clock_set_forward_during_a_wait_is_not_time_waited(clock):
    other = other_process(clock)

    def sleep(seconds):
        clock.sleep(seconds)
        if len(clock.slept) == 1:
            clock.now += 3600  # set forward an hour (NTP): no time passed
            other.release(clock(), answer(0, 300), 200)  # and the window then is spent too

    ledger = RateLimitLedger(KEY, sleep=sleep, clock=clock)
    ledger.release(send(ledger), answer(0, 300), 200)

    ledger.acquire()

    assert clock.slept == [300.0, 300.0, 1.0]


def test_a_process_waiting_for_another_process_s_probe_goes_soon_after_its_answer(clock):
    """With forks, every other module process's first call waits for the first one's probe: it must go about a round
    trip later, not a whole polling period later (it once waited 0.5 s for a 50 ms probe)."""
    other = other_process(clock)
    probe = send(other)
    ledger = RateLimitLedger(KEY, sleep=clock.sleep, clock=clock)

    acquire_while_the_probe_is_answered(ledger, other, probe, 0.2)

    assert 0.2 <= ledger.waited_seconds < 0.45, 'a poll every 0.5 s would go at 0.5 s'


def test_a_probe_never_answered_fails_at_the_deadline(clock, monkeypatch):
    # A live process holds the probe (its entry is fresh, the test's clock never moves): only the deadline ends it.
    monkeypatch.setattr(_ratelimit, 'MAX_ACQUIRE_WAIT_SECONDS', 0.5)
    send(other_process(clock))
    ledger = RateLimitLedger(KEY, sleep=clock.sleep, clock=clock)
    outcome = []

    def acquire():
        try:
            ledger.acquire()
        except RateLimitWait as exc:
            outcome.append(exc)

    thread = threading.Thread(target=acquire, daemon=True)
    thread.start()
    thread.join(timeout=30)

    assert not thread.is_alive(), 'waits for ever'
    assert len(outcome) == 1 and 0.5 <= outcome[0].waited_seconds < 5
    assert clock.slept == []


# --- answers ---------------------------------------------------------------------------------------------------


def test_calls_in_flight_are_taken_as_not_yet_counted(ledger, directory):
    ledger.release(send(ledger), answer(1000, 300), 200)
    sent = [send(ledger) for _index in range(4)]

    ledger.release(sent[0], answer(990, 300), 200)

    assert saved_state(directory)['remaining'] == 990 - 3


def test_answers_out_of_order_keep_the_lowest_count_of_the_window(clock, ledger, directory):
    ledger.release(send(ledger), answer(1000, 300), 200)
    sent = [send(ledger) for _index in range(3)]

    clock.now += 2
    ledger.release(sent[2], answer(900, 298), 200)  # sent last, answered first
    ledger.release(sent[0], answer(950, 299), 200)
    ledger.release(sent[1], answer(940, 299), 200)

    assert saved_state(directory)['remaining'] == 900 - 2, 'less the two calls then still in flight'


def test_slow_answers_of_one_window_are_not_taken_for_a_new_window(clock, ledger, directory):
    ledger.release(send(ledger), answer(1000, 300), 200)
    sent = [send(ledger) for _index in range(2)]

    clock.now += 30  # a slow call: its t is 30 s old, said as soon as it was sent
    ledger.release(sent[0], answer(500, 300), 200)
    ledger.release(sent[1], answer(990, 300), 200)

    state = saved_state(directory)
    assert state['remaining'] == 500 - 1, 'one window: a count that rises is an older one'
    assert state['reset_at'] == START + 30 + 301, 'paused until the latest the window may end'


def test_a_reset_past_the_known_one_is_a_new_window(clock, ledger, directory):
    ledger.release(send(ledger), answer(11, 30), 200)
    sent = send(ledger)
    assert ledger.try_acquire() == 31.0, 'down to the reserve'

    clock.now += 29
    ledger.release(sent, answer(1199, 300), 200)  # counted by Cloudflare in its next window: ours ends later

    state = saved_state(directory)
    assert (state['remaining'], state['reset_at']) == (1199, clock() + 301)
    assert ledger.try_acquire() == 0


def test_an_answer_from_an_ended_window_is_ignored(clock, ledger, directory):
    ledger.release(send(ledger), answer(1000, 2), 200)
    clock.now += 1
    late, counted_after_the_reset = send(ledger), send(ledger)
    clock.now += 2
    ledger.release(counted_after_the_reset, answer(1199, 300), 200)

    ledger.release(late, answer(5, 0), 200)

    assert saved_state(directory)['remaining'] == 1199 - 1


def test_an_answer_without_the_header_keeps_the_call_counted(ledger, directory):
    ledger.release(send(ledger), answer(1000, 300), 200)

    ledger.release(send(ledger), {'cf-ray': 'x'}, 502)

    assert saved_state(directory)['remaining'] == 999


@pytest.mark.parametrize(
    'headers, wait',
    [
        (dict(answer(1199, 300), **{'Retry-After': '20'}), 20.0),
        (answer(0, 40), 41.0),
        ({}, 300.0),
        ({'Retry-After': '3600'}, 300.0),
    ],
)
def test_a_429_stops_every_call_until_it_said(clock, ledger, headers, wait):
    ledger.release(send(ledger), answer(1199, 300), 200)

    ledger.release(send(ledger), headers, 429)

    assert ledger.try_acquire() == wait
    assert other_process(clock).try_acquire() == wait


HOSTILE_ANSWERS = [
    pytest.param({'Ratelimit': '"default";r=5;t=' + '9' * 5000}, id='t of 5000 digits'),
    pytest.param({'Ratelimit': '"default";r=' + '9' * 5000 + ';t=30'}, id='r of 5000 digits'),
    pytest.param({'Retry-After': 'nan'}, id='Retry-After nan'),
    pytest.param({'Retry-After': 'inf'}, id='Retry-After inf'),
    pytest.param({'Retry-After': '1e999'}, id='Retry-After 1e999'),
    pytest.param({'Retry-After': '9' * 5000}, id='Retry-After of 5000 digits'),
    pytest.param({'Retry-After': 'Thu, 99999999999 Jan 2027 00:00:00 GMT'}, id='Retry-After a date out of range'),
]


@pytest.mark.parametrize('headers', HOSTILE_ANSWERS)
@pytest.mark.parametrize('status', [200, 429, 503])
def test_a_hostile_answer_is_recorded_without_a_crash_and_waited_a_window_at_most(clock, ledger, directory, headers, status):
    ledger.release(send(ledger), answer(1199, 300), 200)

    ledger.release(send(ledger), headers, status)  # in a finally of the HTTP call: it must not raise

    json.dumps(saved_state(directory), allow_nan=False)
    ledger.acquire()
    assert sum(clock.slept) <= _ratelimit.MAX_WAIT_SECONDS


@pytest.mark.parametrize('headers, status, wait', [({'Retry-After': '20'}, 429, 20.0), (answer(0, 20), 200, 21.0)])
def test_an_answer_when_the_clock_was_set_back_during_the_call_is_kept(clock, ledger, headers, status, wait):
    sent_at = send(ledger)
    clock.now -= 5  # the wall clock stepped back while the call was out

    ledger.release(sent_at, headers, status)

    assert ledger.try_acquire() == wait, 'the window still ends after the answer, not before it began'


# --- several processes on one ledger ---------------------------------------------------------------------------


def test_processes_share_one_budget(clock, ledger, directory):
    other = other_process(clock)
    ledger.release(send(ledger), answer(30, 300), 200)

    assert calls_allowed(ledger) + calls_allowed(other) == 30 - RATELIMIT_RESERVE
    assert len(state_files(directory)) == 1


def test_calls_in_flight_of_a_dead_process_are_forgotten(clock, ledger):
    send(other_process(clock, pid=dead_pid()))  # its probe, never answered

    assert ledger.try_acquire() == 0, 'the dead process no longer holds the probe'


def test_calls_in_flight_not_updated_for_long_are_forgotten(clock, ledger):
    send(other_process(clock))  # a live pid: that of a dead process, reused by another
    clock.now += _ratelimit.STALE_IN_FLIGHT_SECONDS - 1
    assert ledger.try_acquire() is None

    clock.now += 2
    assert ledger.try_acquire() == 0


class Cloudflare:
    """The budget as Cloudflare counts it: a window opened by the first call after the last one ended; t rounded
    down (the worst case for a client); every call beyond the limit refused."""

    def __init__(self, clock, limit, window):
        self.clock, self.limit, self.window = clock, limit, window
        self.window_end, self.used, self.external, self.refused = None, 0, 0, 0

    def count(self):
        now = self.clock()
        if self.window_end is None or now >= self.window_end:
            self.window_end, self.used, self.external = now + self.window, 0, 0
        self.used += 1
        headers = answer(max(0, self.limit - self.used), int(self.window_end - now))
        if self.used > self.limit:
            self.refused += 1
            return dict(headers, **{'Retry-After': str(math.ceil(self.window_end - now))}), 429
        return headers, 200

    def dashboard_call(self):
        """A call of the account's other users, fewer per window than the reserve."""
        if self.window_end is not None and self.clock() < self.window_end and self.external < RATELIMIT_RESERVE // 2:
            self.external += 1
            self.count()


def run_processes(clock, ledgers, rng, limit=60, window=60, threads_each=16, duration=600):
    """Threads of several processes, each call sent, counted and answered in a random order.

    Returns (calls refused, calls of the processes served).
    """
    cloudflare, served = Cloudflare(clock, limit, window), 0
    workers = [{'ledger': ledger, 'step': 'idle', 'not_before': 0.0} for ledger in ledgers for _index in range(threads_each)]
    end = clock() + duration
    while clock() < end:
        ready = [worker for worker in workers if worker['step'] != 'idle' or worker['not_before'] <= clock()]
        if not ready:
            clock.now = min(worker['not_before'] for worker in workers)
            continue
        worker = rng.choice(ready)
        if worker['step'] == 'idle':
            wait = worker['ledger'].try_acquire()
            if wait == 0:
                worker['step'], worker['sent_at'] = 'sent', clock()
            else:
                worker['not_before'] = clock() + (0.5 if wait is None else wait)  # a coarse poll keeps the simulation short
        elif worker['step'] == 'sent':
            worker['answer'], worker['step'] = cloudflare.count(), 'answered'
        else:
            worker['ledger'].release(worker['sent_at'], *worker['answer'])
            worker['step'] = 'idle'
            served += worker['answer'][1] == 200
        clock.now += rng.random() * 0.2
        if rng.random() < 0.02:
            cloudflare.dashboard_call()
    return cloudflare.refused, served


# Three live processes, as Ansible forks them, of 16 reader threads each.
PROCESS_IDS = (os.getpid(), os.getppid(), 1)


@pytest.mark.parametrize('seed', range(10))
def test_processes_on_one_ledger_never_exceed_the_budget_together(clock, seed):
    ledgers = [RateLimitLedger(KEY, sleep=clock.sleep, clock=clock, pid=pid) for pid in PROCESS_IDS]

    refused, served = run_processes(clock, ledgers, random.Random(seed))

    assert refused == 0
    # Ten windows of 50 calls (60 less the reserve); calls in flight, taken as not yet counted, cost some.
    assert served > 10 * (60 - RATELIMIT_RESERVE) / 2


def test_processes_pacing_alone_would_exceed_it(clock, tmp_path, monkeypatch):
    # The check above can fail: with a ledger each, the processes overrun the budget.
    ledgers = []
    for pid in PROCESS_IDS:
        monkeypatch.setenv(_ratelimit.RATELIMIT_DIR_ENV, str(tmp_path / str(pid)))
        ledgers.append(RateLimitLedger(KEY, sleep=clock.sleep, clock=clock, pid=pid))

    assert run_processes(clock, ledgers, random.Random(0))[0] > 0


# --- the state file --------------------------------------------------------------------------------------------


def test_the_state_file_names_no_credential_and_is_private(ledger, directory):
    ledger.release(send(ledger), answer(1199, 300), 200)

    (path,) = state_files(directory)
    with open(path, encoding='utf-8') as handle:
        content = handle.read()
    assert TOKEN not in path and TOKEN not in content and 'cloudflare.com' not in content
    assert len(os.path.basename(path)) == 64 + len('.json')
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_each_credential_and_base_url_has_its_own_ledger(clock, ledger, directory):
    ledger.try_acquire()

    assert RateLimitLedger(KEY.replace('token ', 'token other-'), clock=clock).try_acquire() == 0
    assert RateLimitLedger(KEY.replace('api.', 'eu.api.'), clock=clock).try_acquire() == 0
    assert len(state_files(directory)) == 3


def test_the_default_directory_is_private_to_the_user_under_the_temp_dir(monkeypatch, tmp_path):
    monkeypatch.delenv(_ratelimit.RATELIMIT_DIR_ENV)
    monkeypatch.setattr(_ratelimit.tempfile, 'gettempdir', lambda: str(tmp_path))

    assert _ratelimit.ledger_directory() == str(tmp_path / ('aop-cloudflare-%d' % os.getuid()))


def test_a_damaged_state_file_is_an_unknown_budget(ledger, directory):
    ledger.release(send(ledger), answer(1199, 300), 200)
    (path,) = state_files(directory)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('{"remaining": 5')

    assert ledger.try_acquire() == 0
    assert ledger.try_acquire() is None


def write_state(directory, content):
    (path,) = state_files(directory)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(content)


def state(remaining=None, reset_earliest=None, reset_at=None, in_flight=None):
    """A state file's text; the values are written as given (NaN and Infinity too, as Python's json allows)."""
    return json.dumps({'remaining': remaining, 'reset_earliest': reset_earliest, 'reset_at': reset_at, 'in_flight': in_flight or {}})


NAN, INF = float('nan'), float('inf')
WINDOW = (START + 60, START + 61)  # a window that ends in a minute

HOSTILE_STATES = [
    pytest.param(state(NAN, *WINDOW), id='remaining NaN'),
    pytest.param(state(INF, *WINDOW), id='remaining Infinity'),
    pytest.param(state(-5, *WINDOW), id='remaining negative'),
    pytest.param(state(10**10, *WINDOW), id='remaining beyond any budget'),
    pytest.param(state(True, *WINDOW), id='remaining a boolean'),
    pytest.param(state(0, START + 60, NAN), id='reset_at NaN'),
    pytest.param(state(0, START + 60, INF), id='reset_at Infinity'),
    pytest.param(state(0, START + 60, 1e300), id='reset_at in centuries'),
    pytest.param(state(0, START + 3600, START + 3601), id='reset_at past any window'),
    pytest.param(state(0, -INF, START + 60), id='reset_earliest -Infinity'),
    pytest.param(state(500, START + 300, START + 100), id='reset_earliest after reset_at'),
    pytest.param(state(in_flight={'-1': [1, START]}), id='pid -1 (every process)'),
    pytest.param(state(in_flight={'0': [1, START]}), id='pid 0 (the process group)'),
    pytest.param(state(in_flight={'9' * 20: [1, START]}), id='pid beyond a C int'),
    pytest.param(state(in_flight={' 1': [1, START]}), id='pid with a space'),
    pytest.param(state(in_flight={str(OTHER_PID): [NAN, START]}), id='calls NaN'),
    pytest.param(state(in_flight={str(OTHER_PID): [INF, START]}), id='calls Infinity'),
    pytest.param(state(in_flight={str(OTHER_PID): [-3, START]}), id='calls negative'),
    pytest.param(state(in_flight={str(OTHER_PID): [10**9, START]}), id='calls beyond reason'),
    pytest.param(state(in_flight={str(OTHER_PID): [1.5, START]}), id='calls not whole'),
    pytest.param(state(in_flight={str(OTHER_PID): [1, NAN]}), id='seen NaN'),
    pytest.param(state(in_flight={str(OTHER_PID): [1, INF]}), id='seen Infinity'),
    pytest.param(state(in_flight={str(OTHER_PID): [1, START + 86400]}), id='seen tomorrow'),
    pytest.param(state(in_flight={str(OTHER_PID): [1, START, 'more']}), id='an entry of three'),
    pytest.param(state(in_flight={str(pid): [1, START] for pid in range(1, 5001)}), id='5000 processes'),
    pytest.param('[' * 100000 + ']' * 100000, id='nested too deep'),
    pytest.param(' ' * (2 << 20) + state(in_flight={str(OTHER_PID): [1, START]}), id='larger than 1 MiB'),
]


@pytest.mark.parametrize('content', HOSTILE_STATES)
def test_a_state_file_of_impossible_values_is_an_unknown_budget(ledger, directory, content):
    ledger.try_acquire()
    write_state(directory, content)

    assert ledger.try_acquire() == 0, 'the probe of an unknown budget'
    assert ledger.try_acquire() is None
    json.dumps(saved_state(directory), allow_nan=False)


@pytest.mark.parametrize(
    'content, wait',
    [
        pytest.param(state(0, START + 60, START + 61), 61.0, id='a window that ends in a minute'),
        pytest.param(state(0, START + 299, START + 301), 301.0, id='the longest window'),
        pytest.param(state(in_flight={str(OTHER_PID): [1, START - 60]}), None, id='the probe of another process'),
    ],
)
def test_a_state_file_of_possible_values_is_kept(ledger, directory, content, wait):
    # The check above can fail: the values a ledger writes itself are read as written.
    ledger.try_acquire()
    write_state(directory, content)

    assert ledger.try_acquire() == wait


def test_calls_in_flight_under_our_pid_are_a_dead_process_s(clock, directory):
    # A process that died with calls in flight, whose pid is now ours: its calls are never released.
    RateLimitLedger(KEY, clock=clock).try_acquire()
    write_state(directory, state(in_flight={str(os.getpid()): [2, START]}))

    ledger = RateLimitLedger(KEY, sleep=clock.sleep, clock=clock)

    assert ledger.try_acquire() == 0, 'the probe goes: no call of ours is in flight yet'


def unusable_directory(tmp_path, kind):
    if kind == 'parent is a file':
        (tmp_path / 'file').write_text('')
        return tmp_path / 'file' / 'ratelimit'
    if kind == 'a symlink to a private directory':
        (tmp_path / 'private').mkdir(mode=0o700)
        (tmp_path / 'link').symlink_to(tmp_path / 'private')
        return tmp_path / 'link'
    shared = tmp_path / 'shared'
    shared.mkdir()
    shared.chmod(0o777)  # others could write our state and stall our runs
    return shared


@pytest.mark.parametrize('kind', ['parent is a file', 'writable by others', 'a symlink to a private directory'])
def test_an_unusable_directory_falls_back_to_pacing_alone(clock, tmp_path, monkeypatch, kind):
    path = unusable_directory(tmp_path, kind)
    monkeypatch.setenv(_ratelimit.RATELIMIT_DIR_ENV, str(path))
    ledger = RateLimitLedger(KEY, sleep=clock.sleep, clock=clock)

    probe = send(ledger)
    assert ledger.try_acquire() is None
    ledger.release(probe, answer(12, 60), 200)
    assert calls_allowed(ledger) == 12 - RATELIMIT_RESERVE
    assert not path.is_dir() or os.listdir(str(path)) == []


def test_a_directory_swapped_for_a_symlink_after_the_check_is_not_followed(ledger, directory, tmp_path):
    # The directory was checked when the ledger was made; a symlink put in its place later must not redirect writes.
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    os.rename(directory, directory + '.checked')
    os.symlink(str(elsewhere), directory)

    ledger.release(send(ledger), answer(1199, 300), 200)

    assert os.listdir(str(elsewhere)) == []
    (path,) = state_files(directory + '.checked')
    with open(path, encoding='utf-8') as handle:
        assert json.load(handle)['remaining'] == 1199


def test_a_ledger_locked_by_a_stopped_process_is_left_for_pacing_alone(clock, directory, monkeypatch):
    # A process stopped (Ctrl-Z) while it holds the lock: the others must not hang with it.
    monkeypatch.setattr(_ratelimit, 'LOCK_TIMEOUT_SECONDS', 0.2)
    ledger = RateLimitLedger(KEY, sleep=clock.sleep, clock=clock)
    (path,) = state_files(directory)
    with open(path, 'rb') as stopped:
        fcntl.flock(stopped.fileno(), fcntl.LOCK_EX)
        started = time.monotonic()
        probe = send(ledger)
        assert 0.2 <= time.monotonic() - started < 5
        before = saved_state(directory)
        ledger.release(probe, answer(12, 60), 200)

    assert calls_allowed(ledger) == 12 - RATELIMIT_RESERVE, 'paced alone, from its own answers'
    assert saved_state(directory) == before, 'the locked file is not written'


def test_a_ledger_holds_one_descriptor_of_its_directory_and_closes_it(clock):
    gc.collect()  # ledgers of earlier tests left in reference cycles must not be closed during the count
    before = len(os.listdir('/dev/fd'))
    ledgers = [RateLimitLedger(KEY, clock=clock) for _index in range(20)]
    assert len(os.listdir('/dev/fd')) == before + 20

    del ledgers
    gc.collect()

    assert len(os.listdir('/dev/fd')) == before


def precious_file(tmp_path):
    precious = tmp_path / 'precious'
    precious.write_text('not a ledger')
    return precious


@pytest.mark.parametrize('link', [os.symlink, os.link], ids=['symlink', 'hard link'])
def test_a_ledger_file_that_links_elsewhere_is_not_written(ledger, directory, tmp_path, link):
    precious = precious_file(tmp_path)
    (path,) = state_files(directory)
    os.remove(path)
    link(str(precious), path)

    ledger.release(send(ledger), answer(12, 60), 200)

    assert precious.read_text() == 'not a ledger'
    assert calls_allowed(ledger) == 12 - RATELIMIT_RESERVE, 'paced alone, in memory'


def test_a_ledger_file_that_is_a_fifo_falls_back_to_pacing_alone(ledger, directory):
    (path,) = state_files(directory)
    os.remove(path)
    os.mkfifo(path, 0o600)
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(ledger.try_acquire()), daemon=True)

    thread.start()
    thread.join(timeout=30)

    assert not thread.is_alive(), 'blocked reading a FIFO'
    assert outcome == [0]


def test_a_state_file_lost_during_the_run_falls_back_to_pacing_alone(ledger, directory):
    probe = send(ledger)
    os.remove(state_files(directory)[0])
    os.rmdir(directory)

    ledger.release(probe, answer(1199, 300), 200)

    assert ledger.try_acquire() == 0


# --- spacing per address -----------------------------------------------------------------------------------------

ADDRESS = 'https://api.cloudflare.com'
OTHER_KEY = 'https://api.cloudflare.com/client/v4\ntoken another-zone-scoped-token-0123456789abcdef'


def read_text(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


@pytest.fixture
def spaced(monkeypatch):
    monkeypatch.setattr(_ratelimit, 'CALLS_PER_SECOND', 150)  # the conftest turns the spacing off for other tests


def call(ledger):
    """One call through acquire() and its answer; -> when it was let go."""
    sent_at = ledger.acquire()
    ledger.release(sent_at, answer(1000, 300), 200)
    return sent_at


@pytest.mark.usefixtures('spaced')
def test_calls_to_one_address_are_spaced_whatever_the_credential_and_process(clock):
    # Zone-scoped tokens in forks: each has its own budget, but Cloudflare counts 200 calls per second per address.
    first = RateLimitLedger(KEY, sleep=clock.sleep, clock=clock, address=ADDRESS)
    other = RateLimitLedger(OTHER_KEY, sleep=clock.sleep, clock=clock, pid=OTHER_PID, address=ADDRESS)

    sent = [call(ledger) for ledger in (first, other, first, other, first, other)]

    assert [round(later - earlier, 6) for earlier, later in zip(sent, sent[1:])] == [round(1.0 / 150, 6)] * 5
    assert first.waited_seconds == other.waited_seconds == 0, 'a pace, not a wait for the budget'


@pytest.mark.usefixtures('spaced')
def test_another_address_has_its_own_spacing(clock):
    cloudflare = RateLimitLedger(KEY, sleep=clock.sleep, clock=clock, address=ADDRESS)
    elsewhere = RateLimitLedger(KEY.replace('api.cloudflare.com', 'cf.example.net'), sleep=clock.sleep, clock=clock, address='https://cf.example.net')

    call(cloudflare)
    call(elsewhere)

    assert clock.slept == []


@pytest.mark.usefixtures('spaced')
def test_calls_apart_already_are_not_held_back(clock):
    ledger = RateLimitLedger(KEY, sleep=clock.sleep, clock=clock, address=ADDRESS)
    for _index in range(5):
        call(ledger)
        clock.now += 0.05  # one call at a time, each a round trip long

    assert clock.slept == []


@pytest.mark.usefixtures('spaced')
def test_a_spacing_file_far_ahead_is_forgotten(clock, directory):
    # Damage, or a clock set back by a day: the next turn must not be a day away.
    ledger = RateLimitLedger(KEY, sleep=clock.sleep, clock=clock, address=ADDRESS)
    call(ledger)
    (spacing,) = [path for path in state_files(directory) if 'next_turn' in read_text(path)]
    with open(spacing, 'w', encoding='utf-8') as handle:
        json.dump({'next_turn': START + 86400}, handle)

    call(ledger)

    assert clock.slept == []


@pytest.mark.usefixtures('spaced')
def test_threads_take_turns_each_sleeping_until_its_own():
    # Real time: 30 threads at once go out over 30 turns, about 0.2 s, none at the same moment as another.
    ledger = RateLimitLedger(KEY, address=ADDRESS)
    ledger.release(ledger.acquire(), answer(1000, 300), 200)  # the probe: the budget is known
    sent = []
    threads = [threading.Thread(target=lambda: sent.append(call(ledger))) for _index in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    sent.sort()
    assert len(sent) == 30
    assert sent[-1] - sent[0] >= 29 * (1.0 / 150) * 0.9
    assert ledger.waited_seconds == 0
