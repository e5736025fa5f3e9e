"""Patient-education assistant about mycophenolate for people with LEMS (domain code)."""
