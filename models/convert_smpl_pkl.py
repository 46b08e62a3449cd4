#!/usr/bin/env python3
"""Convert an official SMPL model file (.pkl, from the SMPL website, licence required) to the .npz that
`unipose --body` and the GUI load.

    python3 models/convert_smpl_pkl.py basicmodel_neutral_lbs_10_207_0_v1.1.0.pkl smpl_neutral.npz

Needs numpy and scipy (the pickle holds a scipy sparse J_regressor). chumpy is NOT needed: its objects are
read as plain arrays. The output holds v_template (6890x3), f (13776x3), J_regressor (24x6890, dense),
weights (6890x24), posedirs (6890x3x207), shapedirs (6890x3xS), kintree_table (2x24).
"""
import pickle
import sys

import numpy as np


class _ChumpyArray:
    """Stands in for chumpy objects inside the pickle; keeps their state so the array can be recovered."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        self.__dict__.update(state if isinstance(state, dict) else {"x": state})


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module.startswith("chumpy"):
            return _ChumpyArray
        return super().find_class(module, name)


def _dense(value):
    if isinstance(value, _ChumpyArray):
        for key in ("x", "a", "r"):
            if key in value.__dict__:
                return _dense(value.__dict__[key])
        raise ValueError("cannot read a chumpy object with fields %s" % sorted(value.__dict__))
    if hasattr(value, "toarray"):
        value = value.toarray()
    return np.asarray(value)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        model = _Unpickler(f, encoding="latin1").load()
    keys = ["v_template", "f", "J_regressor", "weights", "posedirs", "shapedirs", "kintree_table"]
    missing = [k for k in keys if k not in model]
    if missing:
        print("%s: not an SMPL model file, missing %s" % (argv[1], ", ".join(missing)), file=sys.stderr)
        return 1
    arrays = {k: _dense(model[k]) for k in keys}
    arrays["f"] = arrays["f"].astype(np.int64)
    arrays["kintree_table"] = arrays["kintree_table"].astype(np.int64)
    np.savez(argv[2], **{k: np.ascontiguousarray(v) for k, v in arrays.items()})
    print("wrote %s: %d vertices, %d shape coefficients" % (argv[2], arrays["v_template"].shape[0],
                                                           arrays["shapedirs"].shape[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
