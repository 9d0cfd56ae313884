"""The Lambda zip is slimmed of what the runtime provides, and of nothing else."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scripts import slim_package

ROOT = Path(__file__).resolve().parents[2]

KEPT = [
    "app.py",
    "chalicelib/__init__.py",
    "chalicelib/kernel/countries.json",
    "pynamodb/models.py",
    "pynamodb-6.1.0.dist-info/METADATA",
    "cryptography/__init__.py",
    "dateutil/parser.py",  # botocore's dependency, but also ours through other packages
    "jmespath/__init__.py",
    "botocore_extra/x.py",  # a prefix alone is not botocore
]
DROPPED = [
    "botocore/__init__.py",
    "botocore/data/dynamodb/2012-08-10/service-2.json.gz",
    "botocore-1.44.8.dist-info/RECORD",
    "boto3/session.py",
    "boto3-1.44.8.dist-info/METADATA",
    "s3transfer/manager.py",
    "chalicelib/__pycache__/app.cpython-311.pyc",
]


def _zip(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 20, 10, 0, 0))
            info.external_attr = 0o100755 << 16
            archive.writestr(info, f"# {name}\n" * 50)
    return path


def test_only_the_runtimes_sdk_and_bytecode_are_left_out(tmp_path):
    package = _zip(tmp_path / "deployment.zip", KEPT + DROPPED)

    report = slim_package.slim(package)

    with zipfile.ZipFile(package) as archive:
        assert sorted(archive.namelist()) == sorted(KEPT)
        kept = archive.getinfo("app.py")
        assert kept.date_time == (2026, 11, 20, 10, 0, 0)
        assert kept.external_attr >> 16 == 0o100755
        assert archive.read("pynamodb/models.py") == b"# pynamodb/models.py\n" * 50
    assert set(report) == {"botocore", "boto3", "s3transfer", "__pycache__", "before", "after"}
    assert report["after"] < report["before"]
    assert list(tmp_path.iterdir()) == [package]  # no temporary file left behind


def test_slimming_twice_changes_nothing(tmp_path):
    package = _zip(tmp_path / "deployment.zip", KEPT + DROPPED)
    slim_package.slim(package)
    first = sorted(zipfile.ZipFile(package).namelist())

    report = slim_package.slim(package)

    assert sorted(zipfile.ZipFile(package).namelist()) == first
    assert set(report) == {"before", "after"}


def test_a_zip_that_is_not_a_chalice_package_is_refused_untouched(tmp_path):
    package = _zip(tmp_path / "other.zip", ["botocore/__init__.py", "lib.py"])
    before = package.read_bytes()

    with pytest.raises(SystemExit):
        slim_package.slim(package)

    assert package.read_bytes() == before


def test_make_package_slims_the_zip_before_linting():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\npackage:", 1)[1].split("\n\n", 1)[0].replace("\\\n", " ")

    steps = [
        line.strip()
        for line in recipe.splitlines()
        if line.startswith("\t") and not line.strip().startswith("@#")
    ]

    def at(text: str) -> int:
        return next(i for i, step in enumerate(steps) if text in step)

    assert "chalice package" in steps[0]
    # slimmed, then the SAM transform expanded, then the linters on what CloudFormation runs
    assert at("scripts/slim_package.py $(BUILD)/deployment.zip") < at("scripts/expand_sam.py")
    assert at("scripts/expand_sam.py") < at("cfn-lint") == len(steps) - 1


WITHOUT_CRYPTOGRAPHY = """
import base64, json, sys
for name in ("cryptography", "OpenSSL", "alipay"):
    sys.modules[name] = None  # not in the package: any import of them raises ImportError
import chalicelib.identity.wechat
from wechatpy.crypto import WeChatWxaCrypto, base
from Crypto.Cipher import AES
from Crypto.Util.Padding import pad
key, iv = b"0123456789abcdef", b"fedcba9876543210"
plain = json.dumps({"phoneNumber": "13712345678", "watermark": {"appid": "wx1"}}).encode()
encrypted = AES.new(key, AES.MODE_CBC, iv=iv).encrypt(pad(plain, 16))
b64 = lambda raw: base64.b64encode(raw).decode()
data = WeChatWxaCrypto(b64(key), b64(iv), "wx1").decrypt_message(b64(encrypted))
assert data["phoneNumber"] == "13712345678", data
print(base.WeChatCipher.__module__)
"""


def test_wechatpy_decrypts_with_pycryptodome_where_cryptography_is_not_shipped():
    """wechatpy imports an AES backend, cryptography or else pycryptodome's ``Crypto``;
    the package ships the second only (python-alipay-sdk brought the first), so the
    phone decryption must work on it, and does here with the first made unimportable."""
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_CRYPTOGRAPHY],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wechatpy.crypto.pycrypto"
