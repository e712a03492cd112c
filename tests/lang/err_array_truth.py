x = np.arange(6)
'yes' if x else 'no'
