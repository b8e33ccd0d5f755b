"""Raw tables in: WeightedLossClassifier(preprocessing="auto") and TabularEncoder."""

import pickle
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.preprocessing import RobustSmoothClipScaler, TabularEncoder

TINY = dict(hidden_layer_sizes=(8,), max_epochs=3, batch_size=64, random_state=0)


@parametrize_with_checks([RobustSmoothClipScaler(), TabularEncoder()])
def test_sklearn_transformer_checks(estimator, check):
    check(estimator)


def _raw_frame(n=240, seed=0):
    rng = np.random.RandomState(seed)
    num = rng.randn(n)
    num[rng.rand(n) < 0.1] = np.nan
    X = pd.DataFrame({
        "text": rng.choice(["red", "green", "blue"], n).astype(object),
        "string": pd.array(rng.choice(["s", "m", "l"], n), dtype="string"),
        "cat": pd.Categorical(rng.choice(["x", "y"], n)),
        "flag": rng.rand(n) > 0.5,
        "count": pd.array(rng.randint(0, 9, n), dtype="Int64"),
        "num": num,
        "city": [f"city{i}" for i in rng.randint(0, 40, n)],  # > 16 levels: target encoded
    })
    X.loc[::17, "text"] = None
    X.loc[::13, "count"] = pd.NA
    y = np.where(X["flag"] & (np.nan_to_num(num) > 0), "yes", "no")
    return X, y


def test_raw_dataframe_fits_and_predicts_unseen_categories_and_nan():
    X, y = _raw_frame()
    before = X.copy()
    clf = WeightedLossClassifier(**TINY).fit(X, y)
    pd.testing.assert_frame_equal(X, before)  # the caller's table is untouched
    assert list(clf.feature_names_in_) == list(X.columns)
    assert clf.n_features_in_ == X.shape[1]
    assert set(clf.classes_) == {"no", "yes"}
    names = list(clf.encoder_.get_feature_names_out())
    assert "missing__missingindicator_num" in names and "onehot__text_nan" in names
    assert "target__city" in names and "onehot__flag_True" in names
    new = X.iloc[:4].copy()
    new["text"] = ["purple", None, "red", np.nan]
    new["string"] = pd.array(["xl", None, "s", "m"], dtype="string")
    new["city"] = ["atlantis", None, "city3", "city4"]
    new["num"] = [np.nan, 1e6, -1e6, 0.0]
    proba = clf.predict_proba(new)
    assert proba.shape == (4, 2) and np.all(np.isfinite(proba))
    assert set(clf.predict(new)) <= {"no", "yes"}


def test_unseen_categories_encode_as_zeros_and_nan_as_median_with_indicator():
    X, y = _raw_frame()
    enc = TabularEncoder().fit(X, y)
    names = list(enc.get_feature_names_out())
    row = X.iloc[:1].copy()
    row["text"], row["num"] = "purple", np.nan
    out = dict(zip(names, enc.transform(row)[0]))
    assert all(out[n] == 0.0 for n in names if n.startswith("onehot__text_"))
    assert out["num__num"] == 0.0 and out["missing__missingindicator_num"] == 1.0
    # a level seen in training is one-hot
    row["text"] = "red"
    out = dict(zip(names, enc.transform(row)[0]))
    assert out["onehot__text_red"] == 1.0
    # an unseen level of a target-encoded column is the training rate of the positive class
    # (then scaled as the column's other values)
    row["city"] = "atlantis"
    out = dict(zip(names, enc.transform(row)[0]))
    target = enc.transformer_.named_transformers_["target"]
    rate = np.mean(np.asarray(y) == "yes")
    assert target["encode"].target_mean_ == pytest.approx(rate)
    assert out["target__city"] == pytest.approx(
        target["scale"].transform(np.array([[rate]]))[0, 0])


def test_multiclass_target_encoding_has_a_column_per_class():
    X, _ = _raw_frame()
    y = np.arange(len(X)) % 3
    enc = TabularEncoder(random_state=0)
    Z = enc.fit_transform(X, y)
    assert [n for n in enc.get_feature_names_out() if n.startswith("target__")] == [
        "target__city_0", "target__city_1", "target__city_2"]
    assert Z.shape[1] == len(enc.get_feature_names_out())
    # cross-fitting: the training rows are not encoded by the final (full-data) encoder
    assert not np.allclose(Z, enc.transform(X))
    np.testing.assert_array_equal(Z, TabularEncoder(random_state=0).fit_transform(X, y))


def test_target_encoding_needs_y():
    X, _ = _raw_frame()
    with pytest.raises(ValueError, match=r"needs y to target-encode.*\['city'\]"):
        TabularEncoder().fit(X)
    TabularEncoder(max_onehot_levels=64).fit(X)  # one-hot everything: no y needed


def test_column_order_and_names_are_checked_at_predict():
    X, y = _raw_frame()
    clf = WeightedLossClassifier(**TINY).fit(X, y)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(X[X.columns[::-1]])
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(X.rename(columns={"num": "number"}))


def test_inf_is_an_error_naming_the_columns():
    X, y = _raw_frame()
    bad = X.copy()
    bad.loc[3, "num"] = np.inf
    with pytest.raises(ValueError, match=r"\['num'\] contain infinite"):
        WeightedLossClassifier(**TINY).fit(bad, y)
    clf = WeightedLossClassifier(**TINY).fit(X, y)
    with pytest.raises(ValueError, match=r"\['num'\] contain infinite"):
        clf.predict(bad)
    A = np.random.RandomState(0).randn(30, 3)
    A[2, 1] = -np.inf
    with pytest.raises(ValueError, match=r"\['x1'\] contain infinite"):
        WeightedLossClassifier(**TINY).fit(A, np.arange(30) % 2)


def test_unsupported_dtype_is_named():
    # dates are encoded (test_datetime_columns.py); durations are refused by name
    X, y = _raw_frame()
    X = X.assign(took=pd.to_timedelta(np.arange(len(X)), unit="s"))
    with pytest.raises(ValueError, match="'took' has dtype timedelta64"):
        WeightedLossClassifier(**TINY).fit(X, y)


def test_object_array_with_strings_and_numbers():
    rng = np.random.RandomState(0)
    A = np.empty((60, 3), dtype=object)
    A[:, 0] = rng.choice(["a", "b"], 60)
    A[:, 1] = rng.randn(60)
    A[:, 2] = rng.randint(0, 5, 60)
    A[5, 1] = None
    y = np.arange(60) % 2
    clf = WeightedLossClassifier(**TINY).fit(A, y)
    assert clf.encoder_.numeric_features_ == [1, 2] and clf.encoder_.onehot_features_ == [0]
    assert clf.predict_proba(A).shape == (60, 2)
    with pytest.raises(ValueError, match="'x1' was numeric in fit"):
        clf.predict(np.where(np.arange(3) == 1, "oops 2", A))
    with pytest.warns(DataConversionWarning, match="'x1' was a column of numbers in fit"):
        clf.predict(np.where(np.arange(3) == 1, "oops", A))  # a word: a missing value
    # a numeric array for a model with a text column: the text column compares as strings
    assert clf.predict_proba(np.array([[1.0, 0.5, 2.0]])).shape == (1, 2)


def test_numeric_array_is_robust_scaled_and_smooth_clipped():
    rng = np.random.RandomState(0)
    X = np.c_[rng.randn(101), np.r_[np.zeros(90), np.arange(1, 12)], np.full(101, 7.0)]
    scaler = RobustSmoothClipScaler().fit(X)
    q25, q50, q75 = np.quantile(X[:, 0], [0.25, 0.5, 0.75], method="inverted_cdf")
    np.testing.assert_allclose(scaler.center_, [q50, 0.0, 7.0])
    # column 1: quartiles coincide -> half the range (pytabkit's fallback); column 2: constant
    np.testing.assert_allclose(scaler.scale_, [1 / (q75 - q25), 1 / 5.5, 0.0])
    z = (X[:, 0] - q50) / (q75 - q25)
    np.testing.assert_allclose(scaler.transform(X)[:, 0], z / np.sqrt(1 + (z / 3) ** 2))
    assert np.abs(scaler.transform(X * 1e6)).max() < 3.0  # bounded by the smooth clip
    clf = WeightedLossClassifier(**TINY).fit(X, np.arange(101) % 2)
    X64 = torch.tensor(clf.encoder_.transform(X), device=clf.device_)
    logits = clf.module_.double()(X64).detach().cpu().numpy()
    np.testing.assert_allclose(clf.decision_function(X), logits[:, 1] - logits[:, 0], atol=1e-10)


def test_scaler_weight_k_equals_k_repeated_rows():
    rng = np.random.RandomState(0)
    X = rng.randn(50, 3)
    X[rng.rand(50, 3) < 0.1] = np.nan
    w = rng.randint(0, 4, 50)
    a = RobustSmoothClipScaler().fit(X, sample_weight=w)
    b = RobustSmoothClipScaler().fit(np.repeat(X, w, axis=0))
    np.testing.assert_array_equal(a.center_, b.center_)
    np.testing.assert_array_equal(a.scale_, b.scale_)


def test_a_scalar_sample_weight_weighs_every_row_alike_on_a_raw_table():
    # scikit-learn takes a number for every row; with a text column the encoder's scalers
    # refused it with an error naming a private class
    X, y = _raw_frame()
    one = WeightedLossClassifier(**TINY).fit(X, y, sample_weight=2.0)
    ones = WeightedLossClassifier(**TINY).fit(X, y, sample_weight=np.full(
        len(y), 2.0))
    np.testing.assert_array_equal(one.predict_proba(X), ones.predict_proba(X))
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        WeightedLossClassifier(**TINY).fit(X, y, sample_weight=-1.0)


def test_preprocessing_none_uses_x_as_given():
    rng = np.random.RandomState(0)
    X = rng.randn(80, 4) * 50 + 10
    y = np.arange(80) % 2
    clf = WeightedLossClassifier(preprocessing=None, **TINY).fit(X, y)
    assert clf.encoder_ is None
    logits = clf.module_.double()(torch.tensor(X, device=clf.device_)).detach().cpu().numpy()
    np.testing.assert_allclose(clf.decision_function(X), logits[:, 1] - logits[:, 0], atol=1e-10)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    # not scikit-learn's advice to use HistGradientBoostingClassifier
    with pytest.raises(ValueError, match=r"with preprocessing=None takes no missing values "
                                         r"\(NaN, None or pd.NA in X\); leave "
                                         r"preprocessing='auto', which imputes them"):
        clf.predict(X_nan)


def test_pickle_and_clone_of_a_raw_table_model():
    X, y = _raw_frame()
    clf = WeightedLossClassifier(**TINY).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    fresh = clone(clf)
    assert not hasattr(fresh, "encoder_") and fresh.get_params() == clf.get_params()
    np.testing.assert_array_equal(fresh.fit(X, y).predict_proba(X), clf.predict_proba(X))


def test_grid_search_over_a_raw_dataframe_with_string_labels():
    X, y = _raw_frame()
    grid = GridSearchCV(WeightedLossClassifier(**TINY),
                        {"hidden_layer_sizes": [(4,), (8,)]}, cv=3, scoring="roc_auc")
    grid.fit(X, y)
    assert np.isfinite(grid.best_score_)
    assert grid.predict(X.iloc[:3]).dtype == y.dtype


# --------------------------------------------------------------------------
# sparse input
# --------------------------------------------------------------------------
def test_large_sparse_matrix_is_never_densified_whole(monkeypatch):
    n, d = 20_000, 5_000
    X = sp.random(n, d, density=0.001, format="csr", dtype=np.float64, random_state=0)
    y = (np.asarray(X[:, :50].sum(axis=1)).ravel() > 0).astype(int)
    dense_values = n * d
    largest = []
    original = sp.csr_matrix.toarray

    def guarded(self, *args, **kwargs):
        largest.append(self.shape[0] * self.shape[1])
        assert largest[-1] <= dense_values // 20, f"densified {self.shape}"
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", guarded)
    clf = WeightedLossClassifier(hidden_layer_sizes=(8,), max_epochs=1, random_state=0)
    tracemalloc.start()
    try:
        clf.fit(X, y)
        proba = clf.predict_proba(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert largest, "the batches should be densified one at a time"
    assert peak < 4 * dense_values // 10  # dense float32 would be 4 bytes per value
    assert proba.shape == (n, 2) and np.all(np.isfinite(proba))
    assert sp.issparse(clf.encoder_.transform(X[:5]))


def test_sparse_input_is_scaled_by_max_abs_and_stays_sparse():
    X = sp.random(300, 40, density=0.05, format="csc", random_state=0) * 100
    enc = TabularEncoder().fit(X)
    Z = enc.transform(X)
    assert sp.issparse(Z) and Z.nnz == X.nnz
    assert np.abs(Z).max() <= 1.0 + 1e-12
    y = np.arange(300) % 2
    for prep in ("auto", None):
        clf = WeightedLossClassifier(preprocessing=prep, **TINY).fit(X, y)
        np.testing.assert_allclose(clf.predict_proba(X), clf.predict_proba(X.toarray()),
                                   atol=1e-12)
    bad = X.tocsr(copy=True)
    bad.data[0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite values in column"):
        WeightedLossClassifier(**TINY).fit(bad, y)


def test_encoder_feature_names_check_input_features_and_follow_set_output():
    import sklearn

    from sklearn_losses.preprocessing import TabularEncoder

    enc = TabularEncoder().fit(np.random.RandomState(0).randn(20, 2))
    assert list(enc.get_feature_names_out(["p", "q"])) == ["num__p", "num__q"]
    with pytest.raises(ValueError, match="length"):
        enc.get_feature_names_out(["p"])
    # sparse input: the same prefixes (the names came back bare)
    import scipy.sparse as sp

    enc = TabularEncoder().fit(sp.random(20, 2, density=0.5, format="csr", random_state=0))
    assert list(enc.get_feature_names_out()) == ["num__x0", "num__x1"]
    assert list(enc.get_feature_names_out(["p", "q"])) == ["num__p", "num__q"]
    frame = pd.DataFrame({"a": np.arange(20.0), "c": ["u", "v"] * 10})
    enc = TabularEncoder().fit(frame, np.arange(20) % 2)
    with pytest.raises(ValueError, match="feature_names_in_"):
        enc.get_feature_names_out(["zzz", "c"])
    with sklearn.config_context(transform_output="pandas"):
        out = TabularEncoder().fit(frame, np.arange(20) % 2).transform(frame)
    assert list(out.columns) == list(enc.get_feature_names_out())


def test_a_bool_array_is_encoded_as_a_bool_frame_column():
    from sklearn_losses.preprocessing import TabularEncoder

    flags = np.array([[True], [False], [True], [True]])
    from_array = TabularEncoder().fit(flags)
    from_frame = TabularEncoder().fit(pd.DataFrame({"x0": flags[:, 0]}))
    assert list(from_array.get_feature_names_out()) == ["onehot__x0_False", "onehot__x0_True"]
    np.testing.assert_array_equal(from_array.transform(flags),
                                  from_frame.transform(pd.DataFrame({"x0": flags[:, 0]})))


def test_further_training_warns_once_that_target_encoded_rows_are_encoded_in_sample():
    # the first fit encodes its rows cross-fitted; warm_start and partial_fit go through the
    # fitted encoder, which saw those rows (correlation with y 0.07 cross-fitted, 0.74 here)
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"noise_id": [f"id{i // 2}" for i in range(200)], "x": rng.normal(size=200)})
    y = rng.integers(0, 2, 200)
    clf = WeightedLossClassifier(warm_start=True, **TINY).fit(X, y)
    assert clf.encoder_.target_features_ == [0]
    with pytest.warns(UserWarning, match=r"\['noise_id'\] are target encoded by the encoder "
                                         r"of the first fit"):
        clf.fit(X, y)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*target encoded")
        clf.fit(X, y)  # once per fitted encoder
    # a model without target-encoded columns continues silently
    small = WeightedLossClassifier(warm_start=True, **TINY).fit(X[["x"]], y)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*target encoded")
        small.fit(X[["x"]], y)


def test_output_column_names_are_unique_beside_a_text_level_nan():
    # the text level "nan" and missing values were both onehot__c_nan: pandas output had two
    # columns of one name and polars output raised
    X = pd.DataFrame({"c": ["nan", None, "a", "nan", None, "a"], "x": np.arange(6.0)})
    y = np.array([0, 1] * 3)
    enc = TabularEncoder().set_output(transform="pandas").fit(X, y)
    names = list(enc.get_feature_names_out())
    assert len(set(names)) == len(names)
    assert {"onehot__c_nan", "onehot__c_nan_2"} <= set(names)
    out = enc.transform(X)
    assert list(out.columns) == names
    # the level "nan" (first) and the missing values (second) stay apart
    np.testing.assert_array_equal(out["onehot__c_nan"], [1, 0, 0, 1, 0, 0])
    np.testing.assert_array_equal(out["onehot__c_nan_2"], [0, 1, 0, 0, 1, 0])


def test_messages_name_integer_column_labels_as_read_by_read_csv_header_none():
    # pd.read_csv(header=None) labels columns 0, 1, ...; feature_names_in_ holds string
    # labels only, and the messages said x<position>: one column off once a column was dropped
    from sklearn_losses.columns import NumberFormatWarning

    rng = np.random.default_rng(0)
    X = pd.DataFrame({j: rng.normal(size=40) for j in range(4)})
    X[2] = [f"{1000 + i},{i % 10}00" for i in range(40)]  # numbers with a comma: text
    X = X.drop(columns=[0])  # the user's labels are 1, 2, 3 now, at positions 0, 1, 2
    y = np.arange(40) % 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        TabularEncoder().fit(X, y)
    messages = [str(w.message) for w in caught if w.category is NumberFormatWarning]
    assert messages and messages[0].startswith("Column '2' holds numbers written with")
    X[3] = X[3].astype(float)
    X.loc[5, 3] = np.inf
    with pytest.raises(ValueError, match=r"Column\(s\) \['3'\] contain infinite values"):
        TabularEncoder().fit(X, y)


def test_a_category_column_gets_no_format_warning():
    # levels that look like numbers with a few words ("1".."5" and "studio") or like
    # numbers with thousands separators are categories by the user's choice of dtype
    n = 80
    X = pd.DataFrame({
        "rooms": pd.Series([str(i % 5 + 1) if i % 8 else "studio" for i in range(n)],
                           dtype="category"),
        "code": pd.Series([f"{1 + i % 9},{100 + i:03d}" for i in range(n)], dtype="category"),
    })
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        TabularEncoder().fit(X, np.arange(n) % 2)
    assert not [w for w in caught if "Format" in w.category.__name__]
    with pytest.warns(UserWarning, match="holds numbers but for words such as 'studio'"):
        TabularEncoder().fit(X.astype(object), np.arange(n) % 2)  # as text: warned
