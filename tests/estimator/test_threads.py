"""n_jobs: torch's thread count during fit and predict, restored afterwards."""

import os
import threading

import numpy as np
import pytest
import torch

from sklearn_losses import WeightedLossClassifier
from sklearn_losses import engine
from sklearn_losses.network import MLP

TINY = dict(hidden_layer_sizes=(8,), max_epochs=2, batch_size=32, random_state=0)


@pytest.fixture(autouse=True)
def _two_threads(torch_threads):
    """Run each test from torch at 2 threads; put the caller's count back afterwards."""
    torch_threads(2)


@pytest.fixture
def seen(monkeypatch):
    """torch.get_num_threads() at every forward of the network."""
    counts = []
    forward = MLP.forward

    def spy(self, X):
        counts.append(torch.get_num_threads())
        return forward(self, X)

    monkeypatch.setattr(MLP, "forward", spy)
    return counts


def _data(n=64, d=4):
    rng = np.random.RandomState(0)
    return rng.randn(n, d), np.arange(n) % 2


@pytest.mark.parametrize("n_jobs, expected", [(1, 1), (2, 2), (None, 1)])
def test_thread_count_inside_fit_and_predict(seen, n_jobs, expected):
    X, y = _data()
    clf = WeightedLossClassifier(n_jobs=n_jobs, **TINY).fit(X, y)
    assert seen and set(seen) == {expected}
    assert torch.get_num_threads() == 2
    seen.clear()
    clf.predict_proba(X)
    assert set(seen) == {expected}
    assert torch.get_num_threads() == 2


def test_minus_one_means_all_cpus(seen, monkeypatch):
    X, y = _data()
    WeightedLossClassifier(n_jobs=-1, **TINY).fit(X, y)
    assert set(seen) == {len(os.sched_getaffinity(0))}
    assert torch.get_num_threads() == 2
    # on a machine of 7 CPUs (not the 2 torch starts at here): -1 is all, -2 all but one
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(7)), raising=False)
    for n_jobs, expected in ((-1, 7), (-2, 6)):
        seen.clear()
        WeightedLossClassifier(n_jobs=n_jobs, **TINY).fit(X, y)
        assert set(seen) == {expected}, n_jobs
    assert torch.get_num_threads() == 2


def test_none_keeps_torch_default_for_large_work_per_batch(seen):
    # batch 64 x (256*1024 + 1024*2) multiply-adds per row > 2**24
    X, y = _data(n=64, d=256)
    WeightedLossClassifier(n_jobs=None, hidden_layer_sizes=(1024,), max_epochs=1,
                           batch_size=64, random_state=0).fit(X, y)
    assert set(seen) == {2}


def test_none_is_one_thread_in_a_worker_process(monkeypatch):
    monkeypatch.setattr("multiprocessing.parent_process", lambda: object())
    assert engine.resolve_threads(None, work=1 << 30) == 1
    monkeypatch.undo()
    assert engine.resolve_threads(None, work=1 << 30) is None
    assert engine.resolve_threads(None, work=10) == 1


def test_restored_after_an_exception(monkeypatch):
    def boom(self, X):
        assert torch.get_num_threads() == 1
        raise RuntimeError("boom")

    monkeypatch.setattr(MLP, "forward", boom)
    X, y = _data()
    with pytest.raises(RuntimeError, match="boom"):
        WeightedLossClassifier(n_jobs=1, **TINY).fit(X, y)
    assert torch.get_num_threads() == 2


def test_left_alone_outside_the_main_thread(seen):
    X, y = _data()
    errors = []

    def run():
        try:
            WeightedLossClassifier(n_jobs=1, **TINY).fit(X, y)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert not errors
    # torch's setting is process-wide: a worker thread does not change it
    assert set(seen) == {2}


def test_invalid_n_jobs_is_reported_by_fit():
    X, y = _data()
    with pytest.raises(ValueError, match="n_jobs"):
        WeightedLossClassifier(n_jobs=0, **TINY).fit(X, y)
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("n_jobs, outer", [(1, 2), (2, 1)])
def test_n_jobs_sets_the_thread_count_whatever_the_callers(seen, torch_threads, n_jobs, outer):
    # the caller's count differs from n_jobs, so leaving torch alone cannot pass for setting it
    torch_threads(outer)
    X, y = _data()
    clf = WeightedLossClassifier(n_jobs=n_jobs, **TINY).fit(X, y)
    assert seen and set(seen) == {n_jobs}
    assert torch.get_num_threads() == outer
    seen.clear()
    clf.predict_proba(X)
    assert set(seen) == {n_jobs} and torch.get_num_threads() == outer
