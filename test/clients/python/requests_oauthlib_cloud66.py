"""Cloud 66's authorization code flow with requests-oauthlib, over HTTP only.

The client is registered in oauth-dance.config.json; the authorize shortcut
(POST /__oauth-dance/authorize) stands in for the browser's login and consent,
answering the redirect the pages would have produced. Prints one JSON line.

Usage: requests_oauthlib_cloud66.py <cloud66 base URL> <client id> <client secret> <redirect URI>
"""
import json
import os
import sys
from urllib.parse import parse_qsl, urlsplit

import requests
from requests_oauthlib import OAuth2Session

# serve listens on plain http://127.0.0.1; oauthlib refuses http unless told.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

base, client_id, client_secret, redirect_uri = sys.argv[1:5]
session = OAuth2Session(client_id, redirect_uri=redirect_uri, scope=["public", "redeploy"])
authorization_url, state = session.authorization_url(base + "/oauth/authorize")

# What a browser would have sent to the authorization endpoint, given to the shortcut.
query = dict(parse_qsl(urlsplit(authorization_url).query))
shortcut = requests.post(
    base + "/__oauth-dance/authorize",
    json={"client": query["client_id"], "redirectUri": query["redirect_uri"], "scope": query["scope"], "state": query["state"], "user": "ci-user"},
    timeout=10,
)
shortcut.raise_for_status()
redirect = shortcut.json()["redirect"]

token = session.fetch_token(base + "/oauth/token", authorization_response=redirect, client_secret=client_secret, include_client_id=True, timeout=10)
stacks = session.get(base + "/api/2/stacks.json", timeout=10)
print(json.dumps({"state_matches": dict(parse_qsl(urlsplit(redirect).query)).get("state") == state, "token_type": token["token_type"], "scope": token.get("scope"), "stacks_status": stacks.status_code, "stacks_count": stacks.json().get("count")}))
