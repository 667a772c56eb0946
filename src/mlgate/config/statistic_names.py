"""The statistics per-example records can recompute (see paired.py), without importing numpy:
`config check` validates `statistic:` names on every commit."""

LABEL_STATISTICS = (
    "accuracy",
    "error_rate",
    "balanced_accuracy",
    *(
        f"{name}{suffix}"
        for name in ("precision", "recall", "f1")
        for suffix in ("", "_macro", "_micro", "_weighted")
    ),
)
LOSS_STATISTICS = ("log_loss", "brier", "mae", "mse")
STATISTICS = (*LABEL_STATISTICS, *LOSS_STATISTICS, "rmse", "r2", "roc_auc", "average_precision")

__all__ = ["LABEL_STATISTICS", "LOSS_STATISTICS", "STATISTICS"]
