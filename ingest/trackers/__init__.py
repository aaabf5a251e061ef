"""Phone trackers for people: the OsmAnd/Traccar Client HTTP protocol, the writer, the people registry."""
