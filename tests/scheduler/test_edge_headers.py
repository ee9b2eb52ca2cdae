"""Issue 18: security headers, `check --deploy` with the README's production environment,
and an OpenAPI schema that says what the API does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client

from tests.conftest import World

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def csp_of(response: Any) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/login/", "/fund/", "/fund/donate/", "/"])
def test_pages_have_a_strict_csp_without_stripe(client: Client, path: str) -> None:
    response = client.get(path, follow=True)
    csp = csp_of(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in " ".join(csp["script-src"])
    assert not any("stripe" in source for sources in csp.values() for source in sources)
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


def test_only_the_card_step_of_the_donation_page_allows_stripe_js(
    client: Client, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from transport.fund import views as fund_views

    started = type("Started", (), {"kind": "one_time", "client_secret": "pi_1_secret_2",
                                   "intent_id": "pi_1", "amount_cents": 2500,
                                   "currency": "usd"})()
    monkeypatch.setattr(fund_views, "donation_start", lambda **kwargs: started)
    response = client.post("/fund/donate/", {"amount": "25", "email": "donor@example.org"})
    assert response.status_code == 200
    csp = csp_of(response)
    assert "https://js.stripe.com" in csp["script-src"]
    assert "https://js.stripe.com" in csp["frame-src"]
    assert 'payment=(self "https://js.stripe.com")' in response["Permissions-Policy"]
    assert "'unsafe-inline'" not in csp["script-src"]


def test_inline_scripts_carry_the_nonce(world: World, client: Client) -> None:
    client.force_login(world.caregiver)
    response = client.get("/preferences/")
    nonce = next(s for s in csp_of(response)["script-src"] if s.startswith("'nonce-"))
    html = response.content.decode()
    assert "onchange=" not in html and "onclick=" not in html
    for tag in html.split("<script")[1:]:
        head = tag.split(">", 1)[0]
        assert "src=" in head or nonce[7:-1] in head or "application/json" in head, head


@pytest.mark.parametrize("path", ["/api/v1/household/", "/api/v1/me/", "/api/v1/bookings/",
                                  "/api/v1/preferences/", "/api/v1/inbox/"])
def test_personal_api_answers_are_never_stored(world: World, api: Callable, path: str) -> None:
    response = api(world.caregiver).get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_api_errors_are_never_stored_either(api: Callable, db: None) -> None:
    response = api(None).get("/api/v1/household/")
    assert response.status_code in (401, 403)
    assert "no-store" in response["Cache-Control"]


PRODUCTION_ENV = {
    # The production environment README.md documents ("Running in production").
    "DEBUG": "false",
    "SECRET_KEY": "Zq8v0p3tYx-this-is-a-long-random-production-secret-4fJ2kLmN7rS9wB1c",
    "ALLOWED_HOSTS": "visits.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://visits.example.org",
    "SECURE_COOKIES": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def _check_deploy(extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SECURE_")}
    env.update(extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def test_check_deploy_is_clean_with_the_production_environment() -> None:
    result = _check_deploy(PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    readme = (ROOT / "README.md").read_text()
    for name in PRODUCTION_ENV:
        assert name in readme, f"README documents {name}"


def test_check_deploy_still_warns_without_them() -> None:
    result = _check_deploy({"DEBUG": "false"})
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/")
    return yaml.safe_load(response.content)


def _component(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return schema["components"]["schemas"][name]


def test_schema_documents_what_the_api_returns(schema: dict[str, Any]) -> None:
    assert _component(schema, "Session")["properties"]["unit_name"].get("nullable") is True
    inbox = schema["paths"]["/api/v1/inbox/"]["get"]["responses"]["200"]
    inbox_schema = inbox["content"]["application/json"]["schema"]
    assert inbox_schema.get("type") != "array"
    quiet = _component(schema, "Preference")["properties"]["quiet_start"]
    assert quiet.get("format") != "time" and quiet.get("pattern")
    donation = schema["paths"]["/api/v1/fund/donations/"]["post"]
    body = donation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "amount" in _component(schema, body.rsplit("/", 1)[1])["required"]
    rounds = schema["paths"]["/api/v1/rounds/"]["get"]["parameters"]
    assert "resident" in [p["name"] for p in rounds]


def test_schema_generates_without_warnings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn",
         "--file", os.devnull],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
