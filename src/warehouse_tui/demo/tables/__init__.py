"""The demo warehouse's fixed tables: the floor, the products, the people, the carriers.

Plain data, no randomness: the generators beside this package (`catalogue`, `orders`, `stock`)
draw from these tables with the seed's `random.Random`, and `seed` writes what they drew.
"""
