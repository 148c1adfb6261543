# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one family of errors the collection raises; the module base and the role's planner report them (private).

Every message names the option (or role variable) it is about and the fix, and never holds a secret: no token, no
key, no request body.
"""

from __future__ import annotations

from typing import Any


class AopError(Exception):
    """A failure to report to the user: one or more problems, each a whole sentence."""

    def __init__(self, *problems: str) -> None:
        # Not '; ': the messages use it themselves.
        super().__init__(' | '.join(problems))
        self.problems = list(problems)

    def report(self) -> dict[str, Any]:
        """What a failed task returns (msg, and details where there are any)."""
        return {'msg': str(self)}


class InputError(AopError):
    """What the user gave is wrong; found before any write."""


class CertificateError(InputError):
    """A certificate or key that Cloudflare or the origin would refuse."""


class WaitError(AopError):
    """A resource did not reach the awaited status, in time or at all."""


class CloudflareError(AopError):
    """A failed API call, with what Cloudflare said about it. Never carries request bodies or credentials."""

    def __init__(
        self,
        message: str,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        errors: list[Any] | None = None,
        cf_ray: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.errors = errors or []
        self.cf_ray = cf_ray

    @property
    def codes(self) -> list[Any]:
        return [error.get('code') for error in self.errors if isinstance(error, dict)]

    def has_code(self, *codes: int) -> bool:
        return any(code in self.codes for code in codes)

    def to_dict(self) -> dict[str, Any]:
        return {
            'method': self.method,
            'path': self.path,
            'status': self.status,
            'errors': self.errors,
            'cf_ray': self.cf_ray,
        }

    def report(self) -> dict[str, Any]:
        return {'msg': str(self), 'api_error': self.to_dict()}

    def __str__(self) -> str:
        parts = [self.message]
        for error in self.errors:
            if isinstance(error, dict):
                parts.append('Cloudflare error %s: %s' % (error.get('code'), error.get('message')))
        if self.cf_ray:
            parts.append('cf-ray %s' % self.cf_ray)
        return '; '.join(parts)
