// Placeholder until the CLI issue (#4) lands.
print("locmem: the demo CLI is not built yet (see issue #4)")
