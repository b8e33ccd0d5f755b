"""examples/decision_guarantees.py runs (--quick) and shows the guarantees kept."""

import runpy
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "decision_guarantees.py"


def test_decision_guarantees_example(capsys):
    rows = {r["tool"]: r for r in runpy.run_path(str(EXAMPLE))["main"](["--quick"])}
    out = capsys.readouterr().out
    assert set(rows) == {"NeymanPearsonClassifier", "RecallControlClassifier",
                         "TunedOffsetsClassifierCV(LogisticRegression)",
                         'PriorShiftClassifier("em")', 'PriorShiftClassifier("bbse")'}
    for name in rows:
        assert name in out
    assert rows["NeymanPearsonClassifier"]["violation_rate"] <= 0.05 + 0.05  # 40 data sets
    assert rows["NeymanPearsonClassifier"]["mean_fpr"] < 0.05
    assert rows["RecallControlClassifier"]["mean_fnr"] <= 0.1 + 0.02
    offsets = rows["TunedOffsetsClassifierCV(LogisticRegression)"]
    assert offsets["offsets_f1"] > offsets["argmax_f1"]
    assert rows['PriorShiftClassifier("em")']["max_error"] <= 0.03
    assert rows['PriorShiftClassifier("bbse")']["max_error"] <= 0.05
    assert "measured" in out and "promise" in out
