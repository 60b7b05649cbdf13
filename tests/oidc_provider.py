"""A real OpenID Connect provider for the tests (oidc-provider-mock: Authlib's server components behind a
consent form, signed ID tokens, discovery, JWKS), standing in for a SPID/CIE proxy.

``identities.put(sub, fiscal_code, acr)`` sets what the provider will vouch for; ``authorize(url, sub)`` is
the person pressing "authorize" on its form (the browser test presses the real button instead).
"""
import contextlib
import os
from urllib.parse import quote, urlsplit

import requests
from stdnum.it import codicefiscale

SPID_L1, SPID_L2, SPID_L3 = (f"https://www.spid.gov.it/SpidL{n}" for n in (1, 2, 3))
CLIENT_ID, CLIENT_SECRET = "rete-test", "segreto-di-prova"


def fiscal_code(stem: str) -> str:
    """A valid codice fiscale from its first 15 characters."""
    return stem + codicefiscale.calc_check_digit(stem)


class Provider:
    def __init__(self, url: str):
        self.url = url

    def put(self, sub: str, code: str | None, acr: str | None = SPID_L2, **extra) -> None:
        claims = {**extra}
        if code is not None:
            claims["fiscal_number"] = f"TINIT-{code}"
        if acr is not None:
            claims["acr"] = acr
        response = requests.put(f"{self.url}/users/{quote(sub)}", json=claims, timeout=5)
        assert response.status_code == 204, response.text

    def authorize(self, authorization_url: str, sub: str) -> str:
        """Submit the provider's form as ``sub``; returns where it sends the browser back (the callback)."""
        assert authorization_url.startswith(self.url), authorization_url
        response = requests.post(authorization_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def config(self, **extra) -> dict:
        return {"OIDC_ISSUER": self.url, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET, **extra}


def spid_sign_in(client, provider: Provider, sub, code, acr=SPID_L2, next_url=None):
    """The whole redirect flow: Rete → the provider's form → back to Rete's callback (the client's app must
    have the provider configured: ``provider.config()``)."""
    provider.put(sub, code, acr)
    start = client.get("/accesso/spid" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.get_data(as_text=True)
    assert "acr_values=" in start.location and "code_challenge=" in start.location and "nonce=" in start.location
    back = urlsplit(provider.authorize(start.location, sub))
    return client.get(f"{back.path}?{back.query}")


@contextlib.contextmanager
def running_provider():
    from oidc_provider_mock import run_server_in_thread

    # Plain HTTP on the loopback for the test only; production talks to the proxy over TLS.
    previous = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        with run_server_in_thread(require_nonce=True) as server:
            yield Provider(f"http://localhost:{server.server_port}")
    finally:
        if previous is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = previous


def provider_app(database, mail_server, provider):
    """An app that talks to the provider (the session-wide one has no identity provider): a module's ``app``."""
    from portal import create_app

    from .conftest import IsolatedClient, make_config

    app = create_app(make_config(database, mail_server, **provider.config()))
    app.test_client_class = IsolatedClient
    return app
