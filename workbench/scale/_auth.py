"""Token authentication for every Ray cluster the workbench starts or joins.

Ray runs arbitrary code for anyone who can reach its ports, and a local Ray cluster
binds its gRPC servers on all interfaces. So:

* **starting** a local cluster, the workbench sets ``RAY_AUTH_MODE=token`` explicitly
  (whatever the Ray version's default) and, unless you configured a token
  (``RAY_AUTH_TOKEN`` or ``RAY_AUTH_TOKEN_PATH``), a fresh random token for this session
  in ``RAY_AUTH_TOKEN`` of this process (inherited by the cluster's processes, never
  written to disk, never on a command line);
* **joining** a cluster (``address=...``), it first asks the cluster, from a separate
  process holding no token, whether it answers unauthenticated requests; it prints one
  line saying whether authentication is enforced and refuses a cluster that does not
  enforce it unless you opt in by naming it (``allow_unauthenticated=<address>`` or
  ``W2S_RAY_ALLOW_UNAUTHENTICATED=<address>[,<address>...]``).

Token authentication exists from Ray 2.52.0 (the ``ray`` extra requires it).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile

__all__ = ["AUTH_MODE_ENV", "TOKEN_ENV", "TOKEN_PATH_ENV", "ALLOW_ENV", "UnauthenticatedClusterError",
           "enable_token_auth", "driver_auth_mode", "probe_cluster_auth", "check_join", "allowed_unauthenticated"]

AUTH_MODE_ENV = "RAY_AUTH_MODE"
TOKEN_ENV = "RAY_AUTH_TOKEN"
TOKEN_PATH_ENV = "RAY_AUTH_TOKEN_PATH"
ALLOW_ENV = "W2S_RAY_ALLOW_UNAUTHENTICATED"
PROBE_TIMEOUT_S = 120

_session_token: str | None = None  # the token this process generated for a cluster it started


class UnauthenticatedClusterError(PermissionError):
    """Joining a Ray cluster that does not enforce token authentication, without opting in."""


def _refresh_ray_config() -> None:
    """Make the already-imported Ray re-read ``RAY_AUTH_MODE`` and the token (cached at import)."""
    from ray._raylet import AuthenticationTokenLoader, Config

    Config.initialize("")
    AuthenticationTokenLoader.instance().reset_cache()


def driver_auth_mode() -> str:
    """``"token"`` or ``"disabled"``: the authentication mode this process's Ray uses now."""
    from ray._raylet import AuthenticationMode, get_authentication_mode

    return "token" if get_authentication_mode() == AuthenticationMode.TOKEN else "disabled"


def enable_token_auth(*, for_new_cluster: bool) -> str:
    """Switch this process (and the processes it starts) to token authentication.

    Parameters
    ----------
    for_new_cluster : bool
        True when this process is about to start a cluster: without a configured token
        (``RAY_AUTH_TOKEN`` / ``RAY_AUTH_TOKEN_PATH``) a random session token is set in
        ``RAY_AUTH_TOKEN`` (``~/.ray/auth_token`` is not used for a cluster we start). False when
        joining: the token must come from your configuration (those variables or
        ``~/.ray/auth_token``); a session token left
        from a cluster this process started earlier is removed first.

    Returns
    -------
    str
        Where the token comes from: ``"session"``, ``"RAY_AUTH_TOKEN"``,
        ``"RAY_AUTH_TOKEN_PATH"`` or ``"~/.ray/auth_token"``.
    """
    global _session_token
    if not for_new_cluster and _session_token is not None and os.environ.get(TOKEN_ENV) == _session_token:
        del os.environ[TOKEN_ENV]
        _session_token = None
    source = _configured_token_source(include_default_file=not for_new_cluster)
    if source is None and for_new_cluster:
        _session_token = secrets.token_hex(32)
        os.environ[TOKEN_ENV] = _session_token
        source = "session"
    if source is None:
        raise UnauthenticatedClusterError(
            "the cluster enforces token authentication but this machine has no token for it: set "
            f"{TOKEN_ENV} (or {TOKEN_PATH_ENV}, or copy the cluster's token to ~/.ray/auth_token; "
            "`ray get-auth-token` on the head node prints it).")
    os.environ[AUTH_MODE_ENV] = "token"
    _refresh_ray_config()
    if driver_auth_mode() != "token":
        raise RuntimeError(f"Ray did not switch to token authentication after {AUTH_MODE_ENV}=token; "
                           "the workbench needs Ray >= 2.52: pip install 'w2s-workbench[ray]'.")
    return source


def _configured_token_source(*, include_default_file: bool) -> str | None:
    if os.environ.get(TOKEN_ENV) and os.environ.get(TOKEN_ENV) == _session_token:
        return "session"
    if os.environ.get(TOKEN_ENV):
        return TOKEN_ENV
    if os.environ.get(TOKEN_PATH_ENV):
        return TOKEN_PATH_ENV
    # A cluster we start never uses ~/.ray/auth_token (Ray writes it with the umask's mode,
    # 0644 under umask 022): its session token lives only in the environment.
    if include_default_file and os.path.isfile(os.path.expanduser("~/.ray/auth_token")):
        return "~/.ray/auth_token"
    return None


_PROBE = r"""
import sys
address = sys.argv[1]
try:
    import ray
    if address.startswith("ray://"):
        ray.init(address=address, log_to_driver=False)  # Ray Client: a session, no work submitted
        ray.shutdown()
    else:
        from ray._private.services import canonicalize_bootstrap_address_or_die
        from ray._raylet import GcsClient
        GcsClient(address=canonicalize_bootstrap_address_or_die(address)).get_all_node_info(timeout=30)
    print("W2S-PROBE open")
except Exception as exc:
    from ray.exceptions import AuthenticationError
    text = str(exc)
    auth = isinstance(exc, AuthenticationError) or any(
        word in text for word in ("Unauthenticated", "InvalidAuthToken", "AuthenticationError"))
    kind = "refused" if auth else "error"
    print(f"W2S-PROBE {kind} {type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}")
"""


def probe_cluster_auth(address: str, *, timeout: float = PROBE_TIMEOUT_S) -> tuple:
    """Does the cluster at ``address`` refuse a client without a token?

    A child Python process with ``RAY_AUTH_MODE=disabled``, no ``RAY_AUTH_TOKEN*`` and
    ``HOME`` set to an empty temporary folder (so ``~/.ray/auth_token`` is not found)
    asks the GCS for its node table (``"ray://..."``: opens a Ray Client session). No
    task or job is submitted.

    Returns
    -------
    (verdict, detail) : tuple of str
        ``verdict`` is ``"enforced"`` (refused with an authentication error), ``"open"``
        (answered without a token) or ``"unknown"`` (another failure, e.g. unreachable;
        ``detail`` says which).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    env[AUTH_MODE_ENV] = "disabled"
    with tempfile.TemporaryDirectory(prefix="w2s-ray-probe-") as home:
        env["HOME"] = home
        try:
            out = subprocess.run([sys.executable, "-c", _PROBE, address], env=env, capture_output=True, text=True,
                                 timeout=timeout)
        except subprocess.TimeoutExpired:
            return "unknown", f"no answer within {timeout:.0f} s"
    lines = [line for line in out.stdout.splitlines() if line.startswith("W2S-PROBE ")]
    if not lines:
        return "unknown", (out.stderr.strip().splitlines() or ["the probe process printed nothing"])[-1][:300]
    kind, _, detail = lines[-1][len("W2S-PROBE "):].partition(" ")
    return {"refused": "enforced", "open": "open"}.get(kind, "unknown"), detail


def allowed_unauthenticated(address: str, allow: str | None = None) -> bool:
    """True when ``address`` is named in ``allow`` or in ``$W2S_RAY_ALLOW_UNAUTHENTICATED`` (comma-separated)."""
    named = {a.strip() for a in (os.environ.get(ALLOW_ENV, "") + "," + (allow or "")).split(",") if a.strip()}
    return address in named


def check_join(address: str, *, allow_unauthenticated: str | None = None, probe=probe_cluster_auth) -> str:
    """Probe ``address``, print one line about its authentication, refuse an open one not opted in.

    Returns
    -------
    str
        The verdict (``"enforced"``, or ``"open"`` when opted in). When enforced, this
        process is switched to token authentication with your configured token.

    Raises
    ------
    UnauthenticatedClusterError
        The cluster answers without a token (or could not be checked) and ``address``
        was not named in ``allow_unauthenticated`` / ``$W2S_RAY_ALLOW_UNAUTHENTICATED``.
    """
    if allow_unauthenticated is not None and not isinstance(allow_unauthenticated, str):
        raise TypeError("allow_unauthenticated must be the cluster address as a string (opt in by name), e.g. "
                        f"'ray://head:10001'; got {type(allow_unauthenticated).__name__}.")
    verdict, detail = probe(address)
    if verdict == "enforced":
        source = enable_token_auth(for_new_cluster=False)
        print(f"Ray cluster {address}: token authentication enforced (a client without the token was refused); "
              f"joining with the token from {source}.", file=sys.stderr, flush=True)
        return verdict
    what = ("does NOT enforce token authentication (it answered a client without a token)" if verdict == "open"
            else f"could not be checked for authentication ({detail})")
    if not allowed_unauthenticated(address, allow_unauthenticated):
        raise UnauthenticatedClusterError(
            f"Ray cluster {address} {what}: anyone who can reach its ports can run code on it. Start it with "
            f"{AUTH_MODE_ENV}=token (see docs/security.md), or opt in by name: allow_unauthenticated={address!r} "
            f"or {ALLOW_ENV}={address}.")
    print(f"Ray cluster {address}: {what}; joining because you allowed it by name.", file=sys.stderr, flush=True)
    return verdict
