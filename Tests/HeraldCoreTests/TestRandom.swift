import HeraldCore

/// Property tests replay exactly: one seeded generator for all of them.
typealias SeededRandom = SplitMix64
