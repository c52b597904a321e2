"""The label tables stored beside coded columns: state_labels "0=blast,1=normal B cell,..." and
flags_labels "bit0=CD19 epitope lost,bit1=lineage switched" (docs/OUTPUT.md)."""
import numpy as np

from .errors import CartsimFileError


def parse_code_labels(label_text, path=None, member=None):
    """{code: label} from "0=resting,1=effector,..."."""
    labels = {}
    for item in str(label_text).split(","):
        code, separator, label = item.partition("=")
        try:
            if not separator or not label:
                raise ValueError
            labels[int(code)] = label.strip()
        except ValueError:
            raise CartsimFileError(f"'{path}': label table of '{member}' has a bad entry '{item}' "
                                   f"(expected CODE=NAME)", path, member) from None
    return labels


def parse_bit_labels(label_text, path=None, member=None):
    """{bit: label} from "bit0=CD19 epitope lost,bit1=..."."""
    labels = {}
    for item in str(label_text).split(","):
        bit, separator, label = item.partition("=")
        if not separator or not bit.startswith("bit") or not bit[3:].isdigit():
            raise CartsimFileError(f"'{path}': flag table of '{member}' has a bad entry '{item}' "
                                   f"(expected bitN=NAME)", path, member)
        labels[int(bit[3:])] = label.strip()
    return labels


def decode_codes(codes, labels, path=None, member=None):
    """Names of integer codes as a numpy array of str; a code without a label is an error."""
    codes = np.asarray(codes)
    unknown = sorted(set(np.unique(codes).tolist()) - set(labels))
    if unknown:
        raise CartsimFileError(f"'{path}': '{member}' holds codes {unknown} that its label table "
                               f"{labels} does not name", path, member)
    table = np.array([labels.get(code, "") for code in range(max(labels, default=-1) + 1)],
                     dtype=object)
    return table[codes.astype(np.intp)] if codes.size else np.array([], dtype=object)
