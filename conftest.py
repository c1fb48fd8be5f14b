"""Suite-wide test policy: in CI nothing may skip except GPU tests (mark them ``gpu``)."""

import os

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs a CUDA GPU (CuPy); the only tests allowed to skip")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and "gpu" not in item.keywords and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which is not allowed (only gpu tests may skip): {report.longrepr}"


def _shared_data() -> str:
    """The real data sets beside the checkout (../shared/data), wherever CI cloned us."""
    here = os.path.dirname(os.path.abspath(__file__))
    for cand in (os.path.join(here, "..", "shared", "data"), "/work/shared/data"):
        if os.path.isdir(os.path.join(cand, "mnist")):
            return os.path.abspath(cand)
    return os.path.abspath(os.path.join(here, "..", "shared", "data"))


SHARED_DATA = _shared_data()
os.environ.setdefault("SHENJING_DATA", SHARED_DATA)


@pytest.fixture
def shared_data() -> str:
    """Path of the folder holding mnist/ (real MNIST, read-only)."""
    return SHARED_DATA
