"""Defects an in-depth review of LossPortfolioClassifier found, each pinned by its own test."""

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from sklearn_losses import LossPortfolioClassifier
from sklearn_losses.portfolio import default_portfolio, ensemble_selection

SMALL = {"a": {"hidden_layer_sizes": (4,), "max_epochs": 5},
         "b": {"hidden_layer_sizes": (4,), "max_epochs": 5, "loss": "focal"}}


def test_a_nested_key_under_a_plain_parameter_is_a_clear_error_and_tags_never_fail():
    clf = LossPortfolioClassifier(configs={"a": {"max_epochs__x": 1}})
    assert is_classifier(clf)  # the tags used to raise AttributeError
    X, y = make_classification(60, 4, random_state=0)
    with pytest.raises(ValueError, match=r"configs\['a'\]"):
        clf.fit(X, y)


def test_nested_parameters_of_configurations_and_extra_estimators_can_be_set():
    extra = LogisticRegression()
    configs = {k: dict(v) for k, v in SMALL.items()}
    clf = LossPortfolioClassifier(configs=configs, extra_estimators={"lr": extra})
    clf.set_params(configs__a__max_epochs=7, extra_estimators__lr__C=0.5)
    assert clf.configs["a"]["max_epochs"] == 7 and clf.extra_estimators["lr"].C == 0.5
    assert configs["a"]["max_epochs"] == 5 and extra.C == 1.0  # the user's objects stay
    clf.set_params(configs__b={"hidden_layer_sizes": (2,)})
    assert clf.configs["b"] == {"hidden_layer_sizes": (2,)}
    default = LossPortfolioClassifier().set_params(configs__default__max_epochs=3)
    assert default.configs["default"]["max_epochs"] == 3
    assert set(default.configs) == set(default_portfolio())
    with pytest.raises(ValueError, match="configs has no entry 'zz'"):
        clone(clf).set_params(configs__zz__max_epochs=1)
    X, y = make_classification(120, 4, weights=[0.8], random_state=0)
    search = GridSearchCV(LossPortfolioClassifier(configs=SMALL, n_folds=2, random_state=0),
                          {"configs__a__max_epochs": [2, 4]}, cv=2).fit(X, y)
    assert search.best_params_["configs__a__max_epochs"] in (2, 4)


def test_predict_uses_the_refit_weight_it_was_fitted_with():
    X, y = make_classification(120, 4, weights=[0.8], random_state=0)
    clf = LossPortfolioClassifier(configs=SMALL, n_folds=2, random_state=0).fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(refit_weight=0.0)  # takes effect at the next fit, as every parameter
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert clf.refit_weight_ == pytest.approx(2 / 3)


def test_ensemble_selection_refuses_an_empty_ensemble_size():
    probas = np.full((2, 4, 2), 0.5)
    with pytest.raises(ValueError, match="max_ensemble_size must be an int >= 1"):
        ensemble_selection(probas, np.array([0, 1, 0, 1]), max_ensemble_size=0)


def test_set_params_sets_configs_before_their_entries():
    # scikit-learn sets a parent before its nested parameters: a grid of
    # {"configs": [A], "configs__a__lr": [...]} lost lr (or found no entry 'a')
    portfolio = LossPortfolioClassifier(configs={"x": {"max_epochs": 1}})
    portfolio.set_params(configs={"a": {"max_epochs": 3}}, configs__a__lr=0.1)
    assert portfolio.configs == {"a": {"max_epochs": 3, "lr": 0.1}}


def test_set_params_refuses_a_parameter_the_network_lacks_at_once():
    # it was accepted and failed only at fit, unlike WeightedLossClassifier's and
    # CrossFitClassifier's set_params
    with pytest.raises(ValueError, match=r"configs__default__bogus: 'bogus' is not a "
                                         r"parameter of WeightedLossClassifier, which "
                                         r"configuration 'default' builds"):
        LossPortfolioClassifier().set_params(configs__default__bogus=1)
    with pytest.raises(ValueError, match=r"configs__default__loss__bogus: Invalid parameter "
                                         r"'bogus' for estimator CrossEntropyLoss"):
        LossPortfolioClassifier().set_params(configs__default__loss__bogus=1)
    # a loss's parameter before the loss, in one call: the order of the keys does not matter
    for params in ({"configs__a__loss__gamma": 2.0, "configs__a__loss": "focal"},
                   {"configs__a__loss": "focal", "configs__a__loss__gamma": 2.0}):
        portfolio = LossPortfolioClassifier(configs={"a": {}}).set_params(**params)
        assert portfolio._candidates()[0][1].get_params()["loss__gamma"] == 2.0
    portfolio = LossPortfolioClassifier(configs={"f": {"loss": "focal"}, "b": {"nope": 1}})
    portfolio.set_params(configs__f__loss__gamma=1.0, configs__b__lr=0.1)  # fit names 'nope'
    assert portfolio.configs == {"f": {"loss": "focal", "loss__gamma": 1.0},
                                 "b": {"nope": 1, "lr": 0.1}}


def test_deep_get_params_lists_the_keys_set_params_takes():
    from sklearn_losses import WeightedLossClassifier, get_loss

    # the default portfolio's networks, each with every parameter at its effective value
    params = LossPortfolioClassifier().get_params(deep=True)
    assert params["configs__default"] == {} and params["configs__default__lr"] == 2e-3
    assert params["configs__piecewise_linear_tree__n_iter_no_change"] == 5
    shallow = LossPortfolioClassifier().get_params(deep=False)
    assert "configs__default" not in shallow and shallow.items() <= params.items()
    # every key listed is taken back, and a round trip builds the same networks
    rebuilt = clone(LossPortfolioClassifier()).set_params(**params)
    assert [(n, e.get_params()) for n, e in rebuilt._candidates()] == [
        (n, e.get_params()) for n, e in LossPortfolioClassifier()._candidates()]
    # a loss instance with nested parameters, an estimator and an extra estimator
    focal = get_loss("focal")
    portfolio = LossPortfolioClassifier(
        configs={"f": {"loss": focal, "loss__gamma": 3.0},
                 "w": WeightedLossClassifier(lr=0.1)},
        extra_estimators={"lr": LogisticRegression(C=2.0)})
    params = portfolio.get_params()
    assert params["configs__f__loss__gamma"] == 3.0 and focal.gamma != 3.0  # not changed
    assert params["configs__w__lr"] == 0.1 and params["extra_estimators__lr__C"] == 2.0
    for key, value in params.items():  # each key listed is one set_params takes
        assert repr(clone(portfolio).set_params(**{key: value}).get_params()[key]) == repr(value)
    # an invalid entry is listed as given (fit names what is wrong), never raises here
    bad = LossPortfolioClassifier(configs={"b": {"nope": 1}}).get_params()
    assert bad["configs__b__nope"] == 1
    assert LossPortfolioClassifier(configs="oops").get_params()["configs"] == "oops"


def test_entry_names_with_double_underscores_and_classes_are_refused_clearly():
    from sklearn_losses import CrossFitClassifier

    X, y = make_classification(60, 4, weights=[0.7], random_state=0)
    # set_params reads configs__<name>__<param>: a name with "__" could not be set back
    bad = LossPortfolioClassifier(configs={"net__small": SMALL["a"]})
    assert bad.get_params()["configs"] == {"net__small": SMALL["a"]}  # never raises
    with pytest.raises(ValueError, match="must not contain '__'.*got 'net__small'"):
        bad.fit(X, y)
    with pytest.raises(ValueError, match="must be non-empty"):
        LossPortfolioClassifier(configs={"": SMALL["a"]}).fit(X, y)
    # a valid portfolio inside a seeding meta-estimator: its nested random_state keys work
    CrossFitClassifier(LossPortfolioClassifier(configs=SMALL, n_folds=2), n_folds=2,
                       random_state=0).fit(X, y)
    # a class (not an instance) as an entry: parameters still set, fit names the problem
    cls = LossPortfolioClassifier(extra_estimators={"lr": LogisticRegression})
    assert cls.set_params(n_folds=3).n_folds == 3
    with pytest.raises(ValueError, match=r"extra_estimators\['lr'\] must be a classifier"):
        cls.fit(X, y)


def test_a_binary_threshold_tags_the_ensembles_binary_only():
    from sklearn.utils import get_tags

    from sklearn_losses import CrossFitClassifier

    assert get_tags(LossPortfolioClassifier()).classifier_tags.multi_class  # metric: falls back
    assert not get_tags(LossPortfolioClassifier(threshold=0.3)).classifier_tags.multi_class
    assert get_tags(CrossFitClassifier()).classifier_tags.multi_class
    assert not get_tags(CrossFitClassifier(threshold="f1")).classifier_tags.multi_class


def test_tags_follow_time_limit_and_the_offsets_f1_scoring():
    from sklearn.utils import get_tags

    from sklearn_losses.decisions import TunedOffsetsClassifierCV

    assert not get_tags(LossPortfolioClassifier()).non_deterministic
    assert get_tags(LossPortfolioClassifier(time_limit=10)).non_deterministic
    assert get_tags(TunedOffsetsClassifierCV(LogisticRegression())).classifier_tags.multi_class
    assert not get_tags(TunedOffsetsClassifierCV(LogisticRegression(),
                                                 scoring="f1")).classifier_tags.multi_class
