# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Options every module of aop.cloudflare shares: credentials, endpoint and zone."""


class ModuleDocFragment:

    DOCUMENTATION = r'''
options:
  api_token:
    description:
      - "Cloudflare API token, sent as C(Authorization: Bearer)."
      - "It needs the zone permissions C(SSL and Certificates: Edit) and C(Zone Settings: Edit) (C(Read) is enough in check mode)."
      - Used when set; otherwise O(api_key) and O(api_email) are used.
      - If not set, the value of the E(CLOUDFLARE_API_TOKEN) environment variable is used.
    type: str
  api_key:
    description:
      - Cloudflare global API key, sent as C(X-Auth-Key) together with O(api_email). Prefer O(api_token).
      - If not set, the value of the E(CLOUDFLARE_API_KEY) environment variable is used.
    type: str
  api_email:
    description:
      - E-mail address of the Cloudflare account that owns O(api_key), sent as C(X-Auth-Email).
      - If not set, the value of the E(CLOUDFLARE_EMAIL) environment variable is used.
    type: str
  base_url:
    description:
      - Base URL of the Cloudflare API v4. Change it to reach a proxy or a test emulator.
      - If not set, the value of the E(CLOUDFLARE_BASE_URL) environment variable is used.
    type: str
    default: https://api.cloudflare.com/client/v4
  timeout:
    description:
      - Seconds to wait for each HTTP response.
    type: int
    default: 30
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(base_url). Only turn this off for a local test endpoint.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle (PEM) to verify the TLS certificate of O(base_url) with, instead of the system's, for a private
        endpoint or a TLS-inspecting proxy.
    type: path
  allow_plain_http:
    description:
      - An C(http://) O(base_url) sends the API credentials unencrypted, so it is refused unless it points at the
        loopback interface (V(127.0.0.0/8), V(::1), V(localhost)) or this is V(true).
    type: bool
    default: false
  zone_id:
    description:
      - Id of the Cloudflare zone (32 hexadecimal characters).
      - Exactly one of O(zone_id) and O(zone) is required.
    type: str
  zone:
    description:
      - Name of the Cloudflare zone, for example V(example.com); looked up with one extra API call.
      - Exactly one of O(zone_id) and O(zone) is required.
    type: str
notes:
  - A failed API call returns C(api_error) with the HTTP status, Cloudflare's C(errors) (codes and messages) and the
    C(cf-ray) id that Cloudflare support asks for; the message names them too.
  - Calls that fail with HTTP 429, 502, 503, 504 or without a response are retried up to 5 times with capped
    exponential backoff, honouring C(Retry-After).
    An upload (C(POST)) is sent again after a 429 only; after any other failure the module reads the certificate list
    again instead.
  - Every module process and thread on the controller paces its calls by one budget shared per credential (a small
    state file named by a SHA-256 of the endpoint and the credential in a private temporary directory, or in
    E(AOP_CLOUDFLARE_RATELIMIT_DIR)), fed by Cloudflare's C(Ratelimit) header; when 10 calls or fewer are left, calls
    wait until the window ends, so that Cloudflare's five-minute block is not triggered, even with many forks.
requirements:
  - requests >= 2.25.0
  - cryptography >= 3.4
'''
