images.fromarray()
