/// Measurements of this machine's ceiling and open-loop load generation (issue: benchmarks).
public enum Benchmarks {}
