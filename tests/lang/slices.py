# slice bounds follow Python: clipped, negative from the end, any step
r = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
r[2:8:2], r[8:2:-2], r[-3:-1], r[-1:-4:-1], r[::3], r[5:5], r[7:3], r[-100:100]
r[:3], r[7:], r[::-1], r[1::-1], r[:1:-4]
i = 2
r[i:i + 3], r[i * 2:], r[:-i]
