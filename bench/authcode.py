#!/usr/bin/env python3
"""The authorization code flow for bench/all.sh, as a browser and a Web application run it:
GET /oauth2/authorize (the login page), POST /oauth2/login (Argon2 password check, redirect with
the code), POST /oauth2/token (code + PKCE verifier, client secret). Each worker process runs
flows one after the other on keep-alive connections.

  authcode.py tokens N OUT   collect N refresh tokens (scope openid offline_access) into OUT
  authcode.py rate SECONDS   run flows for SECONDS; print one JSON line: flows/s and the mean
                             time of each step, so the table can say where the time goes

The issuer, client and user come from the environment: AC_ISSUER, AC_CLIENT_ID, AC_SECRET,
AC_REDIRECT, AC_USERNAME, AC_PASSWORD; AC_WORKERS processes (default 2).
"""
import base64
import hashlib
import http.client
import json
import multiprocessing
import os
import re
import secrets
import sys
import time
import urllib.parse

ENV = os.environ
ISSUER = urllib.parse.urlsplit(ENV["AC_ISSUER"])
BASIC = base64.b64encode(f'{ENV["AC_CLIENT_ID"]}:{ENV["AC_SECRET"]}'.encode()).decode()
FIELD = re.compile(r'name="(request|csrf)" value="([^"]*)"')


def flow(conn, timings):
    """One flow; returns the token response (a dict). Adds each step's seconds to `timings`."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": ENV["AC_CLIENT_ID"], "redirect_uri": ENV["AC_REDIRECT"],
        "scope": "openid offline_access", "state": secrets.token_urlsafe(8),
        "code_challenge": challenge, "code_challenge_method": "S256",
    })
    t0 = time.perf_counter()
    conn.request("GET", f"{ISSUER.path}/oauth2/authorize?{query}")
    r = conn.getresponse()
    page = r.read().decode()
    cookies = [c.split(";", 1)[0] for k, c in r.getheaders() if k.lower() == "set-cookie"]
    if r.status != 200:
        raise RuntimeError(f"authorize answered {r.status}")
    fields = {k: v.replace("&amp;", "&").replace("&#x2B;", "+").replace("&#x2F;", "/").replace("&#x3D;", "=")
              for k, v in FIELD.findall(page)}
    t1 = time.perf_counter()
    form = urllib.parse.urlencode({**fields, "username": ENV["AC_USERNAME"], "password": ENV["AC_PASSWORD"]})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    conn.request("POST", f"{ISSUER.path}/oauth2/login", body=form, headers=headers)
    r = conn.getresponse()
    r.read()
    location = r.getheader("Location") or ""
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).get("code", [None])[0]
    if code is None:
        raise RuntimeError(f"login answered {r.status} without a code (Location: {location[:120]})")
    t2 = time.perf_counter()
    body = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": ENV["AC_REDIRECT"], "code_verifier": verifier})
    conn.request("POST", f"{ISSUER.path}/oauth2/token", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {BASIC}"})
    r = conn.getresponse()
    token = json.loads(r.read())
    if r.status != 200:
        raise RuntimeError(f"token answered {r.status}: {token}")
    t3 = time.perf_counter()
    timings[0] += t1 - t0
    timings[1] += t2 - t1
    timings[2] += t3 - t2
    return token


def connect():
    return http.client.HTTPConnection(ISSUER.hostname, ISSUER.port, timeout=30)


def tokens_worker(n):
    conn, t, out = connect(), [0.0, 0.0, 0.0], []
    for _ in range(n):
        out.append(flow(conn, t)["refresh_token"])
    return out


def rate_worker(seconds):
    conn, t, n = connect(), [0.0, 0.0, 0.0], 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        flow(conn, t)
        n += 1
    return n, t


def main():
    workers = int(ENV.get("AC_WORKERS", "2"))
    with multiprocessing.Pool(workers) as pool:
        if sys.argv[1] == "tokens":
            n, out = int(sys.argv[2]), sys.argv[3]
            share = [n // workers + (1 if i < n % workers else 0) for i in range(workers)]
            got = [tok for part in pool.map(tokens_worker, share) for tok in part]
            with open(out, "w") as f:
                f.write("\n".join(got) + "\n")
        else:
            seconds = float(sys.argv[2])
            start = time.perf_counter()
            results = pool.map(rate_worker, [seconds] * workers)
            elapsed = time.perf_counter() - start
            n = sum(r[0] for r in results)
            steps = [sum(r[1][i] for r in results) / max(n, 1) * 1000 for i in range(3)]
            print(json.dumps({"flows": n, "seconds": round(elapsed, 2), "per_s": round(n / elapsed, 1),
                              "authorize_ms": round(steps[0], 2), "login_ms": round(steps[1], 2),
                              "token_ms": round(steps[2], 2)}))


if __name__ == "__main__":
    main()
