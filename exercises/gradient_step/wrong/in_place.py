def gradient_step(weights, gradient, learning_rate):
    weights -= learning_rate * gradient
    return weights
