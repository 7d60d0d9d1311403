// Placeholder until the benchmark issue (#5) lands.
