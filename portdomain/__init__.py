"""The ground floor: what a port knows before any software touches it (container numbers, dangerous-goods codes
and segregation, roles and permissions, the assets folder, addresses, process runtime helpers).

Every folder of the product may import it; it imports none of them (tests/test_floors.py checks that).
"""
