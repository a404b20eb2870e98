"""`make bench`: the product's speed at the province's size, each figure beside a floor measured in the same run."""
