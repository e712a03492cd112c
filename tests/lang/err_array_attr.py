y = np.ones((2, 3))
y.shape
y.shap
