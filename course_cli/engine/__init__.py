"""The build engine: a builder plans frozen steps, the engine hashes their inputs, runs the
stale ones in parallel and installs outputs atomically. It knows no output format."""
