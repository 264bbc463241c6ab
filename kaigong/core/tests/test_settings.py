"""Production is configured from the environment alone: `kaigong check --deploy` passes with production values."""

import os
import subprocess
import sys
from pathlib import Path

PRODUCTION_ENV = {
    "SECRET_KEY": "x7$Kq!2vN9#pLm4@Wz8&Rt6^Yb1*Hc3(Jd5)Fg0-Se-production-secret-key-for-the-test-only",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "kaigong.houma.gov.cn",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
}


def _check(extra_env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KAIGONG_DATA_DIR": str(tmp_path), **extra_env}
    return subprocess.run(
        [sys.executable, "-m", "kaigong.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_environment(tmp_path):
    result = _check(PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_with_development_defaults(tmp_path):
    result = _check({"DEBUG": "1"}, tmp_path)
    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout  # DEBUG on in deployment


def test_check_deploy_refuses_the_development_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    production_without_key = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _check(production_without_key, tmp_path)
    assert result.returncode != 0
    assert "kaigong.W001" in result.stderr + result.stdout
