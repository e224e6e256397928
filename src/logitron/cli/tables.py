"""Reading CSV and Parquet files into pandas DataFrames, whole or in chunks,
with one-line errors that name the file, the column and the line.

pandas does the parsing (and pyarrow the Parquet); this module only turns
their exceptions into messages a user can act on, and checks the columns a
model needs: present, numeric, no missing values.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DataError

PARQUET_SUFFIXES = (".parquet", ".pq")


def pandas() -> Any:
    """The pandas module, or a DataError saying how to install it."""
    try:
        import pandas as pd
    except ImportError:
        raise DataError(
            "reading data files needs pandas: pip install 'logitron[cli]'"
        ) from None
    return pd


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() in PARQUET_SUFFIXES


def read_table(path: Path) -> Any:
    """The whole file as a DataFrame whose index is the row number (0 = the
    first data row)."""
    chunks = list(iter_table(path, chunk_size=None))
    return chunks[0]


def iter_table(path: Path, chunk_size: int | None) -> Iterator[Any]:
    """DataFrames of at most ``chunk_size`` rows (all rows when None), their
    index counting rows from 0 across chunks. Yields at least one frame."""
    pd = pandas()
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file")
    if is_parquet(path):
        yield from _iter_parquet(path, chunk_size)
        return
    _check_header(path)
    try:
        reader = pd.read_csv(path, chunksize=chunk_size) if chunk_size else None
        if reader is None:
            frame = pd.read_csv(path)
            _check_rows(path, frame)
            yield frame
            return
        with reader:
            first = True
            for frame in reader:
                first = False
                yield frame
            if first:
                raise DataError(f"{path}: has a header but no data rows")
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty (no header row)") from None
    except pd.errors.ParserError as error:
        raise DataError(f"{path}: malformed CSV: {one_line(error)}") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text file (not UTF-8)") from None


def _check_header(path: Path) -> None:
    # pandas renames a repeated column to "x.1" without a word; a model
    # trained on the wrong one of two "x" columns would be silently wrong.
    try:
        with open(path, newline="", encoding="utf-8") as stream:
            header = next(csv.reader(stream), None)
    except (UnicodeDecodeError, csv.Error):
        return  # pandas reports these with more detail
    if header:
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            raise DataError(f"{path}: repeated column name(s) in the header: {repeated}")


def _check_rows(path: Path, frame: Any) -> None:
    if len(frame) == 0:
        raise DataError(f"{path}: has a header but no data rows")


def _iter_parquet(path: Path, chunk_size: int | None) -> Iterator[Any]:
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise DataError(
            f"{path}: reading Parquet files needs pyarrow: pip install 'logitron[parquet]'"
        ) from None
    import pyarrow

    try:
        source = parquet.ParquetFile(path)
        if chunk_size is None:
            frame = source.read().to_pandas()
            _check_rows(path, frame)
            yield frame
            return
        start = 0
        for batch in source.iter_batches(batch_size=chunk_size):
            frame = batch.to_pandas()
            frame.index = range(start, start + len(frame))
            start += len(frame)
            yield frame
        if start == 0:
            raise DataError(f"{path}: has no data rows")
    except pyarrow.ArrowException as error:
        raise DataError(f"{path}: not a readable Parquet file: {one_line(error)}") from None


def row_label(path: Path, row: int) -> str:
    """Where row ``row`` (0-based data row) is, in the user's terms."""
    return f"row {row + 1}" if is_parquet(path) else f"line {row + 2}"


def require_columns(path: Path, frame: Any, names: Sequence[str], role: str) -> None:
    """DataError unless every name is a column of ``frame``."""
    missing = [name for name in names if name not in frame.columns]
    if missing:
        available = ", ".join(map(str, frame.columns))
        noun = "column" if len(missing) == 1 else "columns"
        raise DataError(
            f"{path}: {role} {noun} {', '.join(map(repr, missing))} not found "
            f"(the file has: {available})"
        )


def numeric_matrix(path: Path, frame: Any, names: Sequence[str]) -> Any:
    """``frame[names]`` as float64, after checking each column is numeric
    (booleans count as 0/1) and complete."""
    pd = pandas()
    require_columns(path, frame, names, "feature")
    for name in names:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column):
            continue
        if not pd.api.types.is_numeric_dtype(column):
            present = column.dropna()
            example = (
                f" (e.g. {present.iloc[0]!r} on {row_label(path, int(present.index[0]))})"
                if len(present) else ""
            )
            raise DataError(
                f"{path}: feature column {name!r} is not numeric{example}; drop it, "
                f"encode it as numbers, or train with --formula '... + C({name})' to "
                "encode it as categories"
            )
        require_complete(path, frame, name)
        values = column.to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(values)):
            where = row_label(path, int(frame.index[np.flatnonzero(~np.isfinite(values))[0]]))
            raise DataError(f"{path}: column {name!r} has an infinite value on {where}")
    return frame[list(names)].astype(np.float64)


def require_complete(path: Path, frame: Any, name: str) -> None:
    """DataError if column ``name`` has missing values (empty fields)."""
    missing = frame[name].isna().to_numpy()
    if missing.any():
        where = row_label(path, int(frame.index[np.flatnonzero(missing)[0]]))
        raise DataError(
            f"{path}: column {name!r} has {int(missing.sum())} missing value(s), "
            f"the first on {where}; fill or drop those rows first (train: --missing drop)"
        )


#: Terminal colour codes and formulaic's markers around the faulty part of a
#: formula: noise in a one-line message, and in a log file.
_DECORATION = re.compile(r"\x1b?\[[0-9;]*m|[\u29da\u29db]")


def one_line(error: BaseException | str) -> str:
    """The message of ``error`` on one line, without terminal decoration."""
    text = " ".join(_DECORATION.sub("", str(error)).split())
    return text or (type(error).__name__ if isinstance(error, BaseException) else "")
