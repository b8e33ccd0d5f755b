"""Extreme magnitudes (issue 21, items 5 and 8): the robust scaler and the sparse scaler
compute in float64 with guarded ranges; ``preprocessing=None`` warns, naming the columns,
when its float32 cast loses them."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.preprocessing import RobustSmoothClipScaler, TabularEncoder

TINY = dict(hidden_layer_sizes=(16,), max_epochs=20, batch_size=64, random_state=0,
            early_stopping=False)


def _informative(n=400, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    y = (X[:, 0] + 0.7 * X[:, 1] + 0.3 * rng.randn(n) > 0).astype(int)
    return X, y


def _auc(clf, X, y):
    return roc_auc_score(y, clf.predict_proba(X)[:, 1])


def _is_ordered(x, z):
    """``z`` is a non-decreasing function of ``x`` that is not constant."""
    order = np.argsort(x, kind="stable")
    return np.all(np.diff(z[order]) >= 0) and z.max() > z.min()


# -- item 5 --------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", [1e-320, 1e-310, 1e300, 1.7e308 / 5])
def test_scaler_keeps_a_column_of_extreme_scale_finite_and_ordered(scale):
    x = np.random.RandomState(0).randn(300)
    x = np.clip(x, -4.9, 4.9) * scale  # within float64
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow
        scaler = RobustSmoothClipScaler().fit(x[:, None])
        z = scaler.transform(x[:, None])[:, 0]
    assert np.all(np.isfinite(z)) and np.abs(z).max() <= 3.0
    assert _is_ordered(x, z)
    if scale >= 1e-300:  # a normal float64: the same z as the same column at scale 1
        ref = RobustSmoothClipScaler().fit_transform((x / scale)[:, None])[:, 0]
        np.testing.assert_allclose(z, ref, atol=1e-9)


def test_scaler_maps_the_largest_floats_to_the_clip_not_to_zero():
    rng = np.random.RandomState(0)
    x = rng.randn(300)
    x[::10] = 1.7e308
    x[5::10] = -1.7e308
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = RobustSmoothClipScaler().fit_transform(x[:, None])[:, 0]
    assert np.all(np.isfinite(z)) and _is_ordered(x, z)
    np.testing.assert_allclose(z[::10], 3.0)
    np.testing.assert_allclose(z[5::10], -3.0)


def test_scaler_with_values_of_opposite_extreme_signs():
    x = np.array([-1.7e308, 1.7e308, -1.7e308, 1.7e308, 0.0, 1.0])[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = RobustSmoothClipScaler().fit(x).transform(x)
    assert np.all(np.isfinite(z)) and _is_ordered(x[:, 0], z[:, 0])
    # unseen extremes at transform: still finite
    scaler = RobustSmoothClipScaler().fit(np.random.RandomState(0).randn(50, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = scaler.transform(np.array([[1.7e308], [-1.7e308], [1e-320], [np.nan]]))
    np.testing.assert_allclose(z[:2, 0], [3.0, -3.0])
    assert np.isfinite(z[2, 0]) and np.isnan(z[3, 0])


@pytest.mark.parametrize("frame", [False, True], ids=["array", "dataframe_with_nan"])
def test_an_extreme_column_keeps_the_signal_of_the_table(frame):
    X, y = _informative()
    noise = np.random.RandomState(2).choice([1.7e308, -1.7e308, 1e-320, 0.0], len(X))
    # the informative column itself at scale 1e-315: its signal must survive too
    extreme = np.c_[X[:, 0] * 1e-315, X[:, 1:], noise]
    clean = np.c_[X, np.zeros(len(X))]
    if frame:
        extreme, clean = (pd.DataFrame(A, columns=list("abcd")) for A in (extreme, clean))
        for A in (extreme, clean):
            A.loc[::9, "c"] = np.nan
    Z = TabularEncoder().fit_transform(extreme, y)
    assert np.all(np.isfinite(Z))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        auc_clean = _auc(WeightedLossClassifier(**TINY).fit(clean, y), clean, y)
        auc = _auc(WeightedLossClassifier(**TINY).fit(extreme, y), extreme, y)
    assert auc_clean > 0.9 and auc > auc_clean - 0.03


# -- item 8: sparse input ----------------------------------------------------------------------
def test_sparse_column_with_a_denormal_maximum_keeps_its_signal():
    X, y = _informative()
    A = X.copy()
    A[np.abs(A) < 0.3] = 0.0
    tiny = A.copy()
    tiny[:, 0] *= 1e-310  # its largest absolute value is a denormal
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Z = TabularEncoder().fit_transform(sp.csr_matrix(tiny))
        ref = TabularEncoder().fit_transform(sp.csr_matrix(A))
    assert np.all(np.isfinite(Z.data)) and np.abs(Z).max() <= 1.0
    np.testing.assert_allclose(Z.toarray(), ref.toarray(), atol=1e-3)  # denormals: 3 digits
    clf = WeightedLossClassifier(**TINY).fit(sp.csr_matrix(tiny), y)
    assert _auc(clf, sp.csr_matrix(tiny), y) > 0.9


def test_sparse_scaling_of_ordinary_columns_is_max_abs_scaler():
    from sklearn.preprocessing import MaxAbsScaler

    A = sp.random(50, 6, density=0.3, format="csr", random_state=0) * 1e3
    np.testing.assert_array_equal(TabularEncoder().fit_transform(A).toarray(),
                                  MaxAbsScaler().fit_transform(A).toarray())


# -- item 8: preprocessing=None and the float32 cast --------------------------------------------
def test_preprocessing_none_warns_naming_columns_the_float32_cast_loses():
    X, y = _informative()
    frame = pd.DataFrame({"tiny": X[:, 0] * 1e-300, "epoch": 1.7e9 + X[:, 1] * 10,
                          "fine": X[:, 2], "flag": X[:, 2] > 0})
    with pytest.warns(UserWarning, match=r"float32.*\['tiny', 'epoch'\]"):
        WeightedLossClassifier(preprocessing=None, **TINY).fit(frame, y)
    with pytest.warns(UserWarning, match=r"float32.*\['x0'\]"):
        WeightedLossClassifier(preprocessing=None, **TINY).fit(
            np.c_[X[:, 0] * 1e-300, X[:, 1:]], y)
    with pytest.warns(UserWarning, match=r"float32.*\['x1'\]"):
        WeightedLossClassifier(preprocessing=None, **TINY).fit(
            sp.csr_matrix(np.c_[X[:, 0], 1e9 + X[:, 1]]), y)
    with warnings.catch_warnings():  # ordinary data: no warning
        warnings.simplefilter("error")
        clf = WeightedLossClassifier(preprocessing=None, **TINY).fit(X * 1e3 + 5, y)
        clf.predict(X)


def test_preprocessing_none_refuses_values_beyond_float32_by_name():
    X, y = _informative(60)
    frame = pd.DataFrame({"a": X[:, 0], "huge": X[:, 1] * 1e39})
    with pytest.raises(ValueError, match=r"float32.*\['huge'\]"):
        WeightedLossClassifier(preprocessing=None, **TINY).fit(frame, y)
