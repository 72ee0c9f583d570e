import matplotlib

matplotlib.use("Agg")

# Training parameters that learn scikit-learn's small check datasets in seconds.
FAST = dict(max_epochs=30, batch_size=32, lr=0.01, random_state=0, device="cpu")
