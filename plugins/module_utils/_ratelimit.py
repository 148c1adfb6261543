# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pacing under Cloudflare's rate limit, shared by every module process on the controller (private).

Cloudflare allows 1,200 calls per 5 minutes per user, summed over all its tokens and zones, and blocks every call for
5 minutes once that is exceeded. With Ansible forks several module processes, each with reader threads, call the API
at once; so they keep one ledger per credential in a small JSON file, locked with flock, that says how many calls the
current window still allows. A process that cannot keep the file paces itself alone. Two credentials of one user
(two tokens, say) keep two ledgers, each with its reserve: who owns a credential is not known without a call.

Cloudflare also refuses more than 200 calls per second from one client address, whatever the credential: zone-scoped
tokens with forks would pass it together. So every call to one API address is also spaced, by a second small file
shared by every credential, at most CALLS_PER_SECOND apart.
"""

from __future__ import annotations

import email.utils
import errno
import fcntl  # Python modules run on POSIX hosts only
import hashlib
import json
import math
import os
import re
import stat
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any

RATELIMIT_DIR_ENV = 'AOP_CLOUDFLARE_RATELIMIT_DIR'
# Calls left untouched for the account's other users (dashboard, other tools): we pause before spending them.
RATELIMIT_RESERVE = 10
# Cloudflare's window and its block both last 5 minutes: no answer makes us wait longer at a time.
MAX_WAIT_SECONDS = 300.0
# The most one call waits in all (its backoff and the budget): a spent window's end, a 5-minute block after it, and a
# window more. Past it, other runs or tools spend the budget as fast as it comes back: acquire() raises RateLimitWait.
MAX_ACQUIRE_WAIT_SECONDS = 3 * MAX_WAIT_SECONDS
# t in Ratelimit is rounded to whole seconds: the window may end up to a second away from what t says.
T_ROUNDING_SECONDS = 1.0
# How often a process looks again while another process's probe is unanswered (threads of the probing process are
# woken by its answer instead). A probe takes one round trip: with forks, the other processes' first calls wait for it,
# and a coarser poll would add up to the whole period to each of them.
PROBE_POLL_SECONDS = 0.05
# The ledger is locked for a read and a write only; a lock held longer belongs to a process that is stopped (Ctrl-Z,
# a debugger): past this, the others stop sharing the ledger and pace themselves alone rather than hang with it.
LOCK_TIMEOUT_SECONDS = 10.0
# How long a process sleeps between two tries of a lock another process holds.
LOCK_RETRY_SECONDS = 0.001
# Calls per second to one API address, from every credential, thread and process of this user on the controller: a
# quarter under Cloudflare's 200 per client address, for the other tools of the address and for calls the network
# bunches up on the way.
CALLS_PER_SECOND = 150
# How far ahead the spacing may have handed out turns (one per call waiting for its turn); a later time in its file
# is damage, or a clock set back, and is forgotten.
MAX_SPACING_AHEAD_SECONDS = 60.0
# An entry of calls in flight not updated for this long belongs to a process that died, whose pid was reused.
STALE_IN_FLIGHT_SECONDS = 600.0
# Bounds of what a state file may hold (see _decode); past them it reads as an unknown budget.
MAX_STATE_BYTES = 1 << 20
MAX_REMAINING = 999_999_999  # the most parse_ratelimit reads: 9 digits
MAX_PROCESSES = 4096  # processes with calls in flight at once: far more than any number of forks
MAX_CALLS_IN_FLIGHT = 100_000  # of one process
MAX_PID = 2**31 - 1  # pid_t: os.kill() refuses larger numbers
# How far the wall clock may be set back between two writes of the file and the state still read.
CLOCK_SLACK_SECONDS = 60.0
# A state older than this says nothing the next run can use.
MAX_STATE_AGE_SECONDS = 86400.0

_RATELIMIT_FIELD = re.compile(r';\s*([a-z]+)=([^;,]*)')
# Values come from the network: at most 9 digits each (int() refuses more than 4,300, and none is meant to be large).
_BOUNDED_WHOLE = re.compile(r'[0-9]{1,9}')
# Retry-After in seconds: whole (RFC 9110), with a fraction tolerated as the client always did.
_DELAY_SECONDS = re.compile(r'([0-9]+)(?:\.([0-9]+))?')
# The longest HTTP date (RFC 850 form) has 30 characters: anything much longer is not one.
_MAX_DATE_LENGTH = 64
# A pid in a state file: a positive whole number, as written by str(int).
_PID = re.compile(r'[1-9][0-9]{0,9}')


class RateLimitWait(Exception):
    """No call allowed within MAX_ACQUIRE_WAIT_SECONDS; waited_seconds: how long acquire() waited before giving up."""

    def __init__(self, waited_seconds: float) -> None:
        super().__init__(
            "Cloudflare's rate limit (1,200 calls per 5 minutes per user) has left no call for this credential: waited %d s, "
            'and waiting longer would pass %d s, the most a call waits. Other runs or tools are spending the same budget; '
            'run again later' % (waited_seconds, MAX_ACQUIRE_WAIT_SECONDS)
        )
        self.waited_seconds = waited_seconds


def parse_ratelimit(headers: Mapping[str, str]) -> tuple[int, int] | None:
    """(remaining calls, seconds to the window's reset) from Cloudflare's Ratelimit header, or None.

    A malformed header (a value that is not a whole number of at most 9 digits) is ignored as if absent; t is clamped
    to MAX_WAIT_SECONDS, the longest window.
    """
    fields = dict(_RATELIMIT_FIELD.findall(headers.get('Ratelimit') or ''))
    remaining, reset = fields.get('r', '').strip(), fields.get('t', '').strip()
    if not (_BOUNDED_WHOLE.fullmatch(remaining) and _BOUNDED_WHOLE.fullmatch(reset)):
        return None
    return int(remaining), min(int(reset), int(MAX_WAIT_SECONDS))


def retry_after_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asked us to wait, from Retry-After (seconds or an HTTP date), or None.

    Always finite, from 0 to MAX_WAIT_SECONDS; a malformed value (nan, inf, 1e999, a negative number, a date out of
    range) is None, as if absent.
    """
    value = (headers.get('Retry-After') or '').strip()
    if not value:
        return None
    delay = _DELAY_SECONDS.fullmatch(value)
    if delay:
        whole, fraction = delay.group(1).lstrip('0'), delay.group(2) or ''
        if len(whole) > 9:
            return MAX_WAIT_SECONDS  # a huge number of seconds: longer than any block
        return min(int(whole or '0') + float('0.' + (fraction[:9] or '0')), MAX_WAIT_SECONDS)
    if len(value) > _MAX_DATE_LENGTH:
        return None
    try:
        seconds = email.utils.parsedate_to_datetime(value).timestamp() - now
    except (TypeError, ValueError, OverflowError):  # OverflowError: fields too large for a C int
        return None
    if not math.isfinite(seconds):
        return None
    return min(max(0.0, seconds), MAX_WAIT_SECONDS)


def _open_ledger_directory() -> tuple[str, int]:
    """The private directory of the ledgers (AOP_CLOUDFLARE_RATELIMIT_DIR, else aop-cloudflare-<uid> in the temp dir),
    and a descriptor of it, open.

    Raises OSError when it cannot be made, is a symlink, or another user could write to it (and so stall our runs).
    The check is made on the descriptor, and the ledgers are opened relative to it: a symlink swapped in after the
    check cannot redirect a write.
    """
    directory = os.environ.get(RATELIMIT_DIR_ENV) or os.path.join(tempfile.gettempdir(), 'aop-cloudflare-%d' % os.getuid())
    try:
        os.makedirs(directory, 0o700)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
            raise OSError(errno.EPERM, 'not a private directory of this user', directory)
    except BaseException:
        os.close(fd)
        raise
    return directory, fd


def ledger_directory() -> str:
    """The private directory of the ledgers; raises OSError when it cannot be used (see _open_ledger_directory)."""
    directory, fd = _open_ledger_directory()
    os.close(fd)
    return directory


def _fresh_state() -> dict[str, Any]:
    # The window ends between reset_earliest and reset_at. The three are None while the budget is unknown.
    # in_flight is {pid: [calls, last update]}.
    return {'remaining': None, 'reset_earliest': None, 'reset_at': None, 'in_flight': {}}


def _within(value: Any, low: float, high: float) -> bool:
    """Whether value is a JSON number from low to high: never a boolean, NaN (it fails every comparison) or infinite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high


def _json_object(data: bytes) -> dict[str, Any] | None:
    """The JSON object a state file holds, or None when it is larger than MAX_STATE_BYTES, damaged or no object."""
    if len(data) > MAX_STATE_BYTES:
        return None
    try:
        state = json.loads(data.decode('utf-8'))
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        return None
    return state if isinstance(state, dict) else None


def _decode(data: bytes, now: float) -> dict[str, Any]:
    """The state a file holds; a fresh one when it is empty, damaged (a crash while writing) or impossible.

    Every value is checked, since Python's json reads NaN and Infinity too: numbers finite and in range, times within
    a day before now and no later than a window after it (a clock set back a little is allowed for), pids positive.
    Anything else would make pauses crash, last for ever, or hold the budget for a process that does not exist.
    """
    state = _json_object(data)
    if state is None or not isinstance(state.get('in_flight'), dict) or len(state['in_flight']) > MAX_PROCESSES:
        return _fresh_state()
    oldest, latest_reset = now - MAX_STATE_AGE_SECONDS, now + MAX_WAIT_SECONDS + T_ROUNDING_SECONDS + CLOCK_SLACK_SECONDS
    remaining: Any = state.get('remaining')
    reset_earliest: Any = state.get('reset_earliest')
    reset_at: Any = state.get('reset_at')
    if remaining is None and reset_earliest is None and reset_at is None:
        pass  # the budget is unknown
    elif not (
        isinstance(remaining, int)
        and _within(remaining, 0, MAX_REMAINING)
        and _within(reset_earliest, oldest, latest_reset)
        and _within(reset_at, reset_earliest, latest_reset)
    ):
        return _fresh_state()
    in_flight = {}
    for pid, entry in state['in_flight'].items():
        if not (_PID.fullmatch(pid) and int(pid) <= MAX_PID and isinstance(entry, list) and len(entry) == 2):
            return _fresh_state()
        calls, seen = entry
        if not (isinstance(calls, int) and _within(calls, 0, MAX_CALLS_IN_FLIGHT) and _within(seen, oldest, now + CLOCK_SLACK_SECONDS)):
            return _fresh_state()
        in_flight[int(pid)] = [calls, float(seen)]
    return {
        'remaining': remaining,
        'reset_earliest': None if reset_earliest is None else float(reset_earliest),
        'reset_at': None if reset_at is None else float(reset_at),
        'in_flight': in_flight,
    }


class _FileStore:
    """The state in a file shared by processes, read and written under an exclusive flock.

    name is opened in the directory of dir_fd (which this store closes when it is no more), never through a symlink,
    and used only when it is a regular file of this user with no other name (a hard link elsewhere, or a FIFO whose
    read would never end, is refused).
    """

    def __init__(self, dir_fd: int, name: str, decode: Callable[[bytes, float], dict[str, Any]]) -> None:
        self.dir_fd, self.name, self.decode = dir_fd, name, decode
        weakref.finalize(self, os.close, dir_fd)

    def update(self, change: Callable[[dict[str, Any]], Any], now: float) -> Any:
        fd = os.open(self.name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=self.dir_fd)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_nlink != 1:
                raise OSError(errno.EPERM, 'not a private file of this user', self.name)
            _lock(fd)
            chunks, size = [], 0
            while size <= MAX_STATE_BYTES:  # a byte more than allowed is enough to refuse it
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            state = self.decode(b''.join(chunks), now)
            result = change(state)
            data = json.dumps(state, sort_keys=True).encode('utf-8')
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            while data:
                data = data[os.write(fd, data) :]
            return result
        finally:
            os.close(fd)  # releases the lock


def _lock(fd: int) -> None:
    """An exclusive flock on fd, or OSError (ETIMEDOUT) once another process has held it LOCK_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise OSError(errno.ETIMEDOUT, 'the rate-limit ledger stayed locked by another process') from None
            time.sleep(LOCK_RETRY_SECONDS)


def _shared_store(key: str, pid: int, now: float) -> _FileStore | None:
    """The ledger file of this credential, or None when it cannot be used: pacing alone is better than failing the run.

    Calls counted in flight under pid are forgotten: a process has none before its ledger exists, so they are those of
    a process that died, whose pid is now this one's, and would never be released.
    """
    store = _private_file('aop.cloudflare ratelimit\n%s' % key, _decode)
    try:
        if store:
            store.update(lambda state: state['in_flight'].pop(pid, None), now)
    except OSError:
        return None
    return store


def _private_file(key: str, decode: Callable[[bytes, float], dict[str, Any]]) -> _FileStore | None:
    """The file of the ledger directory named by a SHA-256 of key (never key itself), or None when the directory
    cannot be used."""
    name = hashlib.sha256(key.encode('utf-8')).hexdigest()
    try:
        _directory, dir_fd = _open_ledger_directory()
    except OSError:
        return None
    return _FileStore(dir_fd, name + '.json', decode)


class _SharedState:
    """A state kept in a file shared by processes while the file can be used; else by this process alone, from a fresh
    state (the file went away, the disk is full, the lock is held by a stopped process): pacing alone is better than
    failing the run."""

    def __init__(self, store: _FileStore | None, fresh: Callable[[], dict[str, Any]]) -> None:
        self._store, self._fresh = store, fresh
        self._alone = fresh()

    def update(self, change: Callable[[dict[str, Any]], Any], now: float) -> Any:
        if self._store is not None:
            try:
                return self._store.update(change, now)
            except OSError:
                self._store, self._alone = None, self._fresh()
        return change(self._alone)


def _fresh_spacing() -> dict[str, Any]:
    return {'next_turn': None}  # the wall time of the next free turn


def _decode_spacing(data: bytes, now: float) -> dict[str, Any]:
    """The spacing a file holds, its time checked as _decode checks times."""
    next_turn: Any = (_json_object(data) or {}).get('next_turn')
    if not _within(next_turn, now - CLOCK_SLACK_SECONDS, now + MAX_SPACING_AHEAD_SECONDS):
        return _fresh_spacing()
    return {'next_turn': float(next_turn)}


class CallSpacing:
    """Hands out turns at least 1/CALLS_PER_SECOND apart to every call to one API address, from every thread and every
    process of this user that shares the file (a process that cannot use it spaces its own calls alone)."""

    def __init__(self, address: str, sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
        self.sleep, self.clock = sleep, clock
        self._lock = threading.Lock()
        self._state = _SharedState(_private_file('aop.cloudflare spacing\n%s' % address, _decode_spacing), _fresh_spacing)

    def wait_turn(self) -> None:
        """Take the next turn, and sleep until it comes; threads sleep apart, each until its own turn."""
        with self._lock:
            now = self.clock()
            wait = self._state.update(lambda state: self._take(state, now), now)
        if wait > 0:
            self.sleep(wait)

    @staticmethod
    def _take(state: dict[str, Any], now: float) -> float:
        turn = max(now, state['next_turn'] or now)
        state['next_turn'] = turn + 1.0 / CALLS_PER_SECOND
        return turn - now


def _whole_seconds(wait: float) -> float:
    """A pause in whole seconds, so that it never ends a hair before the reset, and at most MAX_WAIT_SECONDS."""
    return float(math.ceil(min(wait, MAX_WAIT_SECONDS)))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno != errno.ESRCH  # EPERM: alive, another user's
    return True


class RateLimitLedger:
    """Lets a call go only while the credential's budget allows it, for every thread and process that shares it.

    acquire() before each call, release() with the time it returned and the answer after (also when none came).
    key: what identifies the budget (base URL and credential); only its SHA-256 is ever written.
    address: the API's scheme, host and port, when the calls let go are also to be spaced (see CallSpacing).
    clock: wall time, since it is compared across processes. sleep: every pause is taken through it.

    What it cost, for the caller to report (updated under the lock, read at any time):
    calls: the calls let go (acquire() or try_acquire() said 0), whatever their answer.
    waited_seconds: the seconds acquire() paused for the shared budget: its pauses past the caller's backoff, and the
    time spent waiting for the answer to another call's probe.
    backoff_seconds: the seconds acquire() paused for the caller's backoff.
    """

    def __init__(
        self,
        key: str,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        pid: int | None = None,
        address: str | None = None,
    ) -> None:
        self.sleep = sleep
        self.clock = clock
        self.pid = os.getpid() if pid is None else pid
        # Threads of this process wait here for the answer to a probe, instead of polling.
        self._condition = threading.Condition()
        self.calls = 0
        self.waited_seconds = 0.0
        self.backoff_seconds = 0.0
        self._state = _SharedState(_shared_store(key, self.pid, self.clock()), _fresh_state)
        # The address's spacing, after the budget has let a call go (not counted in waited_seconds: a pace, not a wait).
        self._spacing = CallSpacing(address, sleep, clock) if address else None

    def acquire(self, backoff: float = 0.0) -> float:
        """Block until a call may be sent, count it in flight and return the time; backoff: seconds to wait first.

        One pause serves both the backoff and the budget. Whether a wait is over is also judged by the pauses taken,
        so that a test's sleep that returns at once cannot make this loop forever. Raises RateLimitWait rather than
        wait more than MAX_ACQUIRE_WAIT_SECONDS in all.
        """
        backoff = min(backoff, MAX_WAIT_SECONDS) if backoff > 0 else 0.0  # NaN fails the comparison: no backoff
        started, began_waiting, slept, polled = self.clock(), time.monotonic(), 0.0, 0.0

        def waited() -> float:
            # Not by the wall clock, which may be set forward meanwhile; by the pauses taken when time does not move
            # with them (a test's sleep).
            return max(time.monotonic() - began_waiting, slept + polled)

        if backoff:
            with self._condition:
                wait = self._state.update(lambda state: self._admit(state, started, take=False), started)
            slept = max(backoff, _whole_seconds(wait or 0.0))
            self.sleep(slept)
            self._count_wait(slept - backoff, backoff)
        while True:
            with self._condition:
                wait = self.try_acquire(max(self.clock(), started + slept))
                if wait is None:
                    left = MAX_ACQUIRE_WAIT_SECONDS - waited()
                    if left <= 0:
                        raise RateLimitWait(waited())
                    began = time.monotonic()
                    self._condition.wait(min(PROBE_POLL_SECONDS, left))
                    spent = time.monotonic() - began
                    polled += spent
                    self._count_wait(spent)
                    continue
            if not wait:
                if self._spacing:
                    self._spacing.wait_turn()
                return self.clock()
            # Checked again after the pause: another process may have learnt more meanwhile.
            pause = _whole_seconds(wait)
            if waited() + pause > MAX_ACQUIRE_WAIT_SECONDS:
                raise RateLimitWait(waited())  # now, rather than after a pause that cannot end in a call
            self.sleep(pause)
            slept += pause
            self._count_wait(pause)

    def _count_wait(self, budget: float, backoff: float = 0.0) -> None:
        with self._condition:
            self.waited_seconds += budget
            self.backoff_seconds += backoff

    def try_acquire(self, now: float | None = None) -> float | None:
        """acquire() without waiting: 0 when the call may go (now counted in flight), else the seconds to wait,
        or None while a probe of the unknown budget is unanswered."""
        with self._condition:
            if now is None:
                now = self.clock()
            wait = self._state.update(lambda state: self._admit(state, now, take=True), now)
            if wait == 0:
                self.calls += 1
            return wait

    def release(self, sent_at: float, headers: Mapping[str, str] | None = None, status: int | None = None) -> None:
        """Record the answer (headers and HTTP status) to a call acquire() let go at sent_at; None when none came."""
        now = self.clock()
        # The wall clock may have been set back while the call was out: it was not sent after its answer came.
        sent_at = min(sent_at, now)
        ratelimit = parse_ratelimit(headers) if headers is not None else None
        block = None
        if status == 429:
            block = retry_after_seconds(headers, now) if headers is not None else None
            if block is None:
                block = ratelimit[1] + T_ROUNDING_SECONDS if ratelimit else MAX_WAIT_SECONDS
        with self._condition:
            self._state.update(lambda state: self._record(state, sent_at, now, ratelimit, block), now)
            self._condition.notify_all()

    def _refresh(self, state: dict[str, Any], now: float) -> int:
        if state['reset_at'] is not None and now >= state['reset_at']:
            # The window has ended: what the next one allows is unknown until an answer tells.
            state['remaining'] = state['reset_earliest'] = state['reset_at'] = None
        for pid, (_calls, seen) in list(state['in_flight'].items()):
            if pid != self.pid and (now - seen > STALE_IN_FLIGHT_SECONDS or not _alive(pid)):
                del state['in_flight'][pid]  # a killed process must not hold budget for ever
        return sum(calls for calls, _seen in state['in_flight'].values())

    def _admit(self, state: dict[str, Any], now: float, take: bool) -> float | None:
        """0 when a call may go (counted when take), else seconds to wait, or None while a probe is unanswered."""
        in_flight = self._refresh(state, now)
        if state['reset_at'] is None:
            if in_flight:
                return None  # one probe at a time while the budget is unknown
        elif state['remaining'] - RATELIMIT_RESERVE <= 0:
            return state['reset_at'] - now
        elif take:
            state['remaining'] -= 1
        if take:
            entry = state['in_flight'].setdefault(self.pid, [0, now])
            entry[0] += 1
            entry[1] = now
        return 0

    def _record(self, state: dict[str, Any], sent_at: float, now: float, ratelimit: tuple[int, int] | None, block: float | None) -> None:
        entry = state['in_flight'].get(self.pid)
        if entry:
            entry[0] -= 1
            entry[1] = now
            if entry[0] <= 0:
                del state['in_flight'][self.pid]
        in_flight = self._refresh(state, now)
        if block is not None:
            block = min(block, MAX_WAIT_SECONDS)
            state['remaining'], state['reset_earliest'], state['reset_at'] = 0, sent_at + block, now + block
            return
        if ratelimit is None:
            return  # no answer, or one without the header: the call stays counted as spent
        # Calls still in flight are assumed not yet counted in r: the lower estimate is the safe one.
        remaining = max(0, ratelimit[0] - in_flight)
        # Cloudflare said t at some moment between sending and now, rounded: its window ends between these two.
        seconds = min(ratelimit[1], MAX_WAIT_SECONDS)
        earliest, latest = sent_at + seconds - T_ROUNDING_SECONDS, now + seconds + T_ROUNDING_SECONDS
        if state['reset_at'] is None or earliest > state['reset_at']:
            state['remaining'], state['reset_earliest'], state['reset_at'] = remaining, earliest, latest
        elif latest >= state['reset_earliest']:
            # The same window. Answers arrive out of order: the lowest count is the latest.
            state['remaining'] = min(state['remaining'], remaining)
            state['reset_earliest'] = max(state['reset_earliest'], earliest)
            state['reset_at'] = max(state['reset_at'], latest)
        # Else the answer comes from a window that ended before this one began: it says nothing about this one.
