"""Score model.pkl on data/test.csv and write metrics.json."""

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
    print("evaluate: " + ", ".join(f"{k}={v:.4f}" for k, v in sorted(metrics.items())))


if __name__ == "__main__":
    main()
