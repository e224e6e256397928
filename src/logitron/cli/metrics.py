"""The evaluation report shared by ``train --test-size`` and ``evaluate``:
scikit-learn's metrics on a model's predictions, as text or JSON data."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Evaluation:
    """Metrics of predicted labels and probabilities against true labels."""

    n_samples: int
    classes: list[Any]
    accuracy: float
    log_loss: float
    roc_auc: float | None
    confusion: np.ndarray
    report_text: str
    report: dict[str, Any]

    def as_text(self, *, full: bool = True) -> str:
        auc = "n/a (needs every class in the data)" if self.roc_auc is None else (
            f"{self.roc_auc:.4f}"
        )
        lines = [
            f"rows      {self.n_samples}",
            f"accuracy  {self.accuracy:.4f}",
            f"log-loss  {self.log_loss:.4f}",
            f"ROC AUC   {auc}",
        ]
        if full:
            lines += ["", "confusion matrix (rows: true label, columns: predicted label)"]
            lines += _matrix_lines(self.classes, self.confusion)
            lines += ["", "classification report", self.report_text.rstrip()]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "n_samples": self.n_samples,
            "accuracy": self.accuracy,
            "log_loss": self.log_loss,
            "roc_auc": self.roc_auc,
            "classes": [_plain(label) for label in self.classes],
            "confusion_matrix": self.confusion.tolist(),
            "classification_report": self.report,
        }


def evaluate(y_true: Any, y_pred: Any, proba: Any, classes: Any) -> Evaluation:
    """Compute every metric; ``proba`` columns follow ``classes``."""
    from sklearn.metrics import (
        accuracy_score,
        classification_report,
        confusion_matrix,
        log_loss,
        roc_auc_score,
    )

    y_true = np.asarray(y_true)
    classes = np.asarray(classes)
    proba = np.asarray(proba, dtype=np.float64)
    roc_auc: float | None = None
    if len(np.unique(y_true)) == len(classes):
        if len(classes) == 2:
            roc_auc = float(roc_auc_score(y_true == classes[1], proba[:, 1]))
        else:
            roc_auc = float(roc_auc_score(y_true, proba, multi_class="ovr", labels=classes))
    names = [str(label) for label in classes]
    with warnings.catch_warnings():
        # zero_division=0 already says what an empty class scores.
        warnings.simplefilter("ignore")
        report = classification_report(
            y_true, y_pred, labels=classes, target_names=names, zero_division=0,
            output_dict=True, digits=4,
        )
        report_text = classification_report(
            y_true, y_pred, labels=classes, target_names=names, zero_division=0, digits=4
        )
    return Evaluation(
        n_samples=len(y_true),
        classes=list(classes),
        accuracy=float(accuracy_score(y_true, y_pred)),
        log_loss=float(log_loss(y_true, proba, labels=classes)),
        roc_auc=roc_auc,
        confusion=confusion_matrix(y_true, y_pred, labels=classes),
        report_text=str(report_text),
        report=_plain(report),
    )


def _matrix_lines(classes: list[Any], matrix: np.ndarray) -> list[str]:
    labels = [str(label) for label in classes]
    width = max(max(map(len, labels)), len(str(int(matrix.max(initial=0)))), 4)
    lines = [" " * width + "  " + "  ".join(label.rjust(width) for label in labels)]
    for label, row in zip(labels, matrix, strict=True):
        lines.append(label.rjust(width) + "  " + "  ".join(str(n).rjust(width) for n in row))
    return lines


def _plain(value: Any) -> Any:
    """NumPy scalars and nested containers -> JSON-ready Python values."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
