"""Encodings of numeric and tabular values: NumPy arrays and scalars, SciPy sparse matrices, pandas frames.

Numeric arrays are blobs in NumPy's own format (``np.save``, never pickled); arrays of objects and text
columns are JSON, their elements encoded as any value is (text fast, anything else one by one); a
sparse matrix is its component arrays; a frame is its columns, each with its dtype, and its index.
"""
from __future__ import annotations

import io
import math
from collections import Counter, OrderedDict, defaultdict
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .codec import Decoder, Encoder, Extension, StateError, plain

HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
# Kinds of dtype an array may have: booleans, numbers, datetimes, fixed-width text and bytes; never objects.
NUMERIC_KINDS = frozenset("biufcmMUS")
# Sparse classes a state may hold, by name.
SPARSE = {
    cls.__name__: cls
    for cls in (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix, sp.dok_matrix, sp.lil_matrix, sp.bsr_matrix, sp.dia_matrix,
                sp.csr_array, sp.csc_array, sp.coo_array, sp.dok_array, sp.lil_array, sp.bsr_array, sp.dia_array)
}
# pandas extension dtypes a column may have, by name.
PANDAS_DTYPES = frozenset({"string", "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64",
                           "Float32", "Float64", "boolean", "object"})

# defaultdict factories a state may use: the builtin container types, by name.
FACTORIES = {factory.__name__: factory for factory in (list, set, dict, int, float, str, tuple)}


def save_array(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def load_array(data: bytes) -> np.ndarray:
    """An array in NumPy's format, read only once its header is checked: a numeric dtype, and a shape its bytes fill."""
    if not isinstance(data, bytes):
        raise StateError(f"The state holds a {type(data).__name__} where an array's bytes belong.")
    stream = io.BytesIO(data)
    try:
        header = HEADER_READERS.get(np.lib.format.read_magic(stream))
        if header is None:
            raise ValueError("a format version NumPy's save does not write")
        shape, fortran, dtype = header(stream, max_header_size=10_000)
    except (ValueError, SyntaxError, TypeError) as error:
        raise StateError(f"The state holds an array whose header NumPy can't read ({error}).") from None
    if dtype.hasobject or dtype.kind not in NUMERIC_KINDS:
        raise StateError(f"The state holds an array of dtype {dtype}, which a snapshot may not hold (objects are never unpickled).")
    count = math.prod(shape)
    if count * dtype.itemsize != len(data) - stream.tell():
        raise StateError(f"The state holds an array of shape {shape} whose bytes ({len(data) - stream.tell()}) don't fill it.")
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=stream.tell())
    return flat.reshape(shape, order="F" if fortran else "C").copy()


# Columns: a frame's, an index's, an array of objects'. --------------------------------------------
# pandas' nullable arrays (Int64, Float64, boolean): their values and their mask, both NumPy arrays.
MASKED = {cls.__name__: cls for cls in (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)}


def encode_values(values: Any, encoder: Encoder) -> list[Any]:
    """A one-dimensional array (NumPy or pandas) by its dtype."""
    if isinstance(values, pd.arrays.NumpyExtensionArray):
        values = values.to_numpy()
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return ["cat", encoder.blob(save_array(np.asarray(values.codes))), encode_values(np.asarray(dtype.categories), encoder), dtype.ordered]
    if isinstance(values, np.ndarray) and dtype.kind != "O":
        return ["nd", encoder.blob(save_array(np.ascontiguousarray(values)))]
    if MASKED.get(type(values).__name__) is type(values):
        data = values.to_numpy(dtype=dtype.numpy_dtype, na_value=dtype.numpy_dtype.type(0))
        return ["masked", type(values).__name__, encoder.blob(save_array(data)), encoder.blob(save_array(np.asarray(values.isna())))]
    objects = np.asarray(values, dtype=object).tolist()
    # Text, numbers and None are JSON as they are, read back at C speed; anything else value by value.
    readable = objects if plain(objects) else [encoder.encode(v) for v in objects]
    if isinstance(values, np.ndarray):
        return ["plain" if readable is objects else "obj", readable]
    return ["ext", str(dtype), readable, readable is objects]


def _objects(values: list[Any]) -> np.ndarray:
    found = np.empty(len(values), dtype=object)
    found[:] = values
    return found


def decode_values(payload: list[Any], decoder: Decoder) -> Any:
    kind = payload[0]
    if kind == "nd":
        return load_array(decoder.blob(payload[1]))
    if kind == "plain":
        return _objects(payload[1])
    if kind == "obj":
        return _objects([decoder.decode(v) for v in payload[1]])
    if kind == "masked":
        cls = MASKED.get(payload[1])
        if cls is None:
            raise StateError(f"The state holds a pandas {payload[1]}, which this version does not read.")
        return cls(load_array(decoder.blob(payload[2])), load_array(decoder.blob(payload[3])))
    if kind == "ext":
        _, dtype, values, is_plain = payload
        if dtype not in PANDAS_DTYPES and not str(dtype).startswith(("datetime64[", "timedelta64[")):
            raise StateError(f"The state holds a pandas column of dtype {dtype!r}, which a snapshot may not hold.")
        return pd.array(values if is_plain else [decoder.decode(v) for v in values], dtype=dtype)
    if kind == "cat":
        categories = decode_values(payload[2], decoder)
        return pd.Categorical.from_codes(load_array(decoder.blob(payload[1])), categories=categories, ordered=payload[3])
    raise StateError(f"The state holds a column of kind {kind!r}, which this version does not read.")


def encode_index(index: pd.Index, encoder: Encoder) -> list[Any]:
    if isinstance(index, pd.MultiIndex):
        return ["multi", [encode_index(level, encoder) for level in index.levels], [encoder.blob(save_array(np.asarray(c))) for c in index.codes], encoder.encode(list(index.names))]
    if isinstance(index, pd.RangeIndex):
        return ["range", index.start, index.stop, index.step, encoder.encode(index.name)]
    return ["values", encode_values(index.array, encoder), encoder.encode(index.name)]


def decode_index(payload: list[Any], decoder: Decoder) -> pd.Index:
    if payload[0] == "multi":
        levels = [decode_index(level, decoder) for level in payload[1]]
        codes = [load_array(decoder.blob(c)) for c in payload[2]]
        names = decoder.decode(payload[3])
        return pd.MultiIndex(levels=levels, codes=codes, names=names)  # type: ignore[arg-type]  # pandas-stubs: nested lists only
    if payload[0] == "range":
        return pd.RangeIndex(payload[1], payload[2], payload[3], name=decoder.decode(payload[4]))
    return pd.Index(decode_values(payload[1], decoder), name=decoder.decode(payload[2]), copy=False, tupleize_cols=False)


# Extensions -------------------------------------------------------------------------------------
class NumpyArrays(Extension):
    tag, types = "ndarray", (np.ndarray,)

    def encode(self, obj: np.ndarray, encoder: Encoder) -> Any:
        if obj.dtype.kind == "O":
            return ["obj", list(obj.shape), encode_values(obj.ravel(), encoder)]
        return ["nd", encoder.blob(save_array(obj))]

    def create(self, payload: Any, decoder: Decoder) -> Any:
        if payload[0] == "nd":
            return load_array(decoder.blob(payload[1]))
        return decode_values(payload[2], decoder).reshape(payload[1])


class NumpyScalars(Extension):
    tag, types, shared = "npscalar", (np.generic,), False

    def encode(self, obj: np.generic, encoder: Encoder) -> Any:
        if obj.dtype.kind in "biuf":
            return [obj.dtype.str, obj.item()]
        return [obj.dtype.str, save_array(np.asarray(obj)).hex()]  # datetimes, complex ...: NumPy's format

    def create(self, payload: Any, decoder: Decoder) -> Any:
        dtype, value = _scalar_dtype(payload[0]), payload[1]
        return dtype.type(value) if dtype.kind in "biuf" else load_array(bytes.fromhex(value))[()]


def _scalar_dtype(name: Any) -> np.dtype:
    try:
        dtype = np.dtype(name) if isinstance(name, str) else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in NUMERIC_KINDS:
        raise StateError(f"The state holds a NumPy scalar of dtype {name!r}, which a snapshot may not hold.")
    return dtype


class SparseMatrices(Extension):
    """Any SciPy sparse matrix or array: CSR's or CSC's own arrays, every other format by its COO arrays."""

    tag, types = "sparse", (sp.spmatrix, sp.sparray)
    OWN = {"csr": ("data", "indices", "indptr"), "csc": ("data", "indices", "indptr")}

    def encode(self, obj: Any, encoder: Encoder) -> Any:
        kind = type(obj)
        if SPARSE.get(kind.__name__) is not kind:
            raise encoder.refuse(f"a sparse matrix of class {kind.__module__}.{kind.__qualname__}")
        source = obj if obj.format in self.OWN else obj.tocoo()
        parts = self.OWN.get(obj.format, ("data", "row", "col"))
        return [kind.__name__, obj.format, list(obj.shape), {p: encoder.blob(save_array(np.asarray(getattr(source, p)))) for p in parts}]

    def create(self, payload: Any, decoder: Decoder) -> Any:
        name, form, shape, parts = payload
        cls = SPARSE.get(name) if isinstance(name, str) else None
        if cls is None:
            raise StateError(f"The state holds a sparse matrix of class scipy.sparse.{name}, which this version does not read.")
        arrays = {p: load_array(decoder.blob(blob)) for p, blob in parts.items()}
        if form in self.OWN:
            return cls((arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(shape))
        coo = sp.coo_matrix((arrays["data"], (arrays["row"], arrays["col"])), shape=tuple(shape))
        return cls(coo.asformat(form))


class DataFrames(Extension):
    tag, types = "frame", (pd.DataFrame,)

    def encode(self, obj: pd.DataFrame, encoder: Encoder) -> Any:
        return {
            "columns": encode_index(obj.columns, encoder),
            "index": encode_index(obj.index, encoder),
            "data": [encode_values(obj.iloc[:, i].array, encoder) for i in range(obj.shape[1])],
        }

    def create(self, payload: Any, decoder: Decoder) -> Any:
        columns = decode_index(payload["columns"], decoder)
        index = decode_index(payload["index"], decoder)
        data = {i: decode_values(column, decoder) for i, column in enumerate(payload["data"])}
        frame = pd.DataFrame(data, index=index, copy=False) if data else pd.DataFrame(index=index)
        frame.columns = columns
        return frame


class Series(Extension):
    tag, types = "series", (pd.Series,)

    def encode(self, obj: pd.Series, encoder: Encoder) -> Any:
        return [encode_values(obj.array, encoder), encode_index(obj.index, encoder), encoder.encode(obj.name)]

    def create(self, payload: Any, decoder: Decoder) -> Any:
        values, index, name = payload
        return pd.Series(decode_values(values, decoder), index=decode_index(index, decoder), name=decoder.decode(name), copy=False)


class Indexes(Extension):
    tag, types = "index", (pd.Index,)

    def encode(self, obj: pd.Index, encoder: Encoder) -> Any:
        return encode_index(obj, encoder)

    def create(self, payload: Any, decoder: Decoder) -> Any:
        return decode_index(payload, decoder)


class PandasScalars(Extension):
    """pandas' missing values and timestamps, as they sit in object columns."""

    tag, shared = "pdscalar", False
    types = (pd.Timestamp, pd.Timedelta, type(pd.NA), type(pd.NaT))

    def encode(self, obj: Any, encoder: Encoder) -> Any:
        if obj is pd.NA:
            return ["NA"]
        if obj is pd.NaT:
            return ["NaT"]
        if isinstance(obj, pd.Timestamp):
            return ["Timestamp", obj.isoformat()]
        return ["Timedelta", obj.value]

    def create(self, payload: Any, decoder: Decoder) -> Any:
        return {"NA": lambda: pd.NA, "NaT": lambda: pd.NaT, "Timestamp": lambda: pd.Timestamp(payload[1]), "Timedelta": lambda: pd.Timedelta(payload[1])}[payload[0]]()


class Collections(Extension):
    """The standard library's dict kinds: defaultdict (of a builtin container), OrderedDict, Counter."""

    tag, types = "collection", (defaultdict, OrderedDict, Counter)

    def encode(self, obj: Any, encoder: Encoder) -> Any:
        factory = getattr(obj, "default_factory", None)
        if isinstance(obj, defaultdict) and factory is not None and FACTORIES.get(getattr(factory, "__name__", "")) is not factory:
            raise encoder.refuse(f"a defaultdict of {factory!r}")
        kind = "defaultdict" if isinstance(obj, defaultdict) else type(obj).__name__
        return [kind, factory.__name__ if factory else None, [[encoder.encode(k), encoder.encode(v)] for k, v in obj.items()]]

    def create(self, payload: Any, decoder: Decoder) -> Any:
        kind, factory = payload[0], payload[1]
        if kind == "defaultdict":
            if factory is not None and factory not in FACTORIES:
                raise StateError(f"The state holds a defaultdict of {factory!r}, which a snapshot may not hold.")
            return defaultdict(FACTORIES[factory] if factory else None)
        if kind not in COLLECTIONS:
            raise StateError(f"The state holds a collection of kind {kind!r}, which this version does not read.")
        return COLLECTIONS[kind]()

    def fill(self, obj: Any, payload: Any, decoder: Decoder) -> Any:
        for key, value in payload[2]:
            obj[decoder.decode(key)] = decoder.decode(value)
        return obj


COLLECTIONS = {"OrderedDict": OrderedDict, "Counter": Counter}


EXTENSIONS: tuple[Extension, ...] = (
    NumpyArrays(),
    NumpyScalars(),
    SparseMatrices(),
    DataFrames(),
    Series(),
    Indexes(),
    PandasScalars(),
    Collections(),
)
