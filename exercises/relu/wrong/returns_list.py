def relu(x):
    if hasattr(x, "tolist"):
        x = x.tolist()
    if isinstance(x, list):
        return [relu(v) for v in x]
    return max(0, x)
