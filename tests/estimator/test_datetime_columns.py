"""Date and time columns are encoded, not refused (issue 21, item 24)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.columns import column_kind
from sklearn_losses.preprocessing import DatetimeFeatures, TabularEncoder

TINY = dict(hidden_layer_sizes=(16,), max_epochs=30, batch_size=64, random_state=0,
            early_stopping=False)
FEATURES = ["year", "month_sin", "month_cos", "weekday_sin", "weekday_cos", "hour_sin",
            "hour_cos", "dayofyear", "elapsed"]


@parametrize_with_checks([DatetimeFeatures()])
def test_sklearn_transformer_checks(estimator, check):
    check(estimator)


def _timed(n=500, seed=0, freq="7h"):
    rng = np.random.RandomState(seed)
    when = pd.Series(pd.date_range("2021-03-01 05:00", periods=n, freq=freq))
    when = when.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    weekend = when.dt.day_of_week >= 5
    y = (weekend ^ (rng.rand(n) < 0.1)).astype(int).to_numpy()
    return pd.DataFrame({"when": when, "x": rng.randn(n)}), y


def test_datetime_column_is_encoded_with_named_calendar_features():
    X, y = _timed()
    enc = TabularEncoder().fit(X, y)
    names = list(enc.get_feature_names_out())
    assert names == ["num__x"] + [f"datetime__when_{f}" for f in FEATURES]
    Z = enc.transform(X)
    assert np.all(np.isfinite(Z)) and np.abs(Z).max() <= 3.0
    raw = dict(zip(names, enc.transform(X).T))
    assert len(np.unique(raw["datetime__when_weekday_sin"])) == 7
    # a weekday pattern is learned from the date alone
    clf = WeightedLossClassifier(**TINY).fit(X[["when"]], y)
    assert roc_auc_score(y, clf.predict_proba(X[["when"]])[:, 1]) > 0.85


def test_calendar_features_before_scaling():
    when = pd.Series(pd.to_datetime(["2024-01-01 00:00", "2024-07-04 18:00", None,
                                     "2023-12-31 06:30"]))
    feats = DatetimeFeatures().fit(when.to_frame())
    F = feats.transform(when.to_frame())
    assert list(feats.get_feature_names_out(["when"])) == [f"when_{f}" for f in FEATURES]
    np.testing.assert_allclose(F[:, 0], [2024, 2024, np.nan, 2023])
    # month 1 at angle 0, July at 6/12 of the turn
    np.testing.assert_allclose(F[[0, 1], 1:3], [[0.0, 1.0], [0.0, -1.0]], atol=1e-12)
    # Monday (2024-01-01) at angle 0; Sunday (2023-12-31) at 6/7 of the turn
    np.testing.assert_allclose(F[0, 3:5], [0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(F[3, 3:5], [np.sin(2 * np.pi * 6 / 7), np.cos(2 * np.pi * 6 / 7)])
    # hour 18 = 3/4 of the day; 06:30 = 6.5 / 24
    np.testing.assert_allclose(F[1, 5:7], [-1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(F[3, 5:7], [np.sin(2 * np.pi * 6.5 / 24),
                                           np.cos(2 * np.pi * 6.5 / 24)])
    np.testing.assert_allclose(F[:, 7], [1, 186, np.nan, 365])
    # elapsed: days since the training minimum
    np.testing.assert_allclose(F[:, 8], [17.5 / 24, 17.5 / 24 + 185 + 18 / 24, np.nan, 0])
    assert np.isnan(F[2]).all()


def test_dates_without_a_time_of_day_have_no_hour_features():
    X = pd.DataFrame({"day": pd.date_range("2020-01-01", periods=40, freq="D")})
    names = list(TabularEncoder().fit(X).get_feature_names_out())
    assert names == [f"datetime__day_{f}" for f in FEATURES if not f.startswith("hour")]


def test_missing_dates_are_imputed_with_an_indicator():
    X, y = _timed(200)
    X.loc[::8, "when"] = pd.NaT
    enc = TabularEncoder().fit(X, y)
    names = list(enc.get_feature_names_out())
    assert "missing__missingindicator_when" in names
    out = dict(zip(names, enc.transform(X).T))
    missing = X["when"].isna().to_numpy()
    np.testing.assert_array_equal(out["missing__missingindicator_when"], missing)
    for f in FEATURES:
        assert np.all(out[f"datetime__when_{f}"][missing] == 0.0)
    # a date missing at predict only: imputed, no indicator column to set
    enc = TabularEncoder().fit(X.dropna(), y[~missing])
    Z = enc.transform(X)
    assert np.all(np.isfinite(Z)) and np.all(Z[missing, 1:] == 0.0)


def test_timezone_aware_columns_use_the_wall_time_of_the_fitted_zone():
    X, y = _timed(200)
    aware = X.assign(when=X["when"].dt.tz_localize("Asia/Tokyo"))
    enc = TabularEncoder().fit(aware, y)
    np.testing.assert_allclose(enc.transform(aware), TabularEncoder().fit(X, y).transform(X))
    # the same instants written in another zone encode the same
    np.testing.assert_allclose(
        enc.transform(aware.assign(when=aware["when"].dt.tz_convert("Europe/Paris"))),
        enc.transform(aware))


def test_iso_date_strings_are_datetime():
    X, y = _timed(300)
    text = X.assign(when=X["when"].dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object))
    text.loc[::10, "when"] = "?"
    assert column_kind(text["when"], "when") == "datetime"
    assert column_kind(pd.Series(["2024-01-05", "", None, "2023-12-31"]), "d") == "datetime"
    assert column_kind(pd.Series(["2024-01-05", "soon"]), "d") == "text"
    assert column_kind(pd.Series(["2024-13-45", "2024-01-01"]), "d") == "text"
    enc = TabularEncoder().fit(text, y)
    names = list(enc.get_feature_names_out())
    assert "datetime__when_weekday_sin" in names and "missing__missingindicator_when" in names
    parsed = X.copy()
    parsed.loc[::10, "when"] = pd.NaT
    np.testing.assert_allclose(enc.transform(text),
                               TabularEncoder().fit(parsed, y).transform(parsed))
    # dates given as datetime objects at predict: the same encoding
    np.testing.assert_allclose(enc.transform(parsed), enc.transform(text))


def test_datetime_column_through_the_estimator_pickles_and_refuses_numbers():
    import pickle

    X, y = _timed(200)
    clf = WeightedLossClassifier(**{**TINY, "max_epochs": 2}).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    with pytest.raises(ValueError, match=r"'when' was a date or time in fit"):
        clf.predict(X.assign(when=np.arange(len(X), dtype=float)))


def test_period_and_timedelta_columns():
    X = pd.DataFrame({"p": pd.period_range("2020-01", periods=30, freq="M")})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        names = list(TabularEncoder().fit(X).get_feature_names_out())
    assert names[0] == "datetime__p_year"
    with pytest.raises(ValueError, match=r"'d' has dtype timedelta64.*total_seconds"):
        TabularEncoder().fit(pd.DataFrame({"d": pd.to_timedelta(np.arange(5), unit="h")}))


def test_dates_in_mixed_time_zones_are_read_in_utc():
    mixed = pd.Series([pd.Timestamp("2024-01-01 12:00", tz="UTC"),
                       pd.Timestamp("2024-01-02 12:00", tz="Europe/Paris"), None], dtype=object)
    strings = pd.Series(["2024-01-05T10:00+02:00", "2023-12-31T10:00:00+01:00", "?"])
    for s in (mixed, strings):
        assert column_kind(s, "w") == "datetime"
        X = pd.DataFrame({"w": s, "x": [1.0, 2.0, 3.0]})
        Z = TabularEncoder().fit(X).transform(X)
        assert np.all(np.isfinite(Z))
    hours = DatetimeFeatures().fit(mixed.to_frame()).transform(mixed.to_frame())[:2, 5:7]
    np.testing.assert_allclose(hours, [[0.0, -1.0], [np.sin(2 * np.pi * 11 / 24),
                                                     np.cos(2 * np.pi * 11 / 24)]], atol=1e-12)


@pytest.mark.parametrize("fit_values", [
    ["2024-01-0%d 12:00" % i for i in range(1, 9)],             # naive
    ["2024-01-0%dT12:00+02:00" % i for i in range(1, 9)],       # one offset
    ["2024-01-0%dT12:00%s" % (i, "+02:00" if i % 2 else "Z") for i in range(1, 9)],  # mixed
])
def test_a_date_row_reads_the_same_alone_and_in_any_batch(fit_values):
    # a batch mixing offsets (or naive and aware values) was parsed in UTC, a naive value in
    # it as UTC: the same row got other features alone than beside another row
    y = np.array([0, 1] * 4)
    new = ["2024-01-03T12:00", "2024-01-03T12:00+02:00", "2024-01-03T12:00-05:00",
           "2024-01-03 18:30Z", "?"]
    X_new = pd.DataFrame({"t": new})
    for transformer in (TabularEncoder(), DatetimeFeatures()):
        fitted = transformer.fit(pd.DataFrame({"t": fit_values}), y)
        batch = fitted.transform(X_new)
        alone = np.vstack([fitted.transform(X_new.iloc[[i]]) for i in range(len(new))])
        np.testing.assert_allclose(batch, alone, rtol=0, atol=1e-12)


def test_dates_of_several_zones_on_an_index_that_repeats_labels():
    # the zones were grouped by index label, which pd.concat repeats: fit raised
    # InvalidIndexError
    a = pd.DataFrame({"t": ["2024-01-0%dT12:00+02:00" % i for i in range(1, 5)]
                      + ["2024-01-0%dT12:00+05:00" % i for i in range(5, 9)]})
    X = pd.concat([a, a])
    y = np.array([0, 1] * 8)
    for transformer in (TabularEncoder(), DatetimeFeatures()):
        out = transformer.fit(X, y).transform(X)
        np.testing.assert_allclose(out[:8], out[8:])
        np.testing.assert_allclose(out, transformer.fit(X.reset_index(drop=True), y)
                                   .transform(X.reset_index(drop=True)))
