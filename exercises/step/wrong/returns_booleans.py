def step(x):
    return x > 0
