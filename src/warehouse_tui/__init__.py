"""warehouse-tui: the packing floor of an online shop, in a terminal."""
