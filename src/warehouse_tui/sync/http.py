"""HTTP for the shop connectors: one place that turns what the network and the shop do into the
three failures the outbox knows (connector.py), in messages we write ourselves.

An httpx exception's text names the request's URL, query string included, and a WooCommerce
request signed over plain HTTP carries its consumer key there; httpx also logs every request's
URL at INFO. So no httpx message is ever passed on, and httpx's logger is held at WARNING.
"""

from __future__ import annotations

import json
import logging
import ssl
from typing import Any

import httpx

from warehouse_tui.i18n import _
from warehouse_tui.sync.connector import AuthError, PermanentError, RetryableError

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_SHOP_MESSAGE = 200

for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)


def new_client(timeout: float | None = None, ca_file: str | None = None) -> httpx.Client:
    """A client for one shop; `timeout` (seconds) for shops known to be slow, or tests;
    `ca_file` (PEM) for a shop whose certificate a private authority signed: it is trusted
    instead of the system's authorities, and the certificate and host name are still checked."""
    chosen = TIMEOUT if timeout is None else httpx.Timeout(timeout)
    verify: ssl.SSLContext | bool = True
    if ca_file:
        try:
            verify = ssl.create_default_context(cafile=ca_file)
        except (OSError, ssl.SSLError) as error:
            raise AuthError(
                _(
                    "the shop's ca_file {path} cannot be read as PEM certificates ({error}):"
                    " warehouse-tui sync connect --ca-file"
                ).format(path=ca_file, error=error.__class__.__name__)
            ) from None
    return httpx.Client(timeout=chosen, follow_redirects=False, verify=verify)


def call(
    client: httpx.Client, method: str, url: str, *, what: str, credential: str, **kwargs: Any
) -> httpx.Response:
    """Send one request; the response if it is a 2xx, else the failure it amounts to. `what`
    says what we were doing, `credential` which setting holds the credentials."""
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TimeoutException:
        late = _("{what}: the shop did not answer in time").format(what=what)
        raise RetryableError(late) from None
    except httpx.ConnectError as error:
        if _caused_by_certificate(error):
            raise AuthError(
                _(
                    "{what}: the shop's certificate is not trusted: give its authority with"
                    " warehouse-tui sync connect --ca-file"
                ).format(what=what)
            ) from None
        raise RetryableError(_connection_failed(what, "ConnectError")) from None
    except httpx.TransportError as error:
        raise RetryableError(_connection_failed(what, error.__class__.__name__)) from None
    status = response.status_code
    if status in (401, 403):
        raise AuthError(
            _("{what}: the shop refused the credentials (HTTP {status}): {setting}").format(
                what=what, status=status, setting=credential
            )
        )
    if status == 429:
        raise RetryableError(
            _("{what}: throttled by the shop (HTTP 429)").format(what=what), retry_after(response)
        )
    if status >= 500:
        raise RetryableError(
            _("{what}: the shop failed (HTTP {status})").format(what=what, status=status)
        )
    if status >= 300:
        raise PermanentError(f"{what}: HTTP {status}: {shop_message(response)}")
    return response


def _connection_failed(what: str, kind: str) -> str:
    return _("{what}: connection failed ({error})").format(what=what, error=kind)


def _caused_by_certificate(error: BaseException | None) -> bool:
    """A connection refused because the shop's certificate did not verify: not the network's
    fault, so no retry helps; like refused credentials it stops the shop and costs no attempt."""
    while error is not None:
        if isinstance(error, ssl.SSLCertVerificationError):
            return True
        error = error.__cause__ or error.__context__
    return False


def json_body(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:  # a body cut short, or not JSON at all
        raise RetryableError(_("{what}: the shop's answer is not JSON").format(what=what)) from None


def retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def shop_message(response: httpx.Response) -> str:
    """The shop's own short explanation (`message`, or `errors`), never the whole body."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if isinstance(body, dict):
        message = body.get("message") or body.get("errors") or response.reason_phrase
    else:
        message = response.reason_phrase
    text = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    return text[:MAX_SHOP_MESSAGE]
