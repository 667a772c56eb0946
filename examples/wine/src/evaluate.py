"""Score model.pkl on data/test.csv; write metrics.json and the per-example eval/predictions.csv."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, log_loss

TARGET = "target"


def main() -> None:
    test = pd.read_csv("data/test.csv")
    features, labels = test.drop(columns=[TARGET]), test[TARGET]

    # model.pkl is this pipeline's own output (train stage), not untrusted input.
    with Path("model.pkl").open("rb") as f:
        model = pickle.load(f)

    predicted = model.predict(features)
    probabilities = model.predict_proba(features)
    metrics = {
        "accuracy": float(accuracy_score(labels, predicted)),  # higher is better
        "f1_macro": float(f1_score(labels, predicted, average="macro")),  # higher is better
        "log_loss": float(log_loss(labels, probabilities, labels=model.classes_)),  # lower
    }

    text = json.dumps(metrics, sort_keys=True, indent=2) + "\n"
    Path("metrics.json").write_text(text, encoding="utf-8")

    # One row per test example, so mlgate can judge a change on paired per-example results
    # (`metrics.per_example`): which examples the model got right, with what confidence.
    predictions = pd.DataFrame({"id": test.index, "y_true": labels, "y_pred": predicted})
    for column, label in enumerate(model.classes_):
        predictions[f"proba_{label}"] = probabilities[:, column]
    Path("eval").mkdir(exist_ok=True)
    predictions.to_csv("eval/predictions.csv", index=False)
    print("evaluate: " + ", ".join(f"{k}={v:.4f}" for k, v in sorted(metrics.items())))


if __name__ == "__main__":
    main()
