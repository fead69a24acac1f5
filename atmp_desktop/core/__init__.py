"""Domain layer: forms, conditions, values, section map, rules. No Qt widgets, no SQL, no file formats."""
