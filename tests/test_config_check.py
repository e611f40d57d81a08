"""The config schema: field types and `Literal` choices checked when a config is built, and read by the CLI."""

from __future__ import annotations

import pytest

from vaelib.classifier import ClassifierConfig
from vaelib.config_check import choices
from vaelib.errors import ConfigError
from vaelib.evaluate import EvalConfig
from vaelib.losses import ObjectiveConfig
from vaelib.sharp import SharpConfig
from vaelib.train import OptimConfig


def test_literal_fields_reject_other_values_with_the_choices_in_the_message():
    with pytest.raises(ConfigError, match="likelihood must be one of bernoulli, gaussian, mse, got 'poisson'"):
        ObjectiveConfig(likelihood="poisson")
    with pytest.raises(ConfigError, match="binarize must be one of none, dynamic, static"):
        OptimConfig(binarize="sometimes")
    with pytest.raises(ConfigError, match="adversarial_loss must be one of hinge, nonsaturating"):
        SharpConfig(adversarial_loss="wasserstein")
    assert ObjectiveConfig(reduction="mean").reduction == "mean"


def test_the_cli_offers_the_schema_choices():

    assert choices(ObjectiveConfig, "likelihood") == ("bernoulli", "gaussian", "mse")
    assert choices(OptimConfig, "optimizer") == ("adam", "adamw")
    with pytest.raises(TypeError, match="not a Literal field"):
        choices(OptimConfig, "lr")


def test_eval_and_classifier_configs_are_checked():
    with pytest.raises(ConfigError, match="fid_n must be at least 1"):
        EvalConfig(fid_n=0)
    with pytest.raises(ConfigError, match="must be an integer"):
        EvalConfig(iwae_k=2.5)
    assert EvalConfig(iwae_k=0, ood_n=None).iwae_k == 0  # 0 turns the IWAE estimate off
    with pytest.raises(ConfigError, match="num_epochs must be at least 1"):
        ClassifierConfig(num_epochs=0)
    assert ClassifierConfig(widths=[8, 16, 32]).widths == (8, 16, 32)  # lists from JSON become tuples
