def step(x):
    return 1 if x > 0 else 0
