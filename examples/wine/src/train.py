"""Train a classifier on data/train.csv and pickle it to model.pkl."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from sklearn.base import ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

TARGET = "target"


def load_params() -> dict[str, Any]:
    params: dict[str, Any] = yaml.safe_load(Path("params.yaml").read_text("utf-8"))["train"]
    return params


def build_model(params: dict[str, Any]) -> ClassifierMixin:
    kind = params["model"]
    seed = int(params["seed"])
    if kind == "random_forest":
        max_depth = params.get("max_depth")
        return RandomForestClassifier(
            n_estimators=int(params["n_estimators"]),
            max_depth=None if max_depth is None else int(max_depth),
            random_state=seed,
            n_jobs=1,  # one thread: the same model.pkl, byte for byte, on every run
        )
    if kind == "logistic_regression":
        # Features differ in scale by ~1000x (proline vs hue), so standardise first.
        return make_pipeline(
            StandardScaler(),
            LogisticRegression(C=float(params["C"]), max_iter=1000, random_state=seed),
        )
    raise ValueError(f"params.yaml: unknown train.model {kind!r}")


def main() -> None:
    params = load_params()
    train = pd.read_csv("data/train.csv")
    features, labels = train.drop(columns=[TARGET]), train[TARGET]

    model = build_model(params)
    model.fit(features, labels)

    with Path("model.pkl").open("wb") as f:
        pickle.dump(model, f)
    print(f"train: fitted {type(model).__name__} on {len(train)} rows")


if __name__ == "__main__":
    main()
